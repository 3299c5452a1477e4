//! A did-you-mean replacement carried by a problem, for tools that apply it (`tejun lsp`'s quick
//! fixes). The rendered help says the same in words.

use crate::span::Span;

/// Text that would fix a problem: write `text` in place of `span`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What to replace: the misspelled name, keyword, type or value as written.
    pub span: Span,
    /// What to write instead, exactly as it goes into the file.
    pub text: String,
}

impl Suggestion {
    /// Replace `span` with `text`.
    pub fn new(span: Span, text: impl Into<String>) -> Suggestion {
        Suggestion {
            span,
            text: text.into(),
        }
    }

    /// A string literal holding `value`, as a quoted choice value is written.
    pub fn quoted(span: Span, value: &str) -> Suggestion {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        Suggestion::new(span, format!("\"{escaped}\""))
    }
}
