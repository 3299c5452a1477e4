//! `tejun lint PATH...`: every file's `check` problems and rule findings, in the format CI reads.

use std::path::{Path, PathBuf};

use tejun_grammar::lint::{self, Config, Finding, Level, RULES};

use crate::cli::{LintArgs, LintFormat};
use crate::exit;
use crate::files::runbook_files;
use crate::input::{Loaded, load, plural};
use crate::lint_format;

/// One linted file, as the output formats see it.
pub(crate) struct FileReport {
    /// The path as shown: relative to the current folder when it is under it.
    pub path: String,
    /// The text, for snippets and line numbers.
    pub src: String,
    /// Findings after configuration and allows, by position.
    pub findings: Vec<Finding>,
    /// Where each line starts, so that positions take a binary search, not a scan of the file
    /// per finding (thousands of findings in a large file would take minutes).
    line_starts: Vec<usize>,
}

impl FileReport {
    /// A file's report; `path` as it is shown.
    pub fn new(path: String, src: String, findings: Vec<Finding>) -> FileReport {
        let line_starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        FileReport {
            path,
            src,
            findings,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, before) = self.line_and_prefix(offset);
        (line, before.chars().count() + 1)
    }

    /// 1-based line and column in UTF-16 code units, as SARIF counts them.
    pub fn line_col_utf16(&self, offset: usize) -> (usize, usize) {
        let (line, before) = self.line_and_prefix(offset);
        (line, before.encode_utf16().count() + 1)
    }

    /// The line holding `offset` (past the end: the end; inside a character: its start) and
    /// the text of that line before it.
    fn line_and_prefix(&self, offset: usize) -> (usize, &str) {
        let mut offset = offset.min(self.src.len());
        while !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        (line.max(1), &self.src[start..offset])
    }
}

/// What the whole lint found.
pub(crate) struct Report {
    /// Every file, in the order given.
    pub files: Vec<FileReport>,
    /// Why the PowerShell rule did not run, when it did not.
    pub pwsh_skipped: Option<String>,
    /// Whether tejun could not do all of its job: a file could not be read, or PowerShell failed
    /// for TJ001 (not: `--no-pwsh`). tejun exits 2 then.
    pub tool_failed: bool,
}

impl Report {
    /// How many findings are at `level`, over all files.
    pub fn count(&self, level: Level) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.level == level)
            .count()
    }
}

