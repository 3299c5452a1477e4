//! Text to [`Ast`]: the only module that sees pest's `Pair` and `Rule`.

mod blanked;
mod build;
mod encoding;
mod error;
mod powershell;
mod syntax;

use pest::Parser as _;

pub use encoding::{Encoding, shown};
pub use error::ParseError;

use crate::ast::Ast;
use crate::span::Span;

/// How deep braces and parentheses may nest. Real runbooks stay far below; the limit keeps
/// hostile input from exhausting the stack.
pub const MAX_NESTING: usize = 200;

#[derive(pest_derive::Parser)]
#[grammar = "../tejun.pest"]
pub(crate) struct TejunParser;

/// Parses runbook text into an [`Ast`]. Reports every problem the builder finds, or the first
/// syntax error.
pub fn parse(src: &str) -> Result<Ast, Vec<ParseError>> {
    check_nesting(src).map_err(|e| vec![e])?;
    if let Some((text, blocks)) = blanked::blank(src)
        && let Some(pairs) = blanked::pairs(&text)
        && let Some(built) = build::file(pairs, src, Some(&blocks))
    {
        return built;
    }
    let pairs = pairs(src).map_err(|e| vec![e])?;
    build::file(pairs, src, None).expect("pairs of the text itself are always confirmed")
}

/// Decodes a file's bytes as UTF-8 (a leading byte order mark is kept; the grammar skips it).
/// Bytes that are not UTF-8, or that hold a NUL byte, are refused with what they look like
/// (UTF-16, a legacy encoding, binary); show the error against [`shown`]`(bytes)`.
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    encoding::decode(bytes)
}

/// Runs pest over the whole file.
fn pairs(src: &str) -> Result<pest::iterators::Pairs<'_, Rule>, ParseError> {
    // Detailed attempts make the messages name the tokens that were expected, not just rules, but
    // they slow parsing down many times over: parse without them, and again with them on failure.
    pest::set_error_detail(false);
    TejunParser::parse(Rule::file, src).map_err(|_| {
        pest::set_error_detail(true);
        let detailed = TejunParser::parse(Rule::file, src).err();
        pest::set_error_detail(false);
        match detailed {
            Some(e) => syntax::convert(&e, src),
            None => unreachable!("a parse that failed once fails again"),
        }
    })
}

/// Rejects input that nests braces or parentheses deeper than [`MAX_NESTING`], before any
/// recursive descent sees it.
fn check_nesting(src: &str) -> Result<(), ParseError> {
    /// Bytes looked at together: brackets are a few bytes in a hundred, and a chunk without one
    /// is passed over with a test the compiler turns into a few vector instructions.
    const CHUNK: usize = 16;
    let is_bracket = |b: u8| matches!(b, b'{' | b'(' | b'}' | b')');
    let mut depth = 0usize;
    for (c, chunk) in src.as_bytes().chunks(CHUNK).enumerate() {
        if !chunk.iter().fold(false, |any, &b| any | is_bracket(b)) {
            continue;
        }
        depth = nesting_in(chunk, c * CHUNK, depth)?;
    }
    Ok(())
}

/// [`check_nesting`] over `bytes`, which start at byte `offset` of the text at `depth`: the depth
/// after them.
fn nesting_in(bytes: &[u8], offset: usize, mut depth: usize) -> Result<usize, ParseError> {
    for (i, &b) in bytes.iter().enumerate() {
        let i = offset + i;
        match b {
            b'{' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(ParseError::TooDeep {
                        limit: MAX_NESTING,
                        span: Span::new(i, i + 1),
                    });
                }
            }
            b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(depth)
}
