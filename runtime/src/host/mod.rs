//! The hosted PowerShell: one long-lived child process per session, driven by `driver.ps1` over a
//! private channel.
//!
//! The child's stdin is null and its stdout/stderr are drained all the time; anything it writes
//! there is attached to the command that is running. Requests and events are JSON lines on the
//! channel (see `runtime/driver.ps1`). A command that overruns its timeout is asked to stop; if it
//! has not stopped after a grace period, the whole process group is killed and the host reports
//! that session state was lost: the caller starts a fresh one.
//!
//! Whatever a command starts carries the session's mark in its environment. After a timeout or an
//! interrupt, and when the session ends however it ends, everything the session started is killed
//! (`channel::end_strays`): what stayed in the process group, what left it or its session, and
//! double-forked daemons, which tejun adopts as the child subreaper on Linux.

mod channel;
mod lines;
mod protocol;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use lines::LineSplitter;
use protocol::{Incoming, Request, Seen};
pub use protocol::{Outcome, RunState, Stream, StreamLine};

use tejun_grammar::ast::Value;

/// The driver script, embedded in the binary.
pub const DRIVER: &str = include_str!("../../driver.ps1");

/// How many lines of a command's streams an [`Outcome`] keeps (the last ones). Everything is
/// passed to the caller's callback as it arrives; only this tail stays in memory.
pub const TAIL_LINES: usize = 200;

/// How many bytes of each line an [`Outcome`]'s tail keeps; a longer line is cut and ends in `…`.
pub const TAIL_LINE_BYTES: usize = 2048;

/// The most text one [`StreamLine`] holds, in bytes: what the child writes straight to its stdout
/// or stderr comes in lines of at most this size, and a longer line in parts (see
/// [`StreamLine::partial`]). The driver cuts its own output at 64 Ki UTF-16 code units.
pub const CHUNK: usize = 64 * 1024;

/// The longest protocol message tejun reads: an event of a full chunk, base64-encoded, with room
/// to spare. A longer one is not the driver's and is dropped unread.
const MAX_MESSAGE: usize = 1024 * 1024;

/// The youngest-generation budget of the hosted .NET runtime (hexadecimal bytes), unless the
/// environment sets one.
const GEN0_BUDGET: (&str, &str) = ("DOTNET_GCgen0size", "0x400000");

/// How long a line written straight to stdout/stderr may stop short of its line break before
/// what has come of it is shown (as a part: see [`StreamLine::partial`]).
const STRAY_PAUSE: Duration = Duration::from_millis(100);

/// How many messages may wait between the child and tejun: with messages of at most a chunk of
/// text, a few megabytes.
const CHANNEL_CAPACITY: usize = 16;

/// How long a command that was asked to stop may take to stop before the process is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// How to start PowerShell.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// `pwsh`, `powershell`, or a path to either.
    pub shell: String,
    /// Folders prepended to `PSModulePath`.
    pub module_paths: Vec<PathBuf>,
    /// Extra environment variables for the child.
    pub env: Vec<(String, String)>,
    /// How long PowerShell may take to start and say hello.
    pub startup_timeout: Duration,
}

impl Default for HostConfig {
    fn default() -> HostConfig {
        HostConfig {
            shell: "pwsh".into(),
            module_paths: Vec::new(),
            env: Vec::new(),
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// Why the host cannot go on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HostError {
    /// PowerShell is not installed where we looked.
    #[error("cannot find PowerShell `{shell}`")]
    #[diagnostic(
        code(tejun::host::shell_not_found),
        help(
            "install PowerShell 7: `dotnet tool install --global PowerShell --version 7.6.9`, then add `$HOME/.dotnet/tools` to PATH; or name the shell with `--shell PATH`"
        )
    )]
    ShellNotFound {
        /// The shell asked for.
        shell: String,
    },
    /// Starting PowerShell failed.
    #[error("PowerShell did not start: {reason}")]
    #[diagnostic(code(tejun::host::start_failed))]
    StartFailed {
        /// What went wrong.
        reason: String,
    },
    /// The PowerShell process ended or the channel broke.
    #[error("the PowerShell process ended unexpectedly{status}; its session state is lost")]
    #[diagnostic(code(tejun::host::died))]
    Died {
        /// ` (exit status N)` when known.
        status: String,
        /// What it printed last, for the journal.
        last_words: String,
    },
}

