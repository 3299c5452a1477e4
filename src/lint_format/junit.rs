//! `--format junit`: JUnit XML, for CI systems that show test results but not annotations
//! (docs/lint-output.md).
//!
//! One test suite, `tejun lint`, with a test case per file: a file with an error-level finding
//! fails, the way `tejun lint` fails; a file with only warnings passes and lists them in its
//! `system-out`, so they are visible without failing the build.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use tejun_grammar::diagnostics::visible;
use tejun_grammar::lint::{Finding, Level};

use crate::input::plural;
use crate::lint_cmd::{FileReport, Report};

/// Renders `report` as a JUnit XML document.
pub(crate) fn render(report: &Report) -> String {
    let mut suite = TestSuite::new("tejun lint");
    suite.add_test_cases(report.files.iter().map(test_case));
    if let Some(why) = &report.pwsh_skipped {
        suite.set_system_out(format!(
            "rule TJ001 (powershell-syntax) did not run: {why}\n"
        ));
    }
    let mut junit = quick_junit::Report::new("tejun");
    junit.add_test_suite(suite);
    match junit.to_string() {
        Ok(xml) => xml,
        // Writing XML into memory does not fail; should it ever, a report with no test cases
        // would read as a clean lint, so the output is left unparsable on purpose.
        Err(e) => format!("tejun could not write the JUnit report: {e}\n"),
    }
}

/// The test case of one file.
fn test_case(file: &FileReport) -> TestCase {
    let errors = count(file, Level::Error);
    let warnings = count(file, Level::Warning);
    let listing: String = file.findings.iter().map(|f| entry(file, f)).collect();
    let status = if errors > 0 {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(format!(
                "{}, {}",
                plural(errors, "error"),
                plural(warnings, "warning")
            ))
            .set_type("tejun lint")
            .set_description(listing.clone());
        status
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new(visible(&file.path).as_ref(), status);
    case.set_classname("tejun.lint");
    if errors == 0 && !listing.is_empty() {
        case.set_system_out(listing);
    }
    case
}

/// How many of a file's findings are at `level`.
fn count(file: &FileReport, level: Level) -> usize {
    file.findings.iter().filter(|f| f.level == level).count()
}

/// One finding as `PATH:LINE:COL: LEVEL CODE(name): message`, then its help, indented; control
/// characters shown [`visible`], as XML 1.0 cannot carry them even escaped.
fn entry(file: &FileReport, finding: &Finding) -> String {
    let (line, col) = file.line_col(finding.span.start);
    let mut out = format!(
        "{}:{line}:{col}: {} {}({}): {}\n",
        file.path,
        finding.level.as_str(),
        finding.code,
        finding.rule_name(),
        finding.message
    );
    if !finding.help.is_empty() {
        out.push_str(&format!("  help: {}\n", finding.help));
    }
    visible(&out).into_owned()
}
