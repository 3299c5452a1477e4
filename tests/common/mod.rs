//! What the end-to-end tests of `tejun run` share: a real pwsh (a missing one fails the test with
//! how to install it, never skips it), and a temporary folder with a runbook and a state folder.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;

/// Fails the test, saying how to install it, when pwsh cannot be found.
pub fn require_pwsh() {
    if let Err(e) = tejun_runtime::host::find_shell("pwsh") {
        panic!(
            "{e}: end-to-end tests need a real PowerShell 7. Install it with \
             `dotnet tool install --global PowerShell --version 7.6.9` and put ~/.dotnet/tools on PATH"
        );
    }
}

/// A temporary folder holding `case.runbook`, where tejun runs with `--state-dir state`.
pub struct Case {
    pub dir: tempfile::TempDir,
}

impl Case {
    /// A folder with this runbook as `case.runbook`; fails without pwsh.
    pub fn new(runbook: &str) -> Case {
        require_pwsh();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("case.runbook"), runbook).unwrap();
        Case { dir }
    }

    /// `tejun --color=never ARGS --state-dir state`, in the folder, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("tejun").unwrap();
        cmd.arg("--color=never")
            .args(args)
            .args(["--state-dir", "state"])
            .current_dir(self.dir.path())
            .env_remove("NO_COLOR");
        cmd.timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// Runs `tejun ARGS` to the end.
    pub fn tejun(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The folder of the only run.
    pub fn run_dir(&self) -> PathBuf {
        let runs: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("state/runs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert_eq!(runs.len(), 1, "one run");
        runs[0].clone()
    }

    /// The id of the only run.
    pub fn run_id(&self) -> String {
        self.run_dir()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// Every entry of the only run's journal.
    pub fn journal(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.run_dir().join("journal.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
            .collect()
    }

    /// The only run's transcript.
    pub fn transcript(&self) -> String {
        std::fs::read_to_string(self.run_dir().join("transcript.log")).unwrap()
    }
}

/// Stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a simulation's own PowerShell tests (`fixtures/<sim>/tests/run-tests.ps1`) with the real
/// pwsh and fails with what they printed unless every case passed.
pub fn simulation_passes_its_own_tests(script: &str) {
    let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!("{e}: install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9`")
    });
    let out = std::process::Command::new(pwsh)
        .args(["-NoLogo", "-NoProfile", "-NonInteractive", "-File", script])
        .output()
        .expect("pwsh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(" 0 failed"),
        "the simulation's tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
