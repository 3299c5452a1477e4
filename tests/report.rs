//! `tejun report`: real runs with a real pwsh (succeeded, failed with a cleanup, paused and
//! confirmed, killed and resumed, large output), each turned into a page whose content is
//! checked; the page loaded in a headless Chromium (no console error, no request, a screenshot);
//! unknown runs and damaged journals. A missing pwsh or Chromium fails these tests, with how to
//! install them.

mod common;

#[cfg(unix)]
#[path = "report/chromium.rs"]
mod chromium;

use std::path::PathBuf;

use common::{Case, text};

const SECRET: &str = "Pa55-w0rd-Kx81";

/// A runbook with a header, parameters (one secret), a window, a manual step and a cleanup.
/// `Fail` makes its second step throw.
const RICH: &str = r#"runbook web-restart {
  title "Restart the <web> front end & check it"
  source "JJ721942(v=OCS.15)" url "https://technet.microsoft.com/ja-jp/library/JJ721942(v=OCS.15)" updated 2012-11-01
  param Site: string = "Default Web Site"
  param Fail: bool = false
  param Token: secret

  window web-down from stop to start limit 30m
    warn "The web service has been down for 30 minutes"

  step stop "Stop the site" doc 5 {
    run { Write-Output "stopping $Site with $Token"; Write-Warning 'careful <b>now</b>' }
    manual "Tell the users that web access stops"
  }
  step start "Start the site" doc 6 {
    run { if ($Fail) { throw 'the site did not start' }; Write-Output 'started' }
    ensure { $true }
  }
  finally {
    run { Write-Output 'cleanup: bringing the site back' }
  }
}
"#;

impl Case {
    /// `tejun report RUN` into the run's folder: the page.
    fn report(&self, id: &str) -> String {
        let out = self.tejun(&["report", id]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let path = self.run_dir_of(id).join("report.html");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("wrote the report of run") && stdout.contains("report.html"),
            "{stdout}"
        );
        std::fs::read_to_string(path).expect("the report is written in the run's folder")
    }

    fn run_dir_of(&self, id: &str) -> PathBuf {
        self.dir.path().join("state/runs").join(id)
    }

    /// `tejun run case.runbook ARGS` with the secret in the environment.
    fn run_with_secret(&self, args: &[&str]) -> std::process::Output {
        let mut full = vec!["run", "case.runbook"];
        full.extend_from_slice(args);
        self.command(&full)
            .env("TEJUN_SECRET_Token", SECRET)
            .output()
            .unwrap()
    }
}

/// What every page must be: one document, nothing to load, no script, no secret.
fn self_contained(html: &str) {
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        html.chars().take(200).collect::<String>()
    );
    assert!(
        html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        ),
        "the CSP meta tag"
    );
    for forbidden in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", "src=\"",
    ] {
        assert!(!html.contains(forbidden), "the page holds `{forbidden}`");
    }
    assert!(!html.contains(SECRET), "the secret is in the page");
}

