//! `tejun report`: one run as one self-contained HTML page, for a change ticket or a review.
//!
//! Read from the run's folder: the journal (`journal.jsonl`, read line by line; damaged lines are
//! left out and the page says so), the transcript (`transcript.log`, only counted: how much each
//! step printed) and the runbook file the journal names (for its title and source, when it is
//! still there). Nothing here prints; `src/report_cmd.rs` does.
//!
//! - `journal.rs`: the journal's lines, tolerantly.
//! - `transcript.rs`: what each step printed, counted as a stream.
//! - `model.rs`: the run as the page shows it (sessions, steps, commands, windows, decisions).
//! - `html.rs`: the page: escaped text, inline CSS, `<details>` for output, no script.

mod html;
mod journal;
mod model;
mod transcript;

use std::path::{Path, PathBuf};

use tejun_grammar::ast::{Item, TypeKind};

pub(crate) use journal::Skipped;

/// Bounds on the output the page holds inline.
#[derive(Debug, Clone)]
pub(crate) struct Bounds {
    /// A command's recorded output larger than this is summarised, not inlined.
    pub per_command: usize,
    /// Once the page holds this much output, later commands' output is summarised.
    pub total: usize,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            per_command: 256 * 1024,
            total: 4 * 1024 * 1024,
        }
    }
}

/// What to build the page with.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The link to the run's `transcript.log`, relative to where the page is written.
    pub transcript_href: String,
    /// Bounds on inlined output.
    pub bounds: Bounds,
}

/// A built report.
#[derive(Debug)]
pub(crate) struct Report {
    /// The page.
    pub html: String,
    /// The run's status for people (`succeeded`, `paused`, ...), with the step it stopped at.
    pub status: String,
    /// The journal lines left out.
    pub skipped: Vec<Skipped>,
}

/// Why there is no report.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    /// No such run folder.
    #[error("no run `{run}` in {}: `tejun runs` lists the runs there", runs.display())]
    UnknownRun { run: String, runs: PathBuf },
    /// The journal cannot be read.
    #[error("cannot read the journal {}: {source}", path.display())]
    Journal {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The run's folder: `STATE/runs/RUN`.
pub(crate) fn run_dir(state: &Path, run: &str) -> Result<PathBuf, ReportError> {
    let runs = state.join("runs");
    // A run id is one folder name; anything that would leave `runs/` is no run.
    let plain = !run.is_empty()
        && Path::new(run).components().count() == 1
        && !matches!(run, "." | "..")
        && !run.contains(['/', '\\']);
    let dir = runs.join(run);
    if !plain || !dir.is_dir() {
        return Err(ReportError::UnknownRun {
            run: run.to_owned(),
            runs,
        });
    }
    Ok(dir)
}

/// Builds the report of the run in `dir` (whose id is `run`).
pub(crate) fn build(run: &str, dir: &Path, options: &Options) -> Result<Report, ReportError> {
    let path = dir.join("journal.jsonl");
    let journal = journal::read(&path).map_err(|source| ReportError::Journal { path, source })?;
    let model = model::build(&journal.entries);
    let book = model
        .start
        .as_ref()
        .map(|s| Book::read(Path::new(&s.runbook_path), &s.runbook_hash));
    let printed = transcript::count(&dir.join("transcript.log"));
    let status = match &model.history.step {
        Some(step) if model.history.status != "succeeded" => {
            format!("{} at `{step}`", model.history.describe())
        }
        _ => model.history.describe(),
    };
    let html = html::page(&html::Input {
        run,
        model: &model,
        book: book.as_ref(),
        printed: printed.as_ref(),
        skipped: &journal.skipped,
        options,
    });
    Ok(Report {
        html,
        status,
        skipped: journal.skipped,
    })
}

/// What the runbook file says about itself, read again for the report.
#[derive(Debug, Default)]
pub(crate) struct Book {
    pub title: Option<String>,
    pub description: Option<String>,
    /// The source document: id, url, updated.
    pub source: Option<(String, Option<String>, Option<String>)>,
    /// The parameters declared `secret`: their values are never shown, whatever the journal says.
    pub secrets: Vec<String>,
    /// Why the file could not be used, or that it changed since the run.
    pub note: Option<String>,
}

impl Book {
    fn read(path: &Path, hash: &str) -> Book {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                return Book {
                    note: Some(format!(
                        "the runbook file cannot be read now ({e}): title and source unknown"
                    )),
                    ..Book::default()
                };
            }
        };
        let Ok(ast) = tejun_grammar::parse(&text) else {
            return Book {
                note: Some("the runbook file no longer parses: title and source unknown".into()),
                ..Book::default()
            };
        };
        let mut book = Book::default();
        if !hash.is_empty() && tejun_runtime::execute::runbook_hash(&text) != hash {
            book.note = Some(
                "the runbook file changed since the run started (its SHA-256 differs): title and \
                 source are read from the file as it is now"
                    .into(),
            );
        }
        for item in &ast.items {
            match item {
                Item::Title(t) => book.title = Some(t.value.clone()),
                Item::Description(t) => book.description = Some(t.value.clone()),
                Item::Source(s) => {
                    book.source = Some((
                        s.id.value.clone(),
                        s.url.as_ref().map(|u| u.value.clone()),
                        s.updated.map(|d| d.to_string()),
                    ))
                }
                Item::Param(p) if p.ty.kind == TypeKind::Secret => {
                    book.secrets.push(p.name.value.clone())
                }
                _ => {}
            }
        }
        book
    }
}

