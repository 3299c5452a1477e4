//! Reading runbook files: bytes to checked runbooks, with the problems rendered for people.

use std::path::Path;

use tejun_grammar::diagnostics::render;
use tejun_grammar::{Problem, Runbook, Severity};

/// Width of rendered diagnostics.
pub(crate) const WIDTH: usize = 100;

/// A runbook file read and compiled.
pub(crate) struct Loaded {
    /// The path as given, for messages.
    pub name: String,
    /// The text.
    pub src: String,
    /// The checked runbook, or every problem found.
    pub result: Result<Runbook, Vec<Problem>>,
}

/// Reads and compiles a file. `Err` carries a message when the file cannot be read at all.
pub(crate) fn load(path: &Path) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let (src, result) = match tejun_grammar::parse::decode(&bytes) {
        Ok(text) => (text.to_owned(), tejun_grammar::compile(text)),
        Err(e) => (
            String::from_utf8_lossy(&bytes).into_owned(),
            Err(vec![Problem::from(e)]),
        ),
    };
    Ok(Loaded { name, src, result })
}

/// Reads and compiles the one file a command works on, or the exit code after saying why it
/// cannot be read.
pub(crate) fn load_or_exit(path: &Path) -> Result<Loaded, u8> {
    load(path).map_err(|message| {
        eprintln!("error: {message}");
        crate::exit::USAGE
    })
}

impl Loaded {
    /// Renders problems of this file.
    pub fn render(&self, problems: &[Problem], color: bool) -> String {
        render(problems, &self.name, &self.src, WIDTH, color)
    }
}

/// Counts errors and warnings.
pub(crate) fn count(problems: &[Problem]) -> (usize, usize) {
    let errors = problems
        .iter()
        .filter(|p| p.severity() == Severity::Error)
        .count();
    (errors, problems.len() - errors)
}

/// `1 error`, `2 warnings`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The checked runbook of a loaded file, or the exit code after printing its problems.
pub(crate) fn checked<'a>(loaded: &'a Loaded, color: bool, verb: &str) -> Result<&'a Runbook, u8> {
    match &loaded.result {
        Ok(runbook) => {
            if !runbook.warnings.is_empty() {
                eprint!("{}", loaded.render(&runbook.warnings, color));
            }
            Ok(runbook)
        }
        Err(problems) => {
            eprint!("{}", loaded.render(problems, color));
            let (e, w) = count(problems);
            eprintln!(
                "cannot {verb} `{}`: {}, {}",
                loaded.name,
                plural(e, "error"),
                plural(w, "warning")
            );
            Err(crate::exit::FAILED)
        }
    }
}

/// `NAME=VALUE` pairs checked against the runbook (secrets may come from `TEJUN_SECRET_<NAME>`),
/// or the exit code after printing every problem.
pub(crate) fn resolve_params(
    runbook: &Runbook,
    given: &[String],
) -> Result<tejun_runtime::ParamValues, u8> {
    let secret_env = |name: &str| std::env::var(format!("TEJUN_SECRET_{name}")).ok();
    tejun_runtime::ParamValues::resolve(runbook, given, secret_env).map_err(|errors| {
        for error in errors {
            eprintln!("{:?}", miette::Report::new(error));
        }
        crate::exit::USAGE
    })
}
