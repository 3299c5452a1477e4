//! The remoting lab itself: three simulated Front End Servers, each its own sshd with PowerShell
//! as the SSH subsystem, reached from one pwsh (`tests/lab/pool_lab.ps1`, run directly, not
//! through tejun). Checks that each server is itself (`SIM_HOST`, `PSComputerName`), that they
//! share one pool, that a killed server breaks its session only, and prints what remoting costs
//! here: session open time, round trip, memory per session, lab start time.

// The lab runs OpenSSH servers and reads /proc: Linux only. On Windows this file is an empty test
// binary (real Windows remoting is tested against real servers, not a loopback lab).
#[cfg(unix)]
mod lab;

// Opt-in for now: it failed once in four runs on a loaded machine for a reason not yet found
// (after a hang that serialising the labs fixed). Issue 10's remoting layer will run on this lab
// in CI; until then: `cargo test --test pool_lab -- --ignored`.
#[cfg(unix)]
#[test]
#[ignore = "opt-in until its rare failure is understood: cargo test --test pool_lab -- --ignored"]
fn three_servers_share_one_pool_over_powershell_remoting() {
    use std::collections::BTreeMap;
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::process::CommandExt as _;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let names = ["fe01", "fe02", "fe03"];
    // Every server's sessions get the fault too: the pool's first readiness poll finds it Busy.
    let mut lab = lab::Lab::start_with_env(&names, &[("LYNC_POOL_SIM_BUSY_POLLS", "1")]);
    let targets = lab.targets();
    let inventory = lab.inventory_toml();
    assert!(
        inventory.contains("[targets.fe02]\ntransport = \"ssh\"\nhost = \"127.0.0.12\"\n"),
        "{inventory}"
    );
    // tejun reads the lab's inventory as written.
    let read = tejun_runtime::inventory::Inventory::parse(&inventory, lab.dir())
        .unwrap_or_else(|e| panic!("{e} at {:?}:\n{inventory}", e.span));
    assert_eq!(read.targets.len(), 3);
    for t in &targets {
        let tejun_runtime::inventory::Transport::Ssh {
            host,
            port,
            user,
            key,
            known_hosts,
        } = &read.targets[&t.name].transport
        else {
            panic!("{} is not an ssh target", t.name)
        };
        assert_eq!(
            (
                host,
                *port,
                user.as_deref(),
                key.as_deref(),
                known_hosts.as_deref()
            ),
            (
                &t.host,
                Some(t.port),
                Some(t.user.as_str()),
                Some(t.key.as_path()),
                Some(t.known_hosts.as_path())
            )
        );
    }
    let json: Vec<serde_json::Value> = targets
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.name, "host": t.host, "port": t.port, "user": t.user,
                "key": t.key, "known_hosts": t.known_hosts,
            })
        })
        .collect();
    let lab_file = lab.dir().join("lab.json");
    std::fs::write(&lab_file, serde_json::to_string(&json).unwrap()).unwrap();

    let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!("{e}: install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9`")
    });
    let started = Instant::now();
    let mut child = Command::new(pwsh)
        .args([
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-File",
            "tests/lab/pool_lab.ps1",
            "-Lab",
        ])
        .arg(&lab_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the watchdog reaches PowerShell itself and not only the
        // .NET tool's launcher in front of it (which would leave the pipes open).
        .process_group(0)
        .spawn()
        .expect("pwsh runs");
    // A hung remoting call must fail the test, not hang it.
    let pid = child.id() as i32;
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(180));
        eprintln!("pool_lab: PowerShell still running after 180 s: killing it");
        // SAFETY: at worst the group has ended and its id was reused within the test's last
        // moments.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    });
    let mut stdin = child.stdin.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut results = BTreeMap::new();
    let mut transcript = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        transcript.push_str(&line);
        transcript.push('\n');
        if let Some((k, v)) = line.strip_prefix("RESULT ").and_then(|r| r.split_once('=')) {
            results.insert(k.to_string(), v.to_string());
        } else if line == "WAIT kill" {
            lab.kill("fe03");
            writeln!(stdin).unwrap();
        } else if line == "WAIT revive" {
            lab.revive("fe03");
            writeln!(stdin).unwrap();
        }
    }
    let status = child.wait().unwrap();
    drop(watchdog);
    let stderr = stderr.join().unwrap();
    let elapsed = started.elapsed();
    let get = |k: &str| results.get(k).map(String::as_str).unwrap_or("<missing>");
    assert!(
        status.success() && get("done") == "yes",
        "pool_lab.ps1 failed ({status}):\n{transcript}\n{stderr}"
    );

    for (i, t) in targets.iter().enumerate() {
        assert_eq!(
            get(&format!("sim_host.{}", t.name)),
            t.name,
            "each server is itself"
        );
        assert_eq!(
            get(&format!("computer.{}", t.name)),
            format!("127.0.0.{}", 11 + i)
        );
        assert_eq!(
            get(&format!("pool_state.{}", t.name)),
            lab.pool_state.to_string_lossy()
        );
    }
    assert_eq!(
        get("open_all_count"),
        "3",
        "one New-PSSession opens all three"
    );
    assert_eq!(
        get("pool_upgrade_states"),
        "Busy,Ready",
        "Busy for one poll, then Ready"
    );
    assert_eq!(
        get("domains_ready"),
        "True,False,False",
        "fe02 sees fe01 down for its upgrade"
    );
    assert_eq!(
        get("first_rtcsrv_seen_from_last"),
        "Stopped",
        "fe03 sees fe01's services"
    );
    assert_eq!(
        get("killed_call_failed"),
        "True",
        "a call to a killed server fails"
    );
    assert_eq!(get("killed_state"), "Broken");
    assert_eq!(
        get("others_after_kill"),
        "fe01,fe02",
        "the other sessions keep working"
    );
    assert_eq!(
        get("broken_after_revive"),
        "Broken",
        "a broken session stays broken"
    );
    assert_eq!(
        get("reopened_sim_host"),
        "fe03",
        "a new session to the revived server works"
    );

    let pool: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.pool_state).unwrap()).unwrap();
    let hosts: Vec<&str> = pool["Log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Host"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        ["fe01", "fe02", "fe02", "fe03", "fe03"],
        "the pool's log has every server's calls"
    );

    let per = |what: &str| {
        names
            .iter()
            .map(|n| format!("{n} {}", get(&format!("{what}.{n}"))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "lab start (3 sshd, keys, listening): {} ms",
        lab.start_time.as_millis()
    );
    eprintln!("session open, one at a time (ms): {}", per("open_ms"));
    eprintln!(
        "session open, three in one New-PSSession: {} ms",
        get("open_all_ms")
    );
    eprintln!(
        "Invoke-Command -Session $s {{1}}, median of 20 (ms): {}",
        per("round_trip_ms")
    );
    eprintln!("remote pwsh working set (MB): {}", per("memory_mb"));
    eprintln!(
        "call to a killed server failed after {} ms",
        get("killed_call_ms")
    );
    eprintln!("pwsh side in all: {} ms", elapsed.as_millis());
}

#[cfg(unix)]
#[test]
fn a_panicking_test_leaves_no_sshd_running() {
    let pids = std::sync::Mutex::new(Vec::new());
    let outcome = std::panic::catch_unwind(|| {
        let lab = lab::Lab::start(&["p01", "p02"]);
        *pids.lock().unwrap() = lab.listener_pids();
        panic!("an intended panic: this test checks that the lab cleans up after a failing test");
    });
    assert!(outcome.is_err());
    let pids = pids.into_inner().unwrap();
    assert_eq!(pids.len(), 2);
    for pid in pids {
        // Reaped by the lab's drop, so the PID is gone (or, rarely, reused by something that is
        // not sshd).
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert_ne!(comm.trim(), "sshd", "sshd {pid} outlived its lab");
    }
}
