//! The end of a run: how it ended, what to do next, the windows that went over or stay open, and
//! where its record is.

use tejun_runtime::event::RunStatus;
use tejun_runtime::execute::RunSummary;

use crate::style::{Paint, Tone};

/// Prints the summary of a run that ended (or paused).
pub(crate) fn print_summary(summary: &RunSummary) {
    let paint = Paint::stdout();
    let stopped = summary.stopped_at.as_deref().unwrap_or("?");
    let error = summary.error.as_deref().unwrap_or("unknown error");
    let id = &summary.run_id;
    let (tone, line) = match summary.status {
        RunStatus::Succeeded => (
            Tone::Good,
            format!(
                "run {id} succeeded: {} done, {} skipped ({} steps)",
                summary.done, summary.skipped, summary.steps
            ),
        ),
        RunStatus::Failed => (
            Tone::Bad,
            format!("run {id} FAILED at step `{stopped}`: {error}"),
        ),
        RunStatus::FailedToStart => (Tone::Bad, format!("run {id} failed to start: {error}")),
        RunStatus::Interrupted => (
            Tone::Warn,
            format!("run {id} interrupted at step `{stopped}`; go on with: tejun resume {id}"),
        ),
        RunStatus::Paused => (
            Tone::Warn,
            format!(
                "run {id} paused at step `{stopped}`: a manual step needs confirmation; when it is done: tejun resume {id} --confirm {stopped} --by NAME"
            ),
        ),
    };
    println!();
    println!("{}", paint.paint(tone, &line));
    for warning in &summary.warnings {
        println!(
            "{}",
            paint.paint(Tone::Warn, &format!("  warning: {warning}"))
        );
    }
    for (what, file) in [
        ("journal", "journal.jsonl"),
        ("transcript", "transcript.log"),
    ] {
        println!(
            "{}",
            paint.paint(
                Tone::Dim,
                &format!("{what}: {}", summary.dir.join(file).display())
            )
        );
    }
}
