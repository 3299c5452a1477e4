//! `check` problems and lint findings as LSP diagnostics.

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use miette::Diagnostic as _;
use tejun_grammar::lint::{Finding, Level};
use tejun_grammar::{Problem, Severity, Span};

use super::document::Document;

/// What the diagnostics say they come from.
const SOURCE: &str = "tejun";

/// The problems `tejun check` finds in the text as it stands.
pub(crate) fn check(doc: &Document) -> Vec<Diagnostic> {
    let problems = match tejun_grammar::compile(&doc.text) {
        Ok(runbook) => runbook.warnings,
        Err(problems) => problems,
    };
    problems.iter().map(|p| from_problem(doc, p)).collect()
}

/// A `check` problem: its code, its message with the help after it, and its other labels as
/// related information.
pub(crate) fn from_problem(doc: &Document, problem: &Problem) -> Diagnostic {
    let severity = match problem.severity() {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    };
    let related: Vec<DiagnosticRelatedInformation> = problem
        .labels()
        .into_iter()
        .flatten()
        .skip(1)
        .map(|label| DiagnosticRelatedInformation {
            location: location(
                doc,
                &doc.uri,
                Span::new(label.offset(), label.offset() + label.len()),
            ),
            message: label.label().unwrap_or("here").to_owned(),
        })
        .collect();
    Diagnostic {
        range: doc.range(problem.span()),
        severity: Some(severity),
        code: Some(NumberOrString::String(problem.code_str())),
        source: Some(SOURCE.to_owned()),
        message: with_help(&problem.to_string(), problem.help_str().as_deref()),
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

/// A lint finding: under the `check` code when it is a `check` problem, else under the rule's
/// code (`TJ003`), with the rule's name beside it.
pub(crate) fn from_finding(doc: &Document, finding: &Finding) -> Diagnostic {
    let severity = match finding.level {
        Level::Error => DiagnosticSeverity::ERROR,
        _ => DiagnosticSeverity::WARNING,
    };
    let code = finding
        .check_code
        .clone()
        .unwrap_or_else(|| finding.code.clone());
    let message = if finding.check_code.is_some() {
        finding.message.clone()
    } else {
        format!("{} ({})", finding.message, finding.rule_name())
    };
    Diagnostic {
        range: doc.range(finding.span),
        severity: Some(severity),
        code: Some(NumberOrString::String(code)),
        source: Some(SOURCE.to_owned()),
        message: with_help(&message, Some(&finding.help)),
        ..Diagnostic::default()
    }
}

fn with_help(message: &str, help: Option<&str>) -> String {
    match help {
        Some(help) if !help.is_empty() => format!("{message}\nhelp: {help}"),
        _ => message.to_owned(),
    }
}

fn location(doc: &Document, uri: &Uri, span: Span) -> Location {
    Location::new(uri.clone(), doc.range(span))
}
