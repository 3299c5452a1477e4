//! Lint rules: what `tejun lint` reports beyond `tejun check`.
//!
//! Each rule lives in its own file under `rules/`, named after what it flags; the file's `//!`
//! documentation (What it does / Why is this bad? / Example / Use instead) is what
//! `tejun lint --explain CODE` prints, so the docs and the code cannot drift apart. [`RULES`] maps
//! codes to rules. A rule sees a checked [`Runbook`] through a [`Context`] and pushes [`Finding`]s;
//! [`lint`] runs them all, turns `tejun check` problems into findings, applies the levels from
//! [`Config`] and drops what an inline `# tejun: allow(CODE) reason` comment allows.
//!
//! The rule that parses embedded PowerShell with the real parser needs a PowerShell process, so
//! it runs in `tejun-runtime`; its entry here has no function.

mod allow;
mod config;
mod context;
mod finding;
pub mod pwsh;
mod rules;

pub use config::{Config, ConfigError, Level};
pub use context::{Block, BlockKind, Context};
pub use finding::Finding;
pub use rules::{RULES, Rule, rule};

use crate::Problem;
use crate::Runbook;
use crate::check::CheckError;

/// Lints one file. `runbook` is the checked runbook, or the problems that kept it from checking;
/// `path` is the file's path relative to the configuration's folder (for per-path overrides).
/// The rule needing PowerShell is not run here; pass all findings through [`finish`].
pub fn lint(
    src: &str,
    result: &Result<Runbook, Vec<Problem>>,
    config: &Config,
    path: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    match result {
        Ok(runbook) => {
            let cx = Context::new(runbook, src);
            for problem in &runbook.warnings {
                let mut finding = from_problem(problem);
                if finding.code == "TJ008" {
                    name_unreachable_steps(&cx, &mut finding);
                }
                findings.push(finding);
            }
            for rule in RULES {
                if let Some(check) = rule.check
                    && config.configured(rule, path) != Some(Level::Off)
                {
                    check(&cx, &mut findings);
                }
            }
        }
        Err(problems) => findings.extend(problems.iter().map(from_problem)),
    }
    findings
}

/// Names the steps inside an unreachable branch: they are what never runs. The checker marks
/// the branch's condition (or the arm); the branch is the smallest arm around it.
fn name_unreachable_steps(cx: &Context, finding: &mut Finding) {
    let Some(arm) = cx
        .arms
        .iter()
        .filter(|a| a.start <= finding.span.start && finding.span.end <= a.end)
        .min_by_key(|a| a.len())
    else {
        return;
    };
    let inside: Vec<String> = cx
        .steps
        .iter()
        .filter(|s| arm.start <= s.span.start && s.span.end <= arm.end)
        .map(|s| format!("`{}`", s.id.value))
        .collect();
    match inside.len() {
        0 => {}
        1 => finding
            .message
            .push_str(&format!(": step {} never runs", inside[0])),
        _ => finding
            .message
            .push_str(&format!(": steps {} never run", inside.join(", "))),
    }
}

/// Applies levels and inline allows to the findings of one file, from [`lint`] and from the
/// PowerShell parser alike, reports problems with the allows themselves, and sorts the result
/// by position.
pub fn finish(
    findings: Vec<Finding>,
    src: &str,
    result: &Result<Runbook, Vec<Problem>>,
    config: &Config,
    path: &str,
) -> Vec<Finding> {
    let steps = match result {
        Ok(runbook) => Context::new(runbook, src).step_spans(),
        Err(_) => Vec::new(),
    };
    let allows = allow::Allows::scan(src, &steps);
    let mut kept: Vec<Finding> = findings
        .into_iter()
        .filter_map(|mut f| {
            let rule = rule(&f.code)?;
            // A problem that keeps the runbook from running stays an error whatever the config.
            let level = if f.fatal {
                Level::Error
            } else {
                match config.configured(rule, path) {
                    Some(Level::Off) => return None,
                    Some(level) => level,
                    None => f.level,
                }
            };
            if !f.fatal && allows.allows(rule, f.span) {
                return None;
            }
            f.level = level;
            Some(f)
        })
        .collect();
    kept.extend(allows.problems());
    kept.sort_by(|a, b| a.span.start.cmp(&b.span.start).then(a.code.cmp(&b.code)));
    kept
}

/// A `tejun check` problem as a finding: under the rule that covers it when there is one
/// (an unfilled placeholder, an unknown step, an unreachable branch, an empty manual
/// instruction), under `TJ000` otherwise.
fn from_problem(problem: &Problem) -> Finding {
    let code = match problem {
        Problem::Check(CheckError::UnfilledPlaceholder { .. }) => "TJ002",
        Problem::Check(CheckError::UnknownName { kind, .. })
            if *kind == "step" || *kind == "window" =>
        {
            "TJ009"
        }
        Problem::Check(CheckError::Invalid { message, .. })
            if message == crate::check::EMPTY_MANUAL =>
        {
            "TJ010"
        }
        Problem::Check(CheckError::Suspicious { kind, .. })
            if *kind == crate::check::SuspiciousKind::Unreachable =>
        {
            "TJ008"
        }
        _ => "TJ000",
    };
    let level = match problem.severity() {
        crate::Severity::Error => Level::Error,
        crate::Severity::Warning => Level::Warning,
    };
    Finding {
        code: code.to_owned(),
        level,
        message: problem.to_string(),
        span: problem.span(),
        label: problem_label(problem),
        help: problem.help_str().unwrap_or_default(),
        check_code: Some(problem.code_str()),
        // Errors of `tejun check` mean the runbook cannot run: no configuration hides them.
        fatal: problem.severity() == crate::Severity::Error,
    }
}

fn problem_label(problem: &Problem) -> String {
    use miette::Diagnostic;
    problem
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|l| l.label().map(str::to_owned))
        .unwrap_or_default()
}
