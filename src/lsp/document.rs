//! An open document: its text as the editor has it, and its lines.

use lsp_types::{Position, Range, Uri};
use tejun_grammar::Span;

use super::position::LineIndex;

/// A runbook open in the editor.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    /// Where it lives.
    pub uri: Uri,
    /// Its text.
    pub text: String,
    /// The editor's version of it.
    pub version: i32,
    lines: LineIndex,
}

impl Document {
    /// A document with this text.
    pub fn new(uri: Uri, text: String, version: i32) -> Document {
        let lines = LineIndex::new(&text);
        Document {
            uri,
            text,
            version,
            lines,
        }
    }

    /// Replaces the text.
    pub fn set_text(&mut self, text: String, version: i32) {
        self.lines = LineIndex::new(&text);
        self.text = text;
        self.version = version;
    }

    /// The range of a byte span.
    pub fn range(&self, span: Span) -> Range {
        self.lines.range(&self.text, span)
    }

    /// The byte offset of a position.
    pub fn offset(&self, position: Position) -> usize {
        self.lines.offset(&self.text, position)
    }

    /// The position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }
}
