//! `tejun lint --format sarif|github|junit` as CI reads them, on the runbooks in
//! `fixtures/lint-formats/`: an alias (`gci`, `%`), a `net stop` with no `ensure`, an installer
//! with no timeout, a clean file, and a destructive command after Japanese text on its line.
//! Every run passes `--no-pwsh`: these tests are about the formats, not the PowerShell parser.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const DIR: &str = "fixtures/lint-formats";
const ALIAS: &str = "fixtures/lint-formats/alias.runbook";
const NET_STOP: &str = "fixtures/lint-formats/net-stop.runbook";
const JAPANESE: &str = "fixtures/lint-formats/japanese.runbook";

fn tejun() -> Command {
    let mut cmd = Command::cargo_bin("tejun").expect("the tejun binary is built");
    cmd.env_remove("NO_COLOR").arg("--color=never");
    cmd
}

/// The stdout of `tejun lint --no-pwsh --format FORMAT ARGS...`, asserting its exit code.
fn lint(format: &str, args: &[&str], code: i32) -> String {
    let out = tejun()
        .args(["lint", "--no-pwsh", "--format", format])
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("lint output is UTF-8")
}

fn sarif(args: &[&str], code: i32) -> Value {
    serde_json::from_str(&lint("sarif", args, code)).expect("SARIF output is JSON")
}

/// The results of the one run, whatever file they are in.
fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"]
        .as_array()
        .expect("the run has results")
}

fn results_of<'a>(log: &'a Value, rule: &str) -> Vec<&'a Value> {
    results(log)
        .iter()
        .filter(|r| r["ruleId"] == rule)
        .collect()
}

fn str_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string: {value}"))
}

fn int_of(value: &Value, what: &str) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("{what} is a non-negative integer: {value}"))
}

#[test]
fn sarif_has_the_structure_sarif_2_1_0_requires() {
    let text = lint("sarif", &[DIR], 1);
    let log: Value = serde_json::from_str(&text).expect("SARIF output is JSON");
    // The structure the 2.1.0 schema requires, checked by hand: the schema itself is not
    // available offline.
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run");
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "tejun");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let rules = driver["rules"].as_array().expect("the driver lists rules");
        let ids: Vec<&str> = rules.iter().map(|r| str_of(&r["id"], "rule id")).collect();
        let expected: Vec<String> = (0..=15).map(|i| format!("TJ{i:03}")).collect();
        assert_eq!(ids, expected, "every rule, in table order");
        for rule in rules {
            for field in ["shortDescription", "fullDescription", "help"] {
                assert!(
                    !str_of(&rule[field]["text"], field).is_empty(),
                    "{field} of {rule}"
                );
            }
            assert!(str_of(&rule["help"]["markdown"], "help").contains("## Why is this bad?"));
            assert!(
                ["error", "warning"].contains(&str_of(
                    &rule["defaultConfiguration"]["level"],
                    "default level"
                )),
                "{rule}"
            );
        }
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);

        let results = run["results"].as_array().expect("results is an array");
        assert_eq!(results.len(), 6, "the fixtures' six findings: {results:#?}");
        for result in results {
            assert!(!str_of(&result["message"]["text"], "message.text").is_empty());
            let id = str_of(&result["ruleId"], "ruleId");
            let index = int_of(&result["ruleIndex"], "ruleIndex") as usize;
            assert_eq!(ids.get(index), Some(&id), "ruleIndex points at ruleId");
            assert!(
                ["none", "note", "warning", "error"].contains(&str_of(&result["level"], "level"))
            );
            let locations = result["locations"].as_array().expect("locations");
            assert!(!locations.is_empty(), "{result}");
            for location in locations {
                let physical = &location["physicalLocation"];
                let uri = str_of(&physical["artifactLocation"]["uri"], "uri");
                assert!(uri.starts_with("fixtures/lint-formats/"), "{uri}");
                assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
                let region = &physical["region"];
                let start_line = int_of(&region["startLine"], "startLine");
                let end_line = int_of(&region["endLine"], "endLine");
                assert!(start_line >= 1 && end_line >= start_line, "{region}");
                assert!(int_of(&region["startColumn"], "startColumn") >= 1);
                assert!(int_of(&region["endColumn"], "endColumn") >= 1);
            }
            assert!(
                !str_of(
                    &result["partialFingerprints"]["primaryLocationLineHash"],
                    "fingerprint"
                )
                .is_empty()
            );
        }
        // Every finding keeps its own alert: the two aliases on one line of alias.runbook
        // share the line's hash and are told apart by their number.
        let mut prints: Vec<&str> = results
            .iter()
            .map(|r| {
                str_of(
                    &r["partialFingerprints"]["primaryLocationLineHash"],
                    "fingerprint",
                )
            })
            .collect();
        let aliases: Vec<&str> = results_of(&log, "TJ012")
            .iter()
            .map(|r| {
                str_of(
                    &r["partialFingerprints"]["primaryLocationLineHash"],
                    "fingerprint",
                )
            })
            .collect();
        assert_eq!(aliases.len(), 2);
        assert_eq!(
            aliases[0].split_once(':').map(|p| p.0),
            aliases[1].split_once(':').map(|p| p.0)
        );
        assert!(
            aliases[0].ends_with(":1") && aliases[1].ends_with(":2"),
            "{aliases:?}"
        );
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), results.len(), "fingerprints are unique");
        let levels: Vec<&str> = results
            .iter()
            .map(|r| str_of(&r["level"], "level"))
            .collect();
        assert_eq!(levels.iter().filter(|l| **l == "error").count(), 1);
    }
    // The typed SARIF model reads it back too.
    serde_json::from_str::<serde_sarif::sarif::Sarif>(&text).expect("serde-sarif reads the log");
}

