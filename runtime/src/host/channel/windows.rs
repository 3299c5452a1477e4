//! Windows: the control channel is a named pipe with a random name, created as the first instance,
//! refusing remote clients, with a DACL that lets only the current user in; the driver still has
//! to answer with the session's token before tejun sends anything.
//!
//! PowerShell and everything it starts live in a Job Object that kills them all when it is
//! closed: when the session ends, when tejun exits, and when tejun itself is killed. PowerShell is
//! assigned to the job right after it starts, before it has run a line of the driver (std cannot
//! start a process inside a job). The job takes the place of Unix's process group: a gentle stop
//! is `CTRL_BREAK` to the shell's process group (it is started as a group of its own), a kill
//! terminates the job, and strays are the job's processes other than PowerShell.

use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{ReadHalf, WriteHalf};
use tokio::net::windows::named_pipe::{NamedPipeServer, ServerOptions};
use tokio::process::{Child, Command};
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER,
    TokenUser,
};
use windows_sys::Win32::System::Console::{
    CTRL_BREAK_EVENT, GenerateConsoleCtrlEvent, GetConsoleCP, GetConsoleOutputCP, SetConsoleCP,
    SetConsoleOutputCP,
};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_BASIC_PROCESS_ID_LIST, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JobObjectBasicProcessIdList, JobObjectExtendedLimitInformation, QueryInformationJobObject,
    SetInformationJobObject, TerminateJobObject,
};
use windows_sys::Win32::System::Threading::{
    CREATE_NEW_PROCESS_GROUP, GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_TERMINATE,
    TerminateProcess,
};

use super::Session;

pub(crate) type Reader = ReadHalf<NamedPipeServer>;
pub(crate) type Writer = WriteHalf<NamedPipeServer>;

/// How many times the job's process list is read and its strays killed: a process may start
/// another between a read and the kill, and the next read finds it.
const KILL_ROUNDS: usize = 10;

/// The exit code of what tejun terminates.
const KILLED: u32 = 1;

/// The most processes one read of a job's process list returns.
const MAX_LISTED: usize = 1024;

/// The Job Object of every session that has not ended, by its launcher's process id.
static JOBS: Mutex<Vec<(u32, Job)>> = Mutex::new(Vec::new());

/// The console's input and output code pages before the first session started: the driver
/// switches the console it shares with tejun to UTF-8, and tejun puts them back when the last
/// session ends, so the operator's console is left as it was.
static CODE_PAGES: Mutex<Option<(u32, u32)>> = Mutex::new(None);

/// A Job Object handle; closing it kills every process still in the job.
struct Job(HANDLE);

// SAFETY: a kernel handle may be used and closed from any thread.
unsafe impl Send for Job {}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: the handle is owned by this value and closed once.
        unsafe { CloseHandle(self.0) };
    }
}

impl Job {
    /// A new job that kills its processes when its last handle closes.
    fn new() -> std::io::Result<Job> {
        // SAFETY: no security attributes (the handle is not inherited) and no name.
        let handle = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
        if handle.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        let job = Job(handle);
        let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        // SAFETY: the structure matches the information class and lives across the call.
        let set = unsafe {
            SetInformationJobObject(
                job.0,
                JobObjectExtendedLimitInformation,
                (&raw const limits).cast(),
                size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            )
        };
        if set == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(job)
    }

