//! What is on disk when tejun dies: tejun is killed (SIGKILL, no chance to clean up) at many points
//! of a run; after each kill the journal reads back whole, and resuming until the run succeeds
//! never repeats an action the journal says finished. Only the action under way when tejun died
//! may run again (its command may have finished before its `action_done` was written).

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Case, text};

const STEPS: usize = 40;

fn runbook() -> String {
    let mut src = String::from("runbook durable {\n");
    for n in 0..STEPS {
        src.push_str(&format!(
            "  step s{n} \"Step {n}\" {{\n    run {{ Add-Content -Path log.txt -Value 's{n}a' }}\n    run {{ Add-Content -Path log.txt -Value 's{n}b' }}\n  }}\n"
        ));
    }
    src.push_str("}\n");
    src
}

/// Every line of the journal is whole JSON.
fn journal_lines(case: &Case) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(case.run_dir().join("journal.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("a journal line is cut: {e}: {l}"))
        })
        .collect()
}

/// The actions the journal says finished, as the log names them (`s3a`, `s3b`).
fn finished(journal: &[serde_json::Value]) -> Vec<String> {
    journal
        .iter()
        .filter(|e| e["event"] == "action_done")
        .map(|e| {
            let step = e["step"].as_str().unwrap();
            let which = if e["action"] == 0 { "a" } else { "b" };
            format!("{step}{which}")
        })
        .collect()
}

#[test]
fn a_killed_tejun_loses_no_event_and_resume_repeats_no_finished_action() {
    let case = Case::new(&runbook());
    // Where each kill lands, counted in the session's own progress rather than in time, so a fast
    // or a slow machine kills at the same points: the first session as soon as it has journaled
    // its start (PowerShell still starting), the first resume likewise, the later ones after 1,
    // 2, 3, 5 and 8 more actions finished (in the middle of steps, wherever the poll catches it).
    let kill_after: [Option<usize>; 7] = [None, None, Some(1), Some(2), Some(3), Some(5), Some(8)];
    let mut kills = 0;
    for (round, more) in kill_after.iter().enumerate() {
        let journal_path = || {
            let runs = case.dir.path().join("state/runs");
            std::fs::read_dir(runs)
                .ok()?
                .flatten()
                .next()
                .map(|e| e.path().join("journal.jsonl"))
        };
        let read = || -> Vec<String> {
            journal_path()
                .and_then(|p| std::fs::read_to_string(p).ok())
                .map(|t| t.lines().map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let lines_before = read().len();
        let before = if round == 0 {
            Vec::new()
        } else {
            finished(&journal_lines(&case))
        };
        let args: Vec<String> = if round == 0 {
            vec!["run".into(), "case.runbook".into()]
        } else {
            vec!["resume".into(), case.run_id()]
        };
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tejun"));
        cmd.arg("--color=never")
            .args(&args)
            .args(["--state-dir", "state"])
            .current_dir(case.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let started = Instant::now();
        let mut exited = false;
        loop {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            let lines = read();
            // Only whole lines count: the last one may be half written.
            let whole: Vec<serde_json::Value> = lines
                .iter()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            let started_session = whole.len() > lines_before;
            let reached = match more {
                None => started_session,
                Some(n) => started_session && finished(&whole).len() >= before.len() + n,
            };
            if reached {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "round {round}: the run made no progress in 120 s"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(
            !exited,
            "round {round}: tejun ended before the kill point ({more:?} more actions)"
        );
        child.kill().unwrap();
        kills += 1;
        child.wait().unwrap();
        let after = finished(&journal_lines(&case));
        assert!(
            after.starts_with(&before),
            "round {round}: the journal lost finished actions"
        );
    }
    // Go on until the run is done.
    for _ in 0..5 {
        let out = case.tejun(&["resume", &case.run_id()]);
        if out.status.code() == Some(0) {
            break;
        }
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("succeeded")
                || out.status.code() != Some(2)
                || String::from_utf8_lossy(&out.stderr).contains("nothing to resume"),
            "{}",
            text(&out)
        );
    }
    let journal = journal_lines(&case);
    // Each kill left its lock behind, and the next session took it over: the kills landed in
    // sessions that had started.
    let taken_over = journal
        .iter()
        .filter(|e| e["event"] == "lock_taken_over")
        .count();
    assert_eq!(
        taken_over, kills,
        "every kill landed in a session that held the lock"
    );
    let last = journal
        .iter()
        .rev()
        .find(|e| e["event"] == "run_end")
        .unwrap();
    assert_eq!(last["status"], "succeeded", "{last}");
    // Each action ran once, but for the ones under way at a kill, which may have run twice.
    let log = std::fs::read_to_string(case.dir.path().join("log.txt")).unwrap();
    let mut runs: BTreeMap<&str, usize> = BTreeMap::new();
    for line in log.lines() {
        *runs.entry(line).or_default() += 1;
    }
    assert_eq!(runs.len(), 2 * STEPS, "every action ran: {runs:?}");
    let repeated: Vec<(&&str, &usize)> = runs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.iter().all(|(_, n)| **n == 2) && repeated.len() <= kills,
        "only an action under way at a kill may run twice: {repeated:?}"
    );
    // And no action that the journal said was finished before a later kill ran again: an
    // action_done is never followed by its own command_start.
    let mut done = std::collections::HashSet::new();
    for e in &journal {
        let key =
            |action: &serde_json::Value| format!("{}#{}", e["step"].as_str().unwrap_or(""), action);
        match e["event"].as_str().unwrap_or("") {
            "action_done" => {
                done.insert(key(&e["action"]));
            }
            "command_start" => {
                let code = e["code"].as_str().unwrap();
                let action = if code.contains("a'") { 0 } else { 1 };
                assert!(
                    !done.contains(&key(&serde_json::json!(action))),
                    "a finished action ran again: {e}"
                );
            }
            _ => {}
        }
    }
}
