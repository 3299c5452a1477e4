//! `foreach` over a `list(string)` parameter, end to end with the real pwsh: the loop variable
//! stands where the document's placeholder is, items are data and never code, an empty list runs
//! the loop zero times, and a resume after a failure in an iteration goes on at that iteration.

mod common;

use common::{Case, text};

const PATCH: &str = r#"runbook patch {
  param Servers: list(string) doc "The Front End Servers, one at a time"

  step count "Count the servers" {
    run { Add-Content -Path log.txt -Value ("count " + $Servers.Count + " " + $Servers.GetType().Name) }
  }

  foreach server in Servers placeholder "<Front End Server to be patched>" {
    step drain "Fail over the server" doc 2 {
      run { Add-Content -Path log.txt -Value "drain <Front End Server to be patched>" }
    }
    step patch "Install the update" doc 3 {
      run {
        if ("<Front End Server to be patched>" -eq 'fe02' -and -not (Test-Path flag.txt)) { throw 'the update failed' }
        Add-Content -Path log.txt -Value "patch <Front End Server to be patched>"
      }
      ensure { $server -ceq "<Front End Server to be patched>" }
    }
  }

  step done "Report" {
    run { Add-Content -Path log.txt -Value 'done' }
  }
}
"#;

impl Case {
    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("log.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn started_steps(&self) -> Vec<String> {
        self.journal()
            .iter()
            .filter(|e| e["event"] == "step_start")
            .map(|e| e["step"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn a_list_loop_runs_its_steps_once_per_item_with_the_placeholder_as_the_loop_variable() {
    let case = Case::new(PATCH);
    std::fs::write(case.dir.path().join("flag.txt"), "go").unwrap();
    // A list from commas and from a repeated `-p`.
    let out = case.tejun(&[
        "run",
        "case.runbook",
        "-p",
        "Servers=fe01,fe02",
        "-p",
        "Servers=fe03",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        case.log(),
        [
            "count 3 String[]",
            "drain fe01",
            "patch fe01",
            "drain fe02",
            "patch fe02",
            "drain fe03",
            "patch fe03",
            "done"
        ]
    );
    assert_eq!(
        case.started_steps(),
        [
            "count",
            "drain[fe01]",
            "patch[fe01]",
            "drain[fe02]",
            "patch[fe02]",
            "drain[fe03]",
            "patch[fe03]",
            "done"
        ]
    );
    let journal = case.journal();
    // The command sent is the document's, with the loop variable where the placeholder is.
    let sent: Vec<&str> = journal
        .iter()
        .filter(|e| e["event"] == "command_start" && e["step"] == "drain[fe02]")
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        sent,
        [r#"Add-Content -Path log.txt -Value "drain ${server}""#]
    );
    let loops: Vec<&serde_json::Value> = journal
        .iter()
        .filter(|e| e["event"] == "loop_start")
        .collect();
    assert_eq!(loops.len(), 1, "{loops:?}");
    assert_eq!(loops[0]["var"], "server");
    assert_eq!(loops[0]["over"], "Servers");
    assert_eq!(
        loops[0]["items"],
        serde_json::json!(["fe01", "fe02", "fe03"])
    );
    let start = journal.iter().find(|e| e["event"] == "run_start").unwrap();
    assert_eq!(
        start["params"]["Servers"],
        serde_json::json!(["fe01", "fe02", "fe03"])
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("foreach $server in Servers: 3 items: fe01, fe02, fe03"),
        "{shown}"
    );
}

#[test]
fn an_empty_list_runs_the_loop_zero_times_and_says_so() {
    let case = Case::new(PATCH);
    let out = case.tejun(&["run", "case.runbook", "-p", "Servers="]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["count 0 String[]", "done"]);
    assert_eq!(case.started_steps(), ["count", "done"]);
    let journal = case.journal();
    let empty = journal
        .iter()
        .find(|e| e["event"] == "loop_start")
        .expect("the empty loop is journaled");
    assert_eq!(empty["items"], serde_json::json!([]));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("run zero times"), "{shown}");
}

#[test]
fn a_failure_in_the_second_iteration_resumes_at_the_second_iteration() {
    let case = Case::new(PATCH);
    let out = case.tejun(&["run", "case.runbook", "-p", "Servers=fe01,fe02,fe03"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        case.log(),
        ["count 3 String[]", "drain fe01", "patch fe01", "drain fe02"]
    );
    let end = case.journal().last().cloned().unwrap();
    assert_eq!(end["status"], "failed");
    assert_eq!(end["step"], "patch[fe02]");

    std::fs::write(case.dir.path().join("flag.txt"), "go").unwrap();
    let out = case.tejun(&["resume", &case.run_id()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Iteration 1 and the drain of iteration 2 are not repeated.
    assert_eq!(
        case.log(),
        [
            "count 3 String[]",
            "drain fe01",
            "patch fe01",
            "drain fe02",
            "patch fe02",
            "drain fe03",
            "patch fe03",
            "done"
        ]
    );
    let journal = case.journal();
    let resume = journal.iter().find(|e| e["event"] == "resume").unwrap();
    assert_eq!(resume["from_step"], "patch[fe02]");
}

#[test]
fn a_list_item_is_data_never_code() {
    let case = Case::new(PATCH);
    std::fs::write(case.dir.path().join("flag.txt"), "go").unwrap();
    let payloads = [
        r#"x"; Set-Content pwned1.txt 1; ""#,
        "$(Set-Content pwned2.txt 2)",
        "`$(Set-Content pwned3.txt 3)'; Set-Content pwned4.txt 4; '",
    ];
    let mut args = vec!["run", "case.runbook"];
    let given: Vec<String> = payloads.iter().map(|p| format!("Servers={p}")).collect();
    for g in &given {
        args.push("-p");
        args.push(g);
    }
    let out = case.tejun(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for n in 1..=4 {
        assert!(
            !case.dir.path().join(format!("pwned{n}.txt")).exists(),
            "payload {n} ran"
        );
    }
    let log = case.log();
    for p in payloads {
        assert!(log.contains(&format!("drain {p}")), "{log:?}");
        assert!(log.contains(&format!("patch {p}")), "{log:?}");
    }
}

const DOMAINS: &str = r#"runbook domains {
  foreach domain in run { Get-Content domains.txt } placeholder "<Upgrade domain>" {
    step update "Update the upgrade domain" doc 3 {
      run {
        if ("<Upgrade domain>" -eq 'UD2' -and -not (Test-Path flag.txt)) { throw 'the update failed' }
        Add-Content -Path log.txt -Value "update <Upgrade domain>"
      }
    }
  }

  step done "Report" {
    run { Add-Content -Path log.txt -Value 'done' }
  }
}
"#;

#[test]
fn a_loop_over_an_expression_goes_over_what_it_returns_when_the_run_reaches_it() {
    let case = Case::new(DOMAINS);
    std::fs::write(
        case.dir.path().join("domains.txt"),
        "UD1\n$(Set-Content pwned.txt 1)\n\nUD3\n",
    )
    .unwrap();
    std::fs::write(case.dir.path().join("flag.txt"), "go").unwrap();
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        case.log(),
        [
            "update UD1",
            "update $(Set-Content pwned.txt 1)",
            "update UD3",
            "done"
        ]
    );
    assert!(!case.dir.path().join("pwned.txt").exists(), "an item ran");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("4 done, 0 skipped (4 steps)"), "{shown}");
    let journal = case.journal();
    let l = journal.iter().find(|e| e["event"] == "loop_start").unwrap();
    assert_eq!(l["code"], "Get-Content domains.txt");
    assert_eq!(
        l["items"],
        serde_json::json!(["UD1", "$(Set-Content pwned.txt 1)", "UD3"])
    );
    let sent: Vec<&str> = journal
        .iter()
        .filter(|e| e["event"] == "command_start" && e["step"] == "update[UD3]")
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains(r#"Add-Content -Path log.txt -Value "update ${domain}""#),
        "{sent:?}"
    );
}

#[test]
fn an_expression_that_returns_nothing_runs_the_loop_zero_times() {
    let case = Case::new(DOMAINS);
    std::fs::write(case.dir.path().join("domains.txt"), "").unwrap();
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(case.log(), ["done"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("run zero times"));
}

#[test]
fn a_resume_inside_a_loop_over_an_expression_keeps_the_items_of_the_run() {
    let case = Case::new(DOMAINS);
    std::fs::write(case.dir.path().join("domains.txt"), "UD1\nUD2\nUD3\n").unwrap();
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(case.log(), ["update UD1"]);
    // What the expression returns now differs; the resume goes on with the run's own items.
    std::fs::write(case.dir.path().join("domains.txt"), "UD9\n").unwrap();
    std::fs::write(case.dir.path().join("flag.txt"), "go").unwrap();
    let out = case.tejun(&["resume", &case.run_id()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        case.log(),
        ["update UD1", "update UD2", "update UD3", "done"]
    );
    let resume = case
        .journal()
        .into_iter()
        .find(|e| e["event"] == "resume")
        .unwrap();
    assert_eq!(resume["from_step"], "update[UD2]");
}

#[test]
fn an_expression_that_fails_stops_the_run_at_the_loop() {
    let case = Case::new(DOMAINS);
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let end = case.journal().last().cloned().unwrap();
    assert_eq!(end["status"], "failed");
    assert_eq!(end["step"], "foreach domain");
    assert!(
        end["error"].as_str().unwrap().contains("domains.txt"),
        "{end}"
    );
    assert!(case.log().is_empty());
}

#[test]
fn run_check_evaluates_a_loops_expression_and_lists_its_steps() {
    let case = Case::new(DOMAINS);
    std::fs::write(case.dir.path().join("domains.txt"), "UD1\nUD2\n").unwrap();
    let out = case.tejun(&["run", "case.runbook", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("[2/3] Update the upgrade domain  [update[UD2]]"),
        "{shown}"
    );
    assert!(case.log().is_empty(), "nothing ran");

    std::fs::remove_file(case.dir.path().join("domains.txt")).unwrap();
    let out = case.tejun(&["run", "case.runbook", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("[foreach domain]  BLOCKED"), "{shown}");
}

#[test]
fn a_window_between_two_steps_of_a_loop_is_opened_once_per_item() {
    let case = Case::new(
        r#"runbook windows-per-item {
  param Servers: list(string)

  window down from stop to start limit 3s
    warn "the server has been down for three seconds"

  foreach server in Servers {
    step stop "Stop the server" {
      run { if ($server -eq 'slow') { Start-Sleep -Milliseconds 4000 } }
    }
    step start "Start the server" {
      run { "start $server" }
    }
  }
}
"#,
    );
    let out = case.tejun(&[
        "run",
        "case.runbook",
        "-p",
        "Servers=fast,slow",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = case.journal();
    let of = |event: &str| -> Vec<String> {
        journal
            .iter()
            .filter(|e| e["event"] == event)
            .map(|e| e["window"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(of("window_start"), ["down[fast]", "down[slow]"]);
    assert_eq!(of("window_end"), ["down[fast]", "down[slow]"]);
    assert_eq!(
        of("window_warning"),
        ["down[slow]"],
        "only the slow server overran"
    );
}
