//! The `tejun` command line as a user meets it: exit codes, messages, plans.

use assert_cmd::Command;
use predicates::prelude::*;

const LYNC: &str = "runbooks/lync2013-backend-upgrade.runbook";

fn tejun() -> Command {
    let mut cmd = Command::cargo_bin("tejun").expect("the tejun binary is built");
    cmd.env_remove("NO_COLOR").arg("--color=never");
    cmd
}

fn plan(params: &[&str], format: &str) -> String {
    let mut cmd = tejun();
    cmd.args(["plan", LYNC, "--format", format]);
    for p in params {
        cmd.args(["--param", p]);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).expect("plans are UTF-8")
}

#[test]
fn check_accepts_the_lync_runbook() {
    tejun()
        .args(["check", LYNC])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "checked 1 file: 0 errors, 0 warnings",
        ));
}

#[test]
fn check_reports_problems_with_file_line_and_column_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.runbook");
    std::fs::write(&file, "runbook bad {\n  param Role: choice(\"A\", \"B\")\n  step s \"S\" {\n    when Rol == \"A\" { run { x } }\n  }\n}\n").unwrap();
    tejun()
        .args(["check"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown parameter `Rol`"))
        .stderr(predicate::str::contains("bad.runbook:4:10"))
        .stderr(predicate::str::contains("did you mean `Role`?"));
}

#[test]
fn check_searches_folders_for_runbooks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("ops/iis")).unwrap();
    let ok = "runbook ok {\n  step s \"S\" {\n    manual \"Do it.\"\n  }\n}\n";
    std::fs::write(dir.path().join("ops/a.runbook"), ok).unwrap();
    std::fs::write(dir.path().join("ops/iis/b.runbook"), "runbook b {\n").unwrap();
    std::fs::write(dir.path().join("ops/notes.txt"), "not a runbook").unwrap();
    tejun()
        .arg("check")
        .arg(dir.path().join("ops"))
        .arg(LYNC)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("b.runbook:2:1"))
        .stderr(predicate::str::contains(
            "checked 3 files: 1 error, 0 warnings",
        ));
}

#[test]
fn check_of_a_missing_file_is_a_usage_error() {
    tejun()
        .args(["check", "no/such/file.runbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `no/such/file.runbook`",
        ));
}

#[test]
fn check_of_binary_input_is_a_diagnostic_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("binary.runbook");
    std::fs::write(&file, [0x72, 0x75, 0xff, 0xfe, 0x00, 0x01]).unwrap();
    tejun()
        .arg("check")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the file is binary"))
        .stderr(predicate::str::contains("binary.runbook:1:3"));
}

/// What `tejun` printed for a file, checked the way a user's terminal would suffer it: no control
/// byte but the line feed (an escape sequence would act on the terminal), and the snippet's
/// marked line and column the ones `[file:line:col]` names.
fn assert_shown_safely(output: &[u8], what: &str) -> Option<(usize, usize)> {
    let text = String::from_utf8_lossy(output);
    if let Some(at) = output.iter().position(|&b| b < 0x20 && b != b'\n') {
        panic!(
            "{what}: control byte {:#04x} at {at} in:\n{text}",
            output[at]
        );
    }
    let header = text.find("─[")?;
    let location = &text[header + "─[".len()..];
    let location = &location[..location.find(']').unwrap()];
    let mut parts = location.rsplitn(3, ':');
    let col: usize = parts.next().unwrap().parse().unwrap();
    let line: usize = parts.next().unwrap().parse().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let marked = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("{line} │")))
        .unwrap_or_else(|| panic!("{what}: no snippet line {line} for [{location}] in:\n{text}"));
    let source_start = lines[marked].chars().position(|c| c == '│').unwrap() + 2;
    let caret = lines[marked + 1]
        .chars()
        .skip(source_start)
        .position(|c| c != ' ')
        .unwrap();
    assert_eq!(
        caret + 1,
        col,
        "{what}: the caret is not at [{location}] in:\n{text}"
    );
    Some((line, col))
}

