//! Secret parameters never appear in clear: not on the console (human or `--output json`), not in
//! any file of the run's folder, not in `tejun show` or `tejun runs`, and not in the hosted
//! PowerShell's environment. Every byte tejun writes is searched for every secret. Real pwsh; a
//! missing pwsh fails these tests.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// One secret of each awkward kind: plain, multi-line, and a word that occurs inside other words.
const SIMPLE: &str = "S3cr3t-Zq9";
const LINES: &str = "first-line-Xy7\nsecond-line-Qw8";
const WORD: &str = "zebra";

const RUNBOOK: &str = r#"runbook leaks {
  title "Secrets on every path"
  param Simple: secret
  param Lines: secret
  param Word: secret
  param Path: choice("write-error", "require", "ensure", "retry", "throw")

  step store "Use the secrets on every stream" {
    run {
      $global:all = "$Simple | $Lines | $Word"
      # Words that contain the third secret, made at run time: the runbook itself must not
      # hold a secret, or `tejun plan` would rightly print it.
      Write-Output ("out $global:all and " + "ze" + "bras at a ze" + "bra-crossing")
      Write-Warning "warn $global:all"
      Write-Verbose "verbose $global:all" -Verbose
      Write-Information "info $global:all"
      Write-Host "host $global:all"
      bash -c 'printf "native out %s\n" "$1"; printf "native err %s\n" "$1" >&2' -- $global:all
    }
    ensure { -not ([Environment]::GetEnvironmentVariables().Keys -match 'TEJUN_SECRET') }
    ensure { -not (Test-Path "/proc/$PID/environ") -or -not ([IO.File]::ReadAllText("/proc/$PID/environ") -match 'TEJUN_SECRET') }
    ensure { (bash -c 'env | grep -ci tejun_secret') -eq '0' }
  }

  step maybe "A skip if that fails to evaluate" {
    skip if { throw "skip saw $global:all" }
    run { Write-Output 'after the skip if' }
  }

  match Path {
    "write-error" => {
      step fail-write "Write an error" { run { Write-Error "pw $global:all" } }
    }
    "require" => {
      step fail-require "A precondition that throws" {
        require { throw "require saw $global:all" }
        run { Write-Output 'never' }
      }
    }
    "ensure" => {
      step fail-ensure "A postcondition that throws" {
        run { Write-Output 'ran' }
        ensure { throw "ensure saw $global:all" }
      }
    }
    "retry" => {
      step fail-retry "A command that fails on every try" {
        run { throw "retry saw $global:all" } retries 1
      }
    }
    "throw" => {
      step fail-throw "A throw" { run { throw "throw saw $global:all" } }
    }
  }

  finally {
    run { throw "finally saw $global:all" }
  }
}
"#;

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        common::require_pwsh();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("leaks.runbook"), RUNBOOK).unwrap();
        Case { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn tejun(&self, args: &[&str]) -> Output {
        let mut cmd = Command::cargo_bin("tejun").unwrap();
        cmd.arg("--color=never")
            .args(args)
            .current_dir(self.dir.path())
            // The parameter's name in three spellings: environment names are case-insensitive
            // on Windows, and tejun matches them so everywhere.
            .env("TEJUN_SECRET_SIMPLE", SIMPLE)
            .env("tejun_secret_lines", LINES)
            .env("TEJUN_SECRET_Word", WORD)
            .env_remove("NO_COLOR");
        cmd.timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap()
    }

    fn run(&self, path: &str, extra: &[&str]) -> Output {
        let state = self.state();
        let mut args = vec![
            "run",
            "leaks.runbook",
            "--state-dir",
            state.to_str().unwrap(),
            "-p",
        ];
        let path = format!("Path={path}");
        args.push(&path);
        args.extend_from_slice(extra);
        self.tejun(&args)
    }

    /// The journal of the newest run.
    fn journal(&self) -> Vec<serde_json::Value> {
        let mut runs: Vec<PathBuf> = std::fs::read_dir(self.state().join("runs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        runs.sort_by_key(|p| {
            std::fs::metadata(p.join("journal.jsonl"))
                .unwrap()
                .modified()
                .unwrap()
        });
        let text = std::fs::read_to_string(runs.last().unwrap().join("journal.jsonl")).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Every form in which a secret could leak: the value, each line of a multi-line value, and the
/// value as JSON writes it.
fn needles() -> Vec<String> {
    let mut needles = vec![SIMPLE.to_owned(), LINES.to_owned(), WORD.to_owned()];
    needles.extend(LINES.lines().map(str::to_owned));
    needles.push(
        serde_json::to_string(LINES)
            .unwrap()
            .trim_matches('"')
            .to_owned(),
    );
    needles
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for needle in needles() {
        assert!(
            !text.contains(&needle),
            "{what} holds the secret {needle:?}:\n{text}"
        );
    }
}

fn assert_output_clean(what: &str, out: &Output) {
    assert_clean(&format!("{what}: stdout"), &out.stdout);
    assert_clean(&format!("{what}: stderr"), &out.stderr);
}

/// Every file under `dir`, read whole.
fn assert_folder_clean(dir: &Path) {
    let mut seen = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                assert_clean(&path.display().to_string(), &std::fs::read(&path).unwrap());
                seen += 1;
            }
        }
    }
    assert!(seen >= 2, "the run folder has a journal and a transcript");
}

