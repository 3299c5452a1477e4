//! The fast way through pest: the PowerShell blocks blanked out.
//!
//! Most of a runbook's bytes are PowerShell code, and reading it rule by rule is most of what
//! pest would spend on a file. So a light reading of the language finds where blocks open,
//! [`powershell::block_end`] finds where each ends and its placeholders, and pest parses a copy of
//! the text of the same length in which each block's code is blank (a NUL byte, then spaces) as a
//! `file_blanked`: every span stays the same, and a blank block costs pest one search for its `}`
//! (`ps_blank`).
//!
//! The light reading only guesses which `{` opens a block (the one after `run`, `ensure`, `if`,
//! `give up "NAME"`, ...). A guess never decides anything: the copy is used only when pest's
//! tree has a block's code (`ps_code`) at exactly every blanked span. Everything else (a syntax
//! error, a guess the tree does not confirm) is left to pest on the text itself, so results and
//! diagnostics are those of the grammar alone.

use pest::Parser as _;

use super::powershell::{self, Found};
use super::{Rule, TejunParser};

/// A block's code found before pest runs: from just after its `{` to its `}`, and the
/// placeholders in it.
#[derive(Debug)]
struct Block {
    start: usize,
    end: usize,
    /// Its placeholders: `Blocks::found[found]`.
    found: std::ops::Range<usize>,
}

/// Blocks as found in the text, in order.
pub(super) struct Blocks {
    list: Vec<Block>,
    found: Vec<Found>,
}

impl Blocks {
    /// The placeholders of the block whose code spans exactly `start..end`, if it was blanked.
    pub fn get(&self, start: usize, end: usize) -> Option<&[Found]> {
        let i = self.list.binary_search_by_key(&start, |b| b.start).ok()?;
        let block = &self.list[i];
        (block.end == end).then(|| &self.found[block.found.clone()])
    }

    /// How many blocks were blanked.
    pub fn len(&self) -> usize {
        self.list.len()
    }
}

/// The blanked text and its blocks, or `None` when there is nothing to blank.
pub(super) fn blank(src: &str) -> Option<(String, Blocks)> {
    // The mark of blank code is a NUL byte, so the text must hold none of its own (a file never
    // does: `decode` refuses it).
    if src.as_bytes().contains(&0) {
        return None;
    }
    let blocks = find(src);
    if blocks.list.is_empty() {
        return None;
    }
    let mut bytes = src.as_bytes().to_vec();
    for b in &blocks.list {
        let code = &mut bytes[b.start..b.end];
        code.fill(b' ');
        code[0] = 0;
    }
    // Whole characters were replaced by ASCII spaces, so the copy is UTF-8.
    let text = String::from_utf8(bytes).ok()?;
    Some((text, blocks))
}

/// Pest over the blanked text: the pairs, or `None` when it fails (the text itself then decides
/// what the error is).
pub(super) fn pairs(text: &str) -> Option<pest::iterators::Pairs<'_, Rule>> {
    pest::set_error_detail(false);
    TejunParser::parse(Rule::file_blanked, text).ok()
}

/// The last words before a `{`, enough to guess whether it opens a block.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token<'s> {
    Word(&'s str),
    String,
    Other,
}

/// Keywords after which a `{` opens a PowerShell block.
fn opens_block(before: &str) -> bool {
    matches!(
        before,
        "run" | "wait" | "until" | "require" | "ensure" | "if" | "gate"
    )
}

/// Words after which one of those keywords is a name (the runbook's, a parameter in a
/// condition, a loop's list, a target), not a keyword.
fn names_next(word: &str) -> bool {
    matches!(
        word,
        "runbook" | "match" | "on" | "when" | "and" | "or" | "not" | "in"
    )
}

