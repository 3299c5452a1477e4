//! `tejun run` and `tejun resume` hardened: one run at a time per state folder. Each test has its
//! own temporary folder and runbook, and runs the real `tejun` binary against a real pwsh; a
//! missing pwsh fails them, it is never skipped.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A manual step (so a run without `--yes` pauses), then a command that holds the run for a while.
const RUNBOOK: &str = r#"runbook hold {
  step first "Ask first" {
    manual "Say go."
  }

  step wait "Wait a while" {
    run { Start-Sleep 5 }
  }
}
"#;

struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        common::require_pwsh();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hold.runbook"), RUNBOOK).unwrap();
        Folder { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn tejun(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tejun"));
        cmd.arg("--color=never")
            .args(args)
            .arg("--state-dir")
            .arg(self.state())
            .env_remove("NO_COLOR");
        cmd
    }

    fn run(&self, args: &[&str]) -> Command {
        let runbook = self.dir.path().join("hold.runbook");
        let mut cmd = self.tejun(&["run", runbook.to_str().unwrap()]);
        cmd.args(args);
        cmd
    }

    /// Starts `cmd` without waiting for it, and waits until it holds the state folder's lock.
    fn hold(&self, mut cmd: Command) -> Child {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lock = self.state().join("lock.json");
        let give_up = Instant::now() + Duration::from_secs(60);
        while !lock.exists() {
            assert!(
                Instant::now() < give_up,
                "the first tejun never took the lock"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    fn run_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.state().join("runs"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    fn journal(&self, run_id: &str) -> Vec<serde_json::Value> {
        let path = self.state().join("runs").join(run_id).join("journal.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits until `run_id`'s journal has an event of `kind`, and returns it.
    #[cfg(unix)]
    fn wait_for(&self, run_id: &str, kind: &str) -> serde_json::Value {
        let give_up = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(event) = self
                .journal(run_id)
                .into_iter()
                .find(|e| e["event"] == kind)
            {
                return event;
            }
            assert!(Instant::now() < give_up, "no `{kind}` in run `{run_id}`");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `text` without white space or the report's margin, so a message wrapped at any width can be
/// searched for a phrase (squashed the same way).
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

/// Asserts that the report on stderr says each of `phrases`.
fn says(out: &Output, phrases: &[&str]) {
    let stderr = squash(&String::from_utf8_lossy(&out.stderr));
    for phrase in phrases {
        assert!(stderr.contains(&squash(phrase)), "{phrase}: {}", text(out));
    }
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `cmd` to its end; asserts it exits with `code` within `within`.
fn finish(cmd: &mut Command, code: i32, within: Duration) -> Output {
    let started = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(code), "{}", text(&out));
    assert!(
        started.elapsed() < within,
        "took {:?}:\n{}",
        started.elapsed(),
        text(&out)
    );
    out
}

fn wait_ok(mut child: Child) {
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "the first tejun was disturbed");
}

#[test]
fn a_second_run_in_the_same_state_folder_is_refused_at_once() {
    let folder = Folder::new();
    let first = folder.hold(folder.run(&["--yes"]));
    let first_pid = first.id();
    let ids = folder.run_ids();
    assert_eq!(ids.len(), 1, "{ids:?}");

    let out = finish(&mut folder.run(&["--yes"]), 2, Duration::from_secs(3));
    says(
        &out,
        &[
            "another tejun is running in",
            &format!("run `{}` (pid {first_pid} on", ids[0]),
            "`tejun run` since",
            "--state-dir DIR",
        ],
    );
    assert_eq!(folder.run_ids(), ids, "the refused run left no run folder");

    wait_ok(first);
    assert!(
        !folder.state().join("lock.json").exists(),
        "a clean end clears the lock's holder"
    );
    let journal = folder.journal(&ids[0]);
    assert!(!journal.iter().any(|e| e["event"] == "lock_taken_over"));
}

#[test]
fn resume_takes_the_lock_too() {
    let folder = Folder::new();
    let paused = finish(&mut folder.run(&[]), 3, Duration::from_secs(120));
    assert!(String::from_utf8_lossy(&paused.stdout).contains("paused"));
    let run_id = folder.run_ids().remove(0);

    let resume = folder.hold(folder.tejun(&["resume", &run_id, "--confirm", "first", "--by", "t"]));
    let resume_pid = resume.id();
    let out = finish(&mut folder.run(&["--yes"]), 2, Duration::from_secs(3));
    says(
        &out,
        &[
            &format!("run `{run_id}` (pid {resume_pid} on"),
            "`tejun resume` since",
        ],
    );
    wait_ok(resume);
    let journal = folder.journal(&run_id);
    assert_eq!(journal.last().unwrap()["status"], "succeeded");
}

/// Unix only: it kills tejun with SIGKILL (no destructor runs, so the lock's holder file stays),
/// then ends the PowerShell that tejun left behind by its process group.
#[cfg(unix)]
#[test]
fn a_lock_left_by_a_killed_tejun_is_taken_over_and_journaled() {
    let folder = Folder::new();
    let mut first = folder.hold(folder.run(&["--yes"]));
    let first_pid = first.id();
    let killed_run = folder.run_ids().remove(0);
    let shell = folder.wait_for(&killed_run, "shell_start")["pid"]
        .as_u64()
        .unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    end_group_of(shell);
    assert!(folder.state().join("lock.json").exists());

    let out = finish(&mut folder.run(&["--yes"]), 0, Duration::from_secs(120));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!(
            "took over the state folder's lock from run `{killed_run}` (pid {first_pid}"
        )),
        "{}",
        text(&out)
    );
    let new_run = folder
        .run_ids()
        .into_iter()
        .find(|id| *id != killed_run)
        .unwrap();
    let journal = folder.journal(&new_run);
    assert_eq!(journal[0]["event"], "run_start");
    assert_eq!(journal[1]["event"], "lock_taken_over", "{journal:?}");
    assert_eq!(journal[1]["previous_run_id"], killed_run.as_str());
    assert_eq!(journal[1]["previous_pid"], first_pid);
    assert_eq!(journal[1]["previous_command"], "run");

    let show = finish(
        &mut folder.tejun(&["show", &new_run]),
        0,
        Duration::from_secs(10),
    );
    assert!(
        String::from_utf8_lossy(&show.stdout)
            .contains(&format!("took over the lock left by run `{killed_run}`")),
        "{}",
        text(&show)
    );
}

/// Kills the process group of `pid` (the PowerShell a killed tejun left running).
#[cfg(unix)]
fn end_group_of(pid: u64) {
    let stat = std::fs::read_to_string(
        std::path::Path::new("/proc")
            .join(pid.to_string())
            .join("stat"),
    )
    .unwrap_or_default();
    if let Some(group) = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(2))
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
}

/// A runbook whose only command starts a double-forked daemon (it leaves the process group and
/// the session, and its parent exits at once) and then waits; `options` follow the command.
#[cfg(target_os = "linux")]
fn daemon_runbook(folder: &Folder, daemon: &str, waiter: &str, options: &str) -> PathBuf {
    let path = folder.dir.path().join("daemon.runbook");
    let source = format!(
        "runbook daemon {{\n  step start \"Start a daemon\" {{\n    run {{ bash -c '(setsid {daemon} >/dev/null 2>&1 </dev/null &) ; {waiter}' }}{options}\n  }}\n}}\n"
    );
    std::fs::write(&path, source).unwrap();
    path
}

/// A `sleep` command line only this test process uses.
#[cfg(target_os = "linux")]
fn unique_sleep(seconds: u32) -> String {
    format!("sleep {seconds}.{}", std::process::id())
}

/// The live processes whose command line is exactly `cmdline`.
#[cfg(target_os = "linux")]
fn running(cmdline: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some("Z"));
            !zombie && cmd.trim_end_matches('\0').replace('\0', " ") == cmdline
        })
        .collect()
}

/// Waits up to `seconds` for `cmdline` to be running (`true`) or gone (`false`); kills what is
/// left when it fails.
#[cfg(target_os = "linux")]
fn wait_until(cmdline: &str, up: bool, seconds: u64) {
    let give_up = Instant::now() + Duration::from_secs(seconds);
    while running(cmdline).is_empty() == up {
        if Instant::now() > give_up {
            for pid in running(cmdline) {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
            panic!(
                "`{cmdline}` {}",
                if up { "never started" } else { "still running" }
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_timeout_ends_a_double_forked_daemon_the_step_started() {
    let folder = Folder::new();
    let (daemon, waiter) = (unique_sleep(622), unique_sleep(623));
    let runbook = daemon_runbook(&folder, &daemon, &waiter, " timeout 2s");
    let mut cmd = folder.tejun(&["run", runbook.to_str().unwrap()]);
    let out = finish(&mut cmd, 1, Duration::from_secs(120));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("timed out"),
        "{}",
        text(&out)
    );
    wait_until(&daemon, false, 5);
    wait_until(&waiter, false, 5);
}

#[cfg(target_os = "linux")]
#[test]
fn a_second_ctrl_c_ends_the_daemons_before_tejun_exits() {
    let folder = Folder::new();
    let (daemon, waiter) = (unique_sleep(624), unique_sleep(625));
    let runbook = daemon_runbook(&folder, &daemon, &waiter, "");
    let mut child = folder
        .tejun(&["run", runbook.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(&daemon, true, 60);
    // Both presses before the first one's stop (250 ms) gets to end anything itself.
    for _ in 0..2 {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(child.wait().unwrap().code(), Some(130));
    wait_until(&daemon, false, 5);
    wait_until(&waiter, false, 5);
}