#[test]
fn a_succeeded_run_shows_title_source_parameters_confirmer_window_and_output() {
    let case = Case::new(RICH);
    let out = case.run_with_secret(&["--yes", "--by", "Aiko <ops>"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let html = case.report(&case.run_id());
    self_contained(&html);
    // The title from the runbook file, escaped.
    assert!(
        html.contains("<h1 id=\"title\">Restart the &lt;web&gt; front end &amp; check it</h1>"),
        "the title"
    );
    assert!(html.contains("JJ721942(v=OCS.15)"));
    assert!(html.contains("(updated 2012-11-01)"));
    assert!(html.contains("<p id=\"status\" class=\"badge succeeded\">succeeded</p>"));
    // Parameters: values, and the secret masked.
    assert!(html.contains("<code>Site</code></td><td><code>Default Web Site</code>"));
    assert!(html.contains("<code>Token</code></td><td><span class=\"secret\">*** (secret)</span>"));
    // Who confirmed the manual step, escaped.
    assert!(html.contains("<td class=\"by\">Aiko &lt;ops&gt; (--yes)</td>"));
    assert!(html.contains("Tell the users that web access stops"));
    // The window, drawn against its limit.
    assert!(html.contains("<div class=\"window within\" data-window=\"web-down\">"));
    assert!(html.contains("<div class=\"limit\" style=\"left:100.00%\""));
    // Steps, commands and their output, escaped; the secret masked in it.
    assert!(html.contains("data-step=\"stop\""));
    assert!(html.contains("stopping Default Web Site with ***"));
    assert!(html.contains("WARNING: careful &lt;b&gt;now&lt;/b&gt;"));
    assert!(html.contains("<details class=\"output\""));
    assert!(
        !html.contains("class=\"step finally"),
        "no cleanup after a success"
    );
    assert!(html.contains("run succeeded after"));
}

#[test]
fn a_failed_run_highlights_the_failure_and_the_cleanup() {
    let case = Case::new(RICH);
    let out = case.run_with_secret(&["--yes", "-p", "Fail=true"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let html = case.report(&case.run_id());
    self_contained(&html);
    assert!(html.contains("<p id=\"status\" class=\"badge failed\">failed at start</p>"));
    assert!(html.contains("<li class=\"step failed\" data-step=\"start\">"));
    assert!(html.contains("<div class=\"command failed\">"));
    assert!(html.contains("<pre class=\"failure\">the site did not start"));
    // The cleanup, in a block of its own after the failed step.
    let cleanup = html
        .find("<li class=\"step finally")
        .expect("a finally block");
    assert!(html[cleanup..].starts_with("<li class=\"step finally done\" data-step=\"finally\">"));
    assert!(html[cleanup..].contains("cleanup: bringing the site back"));
    assert!(cleanup > html.find("data-step=\"start\"").unwrap());
    assert!(html.contains("<li class=\"end failed\">"));
}

#[test]
fn a_paused_run_waits_for_a_person_and_the_confirmation_after_the_resume_is_shown() {
    let case = Case::new(RICH);
    let out = case.run_with_secret(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let id = case.run_id();
    let html = case.report(&id);
    self_contained(&html);
    assert!(html.contains("<p id=\"status\" class=\"badge paused\">paused at stop</p>"));
    assert!(html.contains("the run waits at <code>stop</code> for a person to confirm it"));
    assert!(html.contains("<div class=\"window open\" data-window=\"web-down\">"));

    let out = case
        .command(&["resume", &id, "--confirm", "stop", "--by", "Hanako Yamada"])
        .env("TEJUN_SECRET_Token", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let html = case.report(&id);
    self_contained(&html);
    assert!(html.contains("<td class=\"by\">Hanako Yamada</td>"));
    assert!(html.contains("<li class=\"divider resume\">"));
    assert!(html.contains("resumed from `stop`"));
    assert!(html.contains("2 (the run and 1 resume)"));
    assert!(html.contains("badge succeeded"));
}

/// Unix only: tejun is killed with SIGKILL (no destructor runs), as after a crash.
#[cfg(unix)]
#[test]
fn a_killed_run_is_interrupted_and_its_resume_takes_the_lock_over() {
    let case = Case::new(
        r#"runbook slow {
  title "Slow"
  step first "First" {
    run { Write-Output 'first done' }
  }
  step wait "Wait" {
    run { Write-Output 'waiting'; if (-not (Test-Path go.txt)) { Start-Sleep 120 } }
  }
}
"#,
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
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let journal = loop {
        let journal = std::fs::read_dir(case.dir.path().join("state/runs"))
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| std::fs::read_to_string(e.ok()?.path().join("journal.jsonl")).ok())
            .unwrap_or_default();
        if journal
            .lines()
            .any(|l| l.contains("\"command_start\"") && l.contains("\"step\":\"wait\""))
        {
            break journal;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the run never reached its second step"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // Let the command's first line reach the transcript, then kill tejun and its PowerShell.
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    let shell: serde_json::Value = journal
        .lines()
        .find(|l| l.contains("\"shell_start\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap();
    end_group_of(shell["pid"].as_u64().unwrap());

    let id = case.run_id();
    let html = case.report(&id);
    self_contained(&html);
    assert!(html.contains("<p id=\"status\" class=\"badge interrupted\">interrupted at wait</p>"));
    assert!(html.contains("<li class=\"divider lost\">"));
    assert!(html.contains("<div class=\"command unfinished\">"));
    assert!(html.contains("The session ended while this command ran"));

    std::fs::write(case.dir.path().join("go.txt"), "go").unwrap();
    let out = case.tejun(&["resume", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let html = case.report(&id);
    self_contained(&html);
    let lost = html.find("<li class=\"divider lost\">").unwrap();
    let resumed = html.find("<li class=\"divider resume\">").unwrap();
    let takeover = html.find("<li class=\"divider takeover\">").unwrap();
    assert!(lost < resumed && resumed < takeover, "in journal order");
    assert!(html.contains(&format!("of run `{id}`")));
    assert!(html.contains("badge succeeded"));

    // A last line cut short (as a kill during a write leaves it): left out, and said so.
    let journal_path = case.run_dir_of(&id).join("journal.jsonl");
    let mut bytes = std::fs::read(&journal_path).unwrap();
    bytes.extend_from_slice(b"{\"at\":\"2026-01-01T00:00:00Z\",\"event\":\"step_st");
    std::fs::write(&journal_path, bytes).unwrap();
    let out = case.tejun(&["report", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut short"));
    let html = std::fs::read_to_string(case.run_dir_of(&id).join("report.html")).unwrap();
    assert!(html.contains("is cut short, as after tejun was killed"));
    assert!(html.contains("badge succeeded"));
}

/// Kills the process group of `pid` (the PowerShell a killed tejun left running).
#[cfg(unix)]
fn end_group_of(pid: u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    if let Some(group) = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(2))
    {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
}

#[test]
fn output_over_a_megabyte_is_summarised_with_a_link_to_the_transcript() {
    let case = Case::new(
        r#"runbook loud {
  step many "Many lines" {
    run { 1..12000 | ForEach-Object { 'line {0:d5} {1}' -f $_, ('x' * 90) } }
  }
  step wide "Wide lines" {
    run { 1..300 | ForEach-Object { 'w' * 3000 } }
  }
}
"#,
    );
    let out = case.tejun(&["run", "case.runbook"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let transcript = std::fs::metadata(case.run_dir().join("transcript.log"))
        .unwrap()
        .len();
    assert!(transcript > 2_000_000, "{transcript} bytes printed");
    let html = case.report(&case.run_id());
    self_contained(&html);
    // The last lines of the long command are there, the first ones only in the transcript.
    assert!(html.contains("line 12000 "));
    assert!(!html.contains("line 00100 "));
    assert!(html.contains("step <code>many</code> printed 12,000 lines (1.2 MiB) in all"));
    assert!(html.contains("<a href=\"transcript.log\">transcript.log</a>"));
    // The wide lines' recorded tail (200 lines of 2 KiB) is over the 256 KiB bound: not inlined.
    assert!(html.contains("Output not shown here: 200 lines"));
    assert!(!html.contains(&"w".repeat(3000)));
    assert!(
        html.len() < 400_000,
        "the page stays small: {} bytes",
        html.len()
    );

    // Written elsewhere, the link still reaches the transcript.
    std::fs::create_dir_all(case.dir.path().join("out")).unwrap();
    let out = case.tejun(&["report", &case.run_id(), "-o", "out/r.html"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let html = std::fs::read_to_string(case.dir.path().join("out/r.html")).unwrap();
    let href = format!("../state/runs/{}/transcript.log", case.run_id());
    assert!(html.contains(&format!("<a href=\"{href}\">")), "{href}");
}

#[test]
fn an_unknown_run_or_an_unreadable_journal_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let tejun = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("tejun")
            .unwrap()
            .arg("--color=never")
            .args(args)
            .args(["--state-dir", "state"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = tejun(&["report", "20260101T000000Z-abcdef"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no run `20260101T000000Z-abcdef`") && stderr.contains("tejun runs"),
        "{stderr}"
    );
    let out = tejun(&["report", "../state"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    std::fs::create_dir_all(dir.path().join("state/runs/r1")).unwrap();
    let out = tejun(&["report", "r1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read the journal")
            && stderr.contains(&format!("r1{}journal.jsonl", std::path::MAIN_SEPARATOR)),
        "{stderr}"
    );
}

#[test]
fn a_damaged_journal_still_gives_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("state/runs/r1");
    std::fs::create_dir_all(&run).unwrap();
    let mut journal = Vec::new();
    journal.extend_from_slice(b"{\"at\":\"2026-01-01T00:00:00Z\",\"event\":\"run_start\",\"run_id\":\"r1\",\"runbook\":\"x<y\",\"runbook_path\":\"/nonexistent/x.runbook\",\"params\":{\"A\":\"<script>alert(1)</script>\"},\"steps\":2}\n");
    journal.extend_from_slice(b"\xff\xfe not json\n");
    journal.extend_from_slice(b"{\"at\":\"2026-01-01T00:00:01Z\",\"event\":\"step_start\",\"step\":\"a\",\"title\":\"A\",\"index\":1,\"total\":2}\n");
    journal.extend_from_slice(b"{\"at\":\"2026-01-01T00:00:02Z\",\"event\":\"command\",\"step\":\"a\",\"code\":\"x\",\"tail\":[{\"stream\":7}],\"succeeded\":\"maybe\"}\n");
    journal.extend_from_slice(b"{\"event\":\"window_end\",\"window\":\"w\",\"elapsed_ms\":-5}\n");
    journal.extend_from_slice(b"{\"at\":\"2026-01-01T00:00:03Z\",\"event\":\"comma");
    std::fs::write(run.join("journal.jsonl"), journal).unwrap();
    let out = assert_cmd::Command::cargo_bin("tejun")
        .unwrap()
        .args(["report", "r1", "--state-dir", "state", "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script"));
    assert!(html.contains("Line 2 of the journal"));
    assert!(html.contains("is cut short"));
    assert!(html.contains("runbook file cannot be read now"));
    assert!(html.contains("badge interrupted"));
}

/// The page in a real browser: Debian's Chromium, headless, driven over the DevTools protocol
/// (`--remote-debugging-pipe`): it loads with no console message of level error, no request
/// beyond the page itself, the key elements are in its DOM, and a full-page screenshot is a PNG
/// of a real size.
#[cfg(unix)]
#[test]
fn the_page_loads_in_headless_chromium_with_no_error_and_no_request() {
    let browser = chromium::find();
    let case = Case::new(RICH);
    let out = case.run_with_secret(&["--yes", "-p", "Fail=true", "--by", "Aiko"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let id = case.run_id();
    case.report(&id);
    let page = case.run_dir_of(&id).join("report.html");
    let loaded = chromium::load(&browser, &page, case.dir.path());
    assert!(
        loaded.errors.is_empty(),
        "console errors: {:#?}",
        loaded.errors
    );
    assert_eq!(
        loaded.requests,
        [format!("file://{}", page.canonicalize().unwrap().display())],
        "the page itself is the only request"
    );
    let dom: serde_json::Value = serde_json::from_str(&loaded.dom).unwrap();
    assert_eq!(dom["title"], "Restart the <web> front end & check it");
    assert_eq!(dom["status"], "failed at start");
    assert_eq!(dom["steps"], 3, "two steps and the cleanup");
    assert_eq!(dom["finally"], 1);
    assert_eq!(dom["failedCommands"], 1);
    assert_eq!(dom["windows"], 1);
    assert!(dom["details"].as_u64().unwrap() >= 2, "{dom}");
    assert_eq!(dom["confirmer"], "Aiko (--yes)");
    assert_eq!(dom["scripts"], 0);
    assert!(dom["barWidth"].as_f64().unwrap() > 100.0, "{dom}");
    // The inline style applies under the page's CSP: a failed command has its red border.
    assert_eq!(dom["failedBorder"], "rgb(209, 60, 60)");
    let (width, height) = chromium::png_size(&loaded.screenshot);
    assert!(
        width >= 1000 && height >= 800,
        "screenshot {width}x{height}"
    );
    assert!(
        loaded.screenshot.len() > 20_000,
        "{} bytes",
        loaded.screenshot.len()
    );
    std::fs::write(case.dir.path().join("shot.png"), &loaded.screenshot).unwrap();
}