/// Reads the language lightly and scans every block it takes for one.
fn find(src: &str) -> Blocks {
    let b = src.as_bytes();
    let mut blocks = Blocks {
        list: Vec::new(),
        found: Vec::new(),
    };
    // The last three tokens, the latest first.
    let mut last = [Token::Other; 3];
    fn push<'s>(last: &mut [Token<'s>; 3], t: Token<'s>) {
        last[2] = last[1];
        last[1] = last[0];
        last[0] = t;
    }
    let mut p = 0;
    while p < b.len() {
        match b[p] {
            b' ' | b'\t' | b'\r' | b'\n' => p += 1,
            b'#' => {
                p = b[p..]
                    .iter()
                    .position(|&c| c == b'\r' || c == b'\n')
                    .map_or(b.len(), |i| p + i)
            }
            b'"' if b[p..].starts_with(b"\"\"\"") => {
                let Some(i) = src[p + 3..].find("\"\"\"") else {
                    break;
                };
                p += 3 + i + 3;
                push(&mut last, Token::String);
            }
            b'"' => {
                p += 1;
                while let Some(&c) = b.get(p) {
                    p += 1;
                    match c {
                        b'"' | b'\n' => break,
                        b'\\' if !matches!(b.get(p), Some(b'\r' | b'\n') | None) => p += 1,
                        _ => {}
                    }
                }
                push(&mut last, Token::String);
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = p;
                while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'_' || b[p] == b'-')
                {
                    p += 1;
                }
                push(&mut last, Token::Word(&src[start..p]));
            }
            b'{' => {
                let block = match last {
                    [Token::Word(w), Token::Word(before), _] if names_next(before) => {
                        w == "run" && before == "in"
                    }
                    [Token::Word(w), ..] => opens_block(w),
                    [Token::String, Token::Word("up"), Token::Word("give")] => true,
                    _ => false,
                };
                p += 1;
                if block && b.get(p) != Some(&b'}') {
                    let mark = blocks.found.len();
                    if let Some(end) = powershell::block_end(src, p, &mut blocks.found) {
                        blocks.list.push(Block {
                            start: p,
                            end,
                            found: mark..blocks.found.len(),
                        });
                        p = end + 1;
                    }
                }
                push(&mut last, Token::Other);
            }
            _ => {
                // A continuation byte of a character is never a token of its own; moving on by
                // bytes is enough for a guess.
                p += 1;
                push(&mut last, Token::Other);
            }
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    //! The fast path must read every text exactly as pest reads the text itself: the fixtures,
    //! the real runbooks, and random edits of them.

    use proptest::prelude::*;

    use super::super::{build, check_nesting, pairs};
    use crate::ast::Ast;

    /// What pest on the text itself gives, as `{:?}` for the errors (they have no `PartialEq`).
    fn slow(src: &str) -> Result<Ast, String> {
        check_nesting(src).map_err(|e| format!("{e:?}"))?;
        let pairs = pairs(src).map_err(|e| format!("{e:?}"))?;
        build::file(pairs, src, None)
            .expect("pairs of the text itself are confirmed")
            .map_err(|e| format!("{e:?}"))
    }

    /// What the fast path gives, when it decides.
    fn fast(src: &str) -> Option<Result<Ast, String>> {
        check_nesting(src).ok()?;
        let (text, blocks) = super::blank(src)?;
        let pairs = super::pairs(&text)?;
        let built = build::file(pairs, src, Some(&blocks))?;
        Some(built.map_err(|e| format!("{e:?}")))
    }

    /// Every `.runbook` file under the fixtures and the real runbooks.
    fn corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut out = Vec::new();
        let mut dirs = vec![root.join("fixtures"), root.join("runbooks")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "runbook")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push(text);
                }
            }
        }
        assert!(out.len() > 50, "only {} runbooks found", out.len());
        out
    }

    #[test]
    fn the_fast_path_reads_every_fixture_and_runbook_as_pest_does() {
        let mut decided = 0;
        for src in corpus() {
            if let Some(result) = fast(&src) {
                decided += 1;
                assert_eq!(result, slow(&src), "{src}");
            } else if slow(&src).is_ok() {
                // A runbook that parses is read the fast way, unless it has no code to blank.
                let blanked = super::blank(&src).map_or(0, |(_, blocks)| blocks.len());
                assert_eq!(
                    blanked, 0,
                    "the fast path gave up on a runbook that parses:\n{src}"
                );
            }
        }
        assert!(decided > 30, "the fast path decided only {decided} times");
    }

    /// Pieces that move PowerShell and the language around each other.
    const PIECES: &[&str] = &[
        "{",
        "}",
        "(",
        ")",
        "\"",
        "'",
        "`",
        "#",
        "<#",
        "#>",
        "@'\n",
        "\n'@",
        "@\"\n",
        "\n\"@",
        "$(",
        "${",
        "<A b>",
        "\u{2018}",
        "\u{201C}",
        "run ",
        "if ",
        "ensure ",
        "give up \"g\" ",
        "match ",
        "when ",
        " in ",
        "\\",
        "\n",
        " ",
        "step s \"S\" {",
        "run { x }",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn the_fast_path_reads_edited_runbooks_as_pest_does(
            seed in any::<prop::sample::Index>(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(PIECES), 0..3usize), 1..5),
        ) {
            let corpus = corpus_cached();
            let mut src = corpus[seed.index(corpus.len())].clone();
            for (at, piece, delete) in edits {
                let mut at = at.index(src.len() + 1);
                while !src.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + delete).min(src.len());
                while !src.is_char_boundary(end) {
                    end += 1;
                }
                src.replace_range(at..end, piece);
            }
            if let Some(result) = fast(&src) {
                prop_assert_eq!(result, slow(&src), "{}", src);
            }
        }
    }

    fn corpus_cached() -> &'static [String] {
        static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        CORPUS.get_or_init(corpus)
    }
}