/// A running PowerShell session.
pub struct Host {
    child: Child,
    writer: channel::Writer,
    events: mpsc::Receiver<Incoming>,
    next_id: u64,
    interrupt: Option<tokio::sync::watch::Receiver<bool>>,
    /// The value of `TEJUN_SESSION` every process of the session inherits.
    mark: String,
    /// Processes below PowerShell that are no strays: the transports of remote sessions.
    kept: std::collections::HashSet<u32>,
    /// The child's process id (the group every process the session starts belongs to).
    pub pid: u32,
    /// PowerShell's own process id, which differs from `pid` when `pwsh` is a launcher (as
    /// the .NET global tool's is).
    pub shell_pid: u32,
    /// PowerShell's version, such as `7.6.9`.
    pub version: String,
    // Dropped last: the directory holding the channel and the driver.
    _dir: tempfile::TempDir,
}

impl Host {
    /// Starts PowerShell with the driver and waits for its hello.
    pub async fn start(config: &HostConfig) -> Result<Host, HostError> {
        let shell = find_shell(&config.shell)?;
        let dir = tempfile::Builder::new()
            .prefix("tejun-")
            .tempdir()
            .map_err(|e| HostError::StartFailed {
                reason: format!("cannot create a private directory: {e}"),
            })?;
        let driver = dir.path().join("driver.ps1");
        std::fs::write(&driver, DRIVER).map_err(|e| HostError::StartFailed {
            reason: format!("cannot write the driver: {e}"),
        })?;
        let mark = token();
        let token = token();
        let listener = channel::Listener::bind(dir.path()).map_err(|e| HostError::StartFailed {
            reason: format!("cannot open the control channel: {e}"),
        })?;

        let mut cmd = Command::new(&shell);
        cmd.args([
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-OutputFormat",
            "Text",
        ]);
        if cfg!(windows) {
            cmd.args(["-ExecutionPolicy", "Bypass"]);
        }
        cmd.arg("-File").arg(&driver);
        cmd.env("TEJUN_CHANNEL", listener.address())
            .env("TEJUN_TOKEN", &token)
            .env(channel::MARK, &mark)
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .env("POWERSHELL_TELEMETRY_OPTOUT", "1")
            .env("POWERSHELL_UPDATECHECK", "Off")
            .env("GIT_TERMINAL_PROMPT", "0");
        // .NET sizes its youngest generation from the CPU's cache, often tens of megabytes; the
        // driver and the pipeline both allocate for every line printed, so a command printing
        // hundreds of megabytes would grow PowerShell by that much garbage before a collection.
        // A small budget keeps it near a bare pwsh's size (see `tests/soak.rs`).
        if std::env::var_os(GEN0_BUDGET.0).is_none() {
            cmd.env(GEN0_BUDGET.0, GEN0_BUDGET.1);
        }
        if !config.module_paths.is_empty() {
            let mut paths: Vec<PathBuf> = config
                .module_paths
                .iter()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
                .collect();
            if let Some(existing) = std::env::var_os("PSModulePath") {
                paths.extend(std::env::split_paths(&existing));
            }
            if let Ok(joined) = std::env::join_paths(paths) {
                cmd.env("PSModulePath", joined);
            }
        }
        // Secrets reach PowerShell as variables over the channel, never through the environment,
        // where every process the session starts would inherit them and `/proc/PID/environ`
        // would show them.
        for (key, _) in std::env::vars_os() {
            if crate::params::is_secret_variable(&key) {
                cmd.env_remove(&key);
            }
        }
        for (k, v) in &config.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        channel::own_process_group(&mut cmd);
        channel::adopt_orphans();
        let mut child = cmd.spawn().map_err(|e| HostError::StartFailed {
            reason: format!("cannot run `{}`: {e}", shell.display()),
        })?;
        let pid = child.id().unwrap_or(0);
        if let Err(e) = channel::launched(&child) {
            let _ = child.kill().await;
            return Err(HostError::StartFailed {
                reason: format!("cannot contain PowerShell's process tree: {e}"),
            });
        }

        // Bounded, so a command that prints faster than tejun can record it is slowed down
        // instead of filling tejun's memory.
        let (tx, events) = mpsc::channel(CHANNEL_CAPACITY);
        drain(child.stdout.take(), Stream::Stdout, tx.clone());
        drain(child.stderr.take(), Stream::Stderr, tx.clone());

        let connected = tokio::select! {
            connected = tokio::time::timeout(config.startup_timeout, listener.accept()) => connected,
            // A program that is not PowerShell, or a PowerShell that cannot start, exits at once:
            // say so now instead of waiting out the start-up timeout.
            status = child.wait() => {
                let status = match status {
                    Ok(status) => status.to_string(),
                    Err(e) => e.to_string(),
                };
                let mut events = events;
                let mut said = Vec::new();
                let give_up = tokio::time::Instant::now() + Duration::from_millis(500);
                while let Ok(Some(incoming)) = tokio::time::timeout_at(give_up, events.recv()).await {
                    if let Incoming::Stray(line) = incoming {
                        said.push(line.text);
                    }
                }
                let said = said.iter().rev().take(10).rev().cloned().collect::<Vec<_>>().join("\n");
                return Err(HostError::StartFailed {
                    reason: format!(
                        "`{}` exited ({status}) before it connected; is it PowerShell 7 (pwsh) or Windows PowerShell 5.1?{}",
                        shell.display(),
                        if said.is_empty() { String::new() } else { format!("\nit said:\n{said}") }
                    ),
                });
            }
        };
        let (reader, writer) = match connected {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => {
                return Err(HostError::StartFailed {
                    reason: format!("the control channel failed: {e}"),
                });
            }
            Err(_) => {
                let _ = child.kill().await;
                return Err(HostError::StartFailed {
                    reason: format!(
                        "PowerShell did not connect within {:?}",
                        config.startup_timeout
                    ),
                });
            }
        };
        read_messages(reader, tx);
        let mut host = Host {
            child,
            writer,
            events,
            next_id: 0,
            interrupt: None,
            mark,
            kept: Default::default(),
            pid,
            shell_pid: pid,
            version: String::new(),
            _dir: dir,
        };
        channel::register(&host.session());
        let hello = tokio::time::timeout(config.startup_timeout, host.next_message()).await;
        match hello {
            Ok(Ok(msg)) if msg.get("ev").and_then(|v| v.as_str()) == Some("hello") => {
                if msg.get("token").and_then(|v| v.as_str()) != Some(token.as_str()) {
                    return Err(HostError::StartFailed {
                        reason: "the control channel answered with a wrong token".into(),
                    });
                }
                host.shell_pid = msg
                    .get("pid")
                    .and_then(|v| v.as_u64())
                    .map_or(pid, |p| p as u32);
                channel::register(&host.session());
                host.version = msg
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned();
                Ok(host)
            }
            Ok(Ok(other)) => Err(HostError::StartFailed {
                reason: format!("unexpected first message: {other}"),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(HostError::StartFailed {
                reason: "PowerShell did not say hello in time".into(),
            }),
        }
    }

    /// Sets PowerShell variables in the session: a runbook's parameters.
    pub async fn set_vars(&mut self, vars: &[(String, Value)]) -> Result<(), HostError> {
        if vars.is_empty() {
            return Ok(());
        }
        self.send(&Request::Vars(vars)).await?;
        loop {
            let msg = self.next_message().await?;
            if msg.get("ev").and_then(|v| v.as_str()) == Some("vars_set") {
                return Ok(());
            }
        }
    }

    /// Runs code; each line of every stream is passed to `on_line` as it arrives.
    pub async fn run(
        &mut self,
        code: &str,
        timeout: Option<Duration>,
        on_line: impl FnMut(StreamLine),
    ) -> Result<Outcome, HostError> {
        self.invoke(code, false, timeout, on_line).await
    }

    /// Evaluates a condition; `Outcome::value` says whether it holds.
    pub async fn eval(
        &mut self,
        code: &str,
        timeout: Option<Duration>,
    ) -> Result<Outcome, HostError> {
        self.invoke(code, true, timeout, |_| {}).await
    }

    async fn invoke(
        &mut self,
        code: &str,
        evaluate: bool,
        timeout: Option<Duration>,
        mut on_line: impl FnMut(StreamLine),
    ) -> Result<Outcome, HostError> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&Request::Invoke { id, code, evaluate }).await?;
        let started = tokio::time::Instant::now();
        let mut deadline = timeout.map(|t| started + t);
        let mut timed_out = false;
        let mut interrupted = false;
        let mut seen = Seen::default();
        let mut interrupt = self.interrupt.clone();
        loop {
            let stopping = timed_out || interrupted;
            let next = tokio::select! {
                next = self.events.recv() => next,
                _ = sleep_until(deadline) => {
                    if stopping {
                        // Asked to stop and still running: a blocking call PowerShell cannot
                        // interrupt. Kill the whole process tree.
                        self.kill().await;
                        let mut outcome = Outcome::killed(seen);
                        outcome.interrupted = interrupted;
                        return Ok(outcome);
                    }
                    timed_out = true;
                    deadline = Some(self.stop(id).await?);
                    continue;
                }
                _ = interrupted_by(&mut interrupt), if !stopping => {
                    interrupted = true;
                    deadline = Some(self.stop(id).await?);
                    continue;
                }
            };
            let Some(incoming) = next else {
                return Err(self.died(&seen.tail).await);
            };
            match incoming {
                Incoming::Stray(line) => {
                    seen.keep(&line);
                    on_line(line);
                }
                Incoming::Closed => return Err(self.died(&seen.tail).await),
                Incoming::Message(msg) => {
                    if msg.get("id").and_then(|v| v.as_u64()) != Some(id) {
                        continue;
                    }
                    match protocol::event(&msg) {
                        Some(batch) => {
                            for line in batch {
                                seen.keep(&line);
                                on_line(line);
                            }
                        }
                        None => {
                            let mut outcome = Outcome::from_done(&msg, seen);
                            outcome.timed_out = timed_out;
                            outcome.interrupted = interrupted;
                            if timed_out || interrupted {
                                // Stopping a pipeline ends only the native command PowerShell
                                // started, not what that command started in turn.
                                channel::end_strays(&self.session());
                            }
                            return Ok(outcome);
                        }
                    }
                }
            }
        }
    }

