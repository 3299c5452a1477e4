//! Rule TJ001 (powershell-syntax) end to end: `tejun lint` with a real pwsh parsing every block.
//! A missing pwsh fails these tests; it is never skipped.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use predicates::prelude::*;

const LYNC: &str = "runbooks/lync2013-backend-upgrade.runbook";
const FIXTURE: &str = "fixtures/lint/TJ001/cases.runbook";

/// The pwsh the tests use; panics with how to install it when there is none.
fn pwsh() -> PathBuf {
    tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!(
            "{e}: rule TJ001's tests need a real PowerShell 7. Install it with \
             `dotnet tool install --global PowerShell --version 7.6.9` and put ~/.dotnet/tools on PATH"
        )
    })
}

fn tejun() -> Command {
    let mut cmd = Command::cargo_bin("tejun").expect("the tejun binary is built");
    cmd.env_remove("NO_COLOR")
        .arg("--color=never")
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

/// `tejun lint --format json` over `paths` with the real pwsh (and `extra` arguments).
fn lint(paths: &[&Path], extra: &[&str]) -> Output {
    let mut cmd = tejun();
    cmd.args(["lint", "--format", "json", "--shell"])
        .arg(pwsh())
        .args(extra)
        .args(paths);
    cmd.output().unwrap()
}

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("--format json prints JSON")
}

/// `(line, column, label)` of every TJ001 finding of file `index`.
fn tj001(report: &serde_json::Value, index: usize) -> Vec<(u64, u64, String)> {
    report["files"][index]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "TJ001")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["label"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The 1-based column (in characters) just after the first `needle` in `line`.
fn column_after(line: &str, needle: &str) -> u64 {
    let end = line.find(needle).expect("the needle is in the line") + needle.len();
    line[..end].chars().count() as u64 + 1
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_fixture_is_flagged_on_exactly_its_marked_lines() {
    pwsh();
    let out = lint(&[Path::new(FIXTURE)], &[]);
    assert_code(&out, 1);
    let mut flagged: Vec<u64> = tj001(&report(&out), 0)
        .into_iter()
        .map(|(line, _, _)| line)
        .collect();
    flagged.dedup();
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let marked: Vec<u64> = (1..)
        .zip(text.lines())
        .filter(|(_, l)| l.contains("# <- TJ001"))
        .map(|(n, _)| n)
        .collect();
    assert!(!marked.is_empty());
    assert_eq!(flagged, marked);
}

#[test]
fn each_parse_error_is_reported_at_the_runbooks_own_line_and_column() {
    pwsh();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "broken.runbook",
        concat!(
            "runbook broken {\n",
            "  step s \"S\" {\n",
            "    skip if { (1 + ) }\n",
            "    run { function { } }\n",
            "    run {\n",
            "      $services = Get-Service\n",
            "      foreach ($s in) { $s.Name }\n",
            "    }\n",
            "    run {\n",
            "      $x = @'\n",
            "      text\n",
            "        '@\n",
            "    }\n",
            "    ensure { 1 -eq }\n",
            "  }\n",
            "}\n",
        ),
    );
    let out = lint(&[&file], &[]);
    assert_code(&out, 1);
    let report = report(&out);
    assert_eq!(
        tj001(&report, 0),
        [
            (3, 19, "ExpectedValueExpression".to_owned()),
            (4, 19, "MissingNameAfterKeyword".to_owned()),
            // A block over several lines: its indentation is removed before parsing, and put
            // back for the column.
            (7, 21, "MissingForeachExpression".to_owned()),
            (7, 21, "UnexpectedToken".to_owned()),
            (12, 9, "WhitespaceBeforeHereStringFooter".to_owned()),
            (14, 19, "ExpectedValueExpression".to_owned()),
        ]
    );
    let first = &report["files"][0]["findings"][0];
    assert_eq!(
        first["message"],
        "PowerShell cannot parse this: You must provide a value expression following the '+' operator."
    );
    assert_eq!(first["rule"], "powershell-syntax");
    assert_eq!(first["level"], "error");
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .contains("the block is sent to PowerShell exactly as written")
    );
    // PowerShell's own hint goes to the help.
    let foreach = &report["files"][0]["findings"][2];
    assert!(
        foreach["help"]
            .as_str()
            .unwrap()
            .starts_with("The correct form is: foreach ($a in $b) {...}")
    );
    assert_eq!(report["summary"]["powershell_syntax_checked"], true);
}

