//! `tejun resume` never repeats a finished action, and a run whose PowerShell never started is not
//! offered for resuming. Real pwsh; a missing pwsh fails these tests.

mod common;

use assert_cmd::Command;

use common::{Case, text};

impl Case {
    fn counter(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("counter.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn a_run_paused_at_a_manual_step_goes_on_after_the_commands_already_run() {
    let case = Case::new(
        r#"runbook counter {
  step s "Count" {
    run { Add-Content -Path counter.txt -Value 'ran' }
    manual "Look at the counter"
    run { Add-Content -Path counter.txt -Value 'after-manual' }
  }
}
"#,
    );
    // No terminal and no --yes: the manual step pauses the run.
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(case.counter(), ["ran"]);
    let journal = case.journal();
    let done: Vec<&serde_json::Value> = journal
        .iter()
        .filter(|e| e["event"] == "action_done")
        .map(|e| &e["action"])
        .collect();
    assert_eq!(
        done,
        [&serde_json::json!(0)],
        "the first command is recorded as finished"
    );

    let id = case.run_id();
    let out = case.tejun(&["resume", &id, "--confirm", "s", "--by", "tester"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        case.counter(),
        ["ran", "after-manual"],
        "the first command did not run again"
    );
    let journal = case.journal();
    assert!(
        journal
            .iter()
            .any(|e| e["event"] == "manual" && e["decision"] == "confirmed" && e["by"] == "tester")
    );
}

#[test]
fn a_step_that_failed_half_way_goes_on_at_the_command_that_failed() {
    let case = Case::new(
        r#"runbook counter {
  step prepare "Prepare" {
    run { Add-Content -Path counter.txt -Value 'prepare' }
  }
  step s "Count" {
    skip if { Test-Path skip.txt }
    run { Add-Content -Path counter.txt -Value 'first'; Set-Content skip.txt 'the step is under way' }
    run { if (-not (Test-Path flag.txt)) { throw 'no flag yet' }; Add-Content -Path counter.txt -Value 'second' }
    run { Add-Content -Path counter.txt -Value 'third' }
    ensure { (Get-Content counter.txt).Count -ge 4 }
  }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.counter(), ["prepare", "first"]);
    std::fs::write(case.dir.path().join("flag.txt"), "go").unwrap();
    let out = case.tejun(&["resume", &case.run_id()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The `skip if` now holds, but the step is under way: it is not asked again, and the step
    // goes on at the command that failed.
    assert_eq!(case.counter(), ["prepare", "first", "second", "third"]);
    let journal = case.journal();
    let skip_checks = journal
        .iter()
        .filter(|e| e["event"] == "check" && e["kind"] == "skip_if")
        .count();
    assert_eq!(
        skip_checks, 1,
        "the skip if is evaluated only at the step's start"
    );
}

#[test]
fn a_run_whose_powershell_never_started_is_not_resumable() {
    let case = Case::new("runbook nothing {\n  step s \"S\" {\n    run { 'x' }\n  }\n}\n");
    let out = case.tejun(&["run", "case.runbook", "--shell", "/nonexistent/pwsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let journal = case.journal();
    let end = journal.last().unwrap();
    assert_eq!(end["event"], "run_end");
    assert_eq!(end["status"], "failed_to_start");
    assert!(end["error"].as_str().unwrap().contains("/nonexistent/pwsh"));

    let out = case.tejun(&["runs"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("failed to start (nothing ran)"), "{listed}");
    assert!(!listed.contains("interrupted"), "{listed}");

    let out = case.tejun(&["resume", &case.run_id()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("failed to start"),
        "{}",
        text(&out)
    );
}

#[test]
fn runs_are_listed_by_start_time_with_one_word_states() {
    let dir = tempfile::tempdir().unwrap();
    // Folder names that sort the other way round from the start times.
    for (id, at, end) in [
        (
            "a-second",
            "2026-12-02T10:00:00Z",
            r#"{"event":"run_end","status":"failed","step":"s"}"#,
        ),
        (
            "b-first",
            "2026-12-01T10:00:00Z",
            r#"{"event":"run_end","status":"paused","step":"s"}"#,
        ),
        ("c-third", "2026-12-03T10:00:00Z", ""),
    ] {
        let run = dir.path().join("state/runs").join(id);
        std::fs::create_dir_all(&run).unwrap();
        let start = format!(r#"{{"at":"{at}","event":"run_start","runbook":"rb"}}"#);
        let step = r#"{"event":"step_start","step":"s"}"#;
        std::fs::write(
            run.join("journal.jsonl"),
            format!("{start}\n{step}\n{end}\n"),
        )
        .unwrap();
    }
    let out = Command::cargo_bin("tejun")
        .unwrap()
        .args(["runs", "--state-dir", "state"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let listed = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 3, "{listed}");
    assert!(
        lines[0].starts_with("b-first ") && lines[0].ends_with("paused at `s`"),
        "{listed}"
    );
    assert!(
        lines[1].starts_with("a-second ") && lines[1].ends_with("failed at `s`"),
        "{listed}"
    );
    // Killed mid-step: no end recorded.
    assert!(
        lines[2].starts_with("c-third ") && lines[2].ends_with("interrupted at `s`"),
        "{listed}"
    );
}
