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