#[test]
fn diagnostics_of_binary_and_control_characters_print_no_control_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // The start of a real executable of this platform, as when `tejun check` is pointed at one.
    let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let binary = dir.path().join("program.runbook");
    std::fs::write(&binary, &exe[..exe.len().min(3000)]).unwrap();
    let mut files = vec![binary.clone()];
    for fixture in [
        "control-characters",
        "lone-carriage-return",
        "not-utf8-binary",
        "not-utf8-utf16-bom",
        "nul-byte",
    ] {
        files.push(format!("fixtures/parse/err/{fixture}.runbook").into());
    }
    for file in &files {
        let what = file.display();
        let out = tejun().arg("check").arg(file).assert().code(1);
        let at = assert_shown_safely(&out.get_output().stderr, &format!("check {what}"));
        let out = tejun().arg("plan").arg(file).assert().code(1);
        assert_shown_safely(&out.get_output().stderr, &format!("plan {what}"));
        for format in ["human", "github", "junit", "json", "sarif"] {
            let out = tejun()
                .args(["lint", "--no-pwsh", "--format", format])
                .arg(file)
                .assert()
                .code(1);
            let out = out.get_output();
            assert_shown_safely(&out.stdout, &format!("lint --format {format} {what}"));
            assert_shown_safely(&out.stderr, &format!("lint --format {format} {what}"));
            if format == "json" {
                // The machine-readable location is the one the snippet shows.
                let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let finding = &report["files"][0]["findings"][0];
                let json_at = (
                    finding["line"].as_u64().unwrap() as usize,
                    finding["column"].as_u64().unwrap() as usize,
                );
                assert_eq!(Some(json_at), at, "lint --format json {what}");
            }
        }
    }
    let out = tejun().arg("check").arg(&binary).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("the file is binary") && stderr.contains("check the path"),
        "{stderr}"
    );
}

#[test]
fn check_deny_warnings_turns_warnings_into_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warn.runbook");
    std::fs::write(
        &file,
        "runbook w {\n  param Flag: bool = false optional\n  step s \"S\" { run { x } }\n}\n",
    )
    .unwrap();
    tejun()
        .arg("check")
        .arg(&file)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 warning"));
    tejun()
        .args(["check", "--deny-warnings"])
        .arg(&file)
        .assert()
        .code(1);
}

#[test]
fn usage_errors_exit_2() {
    tejun().arg("frobnicate").assert().code(2);
    tejun().arg("check").assert().code(2);
}

#[test]
fn plan_standard_edition() {
    let text = plan(&["ServerRole=StandardEdition"], "text");
    assert!(text.contains("11 steps"));
    assert!(text.contains("Install-CsDatabase -Update -LocalDatabases"));
    assert!(!text.contains("-ConfiguredDatabases"));
    insta::assert_snapshot!("plan_standard_edition", text);
}

#[test]
fn plan_enterprise_back_end_without_collocated_databases() {
    let text = plan(
        &[
            "ServerRole=EnterpriseBackEnd",
            "SqlServerFqdn=sql01.contoso.local",
        ],
        "text",
    );
    assert!(text.contains("11 steps"));
    assert!(text.contains("-SqlServerFqdn $SqlServerFqdn\n"));
    assert!(!text.contains("-ExcludeCollocatedStores"));
    assert!(!text.contains("-LocalDatabases"));
    insta::assert_snapshot!("plan_enterprise_back_end", text);
}

#[test]
fn plan_enterprise_back_end_with_collocated_databases() {
    let text = plan(
        &[
            "ServerRole=EnterpriseBackEnd",
            "SqlServerFqdn=sql01.contoso.local",
            "CollocatedDatabases=true",
        ],
        "text",
    );
    assert!(text.contains("-SqlServerFqdn $SqlServerFqdn  -ExcludeCollocatedStores"));
    insta::assert_snapshot!("plan_enterprise_back_end_collocated", text);
}

#[test]
fn plan_never_puts_a_value_into_code() {
    let hostile = "x'; Remove-Item -Recurse C:\\ #$(whoami)`\u{2019}";
    let json = plan(
        &[
            "ServerRole=EnterpriseBackEnd",
            &format!("SqlServerFqdn={hostile}"),
        ],
        "json",
    );
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    for step in plan["steps"].as_array().unwrap() {
        for action in step["actions"].as_array().unwrap() {
            if let Some(sent) = action["sent"].as_str() {
                assert!(!sent.contains("whoami"), "a value reached code: {sent}");
            }
        }
    }
    let step11 = &plan["steps"][10]["actions"][0];
    assert_eq!(
        step11["sent"],
        "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn $SqlServerFqdn"
    );
}

#[test]
fn plan_json_is_the_same_plan_as_text() {
    let json = plan(&["ServerRole=StandardEdition"], "json");
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(plan["format"], "tejun-plan/1");
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 11);
    let docs: Vec<&str> = steps.iter().map(|s| s["doc"].as_str().unwrap()).collect();
    assert_eq!(
        docs,
        ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]
    );
    let text = crate::plan(&["ServerRole=StandardEdition"], "text");
    for step in steps {
        assert!(text.contains(step["title"].as_str().unwrap()));
    }
    insta::assert_json_snapshot!("plan_standard_edition_json", plan);
}

