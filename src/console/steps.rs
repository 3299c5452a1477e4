//! Steps, their actions and their checks, in the order they happen: an action is shown when it
//! starts, its output follows under it, and its result closes it.

use tejun_runtime::event::{RunEvent, StepStatus, WaitOutcome};
use tejun_runtime::execute::wait_command;
use tejun_runtime::host::RunState;

use super::{INDENT, code_lines};
use crate::style::{Paint, Tone};

/// The lines for an event about the run, a step or an action; `None` for other events.
pub(super) fn render(event: &RunEvent, total: usize, paint: Paint) -> Option<Vec<String>> {
    let lines = match event {
        RunEvent::RunStart {
            run_id,
            runbook,
            steps,
            ..
        } => vec![format!("run {run_id}: {runbook}, {steps} steps")],
        RunEvent::Resume { from_step, forced } => {
            let forced = if *forced {
                " (forced: the runbook changed since the run started)"
            } else {
                ""
            };
            vec![format!("resuming from step `{from_step}`{forced}")]
        }
        RunEvent::LockTakenOver {
            previous_run_id,
            previous_pid,
            previous_host,
            ..
        } => vec![paint.paint(
            Tone::Warn,
            &format!(
                "  ! took over the state folder's lock from run `{previous_run_id}` (pid {previous_pid} on `{previous_host}`), which ended without releasing it"
            ),
        )],
        RunEvent::ShellStart {
            version, reason, ..
        } => vec![format!("  PowerShell {version} started ({reason})")],
        RunEvent::StepStart {
            index,
            step,
            doc,
            title,
            target,
            ..
        } => {
            let doc = doc
                .as_deref()
                .map_or(String::new(), |d| format!(" (doc {d})"));
            let on = target
                .as_deref()
                .map_or(String::new(), |t| format!(" on {t}"));
            let heading = format!("[{index}/{total}] {title}{doc}{on}");
            vec![
                String::new(),
                format!(
                    "{}  {}",
                    paint.paint(Tone::Heading, &heading),
                    paint.paint(Tone::Dim, &format!("[{step}]"))
                ),
            ]
        }
        RunEvent::CommandStart { code, .. } if wait_command(code).is_some() => {
            under("wait", code_lines(wait_command(code).unwrap_or(code)), "")
        }
        RunEvent::CommandStart { code, attempt, .. } => {
            let keyword = if *attempt > 1 {
                format!("run (try {attempt})")
            } else {
                "run".to_owned()
            };
            under(&keyword, code_lines(code), "")
        }
        RunEvent::Command {
            succeeded,
            state,
            timed_out,
            interrupted,
            exit,
            last_exit_code,
            failure,
            elapsed_ms,
            ..
        } => {
            let verdict = if *succeeded {
                paint.paint(Tone::Good, "ok")
            } else {
                let word = match state {
                    _ if *interrupted => "interrupted",
                    _ if *timed_out => "timed out",
                    RunState::Killed => "killed",
                    RunState::Stopped => "stopped",
                    RunState::Completed | RunState::Failed => "failed",
                };
                paint.paint(Tone::Bad, word)
            };
            let mut notes = vec![format!("{:.1}s", *elapsed_ms as f64 / 1000.0)];
            if let Some(e) = exit.or(*last_exit_code) {
                notes.push(format!("exit {e}"));
            }
            let mut lines = vec![format!("{INDENT}→ {verdict} [{}]", notes.join(", "))];
            // An interruption says so in the verdict; its reason would only repeat it.
            if !*succeeded
                && !*interrupted
                && let Some(f) = failure
            {
                lines.extend(f.lines().map(|l| format!("{INDENT}  {l}")));
            }
            lines
        }
        RunEvent::Check {
            kind,
            code,
            held,
            attempts,
            error,
            ..
        } => {
            let verdict = if *held {
                paint.paint(Tone::Good, "holds")
            } else {
                paint.paint(Tone::Warn, "does not hold")
            };
            let tries = if *attempts > 1 {
                format!(" after {attempts} checks")
            } else {
                String::new()
            };
            let mut lines = under(&kind.to_string(), code_lines(code), &format!("{verdict}{tries}"));
            if let Some(e) = error {
                lines.extend(e.lines().map(|l| format!("{INDENT}  error: {l}")));
            }
            lines
        }
        RunEvent::WaitAttempt {
            attempt,
            of,
            outcome,
            give_up,
            ..
        } => {
            let text = format!("attempt {attempt} of {of}: {outcome}");
            let text = match give_up {
                Some(name) => format!("{text} ({name})"),
                None => text,
            };
            let tone = match outcome {
                WaitOutcome::Done => Tone::Good,
                WaitOutcome::Pending => Tone::Dim,
                WaitOutcome::GiveUp | WaitOutcome::Exhausted => Tone::Bad,
            };
            vec![format!("  wait     → {}", paint.paint(tone, &text))]
        }
        RunEvent::BranchDecided {
            arm, condition, line, ..
        } => {
            let taken = match (arm, condition) {
                (Some(k), Some(c)) => format!("arm {} taken: {}", k + 1, c.replace('\n', " ")),
                (Some(k), None) => format!("arm {} taken: else", k + 1),
                (None, _) => "no arm taken: no condition holds".to_owned(),
            };
            vec![format!(
                "  if       → {}",
                paint.paint(Tone::Dim, &format!("{taken} (branch at line {line})"))
            )]
        }
        RunEvent::Manual {
            instruction,
            decision,
            by,
            ..
        } => {
            let lines = instruction.lines().map(str::to_owned).collect();
            under("manual", lines, &format!("{decision} by {by}"))
        }
        RunEvent::SessionOpen {
            target,
            transport,
            reason,
            ok,
            error,
            elapsed_ms,
            ..
        } => vec![match ok {
            true => paint.paint(
                Tone::Dim,
                &format!(
                    "  session to {target} opened over {transport} ({reason}) [{:.1}s]",
                    *elapsed_ms as f64 / 1000.0
                ),
            ),
            false => paint.paint(
                Tone::Bad,
                &format!(
                    "  ! cannot open a session to {target} over {transport}: {}",
                    error.as_deref().unwrap_or("unknown error")
                ),
            ),
        }],
        RunEvent::SessionBroken {
            target,
            session_state,
            ..
        } => vec![paint.paint(
            Tone::Warn,
            &format!("  ! the session to {target} is {session_state}: reopening it once (what it held is gone)"),
        )],
        RunEvent::ItemEnd {
            var,
            item,
            status,
            failures,
            budget,
            ..
        } => vec![match status {
            StepStatus::Failed => paint.paint(
                Tone::Bad,
                &format!("  {var} = {item}: FAILED ({failures} failed, budget {budget})"),
            ),
            _ => paint.paint(Tone::Good, &format!("  {var} = {item}: done")),
        }],
        RunEvent::RolloutHalted {
            reason, pending, ..
        } => vec![
            paint.paint(Tone::Bad, &format!("  ROLLOUT HALTED: {reason}")),
            paint.paint(
                Tone::Warn,
                &format!(
                    "  not touched: {}",
                    match pending.is_empty() {
                        true => "(none)".to_owned(),
                        false => pending.join(", "),
                    }
                ),
            ),
        ],
        RunEvent::ShellLost { reason, .. } => vec![paint.paint(
            Tone::Warn,
            &format!("  ! PowerShell session lost: {reason}"),
        )],
        RunEvent::StepEnd { status, error, .. } => {
            let error = error.as_deref().unwrap_or("");
            vec![match status {
                StepStatus::Done => paint.paint(Tone::Good, "  done"),
                StepStatus::Skipped if !error.is_empty() => {
                    paint.paint(Tone::Dim, &format!("  skipped: {error}"))
                }
                StepStatus::Skipped => paint.paint(Tone::Warn, "  skipped"),
                StepStatus::Failed => paint.paint(Tone::Bad, &format!("  FAILED: {error}")),
                StepStatus::Paused => paint.paint(Tone::Warn, &format!("  paused: {error}")),
            }]
        }
        RunEvent::RunEnd { .. } | RunEvent::ActionDone { .. } => Vec::new(),
        _ => return None,
    };
    Some(lines)
}

/// `  keyword  first line`, then the other lines aligned under the first; a non-empty `result`
/// ends the last line (`  → holds`).
fn under(keyword: &str, lines: Vec<String>, result: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len().max(1));
    let mut lines = lines.into_iter();
    let first = lines.next().unwrap_or_default();
    out.push(format!("  {keyword:<8} {first}"));
    out.extend(lines.map(|l| format!("{INDENT}{l}")));
    if !result.is_empty()
        && let Some(last) = out.last_mut()
    {
        last.push_str(&format!("  → {result}"));
    }
    out
}
