//! `wait`: a command run again after a pause until a condition on its output holds, a give-up
//! condition holds or the attempts run out. Each attempt runs through [`Run::command`] and each
//! condition through [`Run::check`], like any other command and condition of the run.

use std::time::Duration;

use super::{INTERRUPTED, Run, RunError};
use crate::event::{CheckKind, RunEvent, WaitOutcome};
use crate::plan::PlanAction;

/// What comes before a wait's command in the code sent at each attempt.
const BEFORE: &str = "$global:Result = $null\n. {\n";
/// What comes after it.
const AFTER: &str = "\n} | Tee-Object -Variable global:Result";

/// The command as sent at each attempt: run dot-sourced like a `run` block, its output shown as
/// it comes and kept in the global `$Result` for the conditions (`$null` when it returns nothing,
/// which `Tee-Object` alone would not set).
pub(super) fn with_result(sent: &str) -> String {
    format!("{BEFORE}{sent}{AFTER}")
}

/// The command of a wait's attempt, for people: the code of a `command_start` without what keeps
/// its output in `$Result`; `None` for the code of anything but a wait.
pub fn wait_command(code: &str) -> Option<&str> {
    code.strip_prefix(BEFORE)?.strip_suffix(AFTER)
}

impl Run<'_> {
    /// Runs a planned `wait`. `Err(why)` when the step must fail: the command failed, a give-up
    /// condition held (its name in the reason), or the attempts ran out.
    pub(super) async fn wait(
        &mut self,
        step: &str,
        action: &PlanAction,
    ) -> Result<Result<(), String>, RunError> {
        let PlanAction::Wait {
            sent,
            until,
            give_up,
            every_ms,
            attempts,
            timeout_ms,
            message,
            ..
        } = action
        else {
            return Ok(Ok(()));
        };
        let code = with_result(sent);
        let timeout = timeout_ms.map(Duration::from_millis);
        let of = (*attempts).max(1);
        for attempt in 1..=of {
            if attempt > 1 {
                self.pause(Duration::from_millis(*every_ms)).await?;
            }
            if self.interrupted() {
                return Ok(Err(INTERRUPTED.to_owned()));
            }
            if let Err(why) = self
                .command(step, &code, timeout, 0, Duration::ZERO, &[0])
                .await?
            {
                return Ok(Err(why));
            }
            let mut gave_up = None;
            for g in give_up {
                if self
                    .check(step, CheckKind::GiveUp, &g.sent, None, None)
                    .await?
                {
                    gave_up = Some(g.name.clone());
                    break;
                }
            }
            if let Some(name) = gave_up {
                self.attempt(step, attempt, of, WaitOutcome::GiveUp, Some(name.clone()))?;
                return Ok(Err(format!("gave up waiting: {name}")));
            }
            if self
                .check(step, CheckKind::Until, &until.sent, None, None)
                .await?
            {
                self.attempt(step, attempt, of, WaitOutcome::Done, None)?;
                return Ok(Ok(()));
            }
            let outcome = if attempt < of {
                WaitOutcome::Pending
            } else {
                WaitOutcome::Exhausted
            };
            self.attempt(step, attempt, of, outcome, None)?;
        }
        Ok(Err(message.clone().unwrap_or_else(|| {
            let times = if of == 1 {
                "once".to_owned()
            } else {
                format!("{of} times")
            };
            format!(
                "`{}` did not hold after the command ran {times}",
                until.sent
            )
        })))
    }

    fn attempt(
        &mut self,
        step: &str,
        attempt: u32,
        of: u32,
        outcome: WaitOutcome,
        give_up: Option<String>,
    ) -> Result<(), RunError> {
        self.emit(RunEvent::WaitAttempt {
            step: step.to_owned(),
            attempt,
            of,
            outcome,
            give_up,
        })?;
        Ok(())
    }
}