    /// Every process in the job.
    fn processes(&self) -> Vec<u32> {
        #[repr(C)]
        struct List {
            header: JOBOBJECT_BASIC_PROCESS_ID_LIST,
            more: [usize; MAX_LISTED],
        }
        let mut list = List {
            header: JOBOBJECT_BASIC_PROCESS_ID_LIST::default(),
            more: [0; MAX_LISTED],
        };
        // SAFETY: the buffer holds the header and MAX_LISTED more ids after its first one.
        let ok = unsafe {
            QueryInformationJobObject(
                self.0,
                JobObjectBasicProcessIdList,
                (&raw mut list).cast(),
                size_of::<List>() as u32,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Vec::new();
        }
        let count = (list.header.NumberOfProcessIdsInList as usize).min(MAX_LISTED + 1);
        // SAFETY: the ids are laid out one after the other from the header's first one.
        let ids = unsafe {
            std::slice::from_raw_parts(
                (&raw const list.header.ProcessIdList).cast::<usize>(),
                count,
            )
        };
        ids.iter().map(|&id| id as u32).collect()
    }

    fn terminate(&self) {
        // SAFETY: a valid job handle.
        unsafe { TerminateJobObject(self.0, KILLED) };
    }
}

pub(crate) struct Listener {
    server: NamedPipeServer,
    /// The name .NET's `NamedPipeClientStream` takes: without the `\\.\pipe\` prefix.
    name: String,
}

impl Listener {
    /// Creates the session's pipe under a random name. Only the current user may open it; as
    /// the first instance, it cannot have been created by someone else before tejun.
    pub(crate) fn bind(_dir: &Path) -> std::io::Result<Listener> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(std::io::Error::other)?;
        let name = format!(
            "tejun-{}-{}",
            std::process::id(),
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let descriptor = OwnerOnly::new()?;
        let mut attributes = SECURITY_ATTRIBUTES {
            nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: descriptor.0,
            bInheritHandle: 0,
        };
        // SAFETY: the attributes and the descriptor they point to live across the call.
        let server = unsafe {
            ServerOptions::new()
                .first_pipe_instance(true)
                .reject_remote_clients(true)
                .create_with_security_attributes_raw(
                    format!(r"\\.\pipe\{name}"),
                    (&raw mut attributes).cast::<c_void>(),
                )?
        };
        Ok(Listener { server, name })
    }

    /// What the driver connects to.
    pub(crate) fn address(&self) -> &str {
        &self.name
    }

    pub(crate) async fn accept(self) -> std::io::Result<(Reader, Writer)> {
        self.server.connect().await?;
        Ok(tokio::io::split(self.server))
    }
}

/// A security descriptor whose DACL grants the current user, and no one else, full access.
struct OwnerOnly(PSECURITY_DESCRIPTOR);

impl Drop for OwnerOnly {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW.
        unsafe { LocalFree(self.0) };
    }
}

impl OwnerOnly {
    fn new() -> std::io::Result<OwnerOnly> {
        let sid = current_user_sid()?;
        // P: protected, so nothing is inherited from the pipe file system's defaults.
        let sddl: Vec<u16> = format!("D:P(A;;GA;;;{sid})")
            .encode_utf16()
            .chain([0])
            .collect();
        let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: a NUL-terminated string and an out pointer; the result is freed by Drop.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut descriptor,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(OwnerOnly(descriptor))
    }
}

/// The current user's SID in its string form (`S-1-5-21-…`).
fn current_user_sid() -> std::io::Result<String> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: the pseudo handle of this process and an out pointer.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let token = Handle(token);
    // TOKEN_USER followed by the SID it points to; 256 bytes hold any SID.
    let mut buffer = [0usize; 64];
    let mut needed = 0u32;
    // SAFETY: the buffer is aligned for TOKEN_USER and its size is given.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            size_of_val(&buffer) as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: filled in by GetTokenInformation as a TOKEN_USER.
    let user = unsafe { &*buffer.as_ptr().cast::<TOKEN_USER>() };
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: the SID lives in `buffer`; the string is freed below.
    if unsafe { ConvertSidToStringSidW(user.User.Sid, &mut text) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a NUL-terminated UTF-16 string from ConvertSidToStringSidW.
    let sid = unsafe {
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        let sid = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
        LocalFree(text.cast());
        sid
    };
    Ok(sid)
}

/// A handle closed when dropped.
struct Handle(HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: owned by this value.
        unsafe { CloseHandle(self.0) };
    }
}

/// Starts the child as a process group of its own: `CTRL_BREAK` can then reach it alone, and
/// the operator's Ctrl-C reaches tejun, which stops the command through the channel.
pub(crate) fn own_process_group(cmd: &mut Command) {
    cmd.creation_flags(CREATE_NEW_PROCESS_GROUP);
}

/// Windows has no subreaper: nothing to adopt. The job holds what would be orphans.
pub(crate) fn adopt_orphans() {}

