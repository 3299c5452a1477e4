//! `tejun fmt` as a user meets it: the diff and exit code of `--check`, files rewritten in place,
//! folders, files that do not parse, and the real runbook already in the canonical layout.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const LYNC: &str = "runbooks/lync2013-backend-upgrade.runbook";

/// A runbook in a poor layout, and the same runbook formatted.
const MESSY: &str = "# A messy runbook.\nrunbook messy {\nstep one \"One\" { manual \"first\"\n      run {Stop-Service w3svc} accept exit 0,2 timeout 5m }\n  step two \"Two\" {\n\n\n    manual \"second\" } }";
const TIDY: &str = "# A messy runbook.\nrunbook messy {\n  step one \"One\" {\n    manual \"first\"\n    run { Stop-Service w3svc } timeout 5m accept exit 0, 2\n  }\n\n  step two \"Two\" {\n    manual \"second\"\n  }\n}\n";

fn tejun() -> Command {
    let mut cmd = Command::cargo_bin("tejun").expect("the tejun binary is built");
    cmd.env_remove("NO_COLOR").arg("--color=never");
    cmd
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn check_prints_a_unified_diff_exits_1_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messy.runbook");
    write(&file, MESSY);
    let out = tejun()
        .current_dir(dir.path())
        .args(["fmt", "--check", "messy.runbook"])
        .assert()
        .code(1)
        .stderr("1 file would be reformatted, 0 already formatted\n")
        .get_output()
        .stdout
        .clone();
    let diff = String::from_utf8(out).unwrap();
    assert!(
        diff.starts_with("--- a/messy.runbook\n+++ b/messy.runbook\n@@ -1,8 +1,11 @@\n"),
        "{diff}"
    );
    for line in [
        " # A messy runbook.\n",
        "-step one \"One\" { manual \"first\"\n",
        "+  step one \"One\" {\n",
        "+    run { Stop-Service w3svc } timeout 5m accept exit 0, 2\n",
        "-    manual \"second\" } }\n\\ No newline at end of file\n",
    ] {
        assert!(diff.contains(line), "{line:?} is not in\n{diff}");
    }
    assert_eq!(read(&file), MESSY, "--check must not write");
}

#[test]
fn fmt_rewrites_the_file_and_then_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messy.runbook");
    write(&file, MESSY);
    tejun()
        .arg("fmt")
        .arg(&file)
        .assert()
        .code(0)
        .stdout("")
        .stderr("1 file reformatted, 0 already formatted\n");
    assert_eq!(read(&file), TIDY);
    // Only the file is left in the folder: the temporary file was renamed over it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    tejun()
        .args(["fmt", "--check"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout("")
        .stderr("0 files would be reformatted, 1 already formatted\n");
    // A formatted file is not rewritten at all.
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    tejun().arg("fmt").arg(&file).assert().code(0);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn a_folder_is_searched_for_runbooks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("a.runbook"), MESSY);
    write(&root.join("nested/deeper/b.runbook"), MESSY);
    write(&root.join("tidy.runbook"), TIDY);
    write(&root.join("notes.txt"), "not a runbook {");
    write(&root.join("ignored/c.runbook"), MESSY);
    write(&root.join(".gitignore"), "ignored/\n");
    tejun()
        .args(["fmt", "--check"])
        .arg(root)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("a.runbook\n"))
        .stdout(predicate::str::contains("nested/deeper/b.runbook\n"))
        .stdout(predicate::str::contains("tidy.runbook").not())
        .stdout(predicate::str::contains("ignored").not())
        .stderr("2 files would be reformatted, 1 already formatted\n");
    tejun()
        .arg("fmt")
        .arg(root)
        .assert()
        .code(0)
        .stderr("2 files reformatted, 1 already formatted\n");
    assert_eq!(read(&root.join("a.runbook")), TIDY);
    assert_eq!(read(&root.join("nested/deeper/b.runbook")), TIDY);
    assert_eq!(read(&root.join("ignored/c.runbook")), MESSY);
    assert_eq!(read(&root.join("notes.txt")), "not a runbook {");
}

#[test]
fn a_file_that_does_not_parse_is_reported_left_alone_and_the_others_are_formatted() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.runbook");
    let text = "runbook broken {\n  step one \"One\" {\n    manul \"typo\"\n  }\n}\n";
    write(&broken, text);
    let messy = dir.path().join("messy.runbook");
    write(&messy, MESSY);
    tejun()
        .current_dir(dir.path())
        .args(["fmt", "broken.runbook", "messy.runbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tejun::parse::syntax"))
        .stderr(predicate::str::contains("broken.runbook:3:5"))
        .stderr(predicate::str::contains(
            "cannot format `broken.runbook`: 1 error",
        ))
        .stderr(predicate::str::contains(
            "1 file reformatted, 0 already formatted, 1 file could not be formatted",
        ));
    assert_eq!(read(&broken), text);
    assert_eq!(read(&messy), TIDY);
    // With --check too, a file that does not parse is a tool failure, not a diff.
    tejun()
        .current_dir(dir.path())
        .args(["fmt", "--check", "broken.runbook"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("broken.runbook:3:5"));
}

#[test]
fn a_file_that_is_not_utf8_is_a_tool_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.runbook");
    std::fs::write(&file, b"runbook r { title \"caf\xe9\" }\n").unwrap();
    tejun()
        .current_dir(dir.path())
        .args(["fmt", "latin1.runbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tejun::parse::not_utf8"))
        .stderr(predicate::str::contains("latin1.runbook:1:"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"runbook r { title \"caf\xe9\" }\n"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    tejun()
        .args(["fmt", "no/such/place.runbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`no/such/place.runbook` does not exist",
        ));
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("windows.runbook");
    let messy = format!("\u{FEFF}{}", MESSY.replace('\n', "\r\n"));
    write(&file, &messy);
    tejun().arg("fmt").arg(&file).assert().code(0);
    let expected = format!("\u{FEFF}{}", TIDY.replace('\n', "\r\n"));
    assert_eq!(read(&file), expected);
}

#[cfg(unix)]
#[test]
fn a_rewritten_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shared.runbook");
    write(&file, MESSY);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
    tejun().arg("fmt").arg(&file).assert().code(0);
    assert_eq!(read(&file), TIDY);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o664);
}

#[test]
fn the_lync_runbook_is_already_formatted() {
    tejun()
        .args(["fmt", "--check", LYNC])
        .assert()
        .code(0)
        .stdout("")
        .stderr("0 files would be reformatted, 1 already formatted\n");
}

#[test]
fn every_runbook_and_ok_fixture_formats_without_trouble() {
    // Through the CLI, on copies: nothing may fail, and a second pass changes nothing.
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for folder in ["runbooks", "fixtures/parse/ok", "fixtures/fmt"] {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "runbook") {
                let name = format!(
                    "{}-{}",
                    folder.replace('/', "-"),
                    path.file_name().unwrap().to_string_lossy()
                );
                std::fs::copy(&path, dir.path().join(name)).unwrap();
                count += 1;
            }
        }
    }
    tejun().arg("fmt").arg(dir.path()).assert().code(0);
    tejun()
        .args(["fmt", "--check"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(format!(
            "0 files would be reformatted, {count} already formatted\n"
        ));
}
