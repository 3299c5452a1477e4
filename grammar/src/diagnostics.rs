//! Problems found in a runbook and how they are rendered.

use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use thiserror::Error;

use crate::check::CheckError;
use crate::parse::ParseError;
use crate::span::Span;

/// Any problem found in a runbook: a parse error or a check finding.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum Problem {
    /// The text does not follow the grammar.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
    /// The runbook parses but is wrong or suspicious.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; the runbook still runs.
    Warning,
    /// The runbook cannot run.
    Error,
}

impl Problem {
    /// The problem's severity.
    pub fn severity(&self) -> Severity {
        match Diagnostic::severity(self) {
            Some(miette::Severity::Warning) | Some(miette::Severity::Advice) => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The stable code, such as `tejun::check::unknown_name`.
    pub fn code_str(&self) -> String {
        Diagnostic::code(self)
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    /// The span of the first label: where the problem is.
    pub fn span(&self) -> Span {
        Diagnostic::labels(self)
            .and_then(|mut labels| labels.next())
            .map(|l| Span::new(l.offset(), l.offset() + l.len()))
            .unwrap_or_default()
    }

    /// The help text: what to write instead.
    pub fn help_str(&self) -> Option<String> {
        Diagnostic::help(self).map(|h| h.to_string())
    }
}

/// Renders problems the way `tejun check` prints them: a source snippet per problem with the
/// file name, line and column, without colour when `color` is false.
pub fn render(
    problems: &[Problem],
    file_name: &str,
    src: &str,
    width: usize,
    color: bool,
) -> String {
    render_all(problems, file_name, src, width, color)
}

/// Renders any diagnostics of one file (check problems, lint findings) as [`render`] does, at
/// most [`MAX_RENDERED`] of them.
pub fn render_all<D>(items: &[D], file_name: &str, src: &str, width: usize, color: bool) -> String
where
    D: Diagnostic + Clone + Send + Sync + 'static,
{
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let source = Source::new(file_name, src);
    let mut out = String::new();
    for item in items.iter().take(MAX_RENDERED) {
        let report = miette::Report::new(item.clone()).with_source_code(source.clone());
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            let at = Diagnostic::labels(item)
                .and_then(|mut labels| labels.next())
                .map_or(0, |l| l.offset());
            let (line, col) = crate::Span::at(at).line_col(src);
            out.push_str(&format!("{file_name}:{line}:{col}: {item}\n"));
        }
        out.push('\n');
    }
    if items.len() > MAX_RENDERED {
        out.push_str(&format!(
            "{file_name}: {} more problems not shown; fix the ones above first\n\n",
            items.len() - MAX_RENDERED
        ));
    }
    out
}

/// How many problems of one file [`render`] shows. Rendering locates each problem in the source,
/// so thousands of them in a large file would take minutes, and nobody reads past the first few.
pub const MAX_RENDERED: usize = 200;

/// A file's text as miette reads it, named, with columns counted in characters. miette counts
/// them in bytes, so `file:line:col` after Japanese text would not be the column an editor
/// shows (or the one `tejun lint --format json` reports).
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: Arc<str>,
}

impl Source {
    /// The text of the file named `name`.
    pub fn new(name: &str, text: &str) -> Source {
        Source {
            name: name.to_owned(),
            text: Arc::from(text),
        }
    }
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // Without context lines the contents start at the span, and their column is the
        // span's: recount it in characters.
        let column = if context_lines_before == 0 {
            let start = span.offset().min(self.text.len());
            let before = self.text.get(..start).unwrap_or("");
            let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
            before[line_start..].chars().count()
        } else {
            inner.column()
        };
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line(),
                column,
                inner.line_count(),
            )
            .with_language("tejun"),
        ))
    }
}