#[test]
fn sarif_results_carry_message_help_and_location() {
    let log = sarif(&[NET_STOP], 0);
    let tj003 = results_of(&log, "TJ003");
    assert_eq!(tj003.len(), 1);
    let result = tj003[0];
    assert_eq!(result["level"], "warning");
    assert_eq!(result["ruleIndex"], 3);
    assert_eq!(
        result["message"]["text"],
        "`net` changes the system, but step `stop-w3svc` has no postcondition\nhelp: add an \
         `ensure { ... }` that holds once the change took effect, such as `ensure { \
         (Get-Service w3svc).Status -eq 'Stopped' } within 2m every 5s`"
    );
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "fixtures/lint-formats/net-stop.runbook"
    );
    assert_eq!(
        physical["region"],
        serde_json::json!({ "endColumn": 14, "endLine": 4, "startColumn": 11, "startLine": 4 })
    );
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["associatedRule"]["id"], "TJ001");
    assert!(str_of(&notes[0]["message"]["text"], "note").contains("--no-pwsh"));
}

#[test]
fn sarif_columns_are_utf16_code_units_where_json_counts_characters() {
    // On the finding's line, `𠮷` is one character but two UTF-16 code units, so SARIF's
    // column is one more than the JSON format's.
    let log = sarif(&[JAPANESE], 1);
    let json: Value =
        serde_json::from_str(&lint("json", &[JAPANESE], 1)).expect("JSON output is JSON");
    let findings = json["files"][0]["findings"].as_array().expect("findings");
    let finding = findings
        .iter()
        .find(|f| f["code"] == "TJ004")
        .expect("the destructive command is flagged");
    assert_eq!(
        (&finding["line"], &finding["column"]),
        (&6.into(), &43.into())
    );
    let tj004 = results_of(&log, "TJ004");
    let region = &tj004[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 6);
    assert_eq!(region["startColumn"], 44);
    assert_eq!(region["endColumn"], 55, "`Remove-Item` is 11 units long");
    assert_eq!(tj004[0]["level"], "error");
}

#[test]
fn sarif_fingerprints_survive_lines_added_above_and_differ_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(NET_STOP).unwrap();
    let fingerprint_and_line = |src: &str| {
        std::fs::write(dir.path().join("stop.runbook"), src).unwrap();
        let out = tejun()
            .current_dir(dir.path())
            .args(["lint", "--no-pwsh", "--format", "sarif", "stop.runbook"])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let result = &results(&log)[0];
        (
            result["partialFingerprints"]["primaryLocationLineHash"].clone(),
            result["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (before, line_before) = fingerprint_and_line(&original);
    let (after, line_after) = fingerprint_and_line(&format!("# one more comment\n\n{original}"));
    assert_eq!(before, after);
    assert_ne!(line_before, line_after);

    let log = sarif(&[JAPANESE], 1);
    let prints: Vec<&Value> = results(&log)
        .iter()
        .map(|r| &r["partialFingerprints"]["primaryLocationLineHash"])
        .collect();
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1], "two rules on one line");
}

