//! Branches decided at run time (`if { CONDITION } { ... } else ...`), end to end with the real
//! pwsh: the first arm whose condition holds runs and the others' steps are skipped, `else if`
//! and `else` are taken in order, no arm at all is fine, an `if` among a step's actions guards
//! actions, each iteration of a loop decides its own, and a resume reuses the journaled decision
//! instead of evaluating the condition again.

mod common;

use common::{Case, text};

const BRANCH: &str = r#"runbook branch {
  step first "Before" {
    run { Add-Content -Path log.txt -Value 'first' }
  }

  if { Test-Path cms.txt } {
    step move "Move the Central Management store" {
      run { Add-Content -Path log.txt -Value 'move' }
    }
    step check "Check the move" {
      run { Add-Content -Path log.txt -Value 'check' }
    }
  } else if { Test-Path edge.txt } {
    step edge "Edge only" {
      run { Add-Content -Path log.txt -Value 'edge' }
    }
  } else {
    step none "No store here" {
      run { Add-Content -Path log.txt -Value 'none' }
    }
  }

  step last "After" {
    run { Add-Content -Path log.txt -Value 'last' }
  }
}
"#;

impl Case {
    fn touch(&self, name: &str) {
        std::fs::write(self.dir.path().join(name), "x").unwrap();
    }

    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("log.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn events(&self, kind: &str) -> Vec<serde_json::Value> {
        self.journal()
            .into_iter()
            .filter(|e| e["event"] == kind)
            .collect()
    }

    /// The steps that ended skipped because their arm was not taken.
    fn not_taken(&self) -> Vec<String> {
        self.events("step_end")
            .iter()
            .filter(|e| e["status"] == "skipped" && e["error"] == "not the branch taken")
            .map(|e| e["step"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn the_first_arm_whose_condition_holds_runs_and_the_others_are_skipped() {
    let case = Case::new(BRANCH);
    case.touch("cms.txt");
    case.touch("edge.txt");
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["first", "move", "check", "last"]);
    assert_eq!(case.not_taken(), ["edge", "none"]);
    let decided = case.events("branch_decided");
    assert_eq!(decided.len(), 1, "decided once: {decided:?}");
    assert_eq!(decided[0]["arm"], 0);
    assert_eq!(decided[0]["step"], "move");
    assert_eq!(decided[0]["condition"], "Test-Path cms.txt");
    // Only the first condition was evaluated.
    assert_eq!(
        case.events("check")
            .iter()
            .filter(|e| e["kind"] == "if")
            .count(),
        1
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("arm 1 taken: Test-Path cms.txt"), "{shown}");
    assert!(shown.contains("skipped: not the branch taken"), "{shown}");
}

#[test]
fn else_if_and_else_are_taken_in_order() {
    let case = Case::new(BRANCH);
    case.touch("edge.txt");
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["first", "edge", "last"]);
    assert_eq!(case.not_taken(), ["move", "check", "none"]);
    assert_eq!(case.events("branch_decided")[0]["arm"], 1);

    let case = Case::new(BRANCH);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["first", "none", "last"]);
    let decided = &case.events("branch_decided")[0];
    assert_eq!(decided["arm"], 2);
    assert!(decided["condition"].is_null(), "{decided}");
}

#[test]
fn with_no_else_and_no_condition_holding_no_arm_runs() {
    let case = Case::new(
        r#"runbook no-arm {
  if { $false } {
    step a "A" { run { Add-Content -Path log.txt -Value 'a' } }
  } else if { 1 -eq 2 } {
    step b "B" { run { Add-Content -Path log.txt -Value 'b' } }
  }
  step c "C" { run { Add-Content -Path log.txt -Value 'c' } }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["c"]);
    assert_eq!(case.not_taken(), ["a", "b"]);
    let decided = case.events("branch_decided");
    assert_eq!(decided.len(), 1);
    assert!(decided[0]["arm"].is_null(), "{decided:?}");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("no arm taken"), "{shown}");
}