    /// Asks the driver to stop request `id` and ends what it started; returns the deadline
    /// after which the process is killed instead.
    async fn stop(&mut self, id: u64) -> Result<tokio::time::Instant, HostError> {
        self.send(&Request::Cancel { id }).await?;
        // PowerShell stops only the native command it started, and waits for that command's
        // output to end; whatever the command started in turn keeps the output open. End the
        // whole tree under the shell.
        tokio::time::sleep(Duration::from_millis(250)).await;
        channel::end_strays(&self.session());
        Ok(tokio::time::Instant::now() + STOP_GRACE)
    }

    /// Makes a change of `interrupt` to `true` (Ctrl-C) stop the running command.
    pub fn set_interrupt(&mut self, interrupt: tokio::sync::watch::Receiver<bool>) {
        self.interrupt = Some(interrupt);
    }

    async fn next_message(&mut self) -> Result<serde_json::Value, HostError> {
        loop {
            match self.events.recv().await {
                Some(Incoming::Message(msg)) => return Ok(msg),
                Some(Incoming::Stray(_)) => continue,
                Some(Incoming::Closed) | None => return Err(self.died(&[]).await),
            }
        }
    }

    async fn send(&mut self, request: &Request<'_>) -> Result<(), HostError> {
        let mut line = request.to_line();
        line.push('\n');
        if self.writer.write_all(line.as_bytes()).await.is_err()
            || self.writer.flush().await.is_err()
        {
            return Err(self.died(&[]).await);
        }
        Ok(())
    }

