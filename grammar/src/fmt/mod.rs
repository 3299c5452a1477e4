//! The formatter: a parsed runbook printed back in the one canonical layout.
//!
//! [`format()`] walks the [`Ast`]; it is not a second parser. What the tree keeps only as written
//! (string literals with their escapes, numbers, durations and dates, comments, PowerShell code) is
//! copied from the file by its span, so the formatter never re-escapes a string or rewrites code.
//!
//! # The canonical layout
//!
//! - Two spaces of indentation per level; one item per line; `{` ends the line that opens a block
//!   and `}` stands on a line of its own; an empty block is `{}`.
//! - Options follow the house style of `runbooks/`: `run { ... } timeout D retries N every D
//!   accept exit N, N` and `source "ID" url "..." updated DATE` stay on one line; `placeholder`,
//!   `doc`, `warn` and `message` each go on a continuation line indented one level deeper. Options
//!   that may come in any order are written in that order.
//! - `} else when C {` and `} else {` join the closing brace of the previous arm. A match arm with
//!   braces has no comma; an arm that is a single action ends with `,`.
//! - Conditions are written with single spaces; `and` and `or` inside another `and`, `or` or `not`
//!   are parenthesised (the tree does not keep the author's parentheses).
//! - Blank lines: exactly one between top-level sections (header, parameters, windows, each step,
//!   branch and `finally`), also among the steps in a top-level branch. Elsewhere a blank line the
//!   author left between two items or comments is kept (several become one); never one right
//!   after `{` or before `}`.
//! - Comments: a comment on its own line stays on its own line before the item that follows it; a
//!   comment after code on the same line stays there, one space after the code. A comment inside
//!   an item (between `step` and its `{`, inside a condition, between the options of a `run`)
//!   moves to its own line above the item. No comment is dropped and their order never changes.
//! - PowerShell blocks: a one-line block is written `{ CODE }` with the code as written (inner
//!   spacing kept). A block over several lines keeps every line as written apart from its
//!   indentation: the lines are moved as a whole to one level deeper than the line holding `{`,
//!   so relative indentation (here-strings included) survives. The result is laid out again and
//!   must give exactly the code the block had before
//!   ([`Code::text`](crate::code::Code::text)); otherwise the block is copied as written. `"""`
//!   strings over several lines are treated the same way.
//! - Line breaks are `\n`. [`format_source`] keeps a byte order mark, and writes CR LF throughout
//!   when the file's first line break is CR LF.

mod meaning;
mod printer;
mod reindent;

use crate::ast::Ast;
use crate::parse::{ParseError, parse};

/// Why [`format_source`] could not format a file.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum FormatError {
    /// The text does not parse, so there is nothing to lay out.
    #[error("the runbook does not parse")]
    #[diagnostic(code(tejun::fmt::parse), help("fix the errors, then format again"))]
    Parse(#[related] Vec<ParseError>),
    /// The laid-out text would not mean what the file means. This is a bug in the formatter; the
    /// file should be left as it is.
    #[error("formatting would change what the runbook means, so it is left as it is")]
    #[diagnostic(
        code(tejun::fmt::unstable),
        help("this is a bug in `tejun fmt`: please report it with the file")
    )]
    Unstable,
}

/// Lays out a parsed runbook. `src` is the text `ast` was parsed from. The result uses `\n` line
/// breaks, ends with one, and has no byte order mark.
///
/// ```
/// let src = "runbook demo {step hello \"Say hello\" {run {Write-Output 'hello'}}}";
/// let ast = tejun_grammar::parse(src).unwrap();
/// assert_eq!(
///     tejun_grammar::fmt::format(&ast, src),
///     "runbook demo {\n  step hello \"Say hello\" {\n    run { Write-Output 'hello' }\n  }\n}\n"
/// );
/// ```
pub fn format(ast: &Ast, src: &str) -> String {
    printer::print(ast, src)
}

/// Parses and lays out a whole file's text, keeping its byte order mark and its line endings
/// (CR LF throughout when the first line break is CR LF, `\n` otherwise). Before returning, the
/// result is parsed again and must mean exactly what `src` means ([`same_meaning`]).
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let ast = parse(src).map_err(FormatError::Parse)?;
    let body = format(&ast, src);
    let mut out = String::with_capacity(body.len() + body.len() / 16 + 3);
    if src.starts_with('\u{FEFF}') {
        out.push('\u{FEFF}');
    }
    if uses_crlf(src) {
        out.push_str(&body.replace('\n', "\r\n"));
    } else {
        out.push_str(&body);
    }
    match parse(&out) {
        Ok(again) if same_meaning(&ast, &again) => Ok(out),
        _ => Err(FormatError::Unstable),
    }
}

/// Whether two trees mean the same runbook: equal once every span is ignored, and with
/// PowerShell compared by its laid-out [`Code::text`](crate::code::Code::text) rather than the
/// raw text between the braces (which the formatter re-indents). Comments are compared by their
/// text, in order.
pub fn same_meaning(a: &Ast, b: &Ast) -> bool {
    meaning::erased(a) == meaning::erased(b)
}

/// Whether the file's first line break is CR LF.
fn uses_crlf(src: &str) -> bool {
    src.find('\n')
        .is_some_and(|i| src.as_bytes().get(i.wrapping_sub(1)) == Some(&b'\r'))
}
