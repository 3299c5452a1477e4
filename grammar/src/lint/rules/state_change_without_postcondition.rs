//! ## What it does
//! Finds commands that change the system (`Stop-*`, `Start-*`, `Restart-*`, `Install-*`, `Set-*`,
//! `Remove-*`, `net stop`/`net start`, `msiexec`, `sc.exe`) in a step that has no `ensure`
//! postcondition. Commands that only change the PowerShell session (`Set-Location`,
//! `Set-StrictMode`, `Start-Sleep`, ...) do not count.
//!
//! ## Why is this bad?
//! A command can succeed and still not have done its job: `Stop-CsWindowsService` returns while
//! a service is still stopping, an installer starts services again. A postcondition checks the
//! state the next step relies on, and `tejun resume` checks it again before going on.
//!
//! ## Example
//! ```text
//! step stop-w3svc "Stop the World Wide Web service" {
//!   run { net stop w3svc }
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! step stop-w3svc "Stop the World Wide Web service" {
//!   run { net stop w3svc }
//!   ensure { (Get-Service w3svc).Status -eq 'Stopped' } within 2m every 5s
//! }
//! ```

use crate::ast::{Action, Step};
use crate::lint::pwsh::Command;
use crate::lint::{Context, Finding};

/// Verbs that change the system.
const VERBS: &[&str] = &["stop-", "start-", "restart-", "install-", "set-", "remove-"];

/// Commands with those verbs that change only the PowerShell session.
const SESSION_ONLY: &[&str] = &[
    "set-alias",
    "set-executionpolicy",
    "set-location",
    "set-psbreakpoint",
    "set-psdebug",
    "set-psreadlineoption",
    "set-strictmode",
    "set-variable",
    "remove-alias",
    "remove-job",
    "remove-module",
    "remove-psdrive",
    "remove-variable",
    "start-job",
    "start-sleep",
    "start-transcript",
    "stop-job",
    "stop-transcript",
];

/// Whether `command` changes the system.
pub(crate) fn changes_state(command: &Command) -> bool {
    let name = super::alias::expand(&command.name)
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| command.base_name());
    if VERBS.iter().any(|v| name.starts_with(v)) {
        return !SESSION_ONLY.contains(&name.as_str());
    }
    match name.as_str() {
        "net" => command.has_arg("stop") || command.has_arg("start"),
        // Bare `sc` was expanded above (an alias of `Set-Content`); this is `sc.exe`.
        "msiexec" | "sc" => true,
        _ => false,
    }
}

/// The first command of a step's `run` blocks that changes the system, if any.
pub(crate) fn first_change(cx: &Context, step: &Step) -> Option<Command> {
    cx.first_run_command(step, changes_state)
}

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for step in &cx.steps {
        let has_ensure = cx.actions_of(step).any(|a| matches!(a, Action::Ensure(_)));
        if has_ensure {
            continue;
        }
        if let Some(command) = first_change(cx, step) {
            out.push(Finding::new(
                "TJ003",
                command.span,
                format!(
                    "`{}` changes the system, but step `{}` has no postcondition",
                    command.name, step.id.value
                ),
                "changes state",
                "add an `ensure { ... }` that holds once the change took effect, such as `ensure { (Get-Service w3svc).Status -eq 'Stopped' } within 2m every 5s`",
            ));
        }
    }
}
