//! ## What it does
//! Finds a `secret` parameter interpolated into a double-quoted string or here-string, written
//! to output (a bare `$Password` statement, `Write-Output`, `Write-Host`, `echo`, ...) or to a
//! file (`Out-File`, `Set-Content`, `Add-Content`, `Tee-Object`).
//!
//! ## Why is this bad?
//! tejun masks a secret's exact value in its console, journal and transcript, but a string built
//! from it (a connection string, an encoded value, a log line another tool writes) no longer
//! matches, and a file written on the server is outside tejun's reach. Pass the secret to the
//! command that needs it as a variable, and nowhere else.
//!
//! ## Example
//! ```text
//! param SqlPassword: secret
//! run { Invoke-Sqlcmd -ConnectionString "Server=db;Password=$SqlPassword" -Query 'SELECT 1' }
//! ```
//!
//! ## Use instead
//! ```text
//! param SqlPassword: secret
//! run {
//!   $credential = [pscredential]::new('sa', (ConvertTo-SecureString $SqlPassword -AsPlainText -Force))
//!   Invoke-Sqlcmd -ServerInstance db -Credential $credential -Query 'SELECT 1'
//! }
//! ```

use crate::ast::TypeKind;
use crate::lint::{Context, Finding};

/// Commands that write their arguments where people or files see them.
const WRITERS: &[&str] = &[
    "add-content",
    "out-file",
    "out-host",
    "out-string",
    "set-content",
    "tee-object",
    "write-debug",
    "write-error",
    "write-host",
    "write-information",
    "write-output",
    "write-verbose",
    "write-warning",
];

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let secrets: Vec<String> = cx
        .runbook
        .params()
        .filter(|p| p.ty.kind == TypeKind::Secret)
        .map(|p| p.name.value.to_ascii_lowercase())
        .collect();
    if secrets.is_empty() {
        return;
    }
    for block in cx.blocks() {
        let scanned = cx.scan(block.code);
        for var in &scanned.vars {
            let key = var.name.to_ascii_lowercase();
            if !secrets.contains(&key) {
                continue;
            }
            let what = if var.in_string {
                "is interpolated into a string"
            } else if var.statement {
                "is written to the output"
            } else {
                continue;
            };
            out.push(Finding::new(
                "TJ007",
                var.span,
                format!("the secret `${}` {what}", var.name),
                "secret",
                "pass the secret only to the command that needs it, as a variable (for a credential: `[pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))`)",
            ));
        }
        for command in &scanned.commands {
            let name = super::alias::expand(&command.name)
                .map(str::to_ascii_lowercase)
                .unwrap_or_else(|| command.name.to_ascii_lowercase());
            if !WRITERS.contains(&name.as_str()) {
                continue;
            }
            for arg in &command.args {
                let Some(var) = arg.text.strip_prefix('$') else {
                    continue;
                };
                let var = var.trim_start_matches('{').trim_end_matches('}');
                let var = var.rsplit(':').next().unwrap_or(var);
                if secrets.contains(&var.to_ascii_lowercase()) {
                    out.push(Finding::new(
                        "TJ007",
                        arg.span,
                        format!(
                            "the secret `{}` is written out by `{}`",
                            arg.text, command.name
                        ),
                        "secret",
                        "do not write a secret anywhere; pass it only to the command that needs it",
                    ));
                }
            }
        }
    }
}
