//! The rule table: one file per rule, named after what it flags.

use super::{Context, Finding, Level};

mod alias;
mod bad_allow;
mod check;
mod destructive_without_confirmation;
mod duplicate_step_title;
mod long_running_without_timeout;
mod loop_without_gate;
mod manual_without_instruction;
mod powershell_syntax;
mod restart_without_comeback;
mod secret_exposed;
mod state_change_without_postcondition;
mod unfilled_placeholder;
mod unknown_reference;
mod unreachable;
mod variable_lost_at_restart;

/// A lint rule.
#[derive(Debug)]
pub struct Rule {
    /// The stable code, such as `TJ003`.
    pub code: &'static str,
    /// The name, such as `state-change-without-postcondition`.
    pub name: &'static str,
    /// The level it reports at unless configured otherwise.
    pub level: Level,
    /// One line: what it flags.
    pub summary: &'static str,
    /// The rule's source file, whose `//!` documentation is its explanation.
    source: &'static str,
    /// The check; `None` when the findings come from elsewhere (`tejun check`, the PowerShell
    /// parser in `tejun-runtime`, the allow comments).
    pub check: Option<fn(&Context, &mut Vec<Finding>)>,
}

impl Rule {
    /// The rule's documentation: What it does / Why is this bad? / Example / Use instead.
    pub fn explanation(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(doc) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(doc.strip_prefix(' ').unwrap_or(doc));
            out.push('\n');
        }
        out
    }
}

macro_rules! rule {
    ($code:literal, $name:literal, $level:ident, $summary:literal, $file:literal, $check:expr) => {
        Rule {
            code: $code,
            name: $name,
            level: Level::$level,
            summary: $summary,
            source: include_str!($file),
            check: $check,
        }
    };
}

/// Every rule, by code.
pub static RULES: &[Rule] = &[
    rule!(
        "TJ000",
        "check",
        Error,
        "a problem `tejun check` reports",
        "check.rs",
        None
    ),
    rule!(
        "TJ001",
        "powershell-syntax",
        Error,
        "embedded PowerShell that the PowerShell parser rejects",
        "powershell_syntax.rs",
        None
    ),
    rule!(
        "TJ002",
        "unfilled-placeholder",
        Error,
        "a document placeholder (`<...>`) in code that no parameter fills",
        "unfilled_placeholder.rs",
        None
    ),
    rule!(
        "TJ003",
        "state-change-without-postcondition",
        Warning,
        "a command that changes the system in a step with no `ensure`",
        "state_change_without_postcondition.rs",
        Some(state_change_without_postcondition::check)
    ),
    rule!(
        "TJ004",
        "destructive-without-confirmation",
        Error,
        "a destructive command with no manual confirmation before it",
        "destructive_without_confirmation.rs",
        Some(destructive_without_confirmation::check)
    ),
    rule!(
        "TJ005",
        "long-running-without-timeout",
        Warning,
        "an installer or long-running command with no `timeout`",
        "long_running_without_timeout.rs",
        Some(long_running_without_timeout::check)
    ),
    rule!(
        "TJ006",
        "variable-lost-at-restart",
        Error,
        "a PowerShell variable set before `restart shell` and read after it",
        "variable_lost_at_restart.rs",
        Some(variable_lost_at_restart::check)
    ),
    rule!(
        "TJ007",
        "secret-exposed",
        Error,
        "a secret parameter written to output or interpolated into a string",
        "secret_exposed.rs",
        Some(secret_exposed::check)
    ),
    rule!(
        "TJ008",
        "unreachable",
        Warning,
        "a step or branch that no combination of parameter values reaches",
        "unreachable.rs",
        None
    ),
    rule!(
        "TJ009",
        "unknown-reference",
        Error,
        "a window or reference naming a step that does not exist",
        "unknown_reference.rs",
        None
    ),
    rule!(
        "TJ010",
        "manual-without-instruction",
        Error,
        "a manual step with no instruction to carry out",
        "manual_without_instruction.rs",
        Some(manual_without_instruction::check)
    ),
    rule!(
        "TJ011",
        "duplicate-step-title",
        Warning,
        "two steps with the same title",
        "duplicate_step_title.rs",
        Some(duplicate_step_title::check)
    ),
    rule!(
        "TJ012",
        "alias",
        Warning,
        "an alias (`%`, `?`, `gci`, `ls`, ...) instead of the cmdlet's full name",
        "alias.rs",
        Some(alias::check)
    ),
    rule!(
        "TJ013",
        "bad-allow",
        Warning,
        "an inline allow that names no rule, gives no reason or allows nothing",
        "bad_allow.rs",
        None
    ),
    rule!(
        "TJ014",
        "loop-without-gate",
        Warning,
        "a loop that changes the system with no `ensure` or `manual` between its items",
        "loop_without_gate.rs",
        Some(loop_without_gate::check)
    ),
    rule!(
        "TJ015",
        "restart-without-comeback",
        Warning,
        "a step on a remote target that restarts it with no polled check that it came back",
        "restart_without_comeback.rs",
        Some(restart_without_comeback::check)
    ),
];

/// The rule with this code or name (case-insensitive).
pub fn rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_with_the_four_sections() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(
                r.code,
                format!("TJ{i:03}"),
                "codes are in order without gaps"
            );
            let doc = r.explanation();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(
                    doc.contains(section),
                    "{} lacks `{section}`:\n{doc}",
                    r.code
                );
            }
            assert!(rule(r.name).is_some_and(|found| found.code == r.code));
        }
    }
}
