//! Every handler over every fixture and runbook, whole and cut short, at positions over the text
//! and past its end (few: every request parses the text again, slowly in a debug build): no panic (the `catch_unwind` around handlers is a last resort, not the
//! plan).

use std::path::Path;

use lsp_types::{Position, Range, Uri};

use super::document::Document;
use super::{actions, completion, diagnostics, format, hover, navigate, outline};

fn texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "fixtures/parse/ok",
        "fixtures/parse/err",
        "runbooks",
        "fixtures/fmt",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                out.push(text);
            }
        }
    }
    assert!(out.len() > 100, "the fixtures are found");
    out
}

fn every_handler(text: &str) {
    let uri: Uri = "file:///tmp/x.runbook".parse().unwrap();
    let doc = Document::new(uri, text.to_owned(), 1);
    diagnostics::check(&doc);
    outline::outline(&doc);
    format::format(&doc);
    let lines = text.lines().count() as u32 + 2;
    for line in [0, lines / 3, lines * 2 / 3, lines] {
        for character in [4, 200] {
            let at = Position::new(line, character);
            hover::hover(&doc, at);
            navigate::definition(&doc, at);
            navigate::references(&doc, at, true);
            completion::complete(&doc, at);
            actions::quick_fixes(&doc, Range::new(at, Position::new(line + 1, 0)));
        }
    }
}

#[test]
fn no_handler_panics_on_fixtures_whole_or_cut_short() {
    for text in texts() {
        every_handler(&text);
        for i in [1, 2] {
            let mut cut = text.len() * i / 3;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            every_handler(&text[..cut]);
        }
    }
}
