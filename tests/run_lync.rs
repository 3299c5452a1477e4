//! `tejun run` end to end: the Lync runbook through a real pwsh against the simulated Lync server
//! in `fixtures/lync-sim`. A missing pwsh fails these tests; it is never skipped.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

const LYNC: &str = "runbooks/lync2013-backend-upgrade.runbook";
const INSTALLER: &str = "fixtures/lync-sim/LyncServerUpdateInstaller.ps1";

struct Sim {
    dir: tempfile::TempDir,
}

impl Sim {
    fn new() -> Sim {
        if let Err(e) = tejun_runtime::host::find_shell("pwsh") {
            panic!(
                "{e}: end-to-end tests need a real PowerShell 7. Install it with \
                 `dotnet tool install --global PowerShell --version 7.6.9` and put ~/.dotnet/tools on PATH"
            );
        }
        Sim {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn state_file(&self) -> PathBuf {
        self.dir.path().join("lync-state.json")
    }

    fn run(&self, runbook: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::cargo_bin("tejun").unwrap();
        cmd.args(["--color=never", "run"])
            .arg(runbook)
            .args(["--module-path", "fixtures/lync-sim", "--state-dir"])
            .arg(self.dir.path().join("state"))
            .args([
                "-p",
                &format!("UpdateInstaller={INSTALLER}"),
                "-p",
                "AutoInstall=true",
                "--by",
                "test",
            ])
            .args(args)
            .env("LYNC_SIM_STATE", self.state_file())
            .env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.timeout(std::time::Duration::from_secs(240))
            .output()
            .unwrap()
    }

    fn state(&self) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.state_file()).expect("the simulation wrote its state");
        serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap()
    }

    /// Every journal entry of the only run.
    fn journal(&self) -> Vec<serde_json::Value> {
        let runs: Vec<_> = std::fs::read_dir(self.dir.path().join("state/runs"))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(runs.len(), 1, "one run");
        let text = std::fs::read_to_string(runs[0].path().join("journal.jsonl")).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
            .collect()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ended(journal: &[serde_json::Value]) -> &serde_json::Value {
    let last = journal.last().unwrap();
    assert_eq!(last["event"], "run_end");
    last
}

#[test]
fn standard_edition_runs_to_completion() {
    let sim = Sim::new();
    let out = sim.run(
        Path::new(LYNC),
        &["-p", "ServerRole=StandardEdition", "--yes"],
        &[],
    );
    assert_code(&out, 0);
    assert!(stdout(&out).contains("succeeded: 11 done"));
    let state = sim.state();
    assert_eq!(state["InstalledVersion"], state["AvailableVersion"]);
    let updates = state["DatabaseUpdates"].as_array().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["ParameterSet"], "LocalDatabases");
    let journal = sim.journal();
    assert_eq!(ended(&journal)["status"], "succeeded");
    let done = journal
        .iter()
        .filter(|e| e["event"] == "step_end" && e["status"] == "done")
        .count();
    assert_eq!(done, 11);
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "manual" && e["by"] == "test (--yes)")
    );
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "window_end" && e["window"] == "backend-down")
    );
}

#[test]
fn enterprise_back_end_with_and_without_collocated_databases() {
    for (collocated, exclude) in [("false", false), ("true", true)] {
        let sim = Sim::new();
        let out = sim.run(
            Path::new(LYNC),
            &[
                "-p",
                "ServerRole=EnterpriseBackEnd",
                "-p",
                "SqlServerFqdn=sql01.contoso.local",
                "-p",
                &format!("CollocatedDatabases={collocated}"),
                "--yes",
            ],
            &[],
        );
        assert_code(&out, 0);
        let state = sim.state();
        let updates = state["DatabaseUpdates"].as_array().unwrap();
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0]["ParameterSet"], "ConfiguredDatabases");
        assert_eq!(updates[0]["SqlServerFqdn"], "sql01.contoso.local");
        assert_eq!(updates[0]["ExcludeCollocatedStores"], exclude);
    }
}

#[test]
fn a_parameter_value_reaches_powershell_as_data_only() {
    let sim = Sim::new();
    let hostile = "sql01'; Stop-Computer -Force; '$(Remove-Item -Recurse /)`\u{2019}";
    let out = sim.run(
        Path::new(LYNC),
        &[
            "-p",
            "ServerRole=EnterpriseBackEnd",
            "-p",
            &format!("SqlServerFqdn={hostile}"),
            "--yes",
        ],
        &[],
    );
    assert_code(&out, 0);
    let state = sim.state();
    assert_eq!(state["DatabaseUpdates"][0]["SqlServerFqdn"], hostile);
}

