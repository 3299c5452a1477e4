//! Remote targets through PowerShell's own remoting: the hosted PowerShell keeps one `PSSession`
//! per target (`New-PSSession`, over SSH or WinRM), reused by every step that runs `on` it.
//!
//! Everything here is fixed PowerShell text. What varies travels as variables set beforehand
//! with [`Host::set_vars`]: the target's name and connection details, the names of the run's
//! variables to copy to the remote side. The runbook's code (never a value) goes inside the
//! fixed text base64-encoded, and is run remotely exactly as written. Values reach the remote
//! session as arguments of `Invoke-Command`, never as code.

use std::time::Duration;

use base64::Engine;
use tejun_grammar::ast::Value;

use crate::host::{Host, HostError, Outcome, Stream};
use crate::inventory::{Target, Transport};

/// The variable naming the target a remote command goes to.
pub const TARGET_VAR: &str = "__TejunTarget";
/// The variable listing the run's variables (parameters, loop variables) a remote command sees.
pub const NAMES_VAR: &str = "__TejunVarNames";

/// Opens (or reopens) the session for the target named in `$__TejunTarget`, closing a previous
/// one. The connection details are variables; nothing in them is ever run as code.
const OPEN: &str = r#"
if ($null -eq $global:__TejunSessions) { $global:__TejunSessions = @{} }
$__tejunOld = $global:__TejunSessions[$__TejunTarget]
if ($null -ne $__tejunOld) {
    $global:__TejunSessions.Remove($__TejunTarget)
    Remove-PSSession -Session $__tejunOld -ErrorAction SilentlyContinue
}
$__tejunArgs = @{ ErrorAction = 'Stop' }
if ($__TejunTransport -eq 'ssh') {
    $__tejunArgs.HostName = $__TejunHost
    if ($__TejunPort -gt 0) { $__tejunArgs.Port = [int]$__TejunPort }
    if ($__TejunUser) { $__tejunArgs.UserName = $__TejunUser }
    if ($__TejunKey) { $__tejunArgs.KeyFilePath = $__TejunKey }
    $__tejunArgs.ConnectingTimeout = [int]$__TejunConnectMs
    $__tejunOptions = @{ BatchMode = 'yes'; StrictHostKeyChecking = 'yes'; ServerAliveInterval = '5'; ServerAliveCountMax = '3' }
    if ($__TejunKnownHosts) { $__tejunOptions.UserKnownHostsFile = $__TejunKnownHosts }
    if ($__TejunKey) { $__tejunOptions.IdentitiesOnly = 'yes' }
    $__tejunArgs.Options = $__tejunOptions
} else {
    $__tejunArgs.ComputerName = $__TejunComputer
    if ($__TejunPort -gt 0) { $__tejunArgs.Port = [int]$__TejunPort }
    if ($__TejunUseSsl) { $__tejunArgs.UseSSL = $true }
    $__tejunArgs.Authentication = $__TejunAuthentication
    $__tejunArgs.SessionOption = New-PSSessionOption -OpenTimeout ([int]$__TejunConnectMs)
    if ($__TejunCredential) {
        $__tejunPassword = ConvertTo-SecureString -String (Get-Variable -Name $__TejunCredential -ValueOnly) -AsPlainText -Force
        $__tejunArgs.Credential = New-Object System.Management.Automation.PSCredential($__TejunCredentialUser, $__tejunPassword)
        Remove-Variable -Name __tejunPassword
    }
}
$global:__TejunSessions[$__TejunTarget] = New-PSSession @__tejunArgs
Remove-Variable -Name __tejunArgs
"#;

/// Whether the session for `$__TejunTarget` is open: `$true`, `$false` (broken or closed), or
/// nothing when none was ever opened.
const STATE: &str = r#"
$__tejunSession = $null
if ($null -ne $global:__TejunSessions) { $__tejunSession = $global:__TejunSessions[$__TejunTarget] }
if ($null -eq $__tejunSession) { 'none' } else { [string]$__tejunSession.State }
"#;