#[test]
fn an_if_among_a_steps_actions_guards_those_actions() {
    let case = Case::new(
        r#"runbook actions {
  param Pool: string placeholder "<Pool FQDN>"
  step repair "Repair the replicas" {
    run { Add-Content -Path log.txt -Value 'state' }
    if { "<Pool FQDN>" -eq 'pool01' -and (Test-Path missing.txt) } {
      run { Add-Content -Path log.txt -Value "reset <Pool FQDN>" }
    } else {
      run { Add-Content -Path log.txt -Value 'nothing missing' }
    }
    run { Add-Content -Path log.txt -Value 'end' }
  }
}
"#,
    );
    case.touch("missing.txt");
    let out = case.tejun(&["run", "case.runbook", "-p", "Pool=pool01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["state", "reset pool01", "end"]);
    let decided = case.events("branch_decided");
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["step"], "repair");
    assert_eq!(decided[0]["arm"], 0);
    // The condition went to PowerShell with the placeholder as the parameter's variable.
    assert_eq!(
        decided[0]["condition"],
        r#""${Pool}" -eq 'pool01' -and (Test-Path missing.txt)"#
    );
    let end = case.events("step_end").pop().unwrap();
    assert_eq!(end["status"], "done");

    let case = Case::new(&std::fs::read_to_string(case.dir.path().join("case.runbook")).unwrap());
    let out = case.tejun(&["run", "case.runbook", "-p", "Pool=pool01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["state", "nothing missing", "end"]);
}

#[test]
fn each_iteration_of_a_loop_decides_its_own_branch() {
    let case = Case::new(
        r#"runbook per-server {
  param Servers: list(string)
  foreach server in Servers placeholder "<Server>" {
    if { "<Server>" -eq 'fe02' } {
      step special "Special" { run { Add-Content -Path log.txt -Value "special <Server>" } }
    } else {
      step normal "Normal" { run { Add-Content -Path log.txt -Value "normal <Server>" } }
    }
  }
  foreach domain in run { 'd1', 'd2' } {
    if { $domain -eq 'd1' } {
      step one "One" { run { Add-Content -Path log.txt -Value "one $domain" } }
    } else {
      step two "Two" { run { Add-Content -Path log.txt -Value "two $domain" } }
    }
  }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook", "-p", "Servers=fe01,fe02,fe03"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        case.log(),
        [
            "normal fe01",
            "special fe02",
            "normal fe03",
            "one d1",
            "two d2"
        ]
    );
    assert_eq!(case.events("branch_decided").len(), 5);
}

#[test]
fn a_resume_reuses_the_decision_even_when_the_condition_changed() {
    let case = Case::new(
        r#"runbook resume-branch {
  if { Test-Path cms.txt } {
    step move "Move" {
      run { Add-Content -Path log.txt -Value 'move' }
    }
    step check "Check" {
      run {
        if (-not (Test-Path fixed.txt)) { throw 'the move is not done yet' }
        Add-Content -Path log.txt -Value 'check'
      }
    }
  } else {
    step none "No store" {
      run { Add-Content -Path log.txt -Value 'none' }
    }
  }
}
"#,
    );
    case.touch("cms.txt");
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.log(), ["move"]);

    // Between the sessions the condition stops holding; the run already took its arm.
    std::fs::remove_file(case.dir.path().join("cms.txt")).unwrap();
    case.touch("fixed.txt");
    let out = case.tejun(&["resume", &case.run_id()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["move", "check"]);
    let decided = case.events("branch_decided");
    assert_eq!(decided.len(), 1, "never decided again: {decided:?}");
    assert_eq!(decided[0]["arm"], 0);
    assert_eq!(
        case.events("check")
            .iter()
            .filter(|e| e["kind"] == "if")
            .count(),
        1,
        "the condition was not evaluated again"
    );
    assert!(case.not_taken().contains(&"none".to_owned()));
}

#[test]
fn the_plan_shows_every_arm_as_decided_at_run_time() {
    let case = Case::new(BRANCH);
    let plan = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("tejun")
            .unwrap()
            .args(["--color=never", "plan", "case.runbook"])
            .args(args)
            .current_dir(case.dir.path())
            .output()
            .unwrap()
    };
    let out = plan(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("decided at run time"), "{shown}");
    assert!(shown.contains("if { Test-Path cms.txt }:"), "{shown}");
    assert!(shown.contains("else if { Test-Path edge.txt }:"), "{shown}");
    assert!(shown.contains("Edge only"), "{shown}");
    let out = plan(&["--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["branches"][0]["arms"].as_array().unwrap().len(), 3);
    assert_eq!(
        plan["steps"][1]["decided_by"],
        serde_json::json!({"branch": 0, "arm": 0})
    );
    assert_eq!(
        plan["steps"][3]["decided_by"],
        serde_json::json!({"branch": 0, "arm": 1})
    );
    assert!(plan["steps"][0].get("decided_by").is_none());
}

#[test]
fn an_inner_branch_is_decided_only_when_its_outer_arm_is_taken() {
    let runbook = r#"runbook nested {
  if { Test-Path outer.txt } {
    if { Test-Path inner.txt } {
      step x "X" { run { Add-Content -Path log.txt -Value 'x' } }
    } else {
      step y "Y" { run { Add-Content -Path log.txt -Value 'y' } }
    }
  } else {
    step z "Z" { run { Add-Content -Path log.txt -Value 'z' } }
  }
}
"#;
    let case = Case::new(runbook);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["z"]);
    // The inner condition is never evaluated: its arm's outer arm was not taken.
    let decided = case.events("branch_decided");
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert_eq!(decided[0]["branch"], 0);
    assert_eq!(decided[0]["arm"], 1);

    let case = Case::new(runbook);
    case.touch("outer.txt");
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["y"]);
    let arms: Vec<(u64, u64)> = case
        .events("branch_decided")
        .iter()
        .map(|e| (e["branch"].as_u64().unwrap(), e["arm"].as_u64().unwrap()))
        .collect();
    assert_eq!(arms, [(0, 0), (1, 1)]);
    assert_eq!(case.not_taken(), ["x", "z"]);
}