    async fn died(&mut self, lines: &[StreamLine]) -> HostError {
        let status = match tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await {
            Ok(Ok(status)) => match status.code() {
                Some(code) => format!(" (exit status {code})"),
                None => format!(" ({status})"),
            },
            _ => String::new(),
        };
        let last_words = lines
            .iter()
            .rev()
            .take(20)
            .rev()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        HostError::Died { status, last_words }
    }

    /// Kills PowerShell and everything it started.
    pub async fn kill(&mut self) {
        let session = self.session();
        channel::kill_tree(&mut self.child, &session).await;
    }

    fn session(&self) -> channel::Session {
        channel::Session {
            launcher: self.pid,
            shell: self.shell_pid,
            mark: self.mark.clone(),
            kept: self.kept.clone(),
        }
    }

    /// PowerShell's child processes now.
    pub fn children(&self) -> std::collections::HashSet<u32> {
        channel::children(self.shell_pid)
    }

    /// Marks processes below PowerShell as part of the session (a remote session's transport),
    /// never ended as strays; a pid that is gone is dropped.
    pub fn keep(&mut self, pids: impl IntoIterator<Item = u32>) {
        let alive = self.children();
        self.kept.retain(|pid| alive.contains(pid));
        self.kept.extend(pids);
    }

    /// Asks PowerShell to exit, then makes sure it has; what its commands left running is killed
    /// when the host is dropped, at the end of this.
    pub async fn shutdown(mut self) {
        let _ = self.send(&Request::Exit).await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            self.kill().await;
        }
    }
}

impl Drop for Host {
    /// However the session ends (shut down, killed, lost, or dropped on an error), nothing it
    /// started outlives it.
    fn drop(&mut self) {
        // Remote sessions' transports end with the session too.
        self.kept.clear();
        let session = self.session();
        if matches!(self.child.try_wait(), Ok(None)) {
            channel::kill_group(&session);
        }
        channel::end_strays(&session);
        channel::forget(&session);
    }
}

/// Kills every PowerShell session of this process and everything they started, at once: for a
/// process about to exit without unwinding (a second Ctrl-C).
pub fn kill_all() {
    channel::kill_all();
}

