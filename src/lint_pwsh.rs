//! Rule TJ001 (powershell-syntax): every block of every file parsed by the real PowerShell
//! parser in one hosted PowerShell (`tejun_runtime::syntax` does the work; this is the glue).

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tejun_grammar::lint::Finding;
use tejun_runtime::host::{Host, HostConfig, HostError, find_shell};
use tejun_runtime::syntax::{self, Prepared, SyntaxCheckError, SyntaxError};

use crate::input::Loaded;

/// How long PowerShell may take to parse everything once started. Parsing a thousand blocks
/// takes well under a second; this only catches a session that hangs.
const PARSE_TIMEOUT: Duration = Duration::from_secs(120);

/// How to get PowerShell, for every message saying it is missing.
const INSTALL: &str = "install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9` (it lands in `$HOME/.dotnet/tools`), name another with `--shell PATH`, or pass `--no-pwsh` to skip the rule";

/// PowerShell for the rule, starting on a thread of its own while the files are read and
/// checked: its start-up (a second or so) then costs no time of its own.
pub(crate) struct Starting {
    shell: String,
    /// Where the blocks go once known; dropped unsent when there is nothing to parse.
    blocks: mpsc::Sender<Vec<String>>,
    /// Starts PowerShell, waits for the blocks, parses them, shuts PowerShell down.
    thread: JoinHandle<Result<Vec<SyntaxError>, SyntaxCheckError>>,
}

/// Starts PowerShell `shell` for the rule.
pub(crate) fn start(shell: &str) -> Starting {
    let (sender, receiver) = mpsc::channel::<Vec<String>>();
    let config = HostConfig {
        shell: shell.to_owned(),
        ..HostConfig::default()
    };
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().map_err(|e| SyntaxCheckError::Failed {
            reason: format!("cannot start the async runtime: {e}"),
        })?;
        runtime.block_on(async {
            let mut host = Host::start(&config).await?;
            // Waiting here blocks only this thread; the host's own tasks run on the runtime's
            // workers.
            let result = match receiver.recv() {
                Ok(blocks) => syntax::parse_blocks(&mut host, &blocks, PARSE_TIMEOUT).await,
                Err(_) => Ok(Vec::new()),
            };
            host.shutdown().await;
            result
        })
    });
    Starting {
        shell: shell.to_owned(),
        blocks: sender,
        thread,
    }
}

/// Findings per file index; `Err` says why the rule could not run.
///
/// Only files that checked cleanly are parsed: a file with `check` errors has no runbook to walk,
/// and its errors are reported anyway.
pub(crate) fn check(
    files: &[Loaded],
    starting: Starting,
) -> Result<Vec<(usize, Vec<Finding>)>, String> {
    let Starting {
        shell,
        blocks,
        thread,
    } = starting;
    let finish = |blocks: Option<Vec<String>>, sender: mpsc::Sender<Vec<String>>| {
        if let Some(blocks) = blocks {
            // A closed channel means PowerShell did not start: the thread says why.
            let _ = sender.send(blocks);
        }
        drop(sender);
        thread.join().unwrap_or_else(|_| {
            Err(SyntaxCheckError::Failed {
                reason: "the thread talking to PowerShell panicked".to_owned(),
            })
        })
    };
    // Looked up even when there is nothing to parse, so a wrong `--shell` is never hidden by
    // a folder that happens to have no code in it.
    if find_shell(&shell).is_err() {
        let _ = finish(None, blocks);
        return Err(format!("cannot find PowerShell `{shell}`: {INSTALL}"));
    }
    let checked: Vec<(usize, (&str, &tejun_grammar::Runbook))> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.result.as_ref().ok().map(|r| (i, (f.src.as_str(), r))))
        .collect();
    let runbooks: Vec<(&str, &tejun_grammar::Runbook)> = checked.iter().map(|(_, r)| *r).collect();
    let prepared = Prepared::new(&runbooks);
    let texts = prepared.blocks().to_vec();
    if texts.is_empty() {
        // PowerShell was started for nothing; whether it started does not matter.
        let _ = finish(None, blocks);
        return Ok(Vec::new());
    }
    let errors = finish(Some(texts), blocks).map_err(|e| describe(&e, &shell))?;
    Ok(checked
        .iter()
        .map(|(i, _)| *i)
        .zip(prepared.findings(errors))
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