#[test]
fn plan_without_a_required_parameter_names_it() {
    tejun()
        .args(["plan", LYNC, "--param", "ServerRole=EnterpriseBackEnd"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "`SqlServerFqdn` is required when `ServerRole == \"EnterpriseBackEnd\"`",
        ));
}

#[test]
fn plan_with_a_bad_choice_lists_the_allowed_values() {
    tejun()
        .args(["plan", LYNC, "--param", "ServerRole=Director"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`ServerRole` cannot be `Director`",
        ))
        .stderr(predicate::str::contains(
            "EnterpriseBackEnd, StandardEdition",
        ));
}

#[test]
fn plan_with_an_unknown_parameter_suggests_the_right_one() {
    tejun()
        .args([
            "plan",
            LYNC,
            "-p",
            "ServerRole=StandardEdition",
            "-p",
            "SqlServerFQDN2=x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no parameter `SqlServerFQDN2`"))
        .stderr(predicate::str::contains("did you mean `SqlServerFqdn`?"));
}

#[test]
fn plan_of_a_broken_runbook_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.runbook");
    std::fs::write(&file, "runbook broken {\n  step s \"S\" { run { x }\n").unwrap();
    tejun()
        .arg("plan")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot plan"));
}

/// The plan of `fixtures/parse/ok/loops.runbook` for `args`, as `format`.
fn plan_loops(args: &[&str], format: &str) -> String {
    let mut cmd = tejun();
    cmd.args([
        "plan",
        "fixtures/parse/ok/loops.runbook",
        "--format",
        format,
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    for a in args {
        cmd.args(["-p", a]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn plan_loops_shows_each_iteration_with_the_loop_variable() {
    let text = plan_loops(&["Servers=fe01,fe02", "Pool=pool01.contoso.local"], "text");
    insta::assert_snapshot!("plan_loops", text);
    let json = plan_loops(&["Servers=fe01", "Pool=pool01.contoso.local"], "json");
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "drain[fe01]",
            "patch[fe01]",
            "resume[fe01]",
            "report[Tokyo][fe01]",
            "report[Osaka \"HQ\"][fe01]"
        ]
    );
    assert_eq!(plan["params"][0]["value"], serde_json::json!(["fe01"]));
    assert_eq!(plan["steps"][0]["items"][0]["var"], "server");
    assert_eq!(plan["loops"][0]["items"], serde_json::json!(["fe01"]));
    assert_eq!(
        plan["steps"][0]["actions"][0]["sent"],
        "Invoke-CsComputerFailOver -ComputerName $server -Confirm:$false"
    );
}

#[test]
fn plan_of_an_empty_loop_says_it_runs_zero_times() {
    let text = plan_loops(&["Servers=", "Pool=p"], "text");
    assert!(
        text.contains("foreach server in Servers (line 12): no items: its steps run zero times"),
        "{text}"
    );
    assert!(text.contains("0 steps"), "{text}");
}

#[test]
fn plan_shows_a_wait_and_both_arms_of_a_branch_decided_at_run_time() {
    let mut cmd = tejun();
    cmd.args([
        "plan",
        "fixtures/parse/ok/if.runbook",
        "-p",
        "Pool=pool01.contoso.local",
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("plan_if", text);

    let mut cmd = tejun();
    cmd.args([
        "plan",
        "fixtures/parse/ok/wait.runbook",
        "-p",
        "Pool=pool01.contoso.local",
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("plan_wait", text);
}

#[test]
fn plan_of_the_front_end_runbook_says_where_each_step_runs_and_how_the_rollout_halts() {
    let out = tejun()
        .args([
            "plan",
            "runbooks/lync2013-frontend-upgrade.runbook",
            "-p",
            "Servers=fe01,fe02",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("plan_front_end", text);
    let json = tejun()
        .args([
            "plan",
            "runbooks/lync2013-frontend-upgrade.runbook",
            "-p",
            "Servers=fe01,fe02",
            "--format",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let targets: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, [["fe01"; 5], ["fe02"; 5]].concat());
    assert_eq!(plan["loops"][0]["on"], "server");
    assert_eq!(plan["loops"][0]["budget"], 0);
    assert_eq!(plan["loops"][0]["gate"]["within_ms"], 1_800_000);
    assert_eq!(plan["steps"][7]["items"][0]["loop"], 0);
}
