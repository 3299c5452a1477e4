//! The syntax tree of a runbook, as written. Every node carries the [`Span`] of its text.
//!
//! The tree keeps everything a formatter needs: items in source order, the raw text of every
//! PowerShell block and every comment of the file.

use crate::code::Code;
use crate::cond::Cond;
use crate::span::Span;

/// A parsed runbook file.
#[derive(Debug, Clone, PartialEq)]
pub struct Ast {
    /// The runbook's name, after `runbook`.
    pub name: Name,
    /// Everything inside `runbook { ... }`, in source order.
    pub items: Vec<Item>,
    /// Every `#` comment outside PowerShell code, in source order.
    pub comments: Vec<Comment>,
    /// The whole `runbook { ... }`.
    pub span: Span,
}

/// A name: a runbook, step, window or parameter name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name as written.
    pub value: String,
    /// Where it is written.
    pub span: Span,
}

/// A string literal, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The decoded text: escapes resolved, a `"""` string's common indentation removed.
    pub value: String,
    /// The literal, quotes included.
    pub span: Span,
    /// Whether it was written as a `"""` string.
    pub raw: bool,
}

/// A `#` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment, `#` included.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// Anything inside `runbook { ... }`, a step or a branch body.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `title "..."`.
    Title(Text),
    /// `source "..." url "..." updated DATE`.
    Source(Source),
    /// `description "..."`.
    Description(Text),
    /// `param NAME: TYPE ...`.
    Param(Param),
    /// `window NAME from A to B limit D`.
    Window(Window),
    /// `finally { ... }`.
    Finally(Finally),
    /// `step ID "Title" { ... }`.
    Step(Step),
    /// `foreach VAR in LIST { ... }`.
    Foreach(Foreach),
    /// `quote "..."`.
    Quote(Quote),
    /// An action such as `run { ... }`.
    Action(Action),
    /// `when ... else ...`.
    When(When),
    /// `match PARAM { ... }`.
    Match(Match),
    /// `if { ... } { ... } else ...`: decided at run time.
    If(If),
}

impl Item {
    /// The item's span.
    pub fn span(&self) -> Span {
        match self {
            Item::Title(t) | Item::Description(t) => t.span,
            Item::Source(s) => s.span,
            Item::Param(p) => p.span,
            Item::Window(w) => w.span,
            Item::Finally(f) => f.span,
            Item::Step(s) => s.span,
            Item::Foreach(f) => f.span,
            Item::Quote(q) => q.span,
            Item::Action(a) => a.span(),
            Item::When(w) => w.span,
            Item::Match(m) => m.span,
            Item::If(i) => i.span,
        }
    }
}

/// The source document a runbook replays.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The document's identifier, such as `JJ721942(v=OCS.15)`.
    pub id: Text,
    /// Where the document can be read.
    pub url: Option<Text>,
    /// When the document was last updated.
    pub updated: Option<Date>,
    /// The whole declaration.
    pub span: Span,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// The year.
    pub year: u16,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day, 1 to 31.
    pub day: u8,
    /// Where it is written.
    pub span: Span,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A parameter declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The parameter's name; its value reaches PowerShell as the variable of the same name.
    pub name: Name,
    /// Its type.
    pub ty: ParamType,
    /// The value used when it is not given.
    pub default: Option<Literal>,
    /// When it must be given.
    pub requirement: Requirement,
    /// The document placeholder it fills, such as `<SQL Server FQDN>`.
    pub placeholder: Option<Text>,
    /// What it means.
    pub doc: Option<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// A parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamType {
    /// Which type.
    pub kind: TypeKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// Any text.
    String,
    /// A whole number.
    Int,
    /// `true` or `false`.
    Bool,
    /// A file or folder path.
    Path,
    /// Text that is never shown, logged or planned.
    Secret,
    /// One of the listed values.
    Choice(Vec<Text>),
    /// Any number of texts: `list(string)`.
    List,
}

