//! Problems found in a runbook and how they are rendered.

mod visible;

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, Severity as MietteSeverity, SourceCode, SourceSpan, SpanContents,
};
use thiserror::Error;

use visible::Visible;
pub use visible::visible;

use crate::check::CheckError;
use crate::parse::ParseError;
use crate::span::Span;
use crate::suggestion::Suggestion;

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

    /// The replacement a did-you-mean help names, when it names one.
    pub fn suggestion(&self) -> Option<&Suggestion> {
        match self {
            Problem::Parse(
                ParseError::Syntax { suggestion, .. } | ParseError::UnknownType { suggestion, .. },
            ) => suggestion.as_deref(),
            Problem::Check(
                CheckError::UnknownName { suggestion, .. }
                | CheckError::Type { suggestion, .. }
                | CheckError::UnfilledPlaceholder { suggestion, .. }
                | CheckError::LoopSource { suggestion, .. }
                | CheckError::Target { suggestion, .. },
            ) => suggestion.as_ref(),
            _ => None,
        }
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
/// most [`MAX_RENDERED`] of them. Control characters in the source, the file name, messages and
/// labels are shown [`visible`], so nothing printed acts on the terminal, and the snippet's lines
/// are the lines `file:line:col` counts (a lone carriage return does not end one).
pub fn render_all<D>(items: &[D], file_name: &str, src: &str, width: usize, color: bool) -> String
where
    D: Diagnostic,
{
    // Showing the source costs a pass over all of it: not for a file with nothing to show.
    if items.is_empty() {
        return String::new();
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let source = Source::new(file_name, src);
    let file_name = visible(file_name);
    let mut out = String::new();
    for item in items.iter().take(MAX_RENDERED) {
        let shown = Shown::new(item, &source);
        if handler.render_report(&mut out, &shown).is_err() {
            let at = Diagnostic::labels(item)
                .and_then(|mut labels| labels.next())
                .map_or(0, |l| l.offset());
            let (line, col) = crate::Span::at(at).line_col(src);
            out.push_str(&format!("{file_name}:{line}:{col}: {}\n", shown.message));
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

/// A diagnostic as it is rendered: its texts [`visible`], its labels moved onto the visible
/// source text.
#[derive(Debug)]
struct Shown<'a> {
    inner: &'a dyn Diagnostic,
    source: &'a Source,
    message: String,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Shown<'a>>,
}

impl<'a> Shown<'a> {
    fn new(inner: &'a dyn Diagnostic, source: &'a Source) -> Shown<'a> {
        let labels = inner
            .labels()
            .into_iter()
            .flatten()
            .map(|label| {
                let start = source.shown.offset(label.offset());
                let end = source.shown.offset(label.offset() + label.len());
                let text = label.label().map(|l| visible(l).into_owned());
                let span = SourceSpan::new(start.into(), end - start);
                if label.primary() {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect();
        Shown {
            inner,
            source,
            message: visible(&inner.to_string()).into_owned(),
            help: inner.help().map(|h| visible(&h.to_string()).into_owned()),
            labels,
            related: inner
                .related()
                .into_iter()
                .flatten()
                .map(|r| Shown::new(r, source))
                .collect(),
        }
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<MietteSeverity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)) as Box<_>)
    }
}

/// How many problems of one file [`render`] shows. Rendering locates each problem in the source,
/// so thousands of them in a large file would take minutes, and nobody reads past the first few.
pub const MAX_RENDERED: usize = 200;

/// A file's text as miette reads it: named, made [`visible`], with columns counted in
/// characters. miette counts them in bytes, so `file:line:col` after Japanese text would not be
/// the column an editor shows (or the one `tejun lint --format json` reports); every replaced
/// control character is one character, so the count is that of the file.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    shown: Arc<Visible>,
}

impl Source {
    /// The text of the file named `name`.
    pub fn new(name: &str, text: &str) -> Source {
        Source {
            name: visible(name).into_owned(),
            shown: Arc::new(Visible::new(text)),
        }
    }
}

impl SourceCode for Source {
    /// Reads a span of the visible text (labels are moved there by [`Shown`]).
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.shown.text.as_str();
        let inner = text.read_span(span, context_lines_before, context_lines_after)?;
        // Without context lines the contents start at the span, and their column is the
        // span's: recount it in characters. Only a line feed ends a line (a lone carriage
        // return is shown as a character), as in `Span::line_col`.
        let column = if context_lines_before == 0 {
            let start = span.offset().min(text.len());
            let before = text.get(..start).unwrap_or("");
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
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
