//! The control channel and process-tree handling, one implementation per OS behind the same
//! functions (`unix.rs`, `windows.rs`):
//!
//! | | Unix | Windows |
//! |---|---|---|
//! | channel | a Unix domain socket in a 0700 folder | a named pipe with a random name, first instance, local clients only, a DACL for the current user |
//! | what the session started | its process group, `/proc` and the session mark (Linux) | a Job Object that kills everything when closed |
//! | gentle stop | `SIGTERM` to the group | `CTRL_BREAK` to the shell's process group |
//! | strays | found by walking `/proc` | the job's processes other than PowerShell |
//!
//! Either way the driver must answer with the session's token before tejun sends anything.

/// The environment variable whose value marks every process a session starts: children inherit
/// it, and it stays when a process leaves its process group or session or loses its parent.
pub(crate) const MARK: &str = "TEJUN_SESSION";

/// What ending a session needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    /// The process tejun started: `pwsh`, or the .NET tool's launcher in front of it. It leads
    /// the session's process group.
    pub(crate) launcher: u32,
    /// PowerShell itself (the launcher's child when `pwsh` is a launcher).
    pub(crate) shell: u32,
    /// The value of [`MARK`] in the session's environment.
    pub(crate) mark: String,
    /// Processes below PowerShell that belong to the session and are never strays: the
    /// transports (`ssh`) of its remote sessions.
    pub(crate) kept: std::collections::HashSet<u32>,
}

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;
