//! The tejun runbook language: grammar, AST with spans, parser, semantic checks, lint rules and
//! the formatter.
//!
//! Text flows one way: [`parse()`] turns source text into an [`Ast`], [`check()`] validates it into a
//! [`Runbook`] whose branches can be resolved for any set of parameter values. [`compile`] does
//! both. [`lint`] adds rules on top of the checks; [`fmt`] prints an `Ast` in the canonical layout.
//! Nothing here does I/O, and no input makes it panic.

pub mod ast;
pub mod check;
pub mod code;
pub mod cond;
pub mod diagnostics;
pub mod fmt;
pub mod lint;
pub mod parse;
mod span;
mod suggestion;

pub use ast::Ast;
pub use check::{CheckError, Runbook, check};
pub use diagnostics::{Problem, Severity};
pub use parse::{ParseError, parse};
pub use span::Span;
pub use suggestion::Suggestion;

/// Parses and checks a runbook. On success the [`Runbook`] carries any warnings the checker found.
///
/// ```
/// let src = "runbook demo {\n  step hello \"Say hello\" {\n    run { Write-Output 'hello' }\n  }\n}\n";
/// let runbook = tejun_grammar::compile(src).unwrap();
/// assert_eq!(runbook.ast.name.value, "demo");
/// ```
pub fn compile(src: &str) -> Result<Runbook, Vec<Problem>> {
    let ast =
        parse(src).map_err(|errors| errors.into_iter().map(Problem::from).collect::<Vec<_>>())?;
    check(ast)
}
