//! Unix: a Unix domain socket in the session's private (0700) directory, a process group for the
//! child, and on Linux a walk of `/proc` that finds everything the session started, also what
//! left the group or the session.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use tokio::net::UnixListener;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::process::{Child, Command};

use super::{MARK, Session};

pub(crate) type Reader = OwnedReadHalf;
pub(crate) type Writer = OwnedWriteHalf;

/// How many times the tree is collected and killed: a process may fork between a scan and
/// the kill, and the next scan finds its child.
const KILL_ROUNDS: usize = 10;

/// How long to wait for killed processes re-parented to tejun to become zombies to reap.
const REAP_WITHIN: Duration = Duration::from_millis(300);

/// The sessions of this process that have not ended, for [`kill_all`].
static LIVE: Mutex<Vec<Session>> = Mutex::new(Vec::new());

/// Every launcher this process started: tokio waits for them, so tejun never kills or reaps
/// one as an adopted orphan (even after its session ended and before tokio reaped it).
static LAUNCHED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

pub(crate) struct Listener {
    listener: UnixListener,
    path: PathBuf,
}

impl Listener {
    /// Binds a socket inside `dir`, which only this user can enter.
    pub(crate) fn bind(dir: &Path) -> std::io::Result<Listener> {
        let path = dir.join("channel");
        // `sun_path` holds 107 bytes on Linux, 103 on macOS.
        if path.as_os_str().len() > 100 {
            return Err(std::io::Error::other(format!(
                "the socket path {} is too long; set TMPDIR to a shorter folder",
                path.display()
            )));
        }
        let listener = UnixListener::bind(&path)?;
        Ok(Listener { listener, path })
    }

    /// What the driver connects to: .NET's NamedPipeClientStream takes an absolute socket
    /// path on Unix.
    pub(crate) fn address(&self) -> &Path {
        &self.path
    }

    pub(crate) async fn accept(&self) -> std::io::Result<(Reader, Writer)> {
        let (stream, _) = self.listener.accept().await?;
        Ok(stream.into_split())
    }
}

/// Starts the child in a process group of its own, so a kill reaches everything it started.
pub(crate) fn own_process_group(cmd: &mut Command) {
    cmd.process_group(0);
}

/// Makes tejun the child subreaper (Linux): a process whose parent dies while a session runs
/// (a double-forked daemon) becomes tejun's child instead of init's, so tejun can find it
/// and must reap it. Elsewhere this does nothing.
pub(crate) fn adopt_orphans() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // Without it orphans go to init; the mark still finds them, so failing is fine.
            let _ = nix::sys::prctl::set_child_subreaper(true);
        });
    }
}

/// Records a launcher as soon as it is started, before anything may sweep. Never fails here.
pub(crate) fn launched(child: &Child) -> std::io::Result<()> {
    let Some(pid) = child.id() else {
        return Ok(());
    };
    if let Ok(mut launched) = LAUNCHED.lock()
        && !launched.contains(&pid)
    {
        launched.push(pid);
    }
    Ok(())
}

/// Records a live session (again when its shell's id is known), for [`kill_all`].
pub(crate) fn register(session: &Session) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|s| s.launcher != session.launcher);
        live.push(session.clone());
    }
}

/// Forgets a session that ended.
pub(crate) fn forget(session: &Session) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|s| s.launcher != session.launcher);
    }
}

/// Kills every live session and everything each started, at once: for a process that is
/// about to exit (a second Ctrl-C).
pub(crate) fn kill_all() {
    let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
    for session in &live {
        kill_group(session);
        end_strays(session);
    }
}

/// Kills the session's process group at once.
pub(crate) fn kill_group(session: &Session) {
    let _ = killpg(Pid::from_raw(session.launcher as i32), Signal::SIGKILL);
}

/// Terminates the child's process group gently, then kills it and everything else the
/// session started.
pub(crate) async fn kill_tree(child: &mut Child, session: &Session) {
    if let Some(pid) = child.id() {
        let group = Pid::from_raw(pid as i32);
        let _ = killpg(group, Signal::SIGTERM);
        if tokio::time::timeout(Duration::from_millis(500), child.wait())
            .await
            .is_err()
        {
            let _ = killpg(group, Signal::SIGKILL);
        }
        // Grandchildren in the group that outlived the shell get the final signal too.
        let _ = killpg(group, Signal::SIGKILL);
    }
    let _ = child.kill().await;
    end_strays(session);
}

