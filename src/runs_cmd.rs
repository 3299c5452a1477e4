//! `tejun runs` (list the runs) and `tejun show RUN` (render one run's journal).

use std::path::Path;

use tejun_runtime::history::History;
use tejun_runtime::journal::Journal;

use crate::cli::{RunsArgs, ShowArgs};
use crate::exit;

/// One line per run, oldest first by start time: id, runbook, when it started, how it stands
/// and where it stopped.
pub(crate) fn list(args: &RunsArgs) -> u8 {
    let root = args.state_dir.join("runs");
    let Ok(entries) = std::fs::read_dir(&root) else {
        println!("no runs in {}", root.display());
        return exit::OK;
    };
    let mut runs: Vec<(String, String, History)> = entries
        .flatten()
        .map(|e| {
            let id = e.file_name().to_string_lossy().into_owned();
            let journal = Journal::read(&e.path()).unwrap_or_default();
            let runbook = journal
                .iter()
                .find(|e| e["event"] == "run_start")
                .and_then(|s| s["runbook"].as_str())
                .unwrap_or("?")
                .to_owned();
            (id, runbook, History::read(&journal))
        })
        .collect();
    // RFC 3339 times in UTC sort as text; a run with no start recorded goes first.
    runs.sort_by(|a, b| (&a.2.started, &a.0).cmp(&(&b.2.started, &b.0)));
    for (id, runbook, history) in runs {
        let started = history.started.as_deref().unwrap_or("?");
        let step = history
            .step
            .as_ref()
            .map_or(String::new(), |s| format!(" at `{s}`"));
        println!(
            "{id}  {runbook}  started {started}  {}{step}",
            history.describe()
        );
    }
    exit::OK
}

/// The journal of one run, for people.
pub(crate) fn show(args: &ShowArgs) -> u8 {
    let dir = args.state_dir.join("runs").join(&args.run);
    let journal = match Journal::read(&dir) {
        Ok(j) => j,
        Err(e) => {
            eprintln!(
                "error: cannot read run `{}` in {}: {e}",
                args.run,
                dir.display()
            );
            return exit::USAGE;
        }
    };
    for e in &journal {
        println!("{}", describe(e));
    }
    let history = History::read(&journal);
    println!(
        "\nstatus: {}{}",
        history.describe(),
        history.step.map_or(String::new(), |s| format!(" at `{s}`"))
    );
    for line in rollouts(&journal) {
        println!("{line}");
    }
    println!(
        "transcript: {}",
        Path::new(&dir).join("transcript.log").display()
    );
    exit::OK
}

