//! ## What it does
//! Finds destructive commands (`Remove-Item -Recurse`, `Format-Volume`, `Clear-Disk`,
//! `Initialize-Disk`, `Remove-Partition`, `Stop-Computer`, `Restart-Computer`, `Uninstall-*`,
//! `shutdown.exe`, and SQL `DROP DATABASE`, `DROP TABLE` or `TRUNCATE TABLE` in code) with no
//! `manual` confirmation before them: in the same step, or as a step of its own (a manual
//! instruction and no command) just before.
//!
//! ## Why is this bad?
//! These commands cannot be undone, and a runbook runs them on whatever machine it is pointed
//! at. A manual confirmation makes a person check the target (the right server, the right
//! disk, a backup taken) before the point of no return, and the journal records who did.
//!
//! ## Example
//! ```text
//! step wipe "Remove the old installation" {
//!   run { Remove-Item -Recurse -Force 'C:\Program Files\Old' }
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! step wipe "Remove the old installation" {
//!   manual "Check that C:\Program Files\Old is the old version and that a backup exists."
//!   run { Remove-Item -Recurse -Force 'C:\Program Files\Old' }
//! }
//! ```

use crate::ast::Action;
use crate::lint::pwsh::Command;
use crate::lint::{Context, Finding};
use crate::span::Span;

const ALWAYS: &[&str] = &[
    "clear-disk",
    "format-volume",
    "initialize-disk",
    "remove-partition",
    "restart-computer",
    "stop-computer",
    "shutdown",
    "format",
];

const SQL: &[&str] = &["drop database", "drop table", "truncate table"];

fn destructive(command: &Command) -> bool {
    let name = super::alias::expand(&command.name)
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| command.base_name());
    ALWAYS.contains(&name.as_str())
        || name.starts_with("uninstall-")
        || (name == "remove-item" && command.has_switch("Recurse", 2))
}

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    // A confirmation step: the step just before, with a manual instruction and no command.
    let mut previous_confirms = false;
    let mut current: Option<Span> = None;
    let (mut manual, mut runs) = (false, false);
    for (step, action) in &cx.actions {
        let here = step.map(|s| s.span);
        if here != current {
            previous_confirms = current.is_some() && manual && !runs;
            (manual, runs) = (false, false);
            current = here;
        }
        match action {
            Action::Manual(_) => manual = true,
            Action::Run(run) => {
                runs = true;
                if manual || previous_confirms {
                    continue;
                }
                let mut hits: Vec<(Span, String)> = cx
                    .scan(&run.code)
                    .commands
                    .iter()
                    .filter(|c| destructive(c))
                    .map(|c| (c.span, format!("`{}`", c.name)))
                    .collect();
                let lower = run.code.raw.to_ascii_lowercase();
                for sql in SQL {
                    if let Some(at) = find_words(&lower, sql) {
                        let start = run.code.span.start + at;
                        hits.push((
                            Span::new(start, start + sql.len()),
                            format!("`{}`", sql.to_ascii_uppercase()),
                        ));
                    }
                }
                for (span, what) in hits {
                    out.push(Finding::new(
                        "TJ004",
                        span,
                        format!(
                            "{what} cannot be undone, and nothing asks a person to confirm it first"
                        ),
                        "destructive",
                        "put a `manual \"...\"` before it (in this step, or as a step of its own just before) that has the operator check the target first",
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Where `words` occurs in `text` with any run of spaces between its words.
fn find_words(text: &str, words: &str) -> Option<usize> {
    let parts: Vec<&str> = words.split(' ').collect();
    let mut from = 0;
    while let Some(pos) = text[from..].find(parts[0]) {
        let start = from + pos;
        let mut at = start + parts[0].len();
        let mut ok = start == 0 || !text.as_bytes()[start - 1].is_ascii_alphanumeric();
        for part in &parts[1..] {
            let rest = &text[at..];
            let trimmed = rest.trim_start();
            if trimmed.len() == rest.len() || !trimmed.starts_with(part) {
                ok = false;
                break;
            }
            at += rest.len() - trimmed.len() + part.len();
        }
        if ok {
            return Some(start);
        }
        from = start + 1;
    }
    None
}