#[test]
fn columns_count_characters_after_japanese_text_and_emoji() {
    pwsh();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "ja.runbook",
        concat!(
            "runbook ja {\n",
            "  step s \"手順\" {\n",
            "    run { Write-Output 'バックエンド サーバー 😀'; $x = }\n",
            "    run {\n",
            "      Write-Output \"日本語\"\n",
            "      Write-Output '停止 🛑' | ForEach-Object { $_ -replace 'a', }\n",
            "    }\n",
            "  }\n",
            "}\n",
        ),
    );
    let out = lint(&[&file], &[]);
    assert_code(&out, 1);
    let report = report(&out);
    let findings = tj001(&report, 0);
    // PowerShell counts 😀 and 🛑 as two UTF-16 code units and each kana as one; the runbook's
    // columns count characters.
    let line3 = "    run { Write-Output 'バックエンド サーバー 😀'; $x = }";
    assert_eq!(
        findings[0],
        (
            3,
            column_after(line3, "$x ="),
            "ExpectedValueExpression".to_owned()
        )
    );
    let line6 = "      Write-Output '停止 🛑' | ForEach-Object { $_ -replace 'a', }";
    assert_eq!(findings[1].0, 6);
    assert_eq!(findings[1].1, column_after(line6, "'a',"), "{findings:?}");
}

#[test]
fn a_block_with_a_document_placeholder_is_not_flagged() {
    pwsh();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "placeholder.runbook",
        concat!(
            "runbook placeholder {\n",
            "  param SqlServerFqdn: string\n",
            "    placeholder \"<SQL Server FQDN>\"\n",
            "  step s \"S\" {\n",
            "    run { Install-CsDatabase -SqlServerFqdn <SQL Server FQDN> -ExcludeCollocatedStores }\n",
            "    ensure { Test-Connection <SQL Server FQDN> -Count 1 -Quiet }\n",
            "    run { Write-Output \"connecting to <SQL Server FQDN>\"; $x = }\n",
            "  }\n",
            "}\n",
        ),
    );
    let out = lint(&[&file], &[]);
    let report = report(&out);
    // Only the real error is flagged, at its column although a placeholder comes before it.
    let line7 = "    run { Write-Output \"connecting to <SQL Server FQDN>\"; $x = }";
    assert_eq!(
        tj001(&report, 0),
        [(
            7,
            column_after(line7, "$x ="),
            "ExpectedValueExpression".to_owned()
        )]
    );
}

