use miette::Diagnostic;
use thiserror::Error;

use super::Encoding;
use crate::span::Span;
use crate::suggestion::Suggestion;

/// A problem that stops a runbook from being read.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum ParseError {
    /// The text does not follow the grammar.
    #[error("{message}")]
    #[diagnostic(code(tejun::parse::syntax))]
    Syntax {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// What to write instead.
        #[help]
        help: Option<String>,
        /// The replacement the help suggests, when it names one (boxed: errors travel in
        /// `Result`s, which it would make larger for every caller).
        suggestion: Option<Box<Suggestion>>,
    },
    /// The file is not UTF-8 text: not UTF-8, or with NUL bytes.
    #[error("{encoding}")]
    #[diagnostic(code(tejun::parse::not_utf8))]
    NotUtf8 {
        /// What the file looks like.
        encoding: Encoding,
        /// The first bad byte (or the byte order mark), in the text [`super::shown`] gives.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: &'static str,
        /// What to do.
        #[help]
        help: &'static str,
    },
    /// Blocks or parentheses nest deeper than the language allows.
    #[error("blocks and parentheses nest more than {limit} levels deep")]
    #[diagnostic(
        code(tejun::parse::too_deep),
        help("split the runbook into flatter steps and branches")
    )]
    TooDeep {
        /// The limit.
        limit: usize,
        /// The brace or parenthesis that goes past it.
        #[label("this one goes past {limit} levels")]
        span: Span,
    },
    /// A string escape that the language does not know.
    #[error("unknown escape `{escape}` in a string")]
    #[diagnostic(
        code(tejun::parse::bad_escape),
        help(
            "write `\\\\` for a backslash, or use a `\"\"\"` string, which takes backslashes as they are"
        )
    )]
    BadEscape {
        /// The escape as written.
        escape: String,
        /// Where.
        #[label("not a known escape")]
        span: Span,
    },
    /// A parameter type that does not exist.
    #[error("unknown parameter type `{name}`")]
    #[diagnostic(code(tejun::parse::unknown_type))]
    UnknownType {
        /// The type as written.
        name: String,
        /// Where.
        #[label("not a type")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
        /// The replacement the help suggests, when it names one (boxed: errors travel in
        /// `Result`s, which it would make larger for every caller).
        suggestion: Option<Box<Suggestion>>,
    },
    /// A value that is out of range: a date, a duration or a number.
    #[error("{message}")]
    #[diagnostic(code(tejun::parse::bad_value))]
    BadValue {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("here")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// An option given twice.
    #[error("`{option}` is given twice")]
    #[diagnostic(code(tejun::parse::duplicate_option), help("keep one `{option}`"))]
    DuplicateOption {
        /// The option.
        option: String,
        /// The second one.
        #[label("given again here")]
        span: Span,
        /// The first one.
        #[label("first given here")]
        first: Span,
    },
}
