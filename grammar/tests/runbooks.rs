//! Every real runbook in `runbooks/` compiles with no errors and no warnings.

mod common;

use common::{compile_bytes, display_name, display_source, render, repo_root, runbooks_in};

#[test]
fn every_runbook_compiles_cleanly() {
    let files = runbooks_in(&repo_root().join("runbooks"));
    assert!(!files.is_empty(), "runbooks/ holds no runbooks");
    let mut reports = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = display_name(path);
        let problems = match compile_bytes(&bytes) {
            Ok(runbook) => runbook.warnings,
            Err(problems) => problems,
        };
        if !problems.is_empty() {
            reports.push(render(&problems, &name, &display_source(&bytes)));
        }
    }
    assert!(
        reports.is_empty(),
        "runbooks with problems:\n{}",
        reports.join("\n")
    );
}