#[test]
fn a_failing_database_update_fails_the_run_and_runs_the_cleanup() {
    let sim = Sim::new();
    let out = sim.run(
        Path::new(LYNC),
        &["-p", "ServerRole=StandardEdition", "--yes"],
        &[("LYNC_SIM_FAULT_DATABASE_FAILS", "1")],
    );
    assert_code(&out, 1);
    assert!(
        stdout(&out).contains("FAILED at step `apply-database-changes`"),
        "{}",
        stdout(&out)
    );
    let journal = sim.journal();
    let end = ended(&journal);
    assert_eq!(end["status"], "failed");
    assert_eq!(end["step"], "apply-database-changes");
    // `finally` started the services again.
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "command" && e["step"] == "finally" && e["succeeded"] == true)
    );
    let state = sim.state();
    let services = state["LyncServices"].as_array().unwrap();
    assert!(
        services.iter().all(|s| s["Status"] == "Running"),
        "{services:?}"
    );
}

#[test]
fn a_hung_installer_is_stopped_at_its_timeout() {
    let sim = Sim::new();
    let source = std::fs::read_to_string(LYNC)
        .unwrap()
        .replace("/silentmode } timeout 90m", "/silentmode } timeout 3s");
    let runbook = sim.dir.path().join("short-timeout.runbook");
    std::fs::write(&runbook, source).unwrap();
    let started = std::time::Instant::now();
    let out = sim.run(
        &runbook,
        &["-p", "ServerRole=StandardEdition", "--yes"],
        &[("LYNC_SIM_FAULT_INSTALLER_HANGS", "1")],
    );
    assert_code(&out, 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let journal = sim.journal();
    assert_eq!(ended(&journal)["step"], "install-update");
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "command" && e["timed_out"] == true)
    );
}

#[test]
fn a_manual_step_without_a_terminal_pauses_the_run() {
    let sim = Sim::new();
    let out = sim.run(Path::new(LYNC), &["-p", "ServerRole=StandardEdition"], &[]);
    assert_code(&out, 3);
    let journal = sim.journal();
    let end = ended(&journal);
    assert_eq!(end["status"], "paused");
    assert_eq!(end["step"], "log-on");
}

#[test]
fn json_output_is_the_event_stream() {
    let sim = Sim::new();
    let out = sim.run(
        Path::new(LYNC),
        &[
            "-p",
            "ServerRole=StandardEdition",
            "--yes",
            "--output",
            "json",
        ],
        &[],
    );
    assert_code(&out, 0);
    let events: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    assert_eq!(events.first().unwrap()["event"], "run_start");
    assert_eq!(events.last().unwrap()["event"], "run_end");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "line" && e["text"].as_str().unwrap_or("").contains("Database"))
    );
}

impl Sim {
    fn resume(&self, run_id: &str, args: &[&str]) -> Output {
        let mut cmd = Command::cargo_bin("tejun").unwrap();
        cmd.args(["--color=never", "resume", run_id, "--state-dir"])
            .arg(self.dir.path().join("state"))
            .args(args)
            .env("LYNC_SIM_STATE", self.state_file());
        cmd.timeout(std::time::Duration::from_secs(240))
            .output()
            .unwrap()
    }

    /// Starts a run of the Lync runbook whose installer hangs, without waiting for it.
    fn spawn_with_a_hanging_installer(&self) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("tejun"))
            .args([
                "--color=never",
                "run",
                LYNC,
                "--module-path",
                "fixtures/lync-sim",
                "--state-dir",
            ])
            .arg(self.dir.path().join("state"))
            .args([
                "-p",
                "ServerRole=StandardEdition",
                "-p",
                &format!("UpdateInstaller={INSTALLER}"),
            ])
            .args(["-p", "AutoInstall=true", "--yes"])
            .env("LYNC_SIM_STATE", self.state_file())
            .env("LYNC_SIM_FAULT_INSTALLER_HANGS", "1")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Waits until the run in progress has started `step` once; returns PowerShell's process id.
    fn wait_for_step(&self, step: &str) -> u64 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "step `{step}` never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
            let Some(run) = std::fs::read_dir(self.dir.path().join("state/runs"))
                .ok()
                .and_then(|r| r.flatten().next())
            else {
                continue;
            };
            let text =
                std::fs::read_to_string(run.path().join("journal.jsonl")).unwrap_or_default();
            let journal: Vec<serde_json::Value> = text
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            if starts_of(&journal, step) == 1 {
                let shell = journal
                    .iter()
                    .rev()
                    .find(|e| e["event"] == "shell_start")
                    .unwrap();
                return shell["pid"].as_u64().unwrap();
            }
        }
    }

    fn run_id(&self) -> String {
        let runs: Vec<_> = std::fs::read_dir(self.dir.path().join("state/runs"))
            .unwrap()
            .flatten()
            .collect();
        runs[0].file_name().to_string_lossy().into_owned()
    }
}

