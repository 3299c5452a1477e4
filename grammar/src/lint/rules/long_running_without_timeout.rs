//! ## What it does
//! Finds `run` actions without a `timeout` that call an installer or another long-running
//! command: a native `*.exe` (quick tools such as `net.exe` and `sc.exe` aside), `msiexec`,
//! `setup`, `Install-*`, `Update-*`, or `Start-Process -Wait`.
//!
//! ## Why is this bad?
//! Installers hang: on a dialog nobody sees, on a locked file, on a reboot prompt. Without a
//! timeout the run waits forever, the maintenance window passes, and nobody is told. With one,
//! tejun stops the command, kills what it started and reports the step as failed.
//!
//! ## Example
//! ```text
//! run { & 'C:\LyncUpdate\LyncServerUpdateInstaller.exe' /silentmode }
//! ```
//!
//! ## Use instead
//! ```text
//! run { & 'C:\LyncUpdate\LyncServerUpdateInstaller.exe' /silentmode } timeout 90m
//! ```

use crate::ast::Action;
use crate::lint::pwsh::Command;
use crate::lint::{Context, Finding};

/// Native tools that return at once.
const QUICK: &[&str] = &[
    "cmd", "hostname", "icacls", "ipconfig", "net", "net1", "netsh", "netstat", "ping", "reg",
    "sc", "schtasks", "takeown", "tasklist", "w32tm", "where", "whoami",
];

fn long_running(command: &Command) -> bool {
    let name = command.base_name();
    let exe = command
        .name
        .trim_matches(['"', '\''])
        .to_ascii_lowercase()
        .ends_with(".exe");
    (exe && !QUICK.contains(&name.as_str()))
        || name == "msiexec"
        || name == "setup"
        || name.starts_with("install-")
        || name.starts_with("update-")
        || (name == "start-process" && command.has_switch("Wait", 1))
}

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (_, action) in &cx.actions {
        // A wait's command runs once per attempt: it has the same limit to give.
        let (code, timeout, keyword) = match action {
            Action::Run(run) => (&run.code, run.timeout, "run"),
            Action::Wait(wait) => (&wait.code, wait.timeout, "wait"),
            _ => continue,
        };
        if timeout.is_some() {
            continue;
        }
        if let Some(command) = cx.scan(code).commands.iter().find(|c| long_running(c)) {
            out.push(Finding::new(
                "TJ005",
                command.span,
                format!(
                    "`{}` may run for a long time, and this `{keyword}` has no timeout",
                    command.name
                ),
                "no timeout",
                if keyword == "wait" {
                    "give each attempt a limit, such as `wait { ... } until { ... } timeout 60m`"
                } else {
                    "give the run a limit after its closing brace, such as `run { ... } timeout 60m`"
                },
            ));
        }
    }
}
