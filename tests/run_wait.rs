//! `wait`, end to end with the real pwsh: the command runs again after its pause until `until`
//! holds on `$Result` (its output objects), a give-up condition ends the wait at once, and running
//! out of attempts fails the step with the runbook's message. The pool's state is a file the
//! command reads, one state per attempt.

mod common;

use common::{Case, text};

/// A wait over a simulated readiness cmdlet: each run reads the next line of `states.txt` (the
/// last one again once they run out) and counts itself in `runs.txt`.
fn readiness(attempts: u32, message: bool) -> String {
    let message = if message {
        "\n      message \"Busy every time: the pool has a problem\""
    } else {
        ""
    };
    format!(
        r#"runbook readiness {{
  step ready "Wait until the pool is ready" doc 1 {{
    wait {{
      $n = if (Test-Path runs.txt) {{ [int](Get-Content runs.txt) }} else {{ 0 }}
      Set-Content -Path runs.txt -Value ($n + 1)
      $states = @(Get-Content states.txt)
      [pscustomobject]@{{ PoolUpgradeState = $states[[Math]::Min($n, $states.Count - 1)]; Attempt = $n + 1 }}
    }} until {{ $Result.PoolUpgradeState -eq 'Ready' }}
      every 100ms attempts {attempts}
      give up "InsufficientActiveFrontEnds" {{ $Result.PoolUpgradeState -eq 'InsufficientActiveFrontEnds' }}{message}
  }}

  step after "Use the last result" {{
    run {{ Set-Content -Path result.txt -Value ($Result.GetType().Name + ' ' + $Result.Attempt + ' ' + $Result.PoolUpgradeState) }}
  }}
}}
"#
    )
}

impl Case {
    fn with_states(runbook: &str, states: &[&str]) -> Case {
        let case = Case::new(runbook);
        std::fs::write(case.dir.path().join("states.txt"), states.join("\n")).unwrap();
        case
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn events(&self, kind: &str) -> Vec<serde_json::Value> {
        self.journal()
            .into_iter()
            .filter(|e| e["event"] == kind)
            .collect()
    }

    fn outcomes(&self) -> Vec<String> {
        self.events("wait_attempt")
            .iter()
            .map(|e| e["outcome"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn a_wait_runs_again_until_the_condition_holds_and_result_holds_the_objects() {
    let case = Case::with_states(&readiness(3, true), &["Busy", "Busy", "Ready"]);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.file("runs.txt"), "3");
    assert_eq!(case.outcomes(), ["pending", "pending", "done"]);
    let attempts: Vec<(u64, u64)> = case
        .events("wait_attempt")
        .iter()
        .map(|e| (e["attempt"].as_u64().unwrap(), e["of"].as_u64().unwrap()))
        .collect();
    assert_eq!(attempts, [(1, 3), (2, 3), (3, 3)]);
    // Each attempt is a command of its own, and its until a check of its own.
    assert_eq!(
        case.events("command")
            .iter()
            .filter(|e| e["step"] == "ready")
            .count(),
        3
    );
    let until: Vec<bool> = case
        .events("check")
        .iter()
        .filter(|e| e["kind"] == "until")
        .map(|e| e["held"].as_bool().unwrap())
        .collect();
    assert_eq!(until, [false, false, true]);
    // `$Result` is the object the last attempt returned, with its properties, for later steps too.
    assert_eq!(case.file("result.txt"), "PSCustomObject 3 Ready");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("attempt 2 of 3: not yet"), "{shown}");
    assert!(shown.contains("attempt 3 of 3: done"), "{shown}");
    // The output of each attempt is shown live, like a run's.
    assert!(shown.contains("Busy"), "{shown}");
}

#[test]
fn a_give_up_condition_fails_the_step_at_the_first_attempt_with_its_name() {
    let case = Case::with_states(
        &readiness(3, true),
        &["InsufficientActiveFrontEnds", "Ready"],
    );
    let out = case.tejun(&["run", "case.runbook", "--output", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.file("runs.txt"), "1", "exactly one attempt ran");
    let attempts = case.events("wait_attempt");
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0]["outcome"], "give_up");
    assert_eq!(attempts[0]["give_up"], "InsufficientActiveFrontEnds");
    let end = case
        .events("step_end")
        .into_iter()
        .find(|e| e["step"] == "ready")
        .unwrap();
    assert_eq!(end["status"], "failed");
    assert_eq!(end["error"], "gave up waiting: InsufficientActiveFrontEnds");
    // The step after the wait never ran.
    assert!(!case.dir.path().join("result.txt").exists());
    // `--output json` streams the same event.
    let streamed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["event"] == "wait_attempt")
        .collect();
    assert_eq!(streamed.len(), 1, "{}", text(&out));
    assert_eq!(streamed[0]["give_up"], "InsufficientActiveFrontEnds");
}

#[test]
fn running_out_of_attempts_fails_the_step_with_the_message() {
    let case = Case::with_states(&readiness(3, true), &["Busy"]);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        case.file("runs.txt"),
        "3",
        "the command ran at most 3 times"
    );
    assert_eq!(case.outcomes(), ["pending", "pending", "exhausted"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("Busy every time: the pool has a problem"),
        "{shown}"
    );
    assert!(
        shown.contains("attempt 3 of 3: attempts exhausted"),
        "{shown}"
    );
}

#[test]
fn without_a_message_the_failure_says_how_many_attempts_ran() {
    let case = Case::with_states(&readiness(2, false), &["Busy"]);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.file("runs.txt"), "2");
    let end = case
        .events("step_end")
        .into_iter()
        .find(|e| e["step"] == "ready")
        .unwrap();
    assert_eq!(
        end["error"],
        "`$Result.PoolUpgradeState -eq 'Ready'` did not hold after the command ran 2 times"
    );
}

#[test]
fn a_failing_command_fails_the_wait_at_once() {
    let case = Case::new(
        r#"runbook failing {
  step ready "Wait" {
    wait {
      Add-Content -Path runs.txt -Value 'run'
      throw 'the cmdlet is not there'
    } until { $true } every 100ms attempts 5
  }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.file("runs.txt"), "run", "no second attempt");
    assert!(case.events("wait_attempt").is_empty());
    let end = case.events("step_end").pop().unwrap();
    assert!(
        end["error"]
            .as_str()
            .unwrap()
            .contains("the cmdlet is not there"),
        "{end}"
    );
}

#[test]
fn a_resume_starts_the_wait_again_from_its_first_attempt() {
    let case = Case::with_states(&readiness(2, true), &["Busy"]);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.outcomes(), ["pending", "exhausted"]);

    // The pool became ready meanwhile; the wait is one action, so it starts over.
    std::fs::write(case.dir.path().join("states.txt"), "Busy\nBusy\nReady").unwrap();
    let out = case.tejun(&["resume", &case.run_id()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let attempts: Vec<(u64, String)> = case
        .events("wait_attempt")
        .iter()
        .map(|e| {
            (
                e["attempt"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        [
            (1, "pending".to_owned()),
            (2, "exhausted".to_owned()),
            (1, "done".to_owned())
        ]
    );
    assert_eq!(case.file("result.txt"), "PSCustomObject 3 Ready");
}
