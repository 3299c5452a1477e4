use miette::Diagnostic;
use thiserror::Error;

use crate::span::Span;
use crate::suggestion::Suggestion;

/// A problem the checker finds in a runbook that parses.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum CheckError {
    /// A name used but never declared.
    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code(tejun::check::unknown_name))]
    UnknownName {
        /// `parameter` or `step`.
        kind: &'static str,
        /// The name.
        name: String,
        /// Where.
        #[label("not declared in this runbook")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
        /// The replacement the help suggests, when it names one.
        suggestion: Option<Suggestion>,
    },
    /// A name declared twice.
    #[error("{kind} `{name}` is declared twice")]
    #[diagnostic(code(tejun::check::duplicate_name))]
    Duplicate {
        /// What kind of name.
        kind: &'static str,
        /// The name.
        name: String,
        /// The second declaration.
        #[label("declared again here")]
        span: Span,
        /// The first one.
        #[label("first declared here")]
        first: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// A parameter name PowerShell already uses, or a word of the language.
    #[error("`{name}` cannot name a parameter: {reason}")]
    #[diagnostic(code(tejun::check::reserved_name))]
    Reserved {
        /// The name.
        name: String,
        /// Why it cannot be used.
        reason: &'static str,
        /// Where.
        #[label("reserved")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// A value of the wrong type, or a parameter used where its type does not fit.
    #[error("{message}")]
    #[diagnostic(code(tejun::check::type_mismatch))]
    Type {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// What to write instead.
        #[help]
        help: String,
        /// The replacement the help suggests, when it names one.
        suggestion: Option<Suggestion>,
    },
    /// A `match` that leaves out some of the choice's values.
    #[error("`match {param}` does not cover {missing}")]
    #[diagnostic(code(tejun::check::match_not_exhaustive))]
    MatchMissing {
        /// The parameter matched on.
        param: String,
        /// The values no arm covers.
        missing: String,
        /// The match.
        #[label("some values reach no arm")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// A placeholder in code that no parameter fills.
    #[error("no parameter fills the placeholder `{text}`")]
    #[diagnostic(code(tejun::check::unfilled_placeholder))]
    UnfilledPlaceholder {
        /// The placeholder.
        text: String,
        /// Where.
        #[label("this would reach PowerShell as written")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
        /// The replacement the help suggests, when it names one.
        suggestion: Option<Suggestion>,
    },
    /// A parameter used where it may have no value.
    #[error("`{param}` may have no value here")]
    #[diagnostic(code(tejun::check::param_unavailable))]
    Unavailable {
        /// The parameter.
        param: String,
        /// Where it is used.
        #[label("used here")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// Something in a place where it does not belong.
    #[error("{message}")]
    #[diagnostic(code(tejun::check::misplaced))]
    Misplaced {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("not allowed here")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// Anything else that makes the runbook wrong.
    #[error("{message}")]
    #[diagnostic(code(tejun::check::invalid))]
    Invalid {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// A `foreach` over something that is not a `list(string)` parameter.
    #[error("{message}")]
    #[diagnostic(code(tejun::check::loop_source))]
    LoopSource {
        /// What is wrong.
        message: String,
        /// The loop's source.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// What to write instead.
        #[help]
        help: String,
        /// The replacement the help suggests, when it names one.
        suggestion: Option<Suggestion>,
    },
    /// `on TARGET` naming something that cannot hold a target's name.
    #[error("{message}")]
    #[diagnostic(code(tejun::check::target))]
    Target {
        /// What is wrong.
        message: String,
        /// The target as written.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// What to write instead.
        #[help]
        help: String,
        /// The replacement the help suggests, when it names one.
        suggestion: Option<Suggestion>,
    },
    /// A loop variable whose name is already taken by a parameter or an enclosing loop.
    #[error("the loop variable `{name}` {reason}")]
    #[diagnostic(code(tejun::check::loop_variable))]
    LoopVariable {
        /// The variable.
        name: String,
        /// What it clashes with.
        reason: String,
        /// Where the loop names it.
        #[label("declared again here")]
        span: Span,
        /// Where the name is first taken.
        #[label("first declared here")]
        first: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// A `restart shell` on one arm of a branch but not on another.
    #[error("`restart shell` runs on some arms of this branch but not on others")]
    #[diagnostic(
        code(tejun::check::divergent_restart),
        severity(Warning),
        help(
            "after the branch the PowerShell session differs by arm (variables, modules, location); restart on every arm, or move `restart shell` out of the branch"
        )
    )]
    DivergentRestart {
        /// The restart.
        #[label("restarts here")]
        span: Span,
        /// The branch.
        #[label("but not on every arm of this branch")]
        branch: Span,
    },
    /// Something that is allowed but almost certainly a mistake.
    #[error("{message}")]
    #[diagnostic(code(tejun::check::suspicious), severity(Warning))]
    Suspicious {
        /// Which kind of oddity, for tools that sort warnings.
        kind: SuspiciousKind,
        /// What is odd.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// What to write instead.
        #[help]
        help: String,
    },
}

/// The kinds of [`CheckError::Suspicious`] warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspiciousKind {
    /// A branch or arm that no parameter values reach.
    Unreachable,
    /// Anything else: a setting with no effect, a poll interval too long, a runbook without steps.
    Other,
}
