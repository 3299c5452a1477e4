//! What an operator sees while a run goes: each action printed when it starts with its output
//! under it, windows announced and warned about in real time, confirmations that name a person,
//! a summary that names the run's record, and a clean interruption. Real pwsh; a missing pwsh
//! fails these tests.

mod common;

use std::process::Output;

use common::Case;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The position of `needle` in `text`, failing with the whole text when it is missing.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found in:\n{text}"))
}

/// The rest of the line that starts with `prefix`.
fn line_after<'t>(text: &'t str, prefix: &str) -> &'t str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{text}"))
}

fn time(entry: &serde_json::Value) -> jiff::Timestamp {
    entry["at"].as_str().unwrap().parse().unwrap()
}

#[test]
fn a_window_is_announced_and_warned_about_while_the_command_still_runs() {
    let case = Case::new(
        r#"runbook win {
  window outage from stop to start limit 2s warn "users notice the outage"
  window change from stop to start limit 30m
  step stop "Stop" {
    run { Start-Sleep -Seconds 5; 'slept' }
  }
  step start "Start" {
    run { 'started' }
  }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let journal = case.journal();
    let find = |event: &str, window: &str| {
        journal
            .iter()
            .find(|e| e["event"] == event && (window.is_empty() || e["window"] == window))
            .unwrap_or_else(|| panic!("no {event} {window} in {journal:#?}"))
    };
    let opened = find("window_start", "outage");
    assert_eq!(opened["limit"], "2s");
    assert_eq!(opened["message"], "users notice the outage");
    assert_eq!(find("window_start", "change")["limit"], "30m");
    let warned = find("window_warning", "outage");
    let command = find("command", "");
    let after = time(warned).duration_since(time(opened)).as_secs_f64();
    assert!(
        (1.9..3.0).contains(&after),
        "the warning came {after}s after the window opened, not at its 2s limit"
    );
    assert!(
        time(warned) < time(command),
        "the warning came while the command was still running"
    );
    assert!(
        !journal
            .iter()
            .any(|e| e["event"] == "window_warning" && e["window"] == "change"),
        "a window within its limit is not warned about"
    );

    let text = stdout(&out);
    assert!(
        text.contains("window outage opens: limit 2s, until "),
        "{text}"
    );
    assert!(text.contains("; then: users notice the outage"), "{text}");
    assert!(text.contains("window change opens: limit 30m"), "{text}");
    // The warning is printed between the command's start and its result.
    let start = at(&text, "run      Start-Sleep -Seconds 5; 'slept'");
    let warning = at(
        &text,
        "! window outage: its 2s limit has passed: users notice the outage",
    );
    let result = at(&text, "| slept");
    assert!(start < warning && warning < result, "{text}");
    // One consistent account of the window, in the runbook's units: the same figures when it
    // closes and in the summary (the command takes 5s and a little more under load).
    let closed = line_after(&text, "  window outage closed after ");
    let (open, over) = closed
        .strip_suffix(" over its 2s limit")
        .and_then(|l| l.split_once(": "))
        .unwrap_or_else(|| panic!("{closed}"));
    let seconds = |d: &str| d.strip_suffix('s').and_then(|n| n.parse::<u64>().ok());
    let (open_s, over_s) = (seconds(open).unwrap(), seconds(over).unwrap());
    assert!((5..9).contains(&open_s) && open_s == over_s + 2, "{closed}");
    assert_eq!(
        text.matches(&format!(
            "warning: window `outage` was open {open}, {over} over its 2s limit\n"
        ))
        .count(),
        1,
        "{text}"
    );
    assert!(text.contains("window change closed after "), "{text}");
    assert!(text.contains(", within its 30m limit"), "{text}");
    assert!(
        !text.contains("1800s") && !text.contains("open for"),
        "{text}"
    );
}

#[test]
fn each_action_is_shown_when_it_starts_with_its_output_under_it() {
    let case = Case::new(
        r#"runbook order {
  step one "One" {
    skip if { $false }
    run { 'from the first command' }
    run {
      'from the second command'
      'its second line'
    }
    manual "Look at the output"
  }
}
"#,
    );
    let out = case
        .command(&["run", "case.runbook", "--yes"])
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let positions = [
        at(&text, "skip_if  $false  → does not hold"),
        at(&text, "run      'from the first command'"),
        at(&text, "| from the first command"),
        at(&text, "→ ok"),
        at(
            &text,
            "run      'from the second command'\n           'its second line'\n",
        ),
        at(&text, "| from the second command"),
        at(&text, "| its second line"),
        at(&text, "manual   Look at the output  → confirmed by "),
    ];
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order {positions:?}:\n{text}"
    );
    // The person who confirmed is named even when the environment names nobody.
    let journal = case.journal();
    let manual = journal.iter().find(|e| e["event"] == "manual").unwrap();
    let by = manual["by"].as_str().unwrap();
    assert!(!by.starts_with("unknown"), "confirmed by {by}");
    #[cfg(unix)]
    {
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        let me = String::from_utf8_lossy(&id.stdout).trim().to_owned();
        assert_eq!(by, format!("{me} (--yes)"));
    }
    // The summary names the whole record.
    assert!(text.contains("\njournal: state/runs/"), "{text}");
    assert!(text.contains("/journal.jsonl\n"), "{text}");
    assert!(text.contains("\ntranscript: state/runs/"), "{text}");
    assert!(text.contains("/transcript.log\n"), "{text}");
}

