//! ## What it does
//! Finds PowerShell variables (and `$env:` variables) set in a block before a `restart shell`
//! and read in a block after it, with no new assignment in between.
//!
//! ## Why is this bad?
//! `restart shell` starts a fresh PowerShell process: every variable, imported module and
//! environment change of the old one is gone. The read gets `$null`, and a command such as
//! `Stop-Service -Name $service` does something else than intended, often without an error.
//! Parameters are not affected: tejun sets them again in every new shell.
//!
//! ## Example
//! ```text
//! step find "Find the installer" { run { $installer = Get-ChildItem C:\Update\*.exe } }
//! step close "Close the shells" { manual "Close other shells."  restart shell }
//! step install "Install" { run { & $installer /quiet } timeout 60m }
//! ```
//!
//! ## Use instead
//! ```text
//! param Installer: path = "C:\\Update\\Setup.exe"
//! step install "Install" { run { & $Installer /quiet } timeout 60m }
//! ```
//! Or set the variable again after the restart, in the block that needs it.

use std::collections::{HashMap, HashSet};

use crate::ast::Action;
use crate::lint::{Context, Finding};
use crate::span::Span;

/// Variables PowerShell sets by itself in every session.
const AUTOMATIC: &[&str] = &[
    "$",
    "?",
    "^",
    "_",
    "args",
    "consolefilename",
    "error",
    "erroractionpreference",
    "event",
    "eventargs",
    "eventsubscriber",
    "executioncontext",
    "false",
    "foreach",
    "home",
    "host",
    "input",
    "iscoreclr",
    "islinux",
    "ismacos",
    "iswindows",
    "lastexitcode",
    "matches",
    "myinvocation",
    "nestedpromptlevel",
    "null",
    "pid",
    "profile",
    "psboundparameters",
    "pscmdlet",
    "pscommandpath",
    "psculture",
    "psdebugcontext",
    "psedition",
    "pshome",
    "psitem",
    "psscriptroot",
    "pssenderinfo",
    "psuiculture",
    "psversiontable",
    "pwd",
    "sender",
    "shellid",
    "stacktrace",
    "switch",
    "this",
    "true",
    "verbosepreference",
    "warningpreference",
    "progresspreference",
    "confirmpreference",
    "debugpreference",
    "informationpreference",
    "whatifpreference",
    "ofs",
];

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let params: HashSet<String> = cx
        .runbook
        .params()
        .map(|p| p.name.value.to_ascii_lowercase())
        .collect();
    // Variables set in the current shell, and those set in an earlier one (with where).
    let mut current: HashMap<String, Span> = HashMap::new();
    let mut lost: HashMap<String, Span> = HashMap::new();
    let mut reported: HashSet<String> = HashSet::new();
    for (step, action) in &cx.actions {
        // `finally` runs in whatever shell is current when the run fails.
        if step.is_none() {
            continue;
        }
        let code = match action {
            Action::RestartShell(_) => {
                lost.extend(current.drain());
                continue;
            }
            Action::Manual(_) => continue,
            other => match other.code() {
                Some(code) => code,
                None => continue,
            },
        };
        for var in cx.scan(code).vars.iter() {
            let key = var.name.to_ascii_lowercase();
            if var.assigned {
                current.entry(key).or_insert(var.span);
                continue;
            }
            if current.contains_key(&key)
                || params.contains(&key)
                || AUTOMATIC.contains(&key.as_str())
            {
                continue;
            }
            let Some(set) = lost.get(&key) else {
                continue;
            };
            if !reported.insert(key.clone()) {
                continue;
            }
            let (line, _) = set.line_col(cx.src);
            out.push(Finding::new(
                "TJ006",
                var.span,
                format!(
                    "`${}` was set on line {line}, before `restart shell`, and is gone after it",
                    var.name
                ),
                "empty here",
                "set it again after the restart, or make it a parameter (tejun sets parameters in every new shell)",
            ));
        }
    }
}