#[test]
fn two_files_are_parsed_by_one_powershell() {
    let pwsh = pwsh();
    let dir = tempfile::tempdir().unwrap();
    // A stand-in for pwsh that records each start, to count them.
    let starts = dir.path().join("starts.log");
    let wrapper = write(
        dir.path(),
        "pwsh-counting",
        &format!(
            "#!/bin/sh\necho started >> '{}'\nexec '{}' \"$@\"\n",
            starts.display(),
            pwsh.display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let one = write(
        dir.path(),
        "one.runbook",
        "runbook one {\n  step s \"S\" {\n    run { $x = }\n  }\n}\n",
    );
    let two = write(
        dir.path(),
        "two.runbook",
        "runbook two {\n  step s \"S\" {\n    run { Write-Output ok }\n    ensure { 1 -eq }\n  }\n}\n",
    );
    let mut cmd = tejun();
    cmd.args(["lint", "--format", "json", "--shell"])
        .arg(&wrapper)
        .arg(&one)
        .arg(&two);
    let out = cmd.output().unwrap();
    assert_code(&out, 1);
    let report = report(&out);
    assert_eq!(
        tj001(&report, 0),
        [(3, 15, "ExpectedValueExpression".to_owned())]
    );
    assert_eq!(
        tj001(&report, 1),
        [(4, 19, "ExpectedValueExpression".to_owned())]
    );
    assert_eq!(std::fs::read_to_string(&starts).unwrap(), "started\n");
}

#[test]
fn a_file_that_does_not_check_is_left_to_check_and_the_others_are_parsed() {
    pwsh();
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.runbook",
        "runbook bad {\n  step s \"S\" {\n    when Nope == \"A\" { run { $x = } }\n  }\n}\n",
    );
    let good = write(
        dir.path(),
        "good.runbook",
        "runbook good {\n  step s \"S\" {\n    run { $y = }\n  }\n}\n",
    );
    let out = lint(&[&bad, &good], &[]);
    assert_code(&out, 1);
    let report = report(&out);
    assert!(tj001(&report, 0).is_empty());
    assert_eq!(report["files"][0]["findings"][0]["code"], "TJ000");
    assert_eq!(tj001(&report, 1).len(), 1);
}

#[test]
fn no_pwsh_skips_the_rule_and_says_so() {
    let mut cmd = tejun();
    cmd.args(["lint", "--no-pwsh", FIXTURE])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "rule TJ001 (powershell-syntax) did not run: --no-pwsh was given",
        ))
        .stdout(predicate::str::contains("TJ001").not());
}

#[test]
fn a_missing_powershell_is_a_tool_failure_that_says_how_to_install_it() {
    let mut cmd = tejun();
    cmd.args(["lint", "--shell", "/nonexistent/pwsh", FIXTURE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot find PowerShell `/nonexistent/pwsh`",
        ))
        .stderr(predicate::str::contains(
            "dotnet tool install --global PowerShell --version 7.6.9",
        ))
        .stderr(predicate::str::contains("--no-pwsh"));
}

#[test]
fn the_lync_runbook_parses() {
    pwsh();
    let out = lint(&[Path::new(LYNC)], &[]);
    let report = report(&out);
    assert_eq!(report["summary"]["powershell_syntax_checked"], true);
    assert!(tj001(&report, 0).is_empty(), "{report:#}");
}

#[test]
fn types_and_modules_only_the_target_server_has_are_not_syntax_errors() {
    pwsh();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "types.runbook",
        concat!(
            "runbook types {\n",
            "  step s \"S\" {\n",
            "    run { class Pool : Microsoft.Rtc.Management.NoSuchType { } }\n",
            "    run {\n",
            "      using module NoSuchLyncModule\n",
            "      Get-CsPool\n",
            "    }\n",
            "  }\n",
            "}\n",
        ),
    );
    let out = lint(&[&file], &[]);
    assert!(tj001(&report(&out), 0).is_empty());
}

#[test]
fn a_loops_expression_is_parsed_like_every_block() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("loop.runbook");
    std::fs::write(
        &file,
        "runbook loop {\n  foreach domain in run { Get-Content domains.txt | } {\n    step s \"S\" {\n      run { Write-Output $domain }\n      ensure { $true }\n    }\n  }\n}\n",
    )
    .unwrap();
    let out = lint(&[&file], &[]);
    assert_code(&out, 1);
    let found = tj001(&report(&out), 0);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 2, "{found:?}");
}

#[test]
fn a_waits_blocks_and_an_ifs_conditions_are_parsed_like_every_block() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wait.runbook");
    std::fs::write(
        &file,
        "runbook wait {\n  step s \"S\" {\n    wait { Get-Date | } until { $Result -eq }\n      give up \"Never\" { $Result -and }\n    if { Test-Path | } { run { Write-Output x } }\n    ensure { $true }\n  }\n}\n",
    )
    .unwrap();
    let out = lint(&[&file], &[]);
    assert_code(&out, 1);
    let found = tj001(&report(&out), 0);
    let lines: Vec<u64> = found.iter().map(|f| f.0).collect();
    assert_eq!(lines, [3, 3, 4, 5], "{found:?}");
}
