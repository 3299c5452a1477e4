//! The lint fixtures: `fixtures/lint/<CODE>/*.runbook`. Every line marked `# <- CODE` (or with a
//! `# ^ CODE` line below it) must be flagged by rule CODE, and no other line may be. Each file also
//! has an insta snapshot of the findings as `tejun lint` renders them. The runbooks in `runbooks/`
//! lint clean.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use tejun_grammar::lint::{Config, Finding, RULES, finish, lint};

use common::{compile_bytes, display_name, repo_root, runbooks_in};

fn lint_file(path: &Path) -> (String, Vec<Finding>) {
    let bytes = std::fs::read(path).unwrap();
    let src = String::from_utf8(bytes.clone()).expect("fixtures are UTF-8");
    let result = compile_bytes(&bytes);
    let config = Config::default();
    let findings = lint(&src, &result, &config, "x.runbook");
    (
        src.clone(),
        finish(findings, &src, &result, &config, "x.runbook"),
    )
}

/// The lines (1-based) each rule is expected to flag, from the `# <-` and `# ^` marks.
fn expected(src: &str, code: &str) -> BTreeSet<usize> {
    let mut lines = BTreeSet::new();
    for (i, line) in src.lines().enumerate() {
        if let Some((_, marks)) = line.split_once("# <- ")
            && marks.split_whitespace().any(|m| m == code)
        {
            lines.insert(i + 1);
        }
        if let Some(marks) = line.trim().strip_prefix("# ^ ")
            && marks.split_whitespace().any(|m| m == code)
        {
            lines.insert(i);
        }
    }
    lines
}

fn render(findings: &[Finding], name: &str, src: &str) -> String {
    tejun_grammar::diagnostics::render_all(findings, name, src, 100, false)
}

#[test]
fn every_rule_has_a_fixture_and_flags_exactly_the_marked_lines() {
    let root = repo_root().join("fixtures/lint");
    let mut wrong = Vec::new();
    for rule in RULES {
        let dir = root.join(rule.code);
        let files = runbooks_in(&dir);
        assert!(
            !files.is_empty(),
            "rule {} has no fixture in {}",
            rule.code,
            dir.display()
        );
        // TJ001 needs the real PowerShell parser: tests/lint_pwsh.rs checks its fixture.
        if rule.code == "TJ001" {
            continue;
        }
        for path in files {
            let (src, findings) = lint_file(&path);
            let want = expected(&src, rule.code);
            assert!(
                !want.is_empty(),
                "{} marks no line for {}",
                path.display(),
                rule.code
            );
            let got: BTreeSet<usize> = findings
                .iter()
                .filter(|f| f.code == rule.code)
                .map(|f| f.span.line_col(&src).0)
                .collect();
            if got != want {
                wrong.push(format!(
                    "{}: {} should flag lines {want:?}, flags {got:?}\n{}",
                    display_name(&path),
                    rule.code,
                    render(&findings, &display_name(&path), &src)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn fixtures_render_as_tejun_lint_shows_them() {
    insta::glob!("../../fixtures/lint", "*/*.runbook", |path| {
        let (src, findings) = lint_file(path);
        insta::assert_snapshot!(render(&findings, &display_name(path), &src));
    });
}

#[test]
fn the_runbooks_lint_clean() {
    for path in runbooks_in(&repo_root().join("runbooks")) {
        let (src, findings) = lint_file(&path);
        assert!(
            findings.is_empty(),
            "{} should lint clean:\n{}",
            display_name(&path),
            render(&findings, &display_name(&path), &src)
        );
    }
}
