//! One run at a time per state folder. `tejun run` and `tejun resume` hold an OS file lock on
//! `<state-dir>/lock` while they run and write who they are to `<state-dir>/lock.json`.
//!
//! Per state folder, not per runbook: runs from one folder usually drive the same machine, and a
//! resume reads and appends to the shared `runs/` folder. Two runs at once need two state folders.
//!
//! The OS releases the lock when its process ends however it ends, so a lock is never stale; but
//! a process killed without unwinding (`kill -9`) leaves `lock.json` behind, which is how the next
//! holder knows it took over from a dead one. The holder's details live in a second file because
//! Windows forbids reading a file another process has locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Who holds (or held) a state folder's lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The run it runs or resumes.
    pub run_id: String,
    /// Its process id.
    pub pid: u32,
    /// The machine it runs on (a state folder may be on a shared drive).
    pub host: String,
    /// `run` or `resume`.
    pub command: String,
    /// When it took the lock (RFC 3339 UTC).
    pub started: String,
}

impl Holder {
    /// This process, running `tejun {command}` for `run_id`.
    pub fn this_process(run_id: &str, command: &str) -> Holder {
        Holder {
            run_id: run_id.to_owned(),
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            command: command.to_owned(),
            started: jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        }
    }

    /// A holder whose `lock.json` could not be read.
    fn unknown() -> Holder {
        Holder {
            run_id: "unknown".into(),
            pid: 0,
            host: String::new(),
            command: String::new(),
            started: String::new(),
        }
    }
}

/// Why the lock cannot be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    /// Another tejun runs in this state folder.
    #[error(
        "another tejun is running in `{dir}`: run `{}` (pid {} on `{}`, `tejun {}` since {})",
        .holder.run_id, .holder.pid, .holder.host, .holder.command, .holder.started
    )]
    #[diagnostic(
        code(tejun::run::locked),
        help(
            "wait for it to end, or give this run a state folder of its own with `--state-dir DIR`"
        )
    )]
    Held {
        /// The state folder.
        dir: String,
        /// Who holds it (boxed: errors travel by value through every step of a run).
        holder: Box<Holder>,
    },
    /// Another tejun holds the lock but has not said who it is yet.
    #[error("another tejun is starting in `{dir}` and holds its lock")]
    #[diagnostic(
        code(tejun::run::locked),
        help(
            "wait for it to end, or give this run a state folder of its own with `--state-dir DIR`"
        )
    )]
    Starting {
        /// The state folder.
        dir: String,
    },
    /// The lock file cannot be opened, locked or written.
    #[error("cannot lock the state folder with `{path}`: {source}")]
    #[diagnostic(
        code(tejun::run::lock_failed),
        help("check that the folder exists and is writable")
    )]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// A state folder's lock, held until dropped.
#[derive(Debug)]
pub struct RunLock {
    /// The locked file; closing it releases the lock.
    file: File,
    holder_path: PathBuf,
    /// The previous holder, when it ended without releasing the lock: this one took it over.
    pub previous: Option<Holder>,
}

impl RunLock {
    /// Takes `root`'s lock for `holder`, or says who has it.
    pub fn acquire(root: &Path, holder: &Holder) -> Result<RunLock, LockError> {
        let path = root.join("lock");
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(root).map_err(io)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let holder_path = root.join("lock.json");
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(held(root, &holder_path)),
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Present only when the last holder did not release the lock: it was killed.
        let previous = std::fs::read(&holder_path)
            .ok()
            .map(|text| serde_json::from_slice(&text).unwrap_or_else(|_| Holder::unknown()));
        let lock = RunLock {
            file,
            holder_path,
            previous,
        };
        lock.write(holder).map_err(|source| LockError::Io {
            path: lock.holder_path.display().to_string(),
            source,
        })?;
        Ok(lock)
    }

    /// Replaces `lock.json` whole, so a reader never sees half of it.
    fn write(&self, holder: &Holder) -> std::io::Result<()> {
        let text = serde_json::to_vec(holder).map_err(std::io::Error::other)?;
        let temporary = self.holder_path.with_extension("json.tmp");
        let mut file = File::create(&temporary)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &self.holder_path)
    }
}

impl Drop for RunLock {
    /// Clears who holds the lock, then releases it: a `lock.json` found by the next holder means
    /// this one never got here.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.holder_path);
        let _ = self.file.unlock();
    }
}

/// The error for a lock someone else holds. Its holder may be between taking the lock and writing
/// `lock.json`: give it a moment.
fn held(root: &Path, holder_path: &Path) -> LockError {
    let dir = root.display().to_string();
    for _ in 0..10 {
        if let Some(holder) = std::fs::read(holder_path)
            .ok()
            .and_then(|text| serde_json::from_slice(&text).ok())
        {
            return LockError::Held {
                dir,
                holder: Box::new(holder),
            };
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    LockError::Starting { dir }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_run_and_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path(), &Holder::this_process("run-1", "run")).unwrap();
        assert_eq!(first.previous, None);
        let error = RunLock::acquire(dir.path(), &Holder::this_process("run-2", "resume"))
            .expect_err("the lock is held");
        let text = error.to_string();
        assert!(text.contains("run `run-1`"), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("`tejun run`"), "{text}");
        drop(first);
        assert!(!dir.path().join("lock.json").exists(), "released cleanly");
        let second = RunLock::acquire(dir.path(), &Holder::this_process("run-2", "run")).unwrap();
        assert_eq!(second.previous, None, "a clean release is no take-over");
    }

    #[test]
    fn a_lock_left_by_a_dead_holder_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let dead = Holder {
            pid: 4_000_000,
            ..Holder::this_process("run-killed", "run")
        };
        std::fs::write(
            dir.path().join("lock.json"),
            serde_json::to_vec(&dead).unwrap(),
        )
        .unwrap();
        let lock = RunLock::acquire(dir.path(), &Holder::this_process("run-new", "run")).unwrap();
        assert_eq!(lock.previous, Some(dead));
        let now: Holder =
            serde_json::from_slice(&std::fs::read(dir.path().join("lock.json")).unwrap()).unwrap();
        assert_eq!(now.run_id, "run-new");
    }

    #[test]
    fn an_unreadable_holder_file_is_taken_over_as_unknown() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lock.json"), "{ cut sh").unwrap();
        let lock = RunLock::acquire(dir.path(), &Holder::this_process("run-new", "run")).unwrap();
        assert_eq!(
            lock.previous.as_ref().map(|h| h.run_id.as_str()),
            Some("unknown")
        );
    }

    #[test]
    fn a_state_folder_that_cannot_be_created_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let error = RunLock::acquire(&file.join("state"), &Holder::this_process("r", "run"))
            .expect_err("not a folder");
        assert!(
            error
                .to_string()
                .starts_with("cannot lock the state folder"),
            "{error}"
        );
    }
}