fn starts_of(journal: &[serde_json::Value], step: &str) -> usize {
    journal
        .iter()
        .filter(|e| e["event"] == "step_start" && e["step"] == step)
        .count()
}

#[test]
fn a_paused_run_resumes_with_a_confirmation_and_records_who_gave_it() {
    let sim = Sim::new();
    let out = sim.run(Path::new(LYNC), &["-p", "ServerRole=StandardEdition"], &[]);
    assert_code(&out, 3);
    let run_id = sim.run_id();
    let wrong = sim.resume(&run_id, &["--confirm", "stop-services"]);
    assert_code(&wrong, 2);
    let out = sim.resume(&run_id, &["--confirm", "log-on", "--by", "alice", "--yes"]);
    assert_code(&out, 0);
    let journal = sim.journal();
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "manual" && e["step"] == "log-on" && e["by"] == "alice")
    );
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "resume" && e["from_step"] == "log-on")
    );
    assert_eq!(ended(&journal)["status"], "succeeded");
    assert_eq!(sim.state()["DatabaseUpdates"].as_array().unwrap().len(), 1);
    let again = sim.resume(&run_id, &["--yes"]);
    assert_code(&again, 2);

    let state_dir = sim.dir.path().join("state");
    let runs = Command::cargo_bin("tejun")
        .unwrap()
        .arg("runs")
        .arg("--state-dir")
        .arg(&state_dir)
        .output()
        .unwrap();
    assert_code(&runs, 0);
    assert!(stdout(&runs).contains(&format!("{run_id}  lync2013-backend-upgrade")));
    assert!(stdout(&runs).contains("succeeded"));
    let show = Command::cargo_bin("tejun")
        .unwrap()
        .args(["show", &run_id, "--state-dir"])
        .arg(&state_dir)
        .output()
        .unwrap();
    assert_code(&show, 0);
    assert!(stdout(&show).contains("confirmed by alice"));
    assert!(stdout(&show).contains("status: succeeded"));
}

#[test]
fn a_run_killed_mid_step_resumes_without_repeating_completed_steps() {
    let sim = Sim::new();
    let mut child = sim.spawn_with_a_hanging_installer();
    // Wait until the installer (step 7) is running, then kill tejun and its PowerShell.
    let shell_pid = sim.wait_for_step("install-update");
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{shell_pid}/stat")).unwrap_or_default();
    if let Some(group) = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(2))
    {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }

    let out = sim.resume(&sim.run_id(), &["--yes"]);
    assert_code(&out, 0);
    let journal = sim.journal();
    for step in [
        "log-on",
        "download-update",
        "start-shell",
        "stop-services",
        "stop-w3svc",
        "close-shells",
    ] {
        assert_eq!(starts_of(&journal, step), 1, "{step} ran again");
    }
    assert_eq!(starts_of(&journal, "install-update"), 2);
    assert_eq!(ended(&journal)["status"], "succeeded");
    // The killed tejun never released the state folder's lock: the resume took it over.
    let resumed = journal.iter().position(|e| e["event"] == "resume").unwrap();
    assert_eq!(journal[resumed + 1]["event"], "lock_taken_over");
    assert_eq!(journal[resumed + 1]["previous_command"], "run");
    let state = sim.state();
    assert_eq!(state["InstalledVersion"], state["AvailableVersion"]);
}

#[test]
fn ctrl_c_stops_the_command_closes_the_journal_and_leaves_the_run_resumable() {
    let sim = Sim::new();
    let mut child = sim.spawn_with_a_hanging_installer();
    sim.wait_for_step("install-update");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let started = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let journal = sim.journal();
    let end = ended(&journal);
    assert_eq!(end["status"], "interrupted");
    assert_eq!(end["step"], "install-update");
    assert!(
        !journal.iter().any(|e| e["step"] == "finally"),
        "no cleanup after an interrupt"
    );

    let out = sim.resume(&sim.run_id(), &["--yes"]);
    assert_code(&out, 0);
    let journal = sim.journal();
    assert_eq!(starts_of(&journal, "stop-services"), 1);
    assert_eq!(ended(&journal)["status"], "succeeded");
}

