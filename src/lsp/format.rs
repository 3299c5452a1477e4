//! Formatting: the whole document laid out by `tejun fmt`'s formatter.

use lsp_types::{Position, Range, TextEdit};

use super::document::Document;

/// One edit replacing the whole text with its formatted form; none when it is already
/// formatted, or cannot be (it does not parse, or the formatter refuses its output).
pub(crate) fn format(doc: &Document) -> Vec<TextEdit> {
    match tejun_grammar::fmt::format_source(&doc.text) {
        Ok(out) if out != doc.text => {
            let end = doc.position(doc.text.len());
            vec![TextEdit::new(Range::new(Position::new(0, 0), end), out)]
        }
        _ => Vec::new(),
    }
}
