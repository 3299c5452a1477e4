//! A lab of simulated servers for remoting tests: one `sshd` per server on its own loopback
//! address (127.0.0.11, .12, ...), each with PowerShell as its `powershell` SSH subsystem, and the
//! simulated Front End pool (`fixtures/lync-pool-sim`) on every server's `PSModulePath`. Every
//! server's sessions get `SIM_HOST=<its name>` and the same `LYNC_POOL_STATE`, so they share one
//! pool. The lab makes its own host keys, client key and `known_hosts` in a temporary folder, and
//! stops every sshd (and what runs under it) by PID when dropped, also when the test panics.
//!
//! ```ignore
//! let lab = lab::Lab::start(&["fe01", "fe02", "fe03"]);
//! std::fs::write(dir.join("inventory.toml"), lab.inventory_toml())?;
//! let fe01 = lab.target("fe01");                      // host, port, user, key, known_hosts
//! lab.kill("fe02");                                    // fe02 goes away: its sessions break
//! lab.revive("fe02");                                  // and listens again
//! ```
//!
//! Linux only (see `/work/shared/research/pwsh-remoting.md` for why it is built this way): the
//! test binaries that use it declare `#[cfg(unix)] mod lab;`.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a server of the lab is reached, in the shape of an inventory entry.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub key: PathBuf,
    pub known_hosts: PathBuf,
}

impl Target {
    /// `[targets.<name>]` with `transport = "ssh"` and the connection details, for an inventory file.
    pub fn to_toml(&self) -> String {
        format!(
            "[targets.{}]\ntransport = \"ssh\"\nhost = {}\nport = {}\nuser = {}\nkey = {}\nknown_hosts = {}\n",
            self.name,
            toml_str(&self.host),
            self.port,
            toml_str(&self.user),
            toml_str(&self.key.to_string_lossy()),
            toml_str(&self.known_hosts.to_string_lossy()),
        )
    }
}

/// One lab at a time in a test process: two labs side by side share addresses, and while one
/// lab's servers are chosen free ports, the other's may take them (seen as a remoting session
/// that never opened, about one run in four, when the two tests of `pool_lab.rs` overlapped).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One sshd per simulated server, all stopped when the lab is dropped.
pub struct Lab {
    // Dropped after the servers are stopped (fields drop in order: `Drop for Lab` runs first).
    _turn: std::sync::MutexGuard<'static, ()>,
    dir: tempfile::TempDir,
    servers: Vec<Server>,
    user: String,
    /// The pool's state file, shared by every server (`LYNC_POOL_STATE`).
    pub pool_state: PathBuf,
    /// How long it took to start every sshd until each accepted connections.
    pub start_time: Duration,
}

struct Server {
    name: String,
    host: String,
    port: u16,
    config: PathBuf,
    child: Option<Child>,
}

impl Lab {
    /// Starts one sshd per name on 127.0.0.11, .12, ... (each on a free port) and waits until each
    /// accepts connections. Fails the test, saying how to install it, when there is no sshd.
    ///
    /// Start the lab on the test's own thread: the kernel kills the sshd processes when the thread
    /// that started them ends (`PR_SET_PDEATHSIG`), which is what keeps a killed test from leaving
    /// them behind, and would also stop a lab started on a short-lived helper thread.
    pub fn start(names: &[&str]) -> Lab {
        Lab::start_with_env(names, &[])
    }

