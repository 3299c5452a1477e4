//! The control channel and process-tree handling, one implementation per OS behind the same
//! functions. Unix: a Unix domain socket in the session's private (0700) directory, and a process
//! group for the child.

#[cfg(unix)]
mod unix {
    use std::path::{Path, PathBuf};

    use tokio::net::UnixListener;
    use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
    use tokio::process::{Child, Command};

    pub(crate) type Reader = OwnedReadHalf;
    pub(crate) type Writer = OwnedWriteHalf;

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

    /// Terminates the child's process group gently, then kills it.
    pub(crate) async fn kill_tree(child: &mut Child) {
        use nix::sys::signal::{Signal, killpg};
        use nix::unistd::Pid;
        if let Some(pid) = child.id() {
            let group = Pid::from_raw(pid as i32);
            let _ = killpg(group, Signal::SIGTERM);
            if tokio::time::timeout(std::time::Duration::from_millis(500), child.wait())
                .await
                .is_err()
            {
                let _ = killpg(group, Signal::SIGKILL);
            }
            // Grandchildren in the group that outlived the shell get the final signal too.
            let _ = killpg(group, Signal::SIGKILL);
        }
        let _ = child.kill().await;
    }

    /// Kills every process in the child's group except the child itself: what a stopped native
    /// command left running. Linux reads `/proc`; elsewhere this does nothing.
    pub(crate) fn sweep_strays(group_pid: u32, shell_pid: u32) {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == group_pid || pid == shell_pid {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // Fields after the command name, which is in parentheses and may contain spaces.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                continue;
            };
            let group = rest
                .split_whitespace()
                .nth(2)
                .and_then(|g| g.parse::<u32>().ok());
            if group == Some(group_pid) {
                let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            }
        }
    }
}

#[cfg(unix)]
pub(crate) use unix::*;
