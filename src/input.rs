//! Reading runbook files: bytes to checked runbooks, with the problems rendered for people.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;

use tejun_grammar::ast::{Param, TypeKind};
use tejun_grammar::diagnostics::render;
use tejun_grammar::{Problem, Runbook, Severity};
use tejun_runtime::params::secret_from_env;

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
            tejun_grammar::parse::shown(&bytes),
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

/// `NAME=VALUE` pairs checked against the runbook, or the exit code after printing every problem.
///
/// A secret not given with `--param` comes from `TEJUN_SECRET_<NAME>` (the name in any case). With
/// `ask`, a required secret that is still missing is asked for on the terminal, without echo, when
/// there is one.
pub(crate) fn resolve_params(
    runbook: &Runbook,
    given: &[String],
    ask: bool,
) -> Result<tejun_runtime::ParamValues, u8> {
    use tejun_runtime::ParamError;
    let mut typed: HashMap<String, String> = HashMap::new();
    loop {
        let lookup = |param: &Param| match typed.get(&param.name.value) {
            Some(value) => Ok(Some(value.clone())),
            None => secret_from_env(&param.name.value, std::env::vars_os()),
        };
        let errors = match tejun_runtime::ParamValues::resolve(runbook, given, lookup) {
            Ok(values) => return Ok(values),
            Err(errors) => errors,
        };
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        let missing_secrets: Vec<&Param> = errors
            .iter()
            .filter_map(|e| match e {
                ParamError::Missing { name, .. } => runbook
                    .params()
                    .find(|p| &p.name.value == name && p.ty.kind == TypeKind::Secret),
                _ => None,
            })
            .filter(|p| !typed.contains_key(&p.name.value))
            .collect();
        if ask && terminal && !missing_secrets.is_empty() {
            let mut asked = false;
            for param in missing_secrets {
                match ask_secret(param) {
                    Ok(Some(value)) => {
                        typed.insert(param.name.value.clone(), value);
                        asked = true;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        eprintln!("error: cannot read the secret `{}`: {e}", param.name.value);
                        return Err(crate::exit::USAGE);
                    }
                }
            }
            if asked {
                continue;
            }
        }
        for error in errors {
            eprintln!("{:?}", miette::Report::new(error));
        }
        return Err(crate::exit::USAGE);
    }
}

/// Asks for a secret on the terminal without echoing it. `None` when nothing was typed.
fn ask_secret(param: &Param) -> std::io::Result<Option<String>> {
    let term = console::Term::stderr();
    let doc = param
        .doc
        .as_ref()
        .map_or(String::new(), |d| format!(" ({})", d.value));
    term.write_str(&format!("secret `{}`{doc}: ", param.name.value))?;
    let value = term.read_secure_line()?;
    Ok((!value.is_empty()).then_some(value))
}

/// The inventory for a run: loaded and checked against the plan's targets (every target a step
/// runs on is in it; a credential names a secret parameter), or the exit code after saying why,
/// with the inventory's `file:line:col` for a problem inside it.
pub(crate) fn inventory_for(
    path: Option<&Path>,
    plan: &tejun_runtime::Plan,
) -> Result<Option<tejun_runtime::inventory::Inventory>, u8> {
    let targets: Vec<&str> = {
        let mut seen = Vec::new();
        for step in &plan.steps {
            if let Some(t) = step.target.as_deref()
                && !seen.contains(&t)
            {
                seen.push(t);
            }
        }
        seen
    };
    let remote = !targets.is_empty() || plan.loops.iter().any(|l| l.on.is_some());
    let Some(path) = path else {
        if remote {
            eprintln!(
                "error: the runbook runs steps on targets{}, but no inventory says how to reach them\n  help: give `--inventory FILE` (docs/inventory.md)",
                match targets.is_empty() {
                    true => String::new(),
                    false => format!(
                        " ({})",
                        targets
                            .iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            );
            return Err(crate::exit::USAGE);
        }
        return Ok(None);
    };
    let inventory = match tejun_runtime::inventory::Inventory::load(path) {
        Ok(inventory) => inventory,
        Err((text, e)) => {
            if text.is_empty() {
                eprintln!("error: {}", e.message);
            } else {
                let before = &text[..e.span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                eprintln!("error: {}:{line}:{col}: {}", path.display(), e.message);
            }
            return Err(crate::exit::USAGE);
        }
    };
    let mut bad = false;
    for target in &targets {
        if let Err(why) = inventory.target(target) {
            eprintln!("error: {}: {why}", path.display());
            bad = true;
        }
    }
    for target in inventory.targets.values() {
        if let tejun_runtime::inventory::Transport::Winrm {
            credential: Some((_, secret)),
            ..
        } = &target.transport
            && !plan
                .params
                .iter()
                .any(|p| &p.name == secret && p.secret && p.value.is_some())
        {
            eprintln!(
                "error: {}: target `{}` takes its password from `{secret}`, which is not a secret parameter of this runbook with a value\n  help: declare `param {secret}: secret` and give it with TEJUN_SECRET_{}",
                path.display(),
                target.name,
                secret.to_uppercase()
            );
            bad = true;
        }
    }
    if bad {
        return Err(crate::exit::USAGE);
    }
    Ok(Some(inventory))
}