    /// As [`Lab::start`], with more environment variables for every server's sessions (a fault of
    /// the simulation, say); values must not contain spaces or quotes.
    pub fn start_with_env(names: &[&str], env: &[(&str, &str)]) -> Lab {
        // A lab that panicked poisons the lock; its servers are stopped all the same.
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let started = Instant::now();
        let sshd = find_sshd();
        let subsystem = powershell_subsystem();
        // sshd running as root needs its privilege separation folder; a package install makes it
        // only when the service is started, which a container never does.
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = tempfile::Builder::new()
            .prefix("tejun-lab-")
            .tempdir()
            .unwrap();
        let root = dir.path().to_path_buf();
        let key = root.join("client_key");
        keygen(&key);
        std::fs::copy(root.join("client_key.pub"), root.join("authorized_keys")).unwrap();
        let module_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lync-pool-sim");
        let pool_state = root.join("pool.json");
        let user = current_user();
        let mut known_hosts = String::new();
        let mut servers = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let host = format!("127.0.0.{}", 11 + i);
            let port = free_port(&host);
            let sdir = root.join(name);
            std::fs::create_dir_all(sdir.join("home")).unwrap();
            let host_key = sdir.join("ssh_host_ed25519_key");
            keygen(&host_key);
            let public = std::fs::read_to_string(sdir.join("ssh_host_ed25519_key.pub")).unwrap();
            let mut fields = public.split_whitespace();
            let (kind, blob) = (fields.next().unwrap(), fields.next().unwrap());
            known_hosts.push_str(&format!("[{host}]:{port} {kind} {blob}\n"));
            let mut set_env = format!(
                "SIM_HOST={name} LYNC_POOL_STATE={} LYNC_POOL_SERVERS={} HOME={} PSModulePath={}",
                pool_state.display(),
                names.join(","),
                sdir.join("home").display(),
                module_path.display(),
            );
            for (k, v) in env {
                set_env.push_str(&format!(" {k}={v}"));
            }
            let config = sdir.join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress {host}\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
                     PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
                     ClientAliveInterval 5\nClientAliveCountMax 3\nSetEnv {set_env}\n\
                     Subsystem powershell {subsystem}\n",
                    host_key.display(),
                    sdir.join("sshd.pid").display(),
                    root.join("authorized_keys").display(),
                ),
            )
            .unwrap();
            servers.push(Server {
                name: name.to_string(),
                host,
                port,
                config,
                child: None,
            });
        }
        std::fs::write(root.join("known_hosts"), known_hosts).unwrap();
        let mut lab = Lab {
            _turn: turn,
            dir,
            servers,
            user,
            pool_state,
            start_time: Duration::ZERO,
        };
        for i in 0..lab.servers.len() {
            lab.spawn(i, &sshd);
        }
        for i in 0..lab.servers.len() {
            lab.wait_listening(i);
        }
        lab.start_time = started.elapsed();
        lab
    }

    /// The lab's temporary folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Every server's connection details, in the order they were named.
    pub fn targets(&self) -> Vec<Target> {
        self.servers.iter().map(|s| self.target(&s.name)).collect()
    }

    /// One server's connection details.
    pub fn target(&self, name: &str) -> Target {
        let s = self.server(name);
        Target {
            name: s.name.clone(),
            host: s.host.clone(),
            port: s.port,
            user: self.user.clone(),
            key: self.dir.path().join("client_key"),
            known_hosts: self.dir.path().join("known_hosts"),
        }
    }

    /// An inventory file with one `[targets.<name>]` table per server.
    pub fn inventory_toml(&self) -> String {
        self.targets()
            .iter()
            .map(Target::to_toml)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Kills a server's sshd and everything under it (its connections and their PowerShell), as
    /// if the machine went away: its open sessions become Broken and new ones are refused.
    pub fn kill(&mut self, name: &str) {
        let i = self.index(name);
        stop(&mut self.servers[i]);
    }

    /// Starts a killed server's sshd again (sessions broken by the kill stay broken).
    pub fn revive(&mut self, name: &str) {
        let i = self.index(name);
        assert!(self.servers[i].child.is_none(), "`{name}` is running");
        self.spawn(i, &find_sshd());
        self.wait_listening(i);
    }

    fn index(&self, name: &str) -> usize {
        self.servers
            .iter()
            .position(|s| s.name == name)
            .unwrap_or_else(|| panic!("no server `{name}` in the lab"))
    }

    fn server(&self, name: &str) -> &Server {
        &self.servers[self.index(name)]
    }

    fn spawn(&mut self, i: usize, sshd: &Path) {
        let s = &mut self.servers[i];
        let log = s.config.with_file_name("sshd.log");
        let mut cmd = Command::new(sshd);
        // -D: stay in the foreground, so the child's PID is the listener's; -E: its log in a file,
        // so no pipe is left open to hang the test.
        cmd.arg("-D").arg("-f").arg(&s.config).arg("-E").arg(&log);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe. If the test process dies without unwinding (killed
        // by a timeout), the kernel kills the listener too, so no sshd outlives the test.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        s.child = Some(
            cmd.spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", sshd.display())),
        );
    }

    fn wait_listening(&mut self, i: usize) {
        let s = &mut self.servers[i];
        let addr: SocketAddr = format!("{}:{}", s.host, s.port).parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Some(status) = s.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                let log = std::fs::read_to_string(s.config.with_file_name("sshd.log"))
                    .unwrap_or_default();
                panic!(
                    "sshd for `{}` exited ({status}) before listening on {addr}:\n{log}",
                    s.name
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "sshd for `{}` does not accept connections on {addr} after 15 s",
                    s.name
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for s in &mut self.servers {
            stop(s);
        }
    }
}

/// Kills the server's listener and every process under it (connection sshd processes and the
/// PowerShell subsystems, which sshd puts in sessions of their own, so a process group would miss
/// them), children first, and reaps the listener.
fn stop(s: &mut Server) {
    let Some(mut child) = s.child.take() else {
        return;
    };
    let root = child.id();
    // Freeze the listener first so it starts no new child while the tree is collected.
    // SAFETY: signalling a PID we spawned and have not reaped yet, so it is still ours.
    unsafe { libc::kill(root as i32, libc::SIGSTOP) };
    for pid in descendants(root).into_iter().rev() {
        // SAFETY: a descendant of our own child; at worst it has just exited (ESRCH).
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The processes under `root`, parents before children, from `/proc/<pid>/stat`.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold spaces: the parent PID is the second
        // field after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn find_sshd() -> PathBuf {
    let candidates = ["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"];
    candidates
        .iter()
        .map(PathBuf::from)
        .chain(in_path("sshd"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`sshd` not found: the remoting lab runs one OpenSSH server per simulated server. \
                 Install it with `apt-get install -y --no-install-recommends openssh-server openssh-client`"
            )
        })
}

/// The `Subsystem powershell` command: `dotnet pwsh.dll -sshs -NoLogo` for the .NET tool's pwsh
/// (one process instead of the shim and its child), else pwsh itself.
fn powershell_subsystem() -> String {
    let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!("{e}: install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9`")
    });
    let pwsh = std::fs::canonicalize(&pwsh).unwrap_or(pwsh);
    let store = pwsh.parent().map(|d| d.join(".store/powershell"));
    let dll = store.and_then(|s| find_file(&s, "pwsh.dll", 8));
    match (dll, in_path("dotnet")) {
        (Some(dll), Some(dotnet)) => {
            format!("{} {} -sshs -NoLogo", dotnet.display(), dll.display())
        }
        _ => format!("{} -sshs -NoLogo", pwsh.display()),
    }
}

/// A file named `name` under `dir` (depth-first, at most `depth` levels), preferring a `unix` one.
fn find_file(dir: &Path, name: &str, depth: u32) -> Option<PathBuf> {
    if depth == 0 {
        return None;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let candidate = dir.join(name);
    if candidate.is_file() && dir.ends_with("unix") {
        return Some(candidate);
    }
    entries
        .iter()
        .filter(|p| p.is_dir())
        .find_map(|p| find_file(p, name, depth - 1))
}

fn in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "tejun-lab", "-f"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `ssh-keygen` ({e}): install it with \
                 `apt-get install -y --no-install-recommends openssh-server openssh-client`"
            )
        });
    assert!(
        out.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port nobody listens on at `host` now (the kernel's pick; sshd binds it right after).
fn free_port(host: &str) -> u16 {
    TcpListener::bind((host, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn current_user() -> String {
    // SAFETY: getpwuid returns a pointer into static storage or null; it is read at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() {
            return "root".into();
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Lab {
    /// The PIDs of the servers' running listeners, for tests of the lab itself.
    pub fn listener_pids(&self) -> Vec<u32> {
        self.servers
            .iter()
            .filter_map(|s| s.child.as_ref().map(Child::id))
            .collect()
    }
}