/// Each loop the run reached, with where each of its items stands: `done`, `failed`, or
/// `pending` (not started, or started and not finished), the last word on an item winning (a
/// resume that finishes a failed item makes it done).
fn rollouts(journal: &[serde_json::Value]) -> Vec<String> {
    let mut loops: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut status: std::collections::HashMap<(String, String), String> = Default::default();
    let mut targets: std::collections::HashMap<(String, String), String> = Default::default();
    for e in journal {
        let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
        match e["event"].as_str().unwrap_or("") {
            "loop_start" => {
                let items: Vec<String> = e["items"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| i.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let key = (s("var"), s("over"));
                match loops
                    .iter_mut()
                    .find(|(v, o, _)| (v, o) == (&key.0, &key.1))
                {
                    Some(l) => l.2 = items,
                    None => loops.push((key.0, key.1, items)),
                }
            }
            "item_end" => {
                status.insert((s("var"), s("item")), s("status"));
                if let Some(t) = e["target"].as_str() {
                    targets.insert((s("var"), s("item")), t.to_owned());
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (var, over, items) in loops {
        if items.is_empty() {
            continue;
        }
        out.push(format!("items of `foreach {var} in {over}`:"));
        let width = items.iter().map(|i| i.chars().count()).max().unwrap_or(0);
        for item in items {
            let key = (var.clone(), item.clone());
            let state = status.get(&key).map_or("pending", String::as_str);
            let on = targets
                .get(&key)
                .filter(|t| **t != item)
                .map_or(String::new(), |t| format!(" (on {t})"));
            out.push(format!("  {item:width$}  {state}{on}"));
        }
    }
    out
}

fn describe(e: &serde_json::Value) -> String {
    let at = e["at"].as_str().unwrap_or("");
    let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
    let text = match e["event"].as_str().unwrap_or("") {
        "run_start" => format!(
            "run of `{}` ({} steps) from {}",
            s("runbook"),
            e["steps"],
            s("runbook_path")
        ),
        "resume" => format!(
            "resumed from `{}`{}",
            s("from_step"),
            if e["forced"] == true { " (forced)" } else { "" }
        ),
        "lock_taken_over" => format!(
            "took over the lock left by run `{}` (pid {}), which ended without releasing it",
            s("previous_run_id"),
            e["previous_pid"]
        ),
        "shell_start" => format!("PowerShell {} started ({})", s("version"), s("reason")),
        "step_start" => format!(
            "step {}/{} `{}`{}: {}",
            e["index"],
            e["total"],
            s("step"),
            e["target"]
                .as_str()
                .map_or(String::new(), |t| format!(" on {t}")),
            s("title")
        ),
        "session_open" if e["ok"] == true => format!(
            "  session to {} opened over {} ({})",
            s("target"),
            s("transport"),
            s("reason")
        ),
        "session_open" => format!(
            "  session to {} over {} failed: {}",
            s("target"),
            s("transport"),
            s("error")
        ),
        "session_broken" => format!(
            "  session to {} found {}: reopened",
            s("target"),
            s("session_state")
        ),
        "item_end" => format!("  {} = {}: {}", s("var"), s("item"), s("status")),
        "rollout_halted" => format!("  rollout halted after `{}`: {}", s("after"), s("reason")),
        "check" => format!(
            "  {} {} → {}",
            s("kind"),
            s("code"),
            if e["held"] == true {
                "holds"
            } else {
                "does not hold"
            }
        ),
        "manual" => format!(
            "  manual: {} → {} by {}",
            s("instruction"),
            s("decision"),
            s("by")
        ),
        "command" => {
            let verdict = if e["succeeded"] == true {
                "ok"
            } else {
                "failed"
            };
            let code = s("code");
            let (keyword, code) = match tejun_runtime::execute::wait_command(&code) {
                Some(command) => ("wait", command.to_owned()),
                None => ("run", code.clone()),
            };
            let mut line = format!("  {keyword} {code} → {verdict} ({})", s("state"));
            if let Some(f) = e["failure"].as_str() {
                line.push_str(&format!(": {}", f.lines().next().unwrap_or("")));
            }
            line
        }
        "action_done" => format!(
            "  action {} of `{}` finished",
            e["action"].as_u64().map_or(0, |a| a + 1),
            s("step")
        ),
        "wait_attempt" => {
            let mut line = format!(
                "  wait attempt {} of {}: {}",
                e["attempt"],
                e["of"],
                s("outcome")
            );
            if let Some(name) = e["give_up"].as_str() {
                line.push_str(&format!(" ({name})"));
            }
            line
        }
        "branch_decided" => match e["arm"].as_u64() {
            Some(arm) => format!(
                "  if at line {}: arm {} taken{}",
                e["line"],
                arm + 1,
                e["condition"]
                    .as_str()
                    .map_or(" (else)".to_owned(), |c| format!(": {c}"))
            ),
            None => format!("  if at line {}: no arm taken", e["line"]),
        },
        "shell_lost" => format!("  PowerShell session lost: {}", s("reason")),
        "window_warning" => format!(
            "  window `{}` past its limit: {}",
            s("window"),
            s("message")
        ),
        "window_end" => format!(
            "  window `{}` closed after {}s",
            s("window"),
            e["elapsed_ms"].as_u64().unwrap_or(0) / 1000
        ),
        "step_end" => {
            let error = e["error"]
                .as_str()
                .map_or(String::new(), |x| format!(": {x}"));
            format!("  {}{error}", s("status"))
        }
        "run_end" => format!("run {}", s("status")),
        other => other.to_owned(),
    };
    format!("{at}  {text}")
}