fn errors_of<'a>(journal: &'a [serde_json::Value], event: &str, key: &str) -> Vec<&'a str> {
    journal
        .iter()
        .filter(|e| e["event"] == event)
        .filter_map(|e| e[key].as_str())
        .collect()
}

#[test]
fn no_secret_reaches_the_console_the_run_folder_show_or_runs() {
    let case = Case::new();
    let mut outputs = Vec::new();

    // `Write-Error` fails the step; the `finally` cleanup then throws too.
    let out = case.run("write-error", &["--verbose-output"]);
    // `--verbose-output` does not exist: a usage error, and it must not echo secrets either.
    assert_eq!(out.status.code(), Some(2));
    outputs.push(("a usage error", out));

    let out = case.run("write-error", &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    // The multi-line secret breaks the line; each of its lines is masked.
    assert!(stdout.contains("| out *** | ***\n"), "{stdout}");
    assert!(
        stdout.contains("| *** | *** and ***s at a ***-crossing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAILED: wrote an error: pw *** | *** | ***"),
        "{stdout}"
    );
    let journal = case.journal();
    assert!(
        errors_of(&journal, "step_end", "error").contains(&"wrote an error: pw *** | *** | ***")
    );
    assert!(
        errors_of(&journal, "run_end", "error").contains(&"wrote an error: pw *** | *** | ***")
    );
    assert!(
        errors_of(&journal, "check", "error")
            .iter()
            .any(|e| e.starts_with("skip saw *** | *** | ***")),
        "the skip if's error is recorded, masked"
    );
    assert!(
        journal.iter().any(|e| e["event"] == "command"
            && e["step"] == "finally"
            && e["failure"]
                .as_str()
                .is_some_and(|f| f.starts_with("finally saw *** | *** | ***"))),
        "the finally failure is recorded, masked"
    );
    assert_eq!(
        journal
            .iter()
            .filter(|e| e["event"] == "check" && e["kind"] == "ensure" && e["held"] == true)
            .count(),
        3,
        "no TEJUN_SECRET_ variable in PowerShell's environment or a child's"
    );
    let transcript = std::fs::read_dir(case.state().join("runs"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path().join("transcript.log")).unwrap())
        .collect::<String>();
    assert!(
        transcript.contains("error: native err *** | ***\n"),
        "{transcript}"
    );
    outputs.push(("run: write-error", out));

    for (path, marker) in [
        ("require", "require saw *** | *** | ***"),
        ("ensure", "ensure saw *** | *** | ***"),
    ] {
        let out = case.run(path, &[]);
        assert_eq!(out.status.code(), Some(1));
        let journal = case.journal();
        assert!(
            errors_of(&journal, "check", "error")
                .iter()
                .any(|e| e.starts_with(marker)),
            "{path}: {journal:#?}"
        );
        outputs.push((path, out));
    }

    let out = case.run("retry", &["--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let journal = case.journal();
    let tries: Vec<&str> = journal
        .iter()
        .filter(|e| e["event"] == "command" && e["step"] == "fail-retry")
        .filter_map(|e| e["failure"].as_str())
        .collect();
    assert_eq!(tries.len(), 2, "a first try and a retry");
    assert!(
        tries
            .iter()
            .all(|f| f.starts_with("retry saw *** | *** | ***"))
    );
    outputs.push(("run --output json: retry", out));

    let out = case.run("throw", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("throw saw *** | *** | ***"));
    outputs.push(("run: throw", out));

    let state = case.state();
    let state = state.to_str().unwrap();
    let out = case.tejun(&["runs", "--state-dir", state]);
    assert_eq!(out.status.code(), Some(0));
    outputs.push(("runs", out));
    for entry in std::fs::read_dir(case.state().join("runs"))
        .unwrap()
        .flatten()
    {
        let id = entry.file_name().to_string_lossy().into_owned();
        let out = case.tejun(&["show", &id, "--state-dir", state]);
        assert_eq!(out.status.code(), Some(0));
        outputs.push(("show", out));
    }
    let out = case.tejun(&[
        "plan",
        "leaks.runbook",
        "-p",
        "Path=retry",
        "-p",
        &format!("Simple={SIMPLE}"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.push(("plan", out));
    let out = case.tejun(&[
        "plan",
        "leaks.runbook",
        "--output",
        "json",
        "-p",
        "Path=retry",
    ]);
    outputs.push(("plan --output json", out));

    for (what, out) in &outputs {
        assert_output_clean(what, out);
    }
    assert_folder_clean(&case.state());
}

/// A prompt for a secret on a terminal: the value is typed without echo, used, and never shown.
#[cfg(unix)]
#[test]
fn a_missing_secret_is_asked_for_on_a_terminal_without_echo() {
    // Unix only: the test drives a pseudo-terminal (rexpect). On Windows the same prompt reads the
    // console with echo off (console's `read_secure_line`).
    let case = Case::new();
    let runbook = case.dir.path().join("ask.runbook");
    std::fs::write(
        &runbook,
        "runbook ask {\n  param Token: secret doc \"the API token\"\n  step use \"Use it\" {\n    run { Write-Output (\"length \" + $Token.Length) }\n  }\n}\n",
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("tejun");
    let mut cmd = std::process::Command::new(bin);
    cmd.args(["--color=never", "run"])
        .arg(&runbook)
        .arg("--state-dir")
        .arg(case.state())
        .env_remove("TEJUN_SECRET_Token");
    let mut session = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    session
        .exp_string("secret `Token` (the API token): ")
        .unwrap();
    session.send_line("typed-Secret-77").unwrap();
    let before = session.exp_string("succeeded").unwrap();
    assert!(before.contains("length 15"), "{before}");
    assert!(
        !before.contains("typed-Secret-77"),
        "the typed value is not echoed: {before}"
    );
    assert_folder_clean(&case.state());
    let journal = case.journal();
    assert_eq!(journal[0]["params"]["Token"], "***");
}

/// A line too long to hold whole arrives in parts; a secret that the split cuts in two is masked
/// all the same, and nothing else of the line is lost.
#[test]
fn a_secret_across_the_parts_of_a_long_line_is_masked() {
    let case = Case::new();
    std::fs::write(
        case.dir.path().join("long.runbook"),
        "runbook long {\n  param Simple: secret\n  step one \"One\" {\n    run { Write-Output (('x' * 65530) + $Simple + ('y' * 100)) }\n  }\n}\n",
    )
    .unwrap();
    let state = case.state();
    let out = case.tejun(&[
        "run",
        "long.runbook",
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_output_clean("run", &out);
    assert_folder_clean(&state);
    // The parts, rejoined from the transcript, are the line with the secret masked.
    let run = std::fs::read_dir(state.join("runs"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let transcript = std::fs::read_to_string(run.join("transcript.log")).unwrap();
    let joined: String = transcript
        .lines()
        .filter_map(|l| {
            l.strip_prefix("[one] output+: ")
                .or_else(|| l.strip_prefix("[one] output: "))
        })
        .collect();
    let expected = format!("{}***{}", "x".repeat(65530), "y".repeat(100));
    assert!(
        joined.contains(&expected),
        "{} characters rejoined",
        joined.len()
    );
    assert!(
        transcript.contains("[one] output+: "),
        "the line came in parts"
    );
}