impl TypeKind {
    /// The type's name as written in a runbook.
    pub fn name(&self) -> &'static str {
        match self {
            TypeKind::String => "string",
            TypeKind::Int => "int",
            TypeKind::Bool => "bool",
            TypeKind::Path => "path",
            TypeKind::Secret => "secret",
            TypeKind::Choice(_) => "choice",
            TypeKind::List => "list(string)",
        }
    }
}

/// When a parameter must be given.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// Nothing written: required unless it has a default.
    Implicit,
    /// `required`.
    Always(Span),
    /// `required when COND`: required exactly when the condition holds.
    When(Cond, Span),
    /// `optional`: may be left out.
    Optional(Span),
}

/// A value written in the runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub value: Value,
    /// Where it is written.
    pub span: Span,
}

/// A parameter value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// Text (also a choice's value and a path).
    Str(String),
    /// A whole number.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// The texts of a `list(string)` parameter, in order.
    List(Vec<String>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item:?}")?;
                }
                f.write_str("]")
            }
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// `window NAME from A to B limit D warn "..."`: a limit on the time between the start of
/// step A and the end of step B.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The window's name.
    pub name: Name,
    /// The step that opens it.
    pub from: Name,
    /// The step that closes it.
    pub to: Name,
    /// How long it may stay open.
    pub limit: Duration,
    /// What to tell the operator when the limit passes.
    pub warn: Option<Text>,
    /// The whole declaration.
    pub span: Span,
}

/// A length of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    /// The length in milliseconds.
    pub millis: u64,
    /// Where it is written.
    pub span: Span,
}

/// `finally { ... }`: actions that run after a failed or aborted run.
#[derive(Debug, Clone, PartialEq)]
pub struct Finally {
    /// The actions, in order.
    pub items: Vec<Item>,
    /// The whole block.
    pub span: Span,
}

/// `step ID "Title" doc N { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The step's stable id.
    pub id: Name,
    /// Its title.
    pub title: Text,
    /// Its number in the source document.
    pub doc: Option<DocRef>,
    /// `on TARGET`: the target its commands run on; none: where tejun runs (or the enclosing
    /// loop's target).
    pub on: Option<OnTarget>,
    /// Its quotes, actions and branches, in order.
    pub items: Vec<Item>,
    /// The whole step.
    pub span: Span,
}

/// `on TARGET`: where commands run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnTarget {
    /// The target.
    pub target: TargetRef,
    /// The whole option.
    pub span: Span,
}

/// A target as a runbook names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    /// `on "fe01"`: the inventory's target of that name.
    Named(Text),
    /// `on server`: the target a parameter or loop variable names.
    Var(Name),
}

/// `gate { ... } [within D [every D]] [message "..."]`: the health gate between a loop's items.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The condition that must hold after an item before the next one starts.
    pub code: Code,
    /// Keep polling it for this long.
    pub poll: Option<Poll>,
    /// What to say when it does not hold.
    pub message: Option<Text>,
    /// The whole option.
    pub span: Span,
}

/// `budget N`: how many of a loop's items may fail before the rollout halts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The number, as written (the checker rejects a negative one).
    pub count: i64,
    /// The whole option.
    pub span: Span,
}

/// `foreach VAR in LIST placeholder "<...>" { ... }`: steps repeated once per item.
#[derive(Debug, Clone, PartialEq)]
pub struct Foreach {
    /// The loop variable; inside the body, `$VAR` holds the current item.
    pub var: Name,
    /// What the loop goes over.
    pub source: LoopSource,
    /// The document placeholder the loop variable fills inside the body.
    pub placeholder: Option<Text>,
    /// `on TARGET`: the target the body's steps run on (a step's own `on` wins).
    pub on: Option<OnTarget>,
    /// The health gate between items.
    pub gate: Option<Gate>,
    /// The failure budget: how many items may fail before the rollout halts.
    pub budget: Option<Budget>,
    /// The steps and branches of the body, in order.
    pub items: Vec<Item>,
    /// The whole loop.
    pub span: Span,
}

