//! `tejun lint` as a user meets it: rules listed and explained, folders searched, tejun.toml
//! levels and overrides, inline allows and exit codes. The output formats are tested in
//! tests/lint_formats.rs and the PowerShell parser rule in tests/lint_pwsh.rs; these use
//! `--no-pwsh`.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn tejun(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tejun").expect("the tejun binary is built");
    cmd.env_remove("NO_COLOR")
        .current_dir(dir)
        .args(["--color=never", "lint"]);
    cmd
}

const ALIASED: &str =
    "runbook aliased {\n  step list \"List\" {\n    run { gci C:\\Update }\n  }\n}\n";
const STOPS: &str =
    "runbook stops {\n  step stop \"Stop IIS\" {\n    run { net stop w3svc } timeout 5m\n  }\n}\n";
const SECRET: &str = "runbook secret {\n  param Password: secret\n  step show \"Show\" {\n    run { Write-Host $Password }\n  }\n}\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn list_rules_shows_every_rule_with_its_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = tejun(dir.path()).arg("--list-rules").assert().code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for code in ["TJ000", "TJ001", "TJ003", "TJ007", "TJ012", "TJ013"] {
        assert!(text.contains(code), "{code} missing:\n{text}");
    }
    assert!(text.contains("TJ012  warning  alias"), "{text}");
}

#[test]
fn explain_prints_the_rules_documentation_by_code_or_name() {
    let dir = tempfile::tempdir().unwrap();
    for key in ["TJ005", "long-running-without-timeout", "tj005"] {
        tejun(dir.path())
            .args(["--explain", key])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(
                "TJ005 (long-running-without-timeout)",
            ))
            .stdout(predicate::str::contains("## Why is this bad?"))
            .stdout(predicate::str::contains("## Use instead"))
            .stdout(predicate::str::contains("timeout 90m"));
    }
    tejun(dir.path())
        .args(["--explain", "TJ099"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`TJ099` is not a rule"));
}

#[test]
fn a_folder_is_searched_and_gitignored_runbooks_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ops/aliased.runbook", ALIASED);
    write(dir.path(), "build/generated/stops.runbook", STOPS);
    write(dir.path(), ".gitignore", "build/\n");
    tejun(dir.path())
        .args(["--no-pwsh", "."])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ops/aliased.runbook:3:11"))
        .stdout(predicate::str::contains("`gci` is an alias of `Get-ChildItem`"))
        .stdout(predicate::str::contains("stops.runbook").not())
        .stderr(predicate::str::contains(
            "linted 1 file: 0 errors, 1 warning; rule TJ001 (powershell-syntax) did not run: --no-pwsh was given",
        ));
}

#[test]
fn errors_fail_the_lint_and_warnings_fail_it_only_when_denied() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret.runbook", SECRET);
    write(dir.path(), "aliased.runbook", ALIASED);
    tejun(dir.path())
        .args(["--no-pwsh", "secret.runbook"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the secret `$Password` is written out by `Write-Host`",
        ));
    tejun(dir.path())
        .args(["--no-pwsh", "aliased.runbook"])
        .assert()
        .code(0);
    tejun(dir.path())
        .args(["--no-pwsh", "--deny-warnings", "aliased.runbook"])
        .assert()
        .code(1);
    tejun(dir.path())
        .args(["--no-pwsh", "missing.runbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`missing.runbook` does not exist"));
}

#[test]
fn tejun_toml_sets_levels_for_all_files_and_per_path() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "new/aliased.runbook", ALIASED);
    write(dir.path(), "legacy/aliased.runbook", ALIASED);
    write(
        dir.path(),
        "tejun.toml",
        "[lint]\nrules = { alias = \"error\" }\n\n[[lint.overrides]]\npaths = [\"legacy/**\"]\nrules = { TJ012 = \"off\" }\n",
    );
    let out = tejun(dir.path())
        .args(["--no-pwsh", "--format", "json", "."])
        .assert()
        .code(1);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    let by_path = |p: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(p))
            .unwrap_or_else(|| panic!("{p} not linted: {doc}"))["findings"]
            .as_array()
            .unwrap()
            .clone()
    };
    let new = by_path("new/aliased.runbook");
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["code"], "TJ012");
    assert_eq!(new[0]["level"], "error");
    assert!(by_path("legacy/aliased.runbook").is_empty());

    // The nearest tejun.toml above the current folder applies, with paths relative to it.
    tejun(&dir.path().join("legacy"))
        .args(["--no-pwsh", "aliased.runbook"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("0 errors, 0 warnings"));
}

#[test]
fn a_broken_tejun_toml_is_a_usage_error_naming_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "aliased.runbook", ALIASED);
    write(
        dir.path(),
        "tejun.toml",
        "[lint]\nrules = { TJ0012 = \"off\" }\n",
    );
    tejun(dir.path())
        .args(["--no-pwsh", "aliased.runbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "tejun.toml:2:11: unknown rule `TJ0012`",
        ))
        .stderr(predicate::str::contains("did you mean `TJ012`?"));
}

#[test]
fn an_inline_allow_with_a_reason_silences_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "allowed.runbook",
        "runbook allowed {\n  # tejun: allow(TJ003) the next step checks that IIS is stopped\n  step stop \"Stop IIS\" {\n    run { net stop w3svc } timeout 5m\n  }\n  step check \"Check IIS\" {\n    ensure { (Get-Service w3svc).Status -eq 'Stopped' }\n  }\n}\n",
    );
    write(dir.path(), "not-allowed.runbook", STOPS);
    tejun(dir.path())
        .args(["--no-pwsh", "--deny-warnings", "allowed.runbook"])
        .assert()
        .code(0);
    tejun(dir.path())
        .args(["--no-pwsh", "--deny-warnings", "not-allowed.runbook"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "TJ003(state-change-without-postcondition)",
        ));
}

#[test]
fn check_errors_are_reported_and_cannot_be_configured_away() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "broken.runbook",
        "runbook broken {\n  step s \"S\" {\n    run { Write-Output $Missing } timeout 5q\n  }\n}\n",
    );
    write(
        dir.path(),
        "tejun.toml",
        "[lint]\nrules = { check = \"off\" }\n",
    );
    tejun(dir.path())
        .args(["--no-pwsh", "broken.runbook"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("broken.runbook:3"));
}

#[test]
fn the_microsoft_runbooks_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    tejun(root)
        .args(["--no-pwsh", "--deny-warnings", "runbooks/"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "linted 2 files: 0 errors, 0 warnings",
        ));
}

#[test]
fn turning_tj001_off_in_tejun_toml_means_no_powershell_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "aliased.runbook", ALIASED);
    write(
        dir.path(),
        "tejun.toml",
        "[lint]\nrules = { powershell-syntax = \"off\" }\n",
    );
    tejun(dir.path())
        .args(["--shell", "/no/such/pwsh", "aliased.runbook"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "rule TJ001 (powershell-syntax) did not run: tejun.toml turns it off",
        ));
    // Without the configuration a missing PowerShell is an error, never a silent skip.
    std::fs::remove_file(dir.path().join("tejun.toml")).unwrap();
    tejun(dir.path())
        .args(["--shell", "/no/such/pwsh", "aliased.runbook"])
        .assert()
        .code(2);
}

#[test]
fn without_a_path_lint_and_fmt_take_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ops/aliased.runbook", ALIASED);
    tejun(dir.path())
        .arg("--no-pwsh")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ops/aliased.runbook:3:11"));
    let mut fmt = Command::cargo_bin("tejun").unwrap();
    fmt.current_dir(dir.path())
        .args(["--color=never", "fmt", "--check"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 already formatted"));
}
