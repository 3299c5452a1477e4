//! One problem a lint rule found.

use miette::{Diagnostic, LabeledSpan, Severity};
use serde::Serialize;

use super::Level;
use crate::span::Span;

/// A problem in a runbook, found by a rule or by `tejun check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's code, such as `TJ003`.
    pub code: String,
    /// How serious it is, after configuration.
    pub level: Level,
    /// What is wrong: lowercase, identifiers in backticks.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short label on the span.
    pub label: String,
    /// What to write instead.
    pub help: String,
    /// The `tejun check` code when the finding is a check problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_code: Option<String>,
    /// Whether the runbook cannot run because of it: such findings ignore levels and allows.
    #[serde(skip)]
    pub fatal: bool,
}

impl Finding {
    /// A finding of rule `code`, at the rule's default level.
    pub fn new(
        code: &str,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            code: code.to_owned(),
            level: super::rule(code).map_or(Level::Error, |r| r.level),
            message: message.into(),
            span,
            label: label.into(),
            help: help.into(),
            check_code: None,
            fatal: false,
        }
    }

    /// The rule's name, such as `alias`.
    pub fn rule_name(&self) -> &'static str {
        super::rule(&self.code).map_or("", |r| r.name)
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Finding {}

impl Diagnostic for Finding {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("{}({})", self.code, self.rule_name())))
    }

    fn severity(&self) -> Option<Severity> {
        Some(match self.level {
            Level::Error => Severity::Error,
            _ => Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn std::fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label, self.span,
        ))))
    }
}