/// Closes every session: at `restart shell` and at the end of a run.
pub const CLOSE_ALL: &str = r#"
if ($null -ne $global:__TejunSessions) {
    foreach ($__tejunSession in @($global:__TejunSessions.Values)) { Remove-PSSession -Session $__tejunSession -ErrorAction SilentlyContinue }
    $global:__TejunSessions = @{}
}
"#;

/// Closes the session of `$__TejunTarget`: `restart shell` on a target.
const CLOSE: &str = r#"
if ($null -ne $global:__TejunSessions -and $null -ne $global:__TejunSessions[$__TejunTarget]) {
    Remove-PSSession -Session $global:__TejunSessions[$__TejunTarget] -ErrorAction SilentlyContinue
    $global:__TejunSessions.Remove($__TejunTarget)
}
"#;

/// Runs `@CODE64@` (base64, replaced below) in the target's session with the run's variables. The
/// remote script runs in the session's global scope and dot-sources the code, so what one step
/// defines is there for the next on that target. For a command, `@RESET@` clears the remote
/// `$LASTEXITCODE` first and `@AFTER@` brings it back; a condition's values come back as they are,
/// so it holds on the remote side exactly as it would locally.
const INVOKE: &str = r#"
$__tejunSession = $global:__TejunSessions[$__TejunTarget]
$__tejunVars = @{}
foreach ($__tejunName in $__TejunVarNames) { $__tejunVars[$__tejunName] = Get-Variable -Name $__tejunName -ValueOnly -Scope Global }
Invoke-Command -Session $__tejunSession -ArgumentList $__tejunVars, '@CODE64@' -ScriptBlock {
    param($__tejunVars, $__tejunCode)
    foreach ($__tejunName in $__tejunVars.Keys) { Set-Variable -Name $__tejunName -Value $__tejunVars[$__tejunName] -Scope Global }
@RESET@    Remove-Variable -Name __tejunVars, __tejunName -ErrorAction SilentlyContinue
    . ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($__tejunCode))))
}
@AFTER@"#;

/// The line a command adds to [`INVOKE`] before its code.
const RESET: &str = "    $global:LASTEXITCODE = $null\n";
/// The line a command adds to [`INVOKE`] after it.
const AFTER: &str = "$global:LASTEXITCODE = Invoke-Command -Session $__tejunSession -ScriptBlock { $global:LASTEXITCODE }\n";

/// How long checking or closing a session may take.
const QUICK: Duration = Duration::from_secs(30);

/// The text sent to run `code` on the current target.
pub fn invoke_code(code: &str) -> String {
    INVOKE
        .replace("@RESET@", RESET)
        .replace("@AFTER@", AFTER)
        .replace("@CODE64@", &encode(code))
}

/// The text sent to evaluate condition `code` on the current target.
pub fn eval_code(code: &str) -> String {
    INVOKE
        .replace("@RESET@", "")
        .replace("@AFTER@", "")
        .replace("@CODE64@", &encode(code))
}

fn encode(code: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(code.as_bytes())
}

/// A session's state as PowerShell reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Never opened in this PowerShell.
    None,
    /// Open and usable.
    Opened,
    /// Anything else: `Broken`, `Closed`, `Disconnected`; the text says which.
    Other(String),
}

/// Makes `target` the one remote commands go to (sets `$__TejunTarget` and the variables the
/// remote side receives).
pub async fn select(host: &mut Host, target: &str, names: &[String]) -> Result<(), HostError> {
    host.set_vars(&[
        (TARGET_VAR.to_owned(), Value::Str(target.to_owned())),
        (NAMES_VAR.to_owned(), Value::List(names.to_vec())),
    ])
    .await
}

/// The state of the selected target's session.
pub async fn state(host: &mut Host) -> Result<SessionState, HostError> {
    let mut text = String::new();
    let outcome = host
        .run(STATE, Some(QUICK), |line| {
            if !line.partial {
                text = line.text.clone();
            }
        })
        .await?;
    let _ = outcome;
    Ok(match text.trim() {
        "none" | "" => SessionState::None,
        "Opened" => SessionState::Opened,
        other => SessionState::Other(other.to_owned()),
    })
}

