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
//! `give up "NAME"`, ...). A guess never decides anything: the copy is used only when the blocks'
//! code (`ps_code`) in pest's tree is exactly the blanked spans, apart from empty code. Code pest
//! read itself next to blank text is refused too: a here-string or a comment in it could have run
//! into a blanked block and found its end there in the text itself. Everything else (a syntax
//! error, a guessed block that does not end, a guess the tree does not confirm) is left to pest
//! on the text itself, so results and diagnostics are those of the grammar alone.

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
    let blocks = find(src)?;
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

/// Reads the language lightly and scans every block it takes for one; `None` when one of them
/// does not end.
fn find(src: &str) -> Option<Blocks> {
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
                    // A block that does not end is a syntax error or a wrong guess; either way
                    // pest reads the text itself (the blocks after it might otherwise hide what
                    // it runs into).
                    let end = powershell::block_end(src, p, &mut blocks.found)?;
                    blocks.list.push(Block {
                        start: p,
                        end,
                        found: mark..blocks.found.len(),
                    });
                    p = end + 1;
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
    Some(blocks)
}

#[cfg(test)]
mod tests {
    //! The fast path must read every text exactly as pest reads the text itself: the fixtures,
    //! the real runbooks, and random edits of them.

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

    /// Random edits of every fixture and runbook (a fixed seed, so a failure comes back): where
    /// the fast path decides, it must decide as pest does on the text itself.
    #[test]
    fn the_fast_path_reads_edited_runbooks_as_pest_does() {
        let corpus = corpus();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n.max(1)
        };
        let (mut tried, mut decided) = (0, 0);
        for _ in 0..100 {
            for original in &corpus {
                let mut src = original.clone();
                for _ in 0..1 + next(3) {
                    let mut at = next(src.len() + 1);
                    while !src.is_char_boundary(at) {
                        at -= 1;
                    }
                    let mut end = (at + next(3)).min(src.len());
                    while !src.is_char_boundary(end) {
                        end += 1;
                    }
                    src.replace_range(at..end, PIECES[next(PIECES.len())]);
                }
                tried += 1;
                if let Some(result) = fast(&src) {
                    decided += 1;
                    assert_eq!(result, slow(&src), "{src}");
                }
            }
        }
        // Most edits break a runbook, and many fixtures are broken to begin with.
        assert!(
            decided * 20 > tried,
            "the fast path decided only {decided} of {tried} edited runbooks"
        );
    }

    /// Random PowerShell made of the pieces the scanner treats specially, in a block: where the
    /// fast path decides, it must decide as pest does, placeholders included.
    #[test]
    fn the_scanner_reads_random_powershell_as_the_grammar_does() {
        const CODE: &[&str] = &[
            "'", "\"", "\u{2018}", "\u{2019}", "\u{201C}", "\u{201E}", "`", "@'\n", "\n'@",
            "@\"\n", "\n\"@", " '@", "$(", "${", "(", ")", "{", "}", "#", "<#", "#>", "<A b>",
            "<Ü 1/2>", "<x", ">", "<", "a", "Get-Item", " ", "\n", "\r\n", "\r", "\t", "a#b", "$x",
            ";", "@", "\u{3042}",
        ];
        let mut state: u64 = 7;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n.max(1)
        };
        let (mut tried, mut decided, mut placeholders) = (0, 0, 0);
        for _ in 0..20_000 {
            let code: String = (0..next(24)).map(|_| CODE[next(CODE.len())]).collect();
            let src = format!(
                "runbook r {{\n  param A: string placeholder \"<A b>\"\n  step s \"S\" {{\n    run {{{code}}}\n    ensure {{ {code} }}\n  }}\n}}\n"
            );
            tried += 1;
            if let Some(result) = fast(&src) {
                decided += 1;
                if let Ok(ast) = &result {
                    placeholders += format!("{ast:?}").matches("Placeholder {").count();
                }
                assert_eq!(result, slow(&src), "{src}");
            }
        }
        assert!(
            decided * 10 > tried && placeholders > 100,
            "decided {decided} of {tried}, {placeholders} placeholders"
        );
    }
}
