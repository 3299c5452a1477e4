//! ## What it does
//! Finds a step that runs on a remote target (`on TARGET`, its own or its loop's) and restarts
//! the server (`Restart-Computer`, `shutdown /r`) with nothing that waits for the server to come
//! back: no `ensure { ... } within ...` in that step, and no `gate` on the loop around it.
//!
//! ## Why is this bad?
//! A restarted server is gone for minutes, and some do not come back. Without a polled check the
//! run goes on at once: the next step finds the session broken, or, in a rollout, the next
//! server is taken down while this one is still down, and a pool loses quorum. A check with a
//! bound turns "did not come back" into a failed step that halts the rollout where it happened.
//!
//! ## Example
//! ```text
//! foreach server in Servers on server {
//!   step restart "Restart the server" {
//!     run { Restart-Computer -Force }
//!   }
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! foreach server in Servers on server {
//!   step restart "Restart the server" {
//!     run { Restart-Computer -Force }
//!     ensure { (Get-CsWindowsService -Name RTCSRV).Status -eq 'Running' } within 30m every 30s
//!   }
//! }
//! ```

use crate::ast::{Action, Step};
use crate::lint::{Context, Finding};

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for step in &cx.steps {
        let around: Vec<_> = cx
            .loops
            .iter()
            .filter(|f| f.span.start <= step.span.start && step.span.end <= f.span.end)
            .collect();
        let remote = step.on.is_some() || around.iter().any(|f| f.on.is_some());
        if !remote || around.iter().any(|f| f.gate.is_some()) {
            continue;
        }
        let Some(restart) = restart(cx, step) else {
            continue;
        };
        let waits = cx.actions_of(step).any(|a| match a {
            Action::Ensure(check) => check.poll.is_some(),
            _ => false,
        });
        if !waits {
            out.push(Finding::new(
                "TJ015",
                restart.span,
                format!(
                    "step `{}` restarts a remote server with no check that it came back",
                    step.id.value
                ),
                "restarts the target",
                "add a polled postcondition after the restart, such as `ensure { (Get-CsWindowsService -Name RTCSRV).Status -eq 'Running' } within 30m every 30s`, or a `gate` on the loop",
            ));
        }
    }
}

/// The first command of the step's `run` blocks that restarts the machine.
fn restart(cx: &Context, step: &Step) -> Option<crate::lint::pwsh::Command> {
    cx.first_run_command(step, |c| {
        let name = c.base_name();
        // The scanner reads `/r` as an operator and a word: look at the line.
        let line = cx.src[c.span.start..]
            .lines()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        name == "restart-computer"
            || (name == "shutdown" && line.split_whitespace().any(|w| w == "/r" || w == "-r"))
    })
}