/// Puts the child in a new Job Object, right after it started.
pub(crate) fn launched(child: &Child) -> std::io::Result<()> {
    let (Some(pid), Some(process)) = (child.id(), child.raw_handle()) else {
        return Ok(());
    };
    save_code_pages();
    let job = Job::new()?;
    // SAFETY: both handles are valid; the process handle stays owned by `child`.
    if unsafe { AssignProcessToJobObject(job.0, process as HANDLE) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    if let Ok(mut jobs) = JOBS.lock() {
        jobs.push((pid, job));
    }
    Ok(())
}

/// Nothing to record: the job was recorded by [`launched`].
pub(crate) fn register(_session: &Session) {}

/// Closes the session's job, which kills whatever is still in it.
pub(crate) fn forget(session: &Session) {
    let job = JOBS.lock().ok().and_then(|mut jobs| {
        let at = jobs.iter().position(|(pid, _)| *pid == session.launcher)?;
        let job = jobs.remove(at);
        if jobs.is_empty() {
            restore_code_pages();
        }
        Some(job)
    });
    drop(job);
}

/// Remembers the console's code pages, unless a session already did (and has not ended).
fn save_code_pages() {
    if let Ok(mut saved) = CODE_PAGES.lock()
        && saved.is_none()
    {
        // SAFETY: plain calls; 0 means tejun has no console.
        let pages = unsafe { (GetConsoleCP(), GetConsoleOutputCP()) };
        if pages.0 != 0 && pages.1 != 0 {
            *saved = Some(pages);
        }
    }
}

/// Puts the console's code pages back as they were before the first session.
fn restore_code_pages() {
    if let Ok(mut saved) = CODE_PAGES.lock()
        && let Some((input, output)) = saved.take()
    {
        // SAFETY: plain calls with code pages the console had.
        unsafe {
            SetConsoleCP(input);
            SetConsoleOutputCP(output);
        }
    }
}

/// Kills every live session and everything each started, at once: for a process that is about
/// to exit (a second Ctrl-C).
pub(crate) fn kill_all() {
    if let Ok(jobs) = JOBS.lock() {
        for (_, job) in jobs.iter() {
            job.terminate();
        }
    }
    restore_code_pages();
}

/// Kills the session's job at once: PowerShell and everything it started.
pub(crate) fn kill_group(session: &Session) {
    with_job(session, Job::terminate);
}

/// Asks PowerShell's process group to stop (`CTRL_BREAK`), then kills the whole job.
pub(crate) async fn kill_tree(child: &mut Child, session: &Session) {
    // Reaches the group only when tejun shares PowerShell's console (it does unless tejun was
    // started without one); otherwise the job is terminated at once.
    // SAFETY: plain call with a process group id.
    let sent = unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, session.launcher) } != 0;
    if !sent
        || tokio::time::timeout(Duration::from_millis(500), child.wait())
            .await
            .is_err()
    {
        kill_group(session);
    }
    // What PowerShell started and left behind is still in the job.
    kill_group(session);
    let _ = child.kill().await;
}

/// Kills everything in the session's job except PowerShell itself (the launcher, the shell
/// and any process between them).
pub(crate) fn end_strays(session: &Session) {
    with_job(session, |job| {
        for round in 0..KILL_ROUNDS {
            if round > 0 {
                std::thread::sleep(Duration::from_millis(10));
            }
            let mut keep = powershell(session);
            keep.extend(&session.kept);
            let strays: Vec<u32> = job
                .processes()
                .into_iter()
                .filter(|pid| !keep.contains(pid))
                .collect();
            if strays.is_empty() {
                break;
            }
            for pid in strays {
                terminate(pid);
            }
        }
    });
}

fn with_job(session: &Session, f: impl FnOnce(&Job)) {
    if let Ok(jobs) = JOBS.lock()
        && let Some((_, job)) = jobs.iter().find(|(pid, _)| *pid == session.launcher)
    {
        f(job);
    }
}

/// The processes that make up PowerShell: the launcher, the shell and the chain between them.
fn powershell(session: &Session) -> HashSet<u32> {
    let mut keep = HashSet::from([session.launcher, session.shell]);
    if session.launcher == session.shell {
        return keep;
    }
    let parents = parents();
    let mut chain = Vec::new();
    let mut at = session.shell;
    while let Some(&parent) = parents.get(&at) {
        if at == session.launcher || chain.len() > parents.len() {
            break;
        }
        chain.push(parent);
        at = parent;
    }
    if at == session.launcher {
        keep.extend(chain);
    }
    keep
}