pub(crate) fn run(args: &LintArgs, _stderr_color: bool) -> u8 {
    // Findings go to stdout, so colour follows stdout.
    let color = crate::style::enabled(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    if args.list_rules {
        print!("{}", list_rules());
        return exit::OK;
    }
    if let Some(code) = &args.explain {
        return match lint::rule(code) {
            Some(rule) => {
                println!("{} ({}): {}\n", rule.code, rule.name, rule.summary);
                println!("Default level: {}\n", rule.level.as_str());
                print!("{}", rule.explanation());
                exit::OK
            }
            None => {
                eprintln!(
                    "error: `{code}` is not a rule; `tejun lint --list-rules` lists them (codes such as `TJ003`, or names such as `alias`)"
                );
                exit::USAGE
            }
        };
    }
    let (config, config_dir) = match load_config(args.config.as_deref()) {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let paths = match runbook_files(&args.paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let tj001 = lint::rule("TJ001").expect("TJ001 is in the rule table");
    let tj001_off = !paths.is_empty()
        && paths
            .iter()
            .all(|p| config.configured(tj001, &relative(p, &config_dir)) == Some(Level::Off));
    // PowerShell starts now, on its own thread, while the files are read.
    let pwsh = (!args.no_pwsh && !tj001_off).then(|| crate::lint_pwsh::start(&args.shell));
    let mut unreadable = false;
    let mut loaded_files = Vec::new();
    let mut loaded_paths = Vec::new();
    let mut raw: Vec<Vec<Finding>> = Vec::new();
    for (path, loaded) in paths.iter().zip(load_all(&paths, &config, &config_dir)) {
        match loaded {
            Ok((loaded, findings)) => {
                loaded_files.push(loaded);
                loaded_paths.push(path);
                raw.push(findings);
            }
            Err(message) => {
                eprintln!("error: {message}");
                unreadable = true;
            }
        }
    }
    let mut tool_failed = false;
    let pwsh_skipped = match pwsh {
        None if args.no_pwsh => Some("--no-pwsh was given".to_owned()),
        None => Some("tejun.toml turns it off".to_owned()),
        Some(pwsh) => match crate::lint_pwsh::check(&loaded_files, pwsh) {
            Ok(found) => {
                for (i, findings) in found {
                    raw[i].extend(findings);
                }
                None
            }
            Err(message) => {
                eprintln!("error: {message}");
                tool_failed = true;
                Some(message)
            }
        },
    };
    let files: Vec<FileReport> = loaded_files
        .into_iter()
        .zip(raw)
        .zip(loaded_paths)
        .map(|((loaded, findings), path)| {
            let findings = lint::finish(
                findings,
                &loaded.src,
                &loaded.result,
                &config,
                &relative(path, &config_dir),
            );
            FileReport::new(display_path(path), loaded.src, findings)
        })
        .collect();
    let report = Report {
        files,
        pwsh_skipped,
        tool_failed: unreadable || tool_failed,
    };
    let written = lint_format::write(args.format, &report, color);
    let (errors, warnings) = (report.count(Level::Error), report.count(Level::Warning));
    if args.format == LintFormat::Human || args.format == LintFormat::Github {
        let mut summary = format!(
            "linted {}: {}, {}",
            plural(report.files.len(), "file"),
            plural(errors, "error"),
            plural(warnings, "warning")
        );
        if let Some(why) = &report.pwsh_skipped {
            summary.push_str(&format!(
                "; rule TJ001 (powershell-syntax) did not run: {why}"
            ));
        }
        eprintln!("{summary}");
    } else if let Some(why) = &report.pwsh_skipped {
        eprintln!("note: rule TJ001 (powershell-syntax) did not run: {why}");
    }
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return exit::USAGE;
    }
    if unreadable || tool_failed {
        exit::USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// The stack size of a lint thread: that of a main thread on Linux.
const MAIN_STACK: usize = 8 << 20;

/// Reads, checks and lints every file, on as many threads as there are cores: the results in
/// the order of `paths`.
fn load_all(
    paths: &[PathBuf],
    config: &Config,
    config_dir: &Path,
) -> Vec<Result<(Loaded, Vec<Finding>), String>> {
    let one = |path: &PathBuf| {
        load(path).map(|loaded| {
            let findings = lint::lint(
                &loaded.src,
                &loaded.result,
                config,
                &relative(path, config_dir),
            );
            (loaded, findings)
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || paths.len() < 2 {
        return paths.iter().map(one).collect();
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|chunk| {
                // The main thread's stack size: parsing and checking recurse as deep here as
                // they do for `tejun check`.
                std::thread::Builder::new()
                    .stack_size(MAIN_STACK)
                    .spawn_scoped(scope, move || chunk.iter().map(one).collect::<Vec<_>>())
                    .expect("a thread starts")
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The `--list-rules` table.
fn list_rules() -> String {
    let mut out =
        String::from("CODE   LEVEL    NAME                                 WHAT IT FLAGS\n");
    for rule in RULES {
        out.push_str(&format!(
            "{:<6} {:<8} {:<36} {}\n",
            rule.code,
            rule.level.as_str(),
            rule.name,
            rule.summary.replace('`', "")
        ));
    }
    out.push_str(
        "\n`tejun lint --explain CODE` explains a rule; tejun.toml sets levels (docs/ci.md).\n",
    );
    out
}

/// The configuration: `--config FILE`, else the nearest `tejun.toml` from the current folder
/// up; with the folder that per-path overrides are relative to.
fn load_config(explicit: Option<&Path>) -> Result<(Config, PathBuf), String> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let file = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => cwd
            .ancestors()
            .map(|dir| dir.join("tejun.toml"))
            .find(|candidate| candidate.is_file()),
    };
    let Some(file) = file else {
        return Ok((Config::default(), cwd));
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    let config = Config::parse(&text).map_err(|e| {
        let (line, col) = e.span.line_col(&text);
        format!("{}:{line}:{col}: {}", file.display(), e.message)
    })?;
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(cwd);
    Ok((config, dir))
}

/// `path` relative to `base`, `/`-separated, for per-path overrides.
fn relative(path: &Path, base: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
    let rel = absolute.strip_prefix(&base).unwrap_or(&absolute);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The path as reports show it: as given, with `/` separators and no leading `./`.
fn display_path(path: &Path) -> String {
    let shown = path.display().to_string().replace('\\', "/");
    shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_or_utf16_units() {
        // `𠮷` is one character but two UTF-16 units; `野` is one of each.
        let src = "a\n'𠮷野' x\n".to_owned();
        let x = src.find('x').unwrap();
        let file = FileReport::new("f".into(), src, Vec::new());
        assert_eq!(file.line_col(x), (2, 6));
        assert_eq!(file.line_col_utf16(x), (2, 7));
        assert_eq!(file.line_col(0), (1, 1));
        // An offset inside a character counts from the character's start.
        assert_eq!(file.line_col_utf16(4), (2, 2));
        // The end of the text, after its last line break, is the start of an empty line.
        assert_eq!(file.line_col(999), (3, 1));
    }
}
