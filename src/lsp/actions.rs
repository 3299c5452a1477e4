//! Code actions: the did-you-mean suggestions of `check` as quick fixes.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use super::diagnostics::from_problem;
use super::document::Document;

/// A quick fix for each problem in `range` whose help names a replacement.
pub(crate) fn quick_fixes(doc: &Document, range: Range) -> Vec<CodeActionOrCommand> {
    let problems = match tejun_grammar::compile(&doc.text) {
        Ok(runbook) => runbook.warnings,
        Err(problems) => problems,
    };
    let (start, end) = (doc.offset(range.start), doc.offset(range.end));
    problems
        .iter()
        .filter_map(|problem| {
            let suggestion = problem.suggestion()?;
            let span = problem.span();
            let overlaps = span.start <= end && start <= span.end.max(span.start)
                || suggestion.span.start <= end && start <= suggestion.span.end;
            if !overlaps {
                return None;
            }
            let written = doc
                .text
                .get(suggestion.span.start..suggestion.span.end)
                .unwrap_or("");
            let edit = TextEdit::new(doc.range(suggestion.span), suggestion.text.clone());
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace `{written}` with `{}`", suggestion.text),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![from_problem(doc, problem)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(doc.uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}