/// Finds the shell: a path, or a name on PATH (on Windows with its `.exe`), also in
/// `~/.dotnet/tools` (`%USERPROFILE%\.dotnet\tools`), where `dotnet tool install --global
/// PowerShell` puts pwsh.
pub fn find_shell(shell: &str) -> Result<PathBuf, HostError> {
    let path = PathBuf::from(shell);
    if path.components().count() > 1 {
        return if path.exists() {
            Ok(path)
        } else {
            Err(HostError::ShellNotFound {
                shell: shell.into(),
            })
        };
    }
    if let Ok(found) = which::which(shell) {
        return Ok(found);
    }
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" });
    let tools = home.map(|h| {
        let tool = PathBuf::from(h).join(".dotnet").join("tools").join(shell);
        match tool.extension() {
            None if cfg!(windows) => tool.with_extension("exe"),
            _ => tool,
        }
    });
    match tools {
        Some(p) if p.exists() => Ok(p),
        _ => Err(HostError::ShellNotFound {
            shell: shell.into(),
        }),
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Resolves once the interrupt flag is (or becomes) true; never without one.
async fn interrupted_by(interrupt: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    match interrupt {
        Some(rx) => {
            if rx.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

fn token() -> String {
    let mut bytes = [0u8; 24];
    // Without a random source the token would be guessable; fall back to the clock and pid
    // only to still be unique per session (the channel directory is private either way).
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes[..16].copy_from_slice(&nanos.to_le_bytes());
        bytes[16..20].copy_from_slice(&std::process::id().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Forwards every line the child writes outside the protocol, in lines or parts of at most
/// [`CHUNK`] bytes, decoded as UTF-8 (an invalid byte becomes U+FFFD).
fn drain(
    pipe: Option<impl tokio::io::AsyncRead + Unpin + Send + 'static>,
    stream: Stream,
    tx: mpsc::Sender<Incoming>,
) {
    if let Some(pipe) = pipe {
        forward_lines(pipe, CHUNK, Some(STRAY_PAUSE), tx, None, move |piece| {
            Some(Incoming::Stray(StreamLine {
                partial: piece.partial,
                ..StreamLine::new(stream, String::from_utf8_lossy(piece.bytes))
            }))
        });
    }
}

/// Forwards every protocol message; `Closed` when the channel ends. A line longer than
/// [`MAX_MESSAGE`] is dropped part by part, never held whole.
fn read_messages(reader: channel::Reader, tx: mpsc::Sender<Incoming>) {
    let mut dropping = false;
    forward_lines(
        reader,
        MAX_MESSAGE,
        None,
        tx,
        Some(Incoming::Closed),
        move |piece| {
            let oversized = dropping || piece.partial;
            dropping = piece.partial;
            if oversized {
                return None;
            }
            serde_json::from_slice(piece.bytes)
                .ok()
                .map(Incoming::Message)
        },
    );
}

/// Reads `reader` in chunks, cutting lines of at most `limit` bytes (longer ones in parts) and
/// sending what `convert` makes of each (pieces it rejects are dropped), then `last` when the
/// reader ends. With a `pause`, a line that stops coming for that long is sent as far as it got.
fn forward_lines(
    mut reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    limit: usize,
    pause: Option<Duration>,
    tx: mpsc::Sender<Incoming>,
    last: Option<Incoming>,
    mut convert: impl FnMut(lines::Piece<'_>) -> Option<Incoming> + Send + 'static,
) {
    tokio::spawn(async move {
        let mut splitter = LineSplitter::new(limit);
        let mut buf = vec![0u8; 64 * 1024];
        let mut ready = Vec::new();
        loop {
            let read = match pause.filter(|_| splitter.is_pending()) {
                Some(pause) => tokio::time::timeout(pause, reader.read(&mut buf)).await,
                None => Ok(reader.read(&mut buf).await),
            };
            let mut emit = |piece: lines::Piece<'_>| ready.extend(convert(piece));
            // Reading is cancel-safe: a read cut short by the pause has taken no bytes.
            let ended = match read {
                Err(_paused) => {
                    splitter.flush_partial(&mut emit);
                    false
                }
                Ok(Ok(n)) if n > 0 => {
                    splitter.feed(&buf[..n], &mut emit);
                    false
                }
                Ok(_) => {
                    splitter.finish(&mut emit);
                    true
                }
            };
            for incoming in ready.drain(..) {
                if tx.send(incoming).await.is_err() {
                    return;
                }
            }
            if ended {
                break;
            }
        }
        if let Some(last) = last {
            let _ = tx.send(last).await;
        }
    });
}
