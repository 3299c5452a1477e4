//! Rule TJ001 (powershell-syntax): every block of every file parsed by the real PowerShell
//! parser in one hosted PowerShell (`tejun_runtime::syntax` does the work; this is the glue).

use std::time::Duration;

use tejun_grammar::lint::Finding;
use tejun_runtime::host::{Host, HostConfig, HostError, find_shell};
use tejun_runtime::syntax::{self, SyntaxCheckError};

use crate::input::Loaded;

/// How long PowerShell may take to parse everything once started. Parsing a thousand blocks
/// takes well under a second; this only catches a session that hangs.
const PARSE_TIMEOUT: Duration = Duration::from_secs(120);

/// How to get PowerShell, for every message saying it is missing.
const INSTALL: &str = "install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9` (it lands in `$HOME/.dotnet/tools`), name another with `--shell PATH`, or pass `--no-pwsh` to skip the rule";

/// Findings per file index; `Err` says why the rule could not run.
///
/// Only files that checked cleanly are parsed: a file with `check` errors has no runbook to walk,
/// and its errors are reported anyway.
pub(crate) fn check(files: &[Loaded], shell: &str) -> Result<Vec<(usize, Vec<Finding>)>, String> {
    // Looked up even when there is nothing to parse, so a wrong `--shell` is never hidden by
    // a folder that happens to have no code in it.
    find_shell(shell).map_err(|_| format!("cannot find PowerShell `{shell}`: {INSTALL}"))?;
    let checked: Vec<(usize, (&str, &tejun_grammar::Runbook))> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.result.as_ref().ok().map(|r| (i, (f.src.as_str(), r))))
        .collect();
    let has_code = checked.iter().any(|(_, (src, runbook))| {
        tejun_grammar::lint::Context::new(runbook, src)
            .blocks()
            .next()
            .is_some()
    });
    if !has_code {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let runbooks: Vec<(&str, &tejun_grammar::Runbook)> = checked.iter().map(|(_, r)| *r).collect();
    let found = runtime.block_on(async {
        let config = HostConfig {
            shell: shell.to_owned(),
            ..HostConfig::default()
        };
        let mut host = Host::start(&config)
            .await
            .map_err(|e| describe(&e.into(), shell))?;
        let result = syntax::lint(&mut host, &runbooks, PARSE_TIMEOUT).await;
        host.shutdown().await;
        result.map_err(|e| describe(&e, shell))
    })?;
    Ok(checked
        .iter()
        .map(|(i, _)| *i)
        .zip(found)
        .filter(|(_, findings)| !findings.is_empty())
        .collect())
}

/// One line saying why the rule could not run, and what to do about it.
fn describe(error: &SyntaxCheckError, shell: &str) -> String {
    match error {
        SyntaxCheckError::Host(HostError::ShellNotFound { .. }) => {
            format!("cannot find PowerShell `{shell}`: {INSTALL}")
        }
        SyntaxCheckError::Host(HostError::StartFailed { reason }) => format!(
            "PowerShell `{shell}` did not start ({reason}); check that it runs, or pass `--no-pwsh` to skip the rule"
        ),
        SyntaxCheckError::Host(HostError::Died { status, last_words }) => {
            let mut message = format!("PowerShell `{shell}` ended unexpectedly{status}");
            if !last_words.is_empty() {
                message.push_str(&format!("; it said: {}", last_words.replace('\n', " / ")));
            }
            message
        }
        other => format!("{other}; pass `--no-pwsh` to skip the rule"),
    }
}