#[test]
fn a_long_block_is_shown_shortened_with_its_length() {
    let body: String = (1..=20).map(|i| format!("    ${{v{i}}} = {i}\n")).collect();
    let case = Case::new(&format!(
        "runbook long {{\n  step one \"One\" {{\n    run {{\n{body}    }}\n  }}\n}}\n"
    ));
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("run      ${v1} = 1\n"), "{text}");
    assert!(text.contains("${v10} = 10\n"), "{text}");
    assert!(!text.contains("${v11} = 11"), "{text}");
    assert!(text.contains("… 10 more lines (20 in all"), "{text}");
}

/// Ctrl-C while the very first command starts (PowerShell may still be loading what it needs)
/// reads exactly like an interruption later on.
#[cfg(unix)]
#[test]
fn ctrl_c_in_the_first_command_is_a_clean_interruption() {
    // Unix only: it sends SIGINT. Windows delivers Ctrl-C to a console process group, which the
    // test harness cannot target without a console of its own.
    use std::io::{BufRead, BufReader};
    let case = Case::new(
        "runbook first {\n  step one \"One\" {\n    run { Get-Date; Start-Sleep -Seconds 60 }\n  }\n}\n",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tejun"))
        .args([
            "--color=never",
            "run",
            "case.runbook",
            "--state-dir",
            "state",
        ])
        .current_dir(case.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "ended early:\n{seen}"
        );
        seen.push_str(&line);
        if line.starts_with("  run      Get-Date") {
            break;
        }
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{seen}\n{stderr}");
    assert!(seen.contains("→ interrupted"), "{seen}");
    assert!(
        seen.contains("interrupted at step `one`; go on with: tejun resume"),
        "{seen}"
    );
    for internal in ["Out-String", "could not be loaded", "PipelineStopped"] {
        assert!(
            !seen.contains(internal) && !stderr.contains(internal),
            "{seen}\n{stderr}"
        );
    }
}

#[test]
fn streams_keep_the_order_they_were_written_in() {
    let case = Case::new(
        r#"runbook order {
  step one "One" {
    run {
      Write-Verbose 'first' -Verbose
      'second'
      Write-Warning 'third'
      Write-Host 'fourth'
      Write-Error 'fifth'
      'sixth'
      Write-Debug 'seventh' -Debug
      [pscustomobject]@{ Name = 'eighth'; Size = 8 }
      "ninth`r`ntenth"
    }
  }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let positions = [
        at(&text, "verbose: first"),
        at(&text, "| second"),
        at(&text, "warning: third"),
        at(&text, "i fourth"),
        at(&text, "! fifth"),
        at(&text, "| sixth"),
        at(&text, "debug: seventh"),
        at(&text, "| eighth    8"),
        at(&text, "| ninth\n"),
        at(&text, "| tenth\n"),
        at(&text, "→ failed"),
    ];
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order {positions:?}:\n{text}"
    );
    // The same order in the transcript.
    let transcript = case.transcript();
    let streams: Vec<&str> = transcript
        .lines()
        .filter(|l| !l.trim_end().ends_with(':'))
        .filter_map(|l| l.split_once("] ")?.1.split_once(':').map(|(s, _)| s))
        .collect();
    assert_eq!(
        &streams[..7],
        [
            "verbose",
            "output",
            "warning",
            "information",
            "error",
            "output",
            "debug"
        ],
        "{transcript}"
    );
}