/// What a `foreach` goes over.
#[derive(Debug, Clone, PartialEq)]
pub enum LoopSource {
    /// A `list(string)` parameter.
    Param(Name),
    /// `run { ... }`: what the PowerShell expression returns when the run reaches the loop, each
    /// object as text.
    Run(Code),
}

impl LoopSource {
    /// Where the source is written.
    pub fn span(&self) -> Span {
        match self {
            LoopSource::Param(n) => n.span,
            LoopSource::Run(code) => code.span,
        }
    }
}

/// A step's number in the source document, such as `4` or `11.2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRef {
    /// The number as written.
    pub value: String,
    /// Where it is written.
    pub span: Span,
}

/// `quote LANG "..."`: the document's text for a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The language, such as `ja` or `en`.
    pub lang: Option<Name>,
    /// The quoted text.
    pub text: Text,
    /// The whole quote.
    pub span: Span,
}

/// An action inside a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `run { ... }`.
    Run(Run),
    /// `wait { ... } until { ... }`.
    Wait(Wait),
    /// `manual "..."`.
    Manual(Manual),
    /// `require { ... }`.
    Require(Check),
    /// `ensure { ... }`.
    Ensure(Check),
    /// `skip if { ... }`.
    SkipIf(SkipIf),
    /// `restart shell`.
    RestartShell(Span),
}

impl Action {
    /// The action's span.
    pub fn span(&self) -> Span {
        match self {
            Action::Run(r) => r.span,
            Action::Wait(w) => w.span,
            Action::Manual(m) => m.span,
            Action::Require(c) | Action::Ensure(c) => c.span,
            Action::SkipIf(s) => s.span,
            Action::RestartShell(span) => *span,
        }
    }

    /// The action's keyword, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            Action::Run(_) => "run",
            Action::Wait(_) => "wait",
            Action::Manual(_) => "manual",
            Action::Require(_) => "require",
            Action::Ensure(_) => "ensure",
            Action::SkipIf(_) => "skip if",
            Action::RestartShell(_) => "restart shell",
        }
    }

    /// The PowerShell code the action carries, if any: for `wait`, its command.
    pub fn code(&self) -> Option<&Code> {
        match self {
            Action::Run(r) => Some(&r.code),
            Action::Wait(w) => Some(&w.code),
            Action::Require(c) | Action::Ensure(c) => Some(&c.code),
            Action::SkipIf(s) => Some(&s.code),
            Action::Manual(_) | Action::RestartShell(_) => None,
        }
    }
}

/// Every PowerShell block the action carries, in source order: a `wait` has its command, its
/// `until` and its give-up conditions.
impl Action {
    /// The blocks, in source order.
    pub fn codes(&self) -> Vec<&Code> {
        match self {
            Action::Wait(w) => std::iter::once(&w.code)
                .chain(std::iter::once(&w.until))
                .chain(w.give_up.iter().map(|g| &g.code))
                .collect(),
            other => other.code().into_iter().collect(),
        }
    }
}

/// `run { ... } timeout D retries N every D accept exit N, ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The PowerShell to run.
    pub code: Code,
    /// How long the command may take.
    pub timeout: Option<Duration>,
    /// How often to try again after a failure.
    pub retries: Option<Retries>,
    /// Exit codes that count as success.
    pub accept_exit: Option<AcceptExit>,
    /// The whole action.
    pub span: Span,
}

/// `retries N every D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Retries {
    /// How many more tries after the first.
    pub count: u32,
    /// The pause between tries.
    pub every: Option<Duration>,
    /// The whole option.
    pub span: Span,
}

/// `accept exit N, ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptExit {
    /// The accepted exit codes.
    pub codes: Vec<i64>,
    /// The whole option.
    pub span: Span,
}