/// Opens a session to the selected target; `Err` is PowerShell's reason, for the journal.
pub async fn open(host: &mut Host, target: &Target) -> Result<Result<(), String>, HostError> {
    let mut vars = vec![(
        "__TejunConnectMs".to_owned(),
        Value::Int(target.connect_timeout.as_millis() as i64),
    )];
    let text = |s: &str| Value::Str(s.to_owned());
    match &target.transport {
        Transport::Ssh {
            host: name,
            port,
            user,
            key,
            known_hosts,
        } => {
            vars.push(("__TejunTransport".into(), text("ssh")));
            vars.push(("__TejunHost".into(), text(name)));
            vars.push(("__TejunPort".into(), Value::Int(port.map_or(0, i64::from))));
            vars.push(("__TejunUser".into(), text(user.as_deref().unwrap_or(""))));
            let path = |p: &Option<std::path::PathBuf>| {
                text(
                    &p.as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                )
            };
            vars.push(("__TejunKey".into(), path(key)));
            vars.push(("__TejunKnownHosts".into(), path(known_hosts)));
        }
        Transport::Winrm {
            computer,
            port,
            use_ssl,
            authentication,
            credential,
        } => {
            vars.push(("__TejunTransport".into(), text("winrm")));
            vars.push(("__TejunComputer".into(), text(computer)));
            vars.push(("__TejunPort".into(), Value::Int(port.map_or(0, i64::from))));
            vars.push(("__TejunUseSsl".into(), Value::Bool(*use_ssl)));
            vars.push((
                "__TejunAuthentication".into(),
                text(authentication.as_powershell()),
            ));
            let (user, secret) = credential.clone().unwrap_or_default();
            vars.push(("__TejunCredentialUser".into(), text(&user)));
            vars.push(("__TejunCredential".into(), text(&secret)));
        }
    }
    host.set_vars(&vars).await?;
    let before = host.children();
    let mut errors = Vec::new();
    let outcome = host
        .run(OPEN, Some(target.connect_timeout + QUICK), |line| {
            if line.stream == Stream::Error {
                errors.push(line.text.clone());
            }
        })
        .await?;
    // The transport (ssh) is a child of PowerShell that outlives every command: it is no stray.
    host.keep(host.children().difference(&before).copied());
    Ok(if opened(&outcome) {
        Ok(())
    } else {
        Err(reason(&outcome, &errors))
    })
}

/// Closes the selected target's session.
pub async fn close(host: &mut Host) -> Result<(), HostError> {
    host.run(CLOSE, Some(QUICK), |_| {}).await.map(|_| ())
}

fn opened(outcome: &Outcome) -> bool {
    outcome.succeeded(&[0]) && outcome.failure.is_none()
}

fn reason(outcome: &Outcome, errors: &[String]) -> String {
    let text = outcome
        .failure
        .clone()
        .or_else(|| errors.first().cloned())
        .unwrap_or_else(|| "New-PSSession failed".to_owned());
    if outcome.timed_out {
        format!("no answer in time: {text}")
    } else {
        text.lines().next().unwrap_or_default().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_travels_base64_and_only_a_command_brings_its_exit_code_back() {
        let code = "Write-Output '$x'; exit 3";
        let encoded = encode(code);
        let run = invoke_code(code);
        let eval = eval_code(code);
        for text in [&run, &eval] {
            assert!(text.contains(&format!("'{encoded}'")), "{text}");
            assert!(
                !text.contains(code),
                "the code is never text of the script: {text}"
            );
            for marker in ["@CODE64@", "@RESET@", "@AFTER@"] {
                assert!(!text.contains(marker), "{marker} is replaced: {text}");
            }
        }
        assert!(run.contains(RESET) && run.contains(AFTER), "{run}");
        assert!(!eval.contains("LASTEXITCODE"), "{eval}");
    }
}