/// The child processes of `pid`.
pub(crate) fn children(pid: u32) -> HashSet<u32> {
    parents()
        .into_iter()
        .filter(|(_, parent)| *parent == pid)
        .map(|(child, _)| child)
        .collect()
}

/// Every process's parent, by process id.
fn parents() -> HashMap<u32, u32> {
    let mut parents = HashMap::new();
    // SAFETY: a snapshot of all processes; the handle is closed by `Handle`.
    let snapshot = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
    if snapshot == INVALID_HANDLE_VALUE {
        return parents;
    }
    let snapshot = Handle(snapshot);
    let mut entry = PROCESSENTRY32W {
        dwSize: size_of::<PROCESSENTRY32W>() as u32,
        ..Default::default()
    };
    // SAFETY: `entry` has its size set, as the walk requires.
    let mut more = unsafe { Process32FirstW(snapshot.0, &mut entry) } != 0;
    while more {
        parents.insert(entry.th32ProcessID, entry.th32ParentProcessID);
        // SAFETY: as above.
        more = unsafe { Process32NextW(snapshot.0, &mut entry) } != 0;
    }
    parents
}

fn terminate(pid: u32) {
    // SAFETY: the handle is checked and closed by `Handle`.
    let process = unsafe { OpenProcess(PROCESS_TERMINATE, 0, pid) };
    if !process.is_null() {
        let process = Handle(process);
        // SAFETY: a handle with PROCESS_TERMINATE access.
        unsafe { TerminateProcess(process.0, KILLED) };
    }
}

#[cfg(test)]
mod tests {
    use std::os::windows::io::AsRawHandle;

    use tokio::net::windows::named_pipe::ClientOptions;
    use windows_sys::Win32::Security::Authorization::{
        ConvertSecurityDescriptorToStringSecurityDescriptorW, GetSecurityInfo, SE_KERNEL_OBJECT,
    };
    use windows_sys::Win32::Security::DACL_SECURITY_INFORMATION;

    use super::*;

    /// The pipe's DACL in SDDL, as Windows reads it back from the pipe itself.
    fn dacl(listener: &Listener) -> String {
        let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        let mut text: *mut u16 = std::ptr::null_mut();
        // SAFETY: out pointers; both results are freed below.
        unsafe {
            let status = GetSecurityInfo(
                listener.server.as_raw_handle() as HANDLE,
                SE_KERNEL_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut descriptor,
            );
            assert_eq!(status, 0, "GetSecurityInfo");
            let ok = ConvertSecurityDescriptorToStringSecurityDescriptorW(
                descriptor,
                SDDL_REVISION_1,
                DACL_SECURITY_INFORMATION,
                &mut text,
                std::ptr::null_mut(),
            );
            assert_ne!(
                ok, 0,
                "ConvertSecurityDescriptorToStringSecurityDescriptorW"
            );
            let len = (0..).take_while(|&i| *text.add(i) != 0).count();
            let sddl = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
            LocalFree(text.cast());
            LocalFree(descriptor);
            sddl
        }
    }

    #[tokio::test]
    async fn only_the_current_user_may_open_the_channel() {
        let dir = tempfile::tempdir().unwrap();
        let listener = Listener::bind(dir.path()).unwrap();
        let sid = current_user_sid().unwrap();
        let sddl = dacl(&listener);
        // One ACE, allowing the current user; nothing for Everyone (WD), anonymous (AN) or any
        // other group.
        assert!(sddl.starts_with("D:P"), "{sddl}");
        assert_eq!(sddl.matches("(A;").count(), 1, "{sddl}");
        assert!(sddl.ends_with(&format!(";;;{sid})")), "{sddl}");
    }

    #[tokio::test]
    async fn the_channel_takes_one_client_and_its_name_is_fresh_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let listener = Listener::bind(dir.path()).unwrap();
        let other = Listener::bind(dir.path()).unwrap();
        assert_ne!(listener.address(), other.address());
        assert!(listener.address().len() > 32, "{}", listener.address());
        let path = format!(r"\\.\pipe\{}", listener.address());
        let _first = ClientOptions::new().open(&path).unwrap();
        let _accepted = listener.accept().await.unwrap();
        let second = ClientOptions::new().open(&path);
        assert!(second.is_err(), "a second client got in");
    }
}