/// `wait { ... } until { ... } every D attempts N timeout D give up "NAME" { ... } message "..."`:
/// a command run until a condition on its output (`$Result`) holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    /// The PowerShell to run at each attempt.
    pub code: Code,
    /// The condition that ends the wait successfully.
    pub until: Code,
    /// The pause between attempts.
    pub every: Option<Duration>,
    /// How many times the command runs at most.
    pub attempts: Option<Attempts>,
    /// How long each run of the command may take.
    pub timeout: Option<Duration>,
    /// Conditions that end the wait with a failure, checked in order after each attempt.
    pub give_up: Vec<GiveUp>,
    /// What to say when the attempts run out.
    pub message: Option<Text>,
    /// The whole action.
    pub span: Span,
}

/// `attempts N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// How many times the command runs at most.
    pub count: u32,
    /// The whole option.
    pub span: Span,
}

/// `give up "NAME" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct GiveUp {
    /// The name the journal and the failure give.
    pub name: Text,
    /// The condition.
    pub code: Code,
    /// The whole option.
    pub span: Span,
}

/// `manual "..."`.
#[derive(Debug, Clone, PartialEq)]
pub struct Manual {
    /// The instruction for the operator.
    pub instruction: Text,
    /// The whole action.
    pub span: Span,
}

/// `require { ... }` or `ensure { ... } within D every D`, with an optional `message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// A PowerShell expression that must be true.
    pub code: Code,
    /// For `ensure`: poll until it holds.
    pub poll: Option<Poll>,
    /// What to say when it does not hold.
    pub message: Option<Text>,
    /// The whole action.
    pub span: Span,
}

/// `within D every D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// How long to keep trying.
    pub within: Duration,
    /// The pause between tries.
    pub every: Option<Duration>,
    /// The whole option.
    pub span: Span,
}

/// `skip if { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipIf {
    /// A PowerShell expression that is true when the step is already done.
    pub code: Code,
    /// The whole action.
    pub span: Span,
}

/// `when COND { ... } else when COND { ... } else { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    /// The `when` and `else when` arms, in order.
    pub arms: Vec<WhenArm>,
    /// The `else` body.
    pub otherwise: Option<Body>,
    /// The whole branch.
    pub span: Span,
}

/// One `when COND { ... }` arm.
#[derive(Debug, Clone, PartialEq)]
pub struct WhenArm {
    /// The condition.
    pub cond: Cond,
    /// What it guards.
    pub body: Body,
    /// The whole arm.
    pub span: Span,
}

/// `if { ... } { ... } else if { ... } { ... } else { ... }`: a branch whose PowerShell conditions
/// are evaluated when the run reaches it.
#[derive(Debug, Clone, PartialEq)]
pub struct If {
    /// The `if` and `else if` arms, in order.
    pub arms: Vec<IfArm>,
    /// The `else` body.
    pub otherwise: Option<Body>,
    /// The whole branch.
    pub span: Span,
}

/// One `if { CONDITION } { ... }` arm.
#[derive(Debug, Clone, PartialEq)]
pub struct IfArm {
    /// The PowerShell condition.
    pub code: Code,
    /// What it guards.
    pub body: Body,
    /// The whole arm.
    pub span: Span,
}

/// `match PARAM { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The choice parameter matched on.
    pub param: Name,
    /// The arms, in order: the first that matches is taken.
    pub arms: Vec<MatchArm>,
    /// The whole match.
    pub span: Span,
}

/// `"a" | "b" when COND => ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    /// The values it stands for.
    pub pattern: Pattern,
    /// An extra condition.
    pub guard: Option<Cond>,
    /// What it guards.
    pub body: Body,
    /// The whole arm.
    pub span: Span,
}

/// The values of a match arm.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `_`.
    Wildcard(Span),
    /// `"a" | "b"`.
    Values(Vec<Text>),
}

/// A branch's body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Steps, quotes, actions and branches, in order.
    pub items: Vec<Item>,
    /// Whether it was written in braces (a match arm may hold a single action without them).
    pub braced: bool,
    /// The whole body.
    pub span: Span,
}