#[test]
fn check_mode_evaluates_conditions_and_runs_nothing() {
    let sim = Sim::new();
    let out = sim.run(
        Path::new(LYNC),
        &["-p", "ServerRole=StandardEdition", "--check"],
        &[],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("nothing was run"));
    assert!(text.contains("skip_if  (Get-Service w3svc).Status -eq 'Stopped'  → does not hold"));
    assert!(text.contains("would run  Install-CsDatabase -Update -LocalDatabases"));
    assert!(
        !sim.dir.path().join("state/runs").exists(),
        "a check leaves no run behind"
    );
    if sim.state_file().exists() {
        let state = sim.state();
        assert!(state["DatabaseUpdates"].as_array().unwrap().is_empty());
        assert!(
            state["LyncServices"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["Status"] == "Running")
        );
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tejun"))
        .args(["plan", LYNC, "-p", "ServerRole=StandardEdition"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn a_service_that_refuses_to_stop_fails_the_step_with_the_cmdlets_error() {
    let sim = Sim::new();
    let out = sim.run(
        Path::new(LYNC),
        &["-p", "ServerRole=StandardEdition", "--yes"],
        &[("LYNC_SIM_FAULT_STOP_REFUSES", "RTCSRV")],
    );
    assert_code(&out, 1);
    let journal = sim.journal();
    let end = ended(&journal);
    assert_eq!(end["step"], "stop-services");
    let error = end["error"].as_str().unwrap();
    assert!(
        error.contains("RTCSRV") && error.contains("did not stop"),
        "{error}"
    );
    let command = journal
        .iter()
        .find(|e| e["event"] == "command" && e["step"] == "stop-services")
        .unwrap();
    assert_eq!(command["succeeded"], false);
    // The cleanup brought the stopped services back.
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "command" && e["step"] == "finally" && e["succeeded"] == true)
    );
}

#[test]
fn a_postcondition_is_polled_until_its_time_is_up() {
    let sim = Sim::new();
    let runbook = sim.dir.path().join("poll.runbook");
    std::fs::write(
        &runbook,
        "runbook poll {\n  step wait \"Wait for a file\" {\n    run { $global:tries = 0 }\n    ensure { $global:tries++; $global:tries -ge 3 } within 10s every 200ms\n  }\n  step never \"Never true\" {\n    ensure { $false } within 1s every 300ms message \"it never held\"\n  }\n}\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("tejun").unwrap();
    cmd.args(["--color=never", "run"])
        .arg(&runbook)
        .arg("--state-dir")
        .arg(sim.dir.path().join("state"));
    let out = cmd
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_code(&out, 1);
    let journal = sim.journal();
    let checks: Vec<&serde_json::Value> =
        journal.iter().filter(|e| e["event"] == "check").collect();
    assert_eq!(checks[0]["held"], true);
    assert_eq!(checks[0]["attempts"], 3);
    assert_eq!(checks[1]["held"], false);
    assert!(checks[1]["attempts"].as_u64().unwrap() >= 3);
    assert_eq!(ended(&journal)["error"], "it never held");
}

#[test]
fn powershell_killed_mid_step_is_reported_and_the_run_resumes() {
    let sim = Sim::new();
    let out = sim.run(
        Path::new(LYNC),
        &["-p", "ServerRole=StandardEdition", "--yes"],
        &[("LYNC_SIM_FAULT_KILL_AT", "Stop-CsWindowsService#2")],
    );
    assert_code(&out, 1);
    let journal = sim.journal();
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "shell_lost" && e["step"] == "stop-services-again")
    );
    assert_eq!(ended(&journal)["step"], "stop-services-again");
    let out = sim.resume(&sim.run_id(), &["--yes"]);
    assert_code(&out, 0);
    let journal = sim.journal();
    assert_eq!(
        starts_of(&journal, "install-update"),
        1,
        "completed steps do not run again"
    );
    assert_eq!(ended(&journal)["status"], "succeeded");
}

#[test]
fn a_secret_never_reaches_the_console_the_journal_or_the_transcript() {
    let sim = Sim::new();
    let runbook = sim.dir.path().join("secret.runbook");
    std::fs::write(
        &runbook,
        "runbook secret {\n  param Password: secret\n  step show \"Use the secret\" {\n    run { Write-Output \"password is $Password\"; Write-Warning \"warn $Password\" }\n  }\n}\n",
    )
    .unwrap();
    let secret = "hunter2-\"q\\b-\u{79d8}\u{5bc6}";
    let mut cmd = Command::cargo_bin("tejun").unwrap();
    cmd.args(["--color=never", "run"])
        .arg(&runbook)
        .arg("--state-dir")
        .arg(sim.dir.path().join("state"))
        .env("TEJUN_SECRET_Password", secret);
    let out = cmd
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(stdout(&out).contains("password is ***"));
    assert!(!stdout(&out).contains(secret));
    let run = std::fs::read_dir(sim.dir.path().join("state/runs"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    for file in ["journal.jsonl", "transcript.log"] {
        let text = std::fs::read_to_string(run.join(file)).unwrap();
        assert!(!text.contains(secret), "{file} holds the secret");
        assert!(text.contains("***"), "{file}");
    }
}

/// A line longer than a chunk is never held whole: it comes in parts, marked in the `line` events,
/// the journal's tail and the transcript, and the parts rejoin to the exact line. (The soak tests
/// in `tests/soak.rs` do the same at 100–200 MB.)
#[test]
fn a_long_line_comes_in_marked_parts_that_rejoin() {
    let sim = Sim::new();
    let runbook = sim.dir.path().join("long.runbook");
    std::fs::write(
        &runbook,
        "runbook long {\n  step long \"Print a long line\" {\n    run { ('0123456789' * 30000) + 'end'; 'next' }\n  }\n}\n",
    )
    .unwrap();
    let expected = "0123456789".repeat(30_000) + "end";
    let mut cmd = Command::cargo_bin("tejun").unwrap();
    cmd.args(["--color=never", "run", "--output", "json"])
        .arg(&runbook)
        .arg("--state-dir")
        .arg(sim.dir.path().join("state"));
    let out = cmd
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_code(&out, 0);

    let events: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["event"] == "line")
        .collect();
    let texts: Vec<&str> = events.iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert!(
        texts.len() >= 6,
        "300 KB in parts of at most 64 KiB: {}",
        texts.len()
    );
    let parts = texts.len() - 2;
    assert!(events[..parts].iter().all(|e| e["partial"] == true));
    assert!(events[parts..].iter().all(|e| e.get("partial").is_none()));
    assert_eq!(texts[..=parts].concat(), expected);
    assert_eq!(texts[parts + 1], "next");

    let run = std::fs::read_dir(sim.dir.path().join("state/runs"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let transcript = std::fs::read_to_string(run.join("transcript.log")).unwrap();
    let mut rejoined = String::new();
    let mut lines = Vec::new();
    for line in transcript.lines() {
        if let Some(part) = line.strip_prefix("[long] output+: ") {
            rejoined.push_str(part);
        } else if let Some(rest) = line.strip_prefix("[long] output: ") {
            rejoined.push_str(rest);
            lines.push(std::mem::take(&mut rejoined));
        }
    }
    assert_eq!(lines, [expected, "next".to_owned()]);

    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap();
    let command: serde_json::Value = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .find(|e: &serde_json::Value| e["event"] == "command")
        .unwrap();
    let tail = command["tail"].as_array().unwrap();
    assert_eq!(tail.len(), parts + 2);
    assert!(tail[..parts].iter().all(|l| l["partial"] == true));
    assert!(
        tail.iter()
            .all(|l| l["text"].as_str().unwrap().len() <= 2100),
        "the tail keeps at most 2 KiB of a line"
    );
}

#[test]
fn colours_follow_the_color_flag_and_never_reach_a_pipe_by_default() {
    let sim = Sim::new();
    let runbook = sim.dir.path().join("colours.runbook");
    std::fs::write(
        &runbook,
        "runbook colours {\n  step fine \"Fine\" {\n    run { 'fine' }\n  }\n  step broken \"Broken\" {\n    run { exit 4 }\n  }\n}\n",
    )
    .unwrap();
    let run = |color: &str, state: &str| {
        let mut cmd = Command::cargo_bin("tejun").unwrap();
        cmd.args([color, "run"])
            .arg(&runbook)
            .arg("--state-dir")
            .arg(sim.dir.path().join(state))
            .env_remove("NO_COLOR")
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap()
    };
    let coloured = run("--color=always", "a");
    assert_code(&coloured, 1);
    let text = stdout(&coloured);
    assert!(
        text.contains("\u{1b}[32mok\u{1b}[0m"),
        "a success is green:\n{text}"
    );
    assert!(
        text.contains("\u{1b}[1m\u{1b}[31mrun "),
        "a failed run is bold red:\n{text}"
    );
    let piped = run("--color=auto", "b");
    assert_code(&piped, 1);
    assert!(!stdout(&piped).contains('\u{1b}'), "{}", stdout(&piped));
    assert!(stdout(&piped).contains("FAILED"));
}
