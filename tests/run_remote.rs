//! Steps `on` targets, end to end: tejun's hosted PowerShell opens one remoting session per
//! target over SSH to the lab's servers (`tests/lab`), runs each step's code there as written,
//! with the run's values as variables, keeps what a step defines for the next step on that target,
//! and reopens a session that broke.

// The lab runs OpenSSH servers on loopback and reads /proc: Linux only.
#![cfg(unix)]

mod common;
mod lab;

use common::{Case, text};

const BASICS: &str = r#"runbook remote-basics {
  param Servers: list(string)
  param Greeting: string = "hi'; Remove-Item -Recurse /tmp/nothing; '"

  foreach server in Servers on server {
    step who "Say who runs the step" {
      run { "$env:SIM_HOST on $server says $Greeting"; $kept = 40 + 2 }
    }
    step kept "Variables stay on the target" {
      run { "kept=$kept" }
      ensure { $kept -eq 42 -and $env:SIM_HOST -eq $server }
    }
  }

  step here "Back where tejun runs" {
    run { "here: [$env:SIM_HOST] kept=[$kept]" }
  }

  step exit-code "A native exit code comes back" on "fe02" {
    run { sh -c 'echo from-sh; exit 3' } accept exit 3
  }
}
"#;

#[test]
fn steps_run_on_their_targets_with_values_as_variables() {
    let lab = lab::Lab::start(&["fe01", "fe02"]);
    let case = Case::new(BASICS);
    std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
    let out = case.tejun(&[
        "run",
        "case.runbook",
        "--inventory",
        "inventory.toml",
        "-p",
        "Servers=fe01,fe02",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let transcript = case.transcript();
    for server in ["fe01", "fe02"] {
        assert!(
            transcript.contains(&format!(
                "{server} on {server} says hi'; Remove-Item -Recurse /tmp/nothing; '"
            )),
            "{transcript}"
        );
    }
    assert_eq!(transcript.matches("kept=42").count(), 2, "{transcript}");
    assert!(transcript.contains("here: [] kept=[]"), "{transcript}");
    assert!(transcript.contains("from-sh"), "{transcript}");
    let journal = case.journal();
    let opened: Vec<(&str, bool)> = journal
        .iter()
        .filter(|e| e["event"] == "session_open")
        .map(|e| (e["target"].as_str().unwrap(), e["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        opened,
        [("fe01", true), ("fe02", true)],
        "one session per target, reused"
    );
    let exit = journal
        .iter()
        .find(|e| e["event"] == "command" && e["step"] == "exit-code")
        .unwrap();
    assert_eq!(exit["last_exit_code"], 3, "{exit}");
    let targets: Vec<Option<&str>> = journal
        .iter()
        .filter(|e| e["event"] == "step_start")
        .map(|e| e["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        [
            Some("fe01"),
            Some("fe01"),
            Some("fe02"),
            Some("fe02"),
            None,
            Some("fe02")
        ]
    );
}