/// A link from the folder `from` to `to`, relative when both are on the same root (`/`
/// separators, percent-encoded), else a `file:` URL.
pub(crate) fn href(from: &Path, to: &Path) -> String {
    let from = std::fs::canonicalize(from).unwrap_or_else(|_| from.to_path_buf());
    let to_abs = match (to.parent(), to.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .join(name),
        _ => to.to_path_buf(),
    };
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to_abs.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let same_root = common > 0 && from.is_absolute() && to_abs.is_absolute();
    if !same_root {
        let text = to_abs.to_string_lossy().replace('\\', "/");
        let text = if text.starts_with('/') {
            text
        } else {
            format!("/{text}")
        };
        return format!("file://{}", encode(&text));
    }
    let mut parts: Vec<String> = vec!["..".into(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    encode(&parts.join("/"))
}

/// Percent-encodes what a URL path cannot hold as it is.
fn encode(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_id_never_leaves_the_runs_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("runs/r1")).unwrap();
        assert!(run_dir(dir.path(), "r1").is_ok());
        for bad in ["..", ".", "", "../runs/r1", "r2"] {
            assert!(run_dir(dir.path(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_large_journal_stays_within_the_page_bound() {
        // 40 commands, each with a full tail of 1 KiB lines (200 KiB each, under the bound per
        // command): 8 MiB recorded, of which the page inlines at most 4 MiB.
        let dir = tempfile::tempdir().unwrap();
        let line = "y".repeat(1023);
        let tail: Vec<_> = (0..200)
            .map(|_| serde_json::json!({"stream": "output", "text": line, "partial": false}))
            .collect();
        let mut journal =
            String::from("{\"event\":\"run_start\",\"runbook\":\"big\",\"steps\":40}\n");
        for i in 0..40 {
            let step = format!("s{i}");
            for event in [
                serde_json::json!({"event": "step_start", "step": step, "title": "T"}),
                serde_json::json!({"event": "command_start", "step": step, "code": "x", "attempt": 1}),
                serde_json::json!({"event": "command", "step": step, "code": "x", "attempt": 1, "succeeded": true, "tail": tail}),
                serde_json::json!({"event": "step_end", "step": step, "status": "done"}),
            ] {
                journal.push_str(&event.to_string());
                journal.push('\n');
            }
        }
        std::fs::write(dir.path().join("journal.jsonl"), journal).unwrap();
        let options = Options {
            transcript_href: "transcript.log".into(),
            bounds: Bounds::default(),
        };
        let report = build("r", dir.path(), &options).unwrap();
        let inlined = report.html.matches("<details class=\"output\"").count();
        assert_eq!(inlined, 20, "4 MiB of 200 KiB outputs");
        assert_eq!(
            report
                .html
                .matches("the report already holds 3.9 MiB of output")
                .count(),
            20
        );
        assert!(report.html.len() < 5 * 1024 * 1024, "{}", report.html.len());
    }

    #[test]
    fn links_are_relative_and_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("state/runs/r 1");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        assert_eq!(href(&run, &run.join("transcript.log")), "transcript.log");
        assert_eq!(
            href(&dir.path().join("out"), &run.join("transcript.log")),
            "../state/runs/r%201/transcript.log"
        );
    }
}