#[test]
fn github_prints_one_workflow_command_per_finding() {
    let out = lint("github", &[NET_STOP], 0);
    assert_eq!(
        out,
        "::warning file=fixtures/lint-formats/net-stop.runbook,line=4,col=11,endLine=4,\
         endColumn=14,title=TJ003 (state-change-without-postcondition)::`net` changes the \
         system, but step `stop-w3svc` has no postcondition%0Ahelp: add an `ensure { ... }` \
         that holds once the change took effect, such as `ensure { (Get-Service w3svc).Status \
         -eq 'Stopped' } within 2m every 5s`\n"
    );
    let out = lint("github", &[DIR], 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        1
    );
    assert!(
        lines.contains(
            &"::error file=fixtures/lint-formats/japanese.runbook,line=6,col=43,endLine=6,\
              endColumn=54,title=TJ004 (destructive-without-confirmation)::`Remove-Item` \
              cannot be undone, and nothing asks a person to confirm it first%0Ahelp: put a \
              `manual \"...\"` before it (in this step, or as a step of its own just before) \
              that has the operator check the target first"
        ),
        "{out}"
    );
}

#[test]
fn github_escapes_percent_and_newlines_in_messages_and_commas_and_colons_in_properties() {
    let out = lint("github", &[ALIAS], 0);
    assert!(
        out.contains("title=TJ012 (alias)::`%25` is an alias of `ForEach-Object`%0Ahelp: write `ForEach-Object`\n"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "one line per finding: {out}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(ALIAS, dir.path().join("odd, name: 1%.runbook")).unwrap();
    let out = tejun()
        .current_dir(dir.path())
        .args(["lint", "--no-pwsh", "--format", "github", "."])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
    for line in out.lines() {
        assert!(
            line.starts_with("::warning file=odd%2C name%3A 1%25.runbook,line=4,"),
            "{line}"
        );
    }
}

#[test]
fn junit_has_a_test_case_per_file_failing_only_files_with_errors() {
    let xml = lint("junit", &[DIR], 1);
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit XML");
    assert_eq!(report.test_suites.len(), 1);
    let suite = &report.test_suites[0];
    assert_eq!(suite.name.as_str(), "tejun lint");
    assert_eq!((suite.tests, suite.failures, suite.errors), (5, 1, 0));
    assert!(
        suite
            .system_out
            .as_ref()
            .is_some_and(|out| out.as_str().contains("TJ001"))
    );
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "fixtures/lint-formats/alias.runbook",
            "fixtures/lint-formats/clean.runbook",
            "fixtures/lint-formats/japanese.runbook",
            "fixtures/lint-formats/net-stop.runbook",
            "fixtures/lint-formats/setup.runbook",
        ]
    );
    for case in &suite.test_cases {
        assert_eq!(
            case.classname.as_ref().map(|c| c.as_str()),
            Some("tejun.lint")
        );
        let out = case.system_out.as_ref().map(|o| o.as_str());
        match case.name.as_str() {
            JAPANESE => {
                let quick_junit::TestCaseStatus::NonSuccess {
                    kind,
                    message,
                    description,
                    ..
                } = &case.status
                else {
                    panic!("a file with an error fails: {case:?}");
                };
                assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
                assert_eq!(
                    message.as_ref().map(|m| m.as_str()),
                    Some("1 error, 1 warning")
                );
                let text = description
                    .as_ref()
                    .expect("the failure lists the findings");
                assert!(
                    text.as_str().contains(
                        "fixtures/lint-formats/japanese.runbook:6:43: error \
                         TJ004(destructive-without-confirmation): `Remove-Item` cannot be \
                         undone, and nothing asks a person to confirm it first\n  help: put a \
                         `manual \"...\"` before it"
                    ),
                    "{text:?}"
                );
                assert!(text.as_str().contains(":6:43: warning TJ003("), "{text:?}");
            }
            "fixtures/lint-formats/clean.runbook" => {
                assert!(
                    matches!(case.status, quick_junit::TestCaseStatus::Success { .. }),
                    "{case:?}"
                );
                assert_eq!(out, None);
            }
            name => {
                assert!(
                    matches!(case.status, quick_junit::TestCaseStatus::Success { .. }),
                    "warnings pass: {case:?}"
                );
                let out = out.expect("warnings are listed in system-out");
                assert!(out.starts_with(&format!("{name}:4:")), "{out}");
                assert!(out.contains(": warning TJ0"), "{out}");
                assert!(out.contains("\n  help: "), "{out}");
            }
        }
    }
}

#[test]
fn exit_codes_are_the_same_in_every_ci_format() {
    for format in ["sarif", "github", "junit"] {
        // An error-level finding fails.
        lint(format, &[DIR], 1);
        // Warnings alone pass, unless warnings are denied.
        lint(format, &[ALIAS, NET_STOP], 0);
        lint(format, &[ALIAS, "--deny-warnings"], 1);
        // A path that does not exist is a usage error, and nothing is printed as a report.
        tejun()
            .args([
                "lint",
                "--no-pwsh",
                "--format",
                format,
                "no/such/file.runbook",
            ])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty());
    }
}