/// Kills everything the session started except PowerShell itself (the launcher, the shell
/// and any process between them), and reaps what of it was re-parented to tejun.
///
/// Linux reads `/proc`: the tree is collected whole, then killed, then collected again until
/// nothing is left (bounded). Other Unix systems have no `/proc`; there only the process
/// group is killed, by [`kill_tree`].
pub(crate) fn end_strays(session: &Session) {
    let mut killed = HashSet::new();
    for round in 0..KILL_ROUNDS {
        if round > 0 {
            // Give the signals just sent time to land, so a dying process is not counted.
            std::thread::sleep(Duration::from_millis(10));
        }
        let strays = strays(session, &snapshot());
        if strays.is_empty() {
            break;
        }
        for pid in strays {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            killed.insert(pid);
        }
    }
    reap(killed);
}

/// The child processes of `pid` (Linux: from `/proc`; elsewhere none are known).
pub(crate) fn children(pid: u32) -> HashSet<u32> {
    snapshot()
        .into_iter()
        .filter(|(_, p)| p.parent == pid && !p.zombie)
        .map(|(child, _)| child)
        .collect()
}

/// One process as `/proc/PID/stat` describes it.
struct Proc {
    parent: u32,
    group: u32,
    zombie: bool,
}

/// Every process, by id; empty without `/proc`.
fn snapshot() -> HashMap<u32, Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((pid, stat(pid)?))
        })
        .collect()
}

fn stat(pid: u32) -> Option<Proc> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may contain anything.
    let (_, rest) = text.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some(Proc {
        parent,
        group,
        zombie: state == "Z",
    })
}

/// Which session's mark `pid`'s environment carries: `Some(None)` for none. Only processes
/// of the same user can be read (`None` for the others), the only ones a session can start.
fn mark_of(pid: u32) -> Option<Option<Vec<u8>>> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let name = format!("{MARK}=");
    Some(
        environ
            .split(|b| *b == 0)
            .find_map(|e| e.strip_prefix(name.as_bytes()).map(<[u8]>::to_vec)),
    )
}

/// The processes to kill: everything below a process the session started, a process of its
/// group, a process carrying its mark, or an orphan tejun adopted; not PowerShell itself,
/// not zombies.
fn strays(session: &Session, procs: &HashMap<u32, Proc>) -> Vec<u32> {
    let me = std::process::id();
    let my_group = procs.get(&me).map(|p| p.group);
    let launched = LAUNCHED.lock().map(|l| l.clone()).unwrap_or_default();
    // The launcher counts only while it is still tejun's child: its id may have been reused.
    let launcher_ours = procs.get(&session.launcher).is_some_and(|p| p.parent == me);
    let mut keep = HashSet::from([session.launcher, session.shell]);
    keep.extend(&session.kept);
    let mut chain = Vec::new();
    let mut at = session.shell;
    while let Some(p) = procs.get(&at).filter(|_| at != session.launcher) {
        chain.push(p.parent);
        at = p.parent;
        if chain.len() > procs.len() {
            break;
        }
    }
    if at == session.launcher {
        keep.extend(chain);
    }
    let mut roots: Vec<u32> = Vec::new();
    if launcher_ours {
        roots.push(session.launcher);
    }
    for (&pid, p) in procs {
        if pid == me || p.zombie {
            continue;
        }
        let ours = match mark_of(pid) {
            Some(Some(mark)) => mark == session.mark.as_bytes(),
            // Another session's process, or another user's.
            Some(None) | None if launcher_ours && p.group == session.launcher => true,
            // A child of tejun outside tejun's own group, with no mark and no session's
            // launcher, was adopted: a daemon that cleared its environment. tejun starts
            // nothing else in another group, so it came from a session.
            Some(None) => p.parent == me && Some(p.group) != my_group && !launched.contains(&pid),
            None => false,
        };
        if ours {
            roots.push(pid);
        }
    }
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (&pid, p) in procs {
        children.entry(p.parent).or_default().push(pid);
    }
    let mut found = HashSet::new();
    while let Some(pid) = roots.pop() {
        if pid == me || !found.insert(pid) {
            continue;
        }
        roots.extend(children.get(&pid).into_iter().flatten());
    }
    found
        .into_iter()
        .filter(|pid| !keep.contains(pid))
        .filter(|pid| procs.get(pid).is_some_and(|p| !p.zombie))
        .collect()
}

/// Reaps the killed processes that became tejun's children (a subreaper must, or they stay
/// zombies). Only these: tokio waits for the launchers, and tejun never calls `waitpid(-1)`.
fn reap(mut killed: HashSet<u32>) {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let me = std::process::id();
    let give_up = Instant::now() + REAP_WITHIN;
    while !killed.is_empty() && Instant::now() < give_up {
        killed.retain(|&pid| match stat(pid) {
            // Gone: its parent reaped it.
            None => false,
            Some(p) if p.parent == me => matches!(
                waitpid(Pid::from_raw(pid as i32), Some(WaitPidFlag::WNOHANG)),
                Ok(WaitStatus::StillAlive)
            ),
            // Still dying, or its parent (PowerShell) will reap it.
            Some(_) => true,
        });
        std::thread::sleep(Duration::from_millis(5));
    }
}
