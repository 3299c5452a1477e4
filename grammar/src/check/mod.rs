//! [`Ast`] to [`Runbook`]: names, types, placement, branch coverage and parameter availability.
//! Every problem is reported at once, errors and warnings together.

mod domain;
mod error;
mod names;

use foldhash::{HashMap, HashMapExt as _};

pub use error::{CheckError, SuspiciousKind};

/// The message of the error for `manual ""`, which `tejun lint` files under its own rule.
pub const EMPTY_MANUAL: &str = "a manual action with no instruction";

use crate::ast::*;
use crate::code::Code;
use crate::cond::Cond;
use crate::diagnostics::{Problem, Severity};
use crate::span::Span;
use crate::suggestion::Suggestion;
use domain::{Domains, PathLit};

/// A runbook that passed the checks: its branches can be resolved for any valid parameters.
#[derive(Debug, Clone)]
pub struct Runbook {
    /// The syntax tree.
    pub ast: Ast,
    /// Warnings the checker found.
    pub warnings: Vec<Problem>,
}

impl Runbook {
    /// The declared parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = &Param> {
        self.ast.items.iter().filter_map(|i| {
            if let Item::Param(p) = i {
                Some(p)
            } else {
                None
            }
        })
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params().find(|p| p.name.value == name)
    }

    /// The parameter that fills the document placeholder `text`.
    pub fn param_for_placeholder(&self, text: &str) -> Option<&Param> {
        self.params()
            .find(|p| p.placeholder.as_ref().is_some_and(|t| t.value == text))
    }

    /// The runbook's title, if it has one.
    pub fn title(&self) -> Option<&Text> {
        self.ast.items.iter().find_map(|i| {
            if let Item::Title(t) = i {
                Some(t)
            } else {
                None
            }
        })
    }

    /// The runbook's description, if it has one.
    pub fn description(&self) -> Option<&Text> {
        self.ast.items.iter().find_map(|i| {
            if let Item::Description(t) = i {
                Some(t)
            } else {
                None
            }
        })
    }

    /// The source document, if declared.
    pub fn source(&self) -> Option<&Source> {
        self.ast.items.iter().find_map(|i| {
            if let Item::Source(s) = i {
                Some(s)
            } else {
                None
            }
        })
    }

    /// The windows, in order.
    pub fn windows(&self) -> impl Iterator<Item = &Window> {
        self.ast.items.iter().filter_map(|i| {
            if let Item::Window(w) = i {
                Some(w)
            } else {
                None
            }
        })
    }

    /// The `finally` block, if any.
    pub fn finally(&self) -> Option<&Finally> {
        self.ast.items.iter().find_map(|i| {
            if let Item::Finally(f) = i {
                Some(f)
            } else {
                None
            }
        })
    }
}

/// Checks a parsed runbook. Returns the runbook with its warnings, or every problem found when
/// at least one is an error.
pub fn check(ast: Ast) -> Result<Runbook, Vec<Problem>> {
    let problems = {
        let mut checker = Checker::new(&ast);
        checker.run();
        checker.problems
    };
    if problems.iter().any(|p| p.severity() == Severity::Error) {
        Err(problems)
    } else {
        Ok(Runbook {
            ast,
            warnings: problems,
        })
    }
}

/// Where an item sits, which decides what it may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Directly in the runbook or in a branch at runbook level: steps.
    Top,
    /// Inside a step or a branch inside a step: actions.
    Step,
    /// Inside `finally`: actions.
    Finally,
}

struct Checker<'a> {
    ast: &'a Ast,
    params: HashMap<String, &'a Param>,
    placeholders: HashMap<&'a str, &'a Param>,
    domains: Domains<'a>,
    steps: Vec<&'a Step>,
    step_ids: HashMap<&'a str, Span>,
    path: Vec<PathLit>,
    problems: Vec<Problem>,
    warned_complex: bool,
    warned_restarts: Vec<Span>,
    /// The loops around the item being checked, innermost last.
    loops: Vec<&'a Foreach>,
    /// The placeholder of every loop, for the help of a placeholder used outside its loop.
    loop_placeholders: HashMap<&'a str, &'a Foreach>,
    /// The ids of steps inside loops, with the loop's variable.
    loop_steps: HashMap<&'a str, &'a Foreach>,
}

impl<'a> Checker<'a> {
    fn new(ast: &'a Ast) -> Checker<'a> {
        let params: Vec<&Param> = ast
            .items
            .iter()
            .filter_map(|i| {
                if let Item::Param(p) = i {
                    Some(p)
                } else {
                    None
                }
            })
            .collect();
        let mut conds = Vec::new();
        collect_conds(&ast.items, &mut conds);
        for p in &params {
            if let Requirement::When(c, _) = &p.requirement {
                conds.push(c);
            }
        }
        let domains = Domains::new(&params, &conds);
        Checker {
            ast,
            params: HashMap::new(),
            placeholders: HashMap::new(),
            domains,
            steps: Vec::new(),
            step_ids: HashMap::new(),
            path: Vec::new(),
            problems: Vec::new(),
            warned_complex: false,
            warned_restarts: Vec::new(),
            loops: Vec::new(),
            loop_placeholders: HashMap::new(),
            loop_steps: HashMap::new(),
        }
    }

    fn run(&mut self) {
        self.header();
        self.declare_params();
        self.collect_steps(&self.ast.items);
        for item in &self.ast.items {
            self.item(item, Place::Top);
        }
        self.windows();
        if self.steps.is_empty() {
            self.warn(
                "this runbook has no steps",
                self.ast.name.span,
                "nothing to run",
                "add a step: `step first \"What it does\" { run { ... } }`",
            );
        }
    }

    fn push(&mut self, e: CheckError) {
        self.problems.push(Problem::Check(e));
    }

    fn warn(&mut self, message: &str, span: Span, label: &str, help: &str) {
        self.suspicious(SuspiciousKind::Other, message, span, label, help);
    }

    fn unreachable(&mut self, message: &str, span: Span, label: &str, help: &str) {
        self.suspicious(SuspiciousKind::Unreachable, message, span, label, help);
    }

    fn suspicious(
        &mut self,
        kind: SuspiciousKind,
        message: &str,
        span: Span,
        label: &str,
        help: &str,
    ) {
        self.push(CheckError::Suspicious {
            kind,
            message: message.into(),
            span,
            label: label.into(),
            help: help.into(),
        });
    }

    fn invalid(&mut self, message: String, span: Span, label: &str, help: String) {
        self.push(CheckError::Invalid {
            message,
            span,
            label: label.into(),
            help,
        });
    }

    /// At most one title, source and description.
    fn header(&mut self) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for item in &self.ast.items {
            let kind = match item {
                Item::Title(_) => "title",
                Item::Source(_) => "source",
                Item::Description(_) => "description",
                Item::Finally(_) => "finally",
                _ => continue,
            };
            let span = item.span();
            if let Some(first) = seen.get(kind) {
                self.push(CheckError::Duplicate {
                    kind: "the runbook's",
                    name: kind.into(),
                    span,
                    first: *first,
                    help: format!("keep one `{kind}`"),
                });
            } else {
                seen.insert(kind, span);
            }
        }
    }

    fn declare_params(&mut self) {
        let params: Vec<&'a Param> = self
            .ast
            .items
            .iter()
            .filter_map(|i| {
                if let Item::Param(p) = i {
                    Some(p)
                } else {
                    None
                }
            })
            .collect();
        for param in &params {
            let name = &param.name;
            // PowerShell variable names are case-insensitive: `$Role` and `$role` are one variable.
            let key = name.value.to_ascii_lowercase();
            if let Some(first) = self.params.get(&key) {
                self.push(CheckError::Duplicate {
                    kind: "parameter",
                    name: name.value.clone(),
                    span: name.span,
                    first: first.name.span,
                    help: "parameter names must differ beyond upper and lower case (PowerShell variables ignore case); rename one".into(),
                });
                continue;
            }
            if let Some(reason) = names::reserved(&name.value) {
                self.push(CheckError::Reserved {
                    name: name.value.clone(),
                    reason,
                    span: name.span,
                    help: format!("choose another name, such as `{}Value`", name.value),
                });
            }
            self.params.insert(key, param);
            if let Some(ph) = &param.placeholder {
                if !names::is_placeholder(&ph.value) {
                    self.invalid(
                        format!("`{}` is not a document placeholder", ph.value),
                        ph.span,
                        "not in `<...>` form",
                        "a placeholder is written in angle brackets, starting with a letter, as in the document: `placeholder \"<SQL Server FQDN>\"`".into(),
                    );
                } else if let Some(first) = self.placeholders.get(ph.value.as_str()) {
                    self.push(CheckError::Duplicate {
                        kind: "placeholder",
                        name: ph.value.clone(),
                        span: ph.span,
                        first: first.placeholder.as_ref().map_or(first.span, |t| t.span),
                        help: "each placeholder is filled by one parameter; remove it from one of them".into(),
                    });
                } else {
                    self.placeholders.insert(ph.value.as_str(), param);
                }
            }
        }
        for param in params {
            self.param(param);
        }
    }

    fn param(&mut self, param: &'a Param) {
        let name = &param.name.value;
        if let TypeKind::Choice(options) = &param.ty.kind {
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for option in options {
                if let Some(first) = seen.insert(&option.value, option.span) {
                    self.push(CheckError::Duplicate {
                        kind: "choice value",
                        name: option.value.clone(),
                        span: option.span,
                        first,
                        help: "remove the repeated value".into(),
                    });
                }
            }
        }
        if let Some(default) = &param.default {
            match (&param.ty.kind, &default.value) {
                (TypeKind::Secret, _) => self.invalid(
                    format!("the secret `{name}` cannot have a default"),
                    default.span,
                    "a secret written in the runbook is no secret",
                    format!("remove the default and pass the value at run time: `--param {name}=...` or the environment variable `TEJUN_SECRET_{name}`"),
                ),
                (TypeKind::Choice(options), Value::Str(s)) if !options.iter().any(|o| &o.value == s) => {
                    let allowed = names::quoted_list(options.iter().map(|o| o.value.as_str()));
                    self.push(CheckError::Type {
                        suggestion: None,
                        message: format!("the default of `{name}` is not one of its choices"),
                        span: default.span,
                        label: "not a choice".into(),
                        help: format!("write one of {allowed}"),
                    });
                }
                (kind, value) if !names::fits(kind, value) => self.push(CheckError::Type {
                    suggestion: None,
                    message: format!("the default of `{name}` is not {}", names::a(kind.name())),
                    span: default.span,
                    label: format!("{} value", names::value_kind(value)),
                    help: names::example(kind),
                }),
                _ => {}
            }
            match &param.requirement {
                Requirement::When(_, span)
                | Requirement::Always(span)
                | Requirement::Optional(span) => self.warn(
                    &format!("`{name}` has a default, so it always has a value"),
                    *span,
                    "has no effect",
                    "remove this, or remove the default",
                ),
                Requirement::Implicit => {}
            }
        }
        if let Requirement::When(cond, _) = &param.requirement {
            let mut names_itself = None;
            cond.for_each_param(&mut |n| {
                if n.value.eq_ignore_ascii_case(name) {
                    names_itself = Some(n.span);
                }
            });
            if let Some(span) = names_itself {
                self.invalid(
                    format!("`{name}` is required on a condition that names `{name}` itself"),
                    span,
                    "names itself",
                    "make it depend on another parameter, or write `optional`".into(),
                );
            } else {
                self.cond(cond);
            }
        }
    }

    fn collect_steps(&mut self, items: &'a [Item]) {
        for item in items {
            match item {
                Item::Step(step) => {
                    if let Some(first) = self.step_ids.get(step.id.value.as_str()).copied() {
                        self.push(CheckError::Duplicate {
                            kind: "step",
                            name: step.id.value.clone(),
                            span: step.id.span,
                            first,
                            help: "step ids identify steps in plans, journals and windows; give this one another id".into(),
                        });
                    } else {
                        self.step_ids.insert(&step.id.value, step.id.span);
                        self.steps.push(step);
                    }
                    self.collect_steps(&step.items);
                }
                Item::When(w) => {
                    for arm in &w.arms {
                        self.collect_steps(&arm.body.items);
                    }
                    if let Some(body) = &w.otherwise {
                        self.collect_steps(&body.items);
                    }
                }
                Item::Match(m) => m
                    .arms
                    .iter()
                    .for_each(|arm| self.collect_steps(&arm.body.items)),
                Item::If(i) => {
                    for arm in &i.arms {
                        self.collect_steps(&arm.body.items);
                    }
                    if let Some(body) = &i.otherwise {
                        self.collect_steps(&body.items);
                    }
                }
                Item::Foreach(f) => {
                    let before = self.steps.len();
                    self.collect_steps(&f.items);
                    for step in &self.steps[before..] {
                        self.loop_steps.entry(&step.id.value).or_insert(f);
                    }
                }
                _ => {}
            }
        }
    }

    fn item(&mut self, item: &'a Item, place: Place) {
        match item {
            Item::Title(_)
            | Item::Source(_)
            | Item::Description(_)
            | Item::Param(_)
            | Item::Window(_) => {}
            Item::Finally(f) => {
                for inner in &f.items {
                    if let Item::Quote(q) = inner {
                        self.misplaced(
                            "a `quote` belongs to a step",
                            q.span,
                            "move the quote into the step it quotes",
                        );
                    } else {
                        self.item(inner, Place::Finally);
                    }
                }
            }
            Item::Step(step) => {
                if place != Place::Top {
                    self.misplaced(
                        "a step cannot sit inside a step or `finally`",
                        step.id.span,
                        "close the enclosing step first, or turn this into actions of the enclosing step",
                    );
                }
                if let Some(on) = &step.on {
                    self.target(on);
                }
                for inner in &step.items {
                    self.item(inner, Place::Step);
                }
            }
            Item::Quote(q) => {
                if place != Place::Step {
                    self.misplaced(
                        "a `quote` belongs to a step",
                        q.span,
                        "move the quote into the step it quotes",
                    );
                }
            }
            Item::Action(action) => {
                if place == Place::Top {
                    self.misplaced(
                        &format!("`{}` must sit inside a step", action.keyword()),
                        action.span(),
                        "wrap it in a step: `step some-id \"What it does\" { ... }`",
                    );
                }
                self.action(action, place);
            }
            Item::Foreach(f) => self.foreach(f, place),
            Item::When(w) => self.when(w, place),
            Item::Match(m) => self.match_(m, place),
            Item::If(i) => self.if_(i, place),
        }
    }

    /// A branch decided at run time: every arm is checked, since any may run. Its conditions are
    /// PowerShell, so they say nothing about parameter values and reachability.
    fn if_(&mut self, i: &'a If, place: Place) {
        if place == Place::Finally {
            self.misplaced(
                "an `if` decided at run time cannot sit in `finally`",
                i.span,
                "put the cleanup's condition into the PowerShell itself: `run { if (...) { ... } }`",
            );
        }
        let mut restarts = Vec::new();
        for arm in &i.arms {
            self.code(&arm.code);
            self.body(&arm.body, place);
            restarts.push(first_restart(&arm.body.items));
        }
        match &i.otherwise {
            Some(body) => {
                self.body(body, place);
                restarts.push(first_restart(&body.items));
            }
            None => restarts.push(None),
        }
        self.divergent_restart(&restarts, i.span);
    }

    /// A loop: its source is a list parameter with a value here, its variable and placeholder
    /// are its own, and its body holds steps.
    fn foreach(&mut self, f: &'a Foreach, place: Place) {
        if place != Place::Top {
            self.misplaced(
                "a `foreach` repeats steps: it cannot sit inside a step or `finally`",
                f.var.span,
                "move the loop out of the step and put the step inside it: `foreach server in Servers { step ... }`",
            );
        }
        match &f.source {
            LoopSource::Param(name) => self.loop_param(f, name),
            LoopSource::Run(code) => {
                self.code(code);
                if let Some(outer) = self.loops.last() {
                    self.misplaced(
                        "a loop over `run { ... }` cannot sit inside another loop",
                        f.var.span,
                        &format!(
                            "its items are decided when the run reaches it; loop over a list parameter inside `foreach {}`, or move this loop out",
                            outer.var.value
                        ),
                    );
                }
                if let Some(inner) = first_loop(&f.items) {
                    self.misplaced(
                        "a loop cannot sit inside a loop over `run { ... }`",
                        inner.var.span,
                        "the steps of a loop over `run { ... }` are decided when the run reaches it; put the inner loop's steps in a runbook of their own, or loop over list parameters",
                    );
                }
            }
        }
        let var = &f.var;
        if let Some(param) = self.params.get(&var.value.to_ascii_lowercase()).copied() {
            self.push(CheckError::LoopVariable {
                name: var.value.clone(),
                reason: "is also a parameter".into(),
                span: var.span,
                first: param.name.span,
                help: format!("`${}` would hide the parameter (PowerShell variables ignore case); give the loop variable another name", var.value),
            });
        } else if let Some(outer) = self
            .loops
            .iter()
            .find(|l| l.var.value.eq_ignore_ascii_case(&var.value))
        {
            self.push(CheckError::LoopVariable {
                name: var.value.clone(),
                reason: "is already the variable of an enclosing loop".into(),
                span: var.span,
                first: outer.var.span,
                help: "the inner loop would hide the outer loop's item; give it another name"
                    .into(),
            });
        } else if let Some(reason) = names::reserved(&var.value) {
            self.push(CheckError::Reserved {
                name: var.value.clone(),
                reason,
                span: var.span,
                help: format!("choose another name, such as `{}Item`", var.value),
            });
        }
        if let Some(ph) = &f.placeholder {
            if !names::is_placeholder(&ph.value) {
                self.invalid(
                    format!("`{}` is not a document placeholder", ph.value),
                    ph.span,
                    "not in `<...>` form",
                    "a placeholder is written in angle brackets, starting with a letter, as in the document: `placeholder \"<Front End Server>\"`".into(),
                );
            } else if let Some(param) = self.placeholders.get(ph.value.as_str()) {
                self.push(CheckError::Duplicate {
                    kind: "placeholder",
                    name: ph.value.clone(),
                    span: ph.span,
                    first: param.placeholder.as_ref().map_or(param.span, |t| t.span),
                    help: format!("each placeholder is filled by one parameter or loop; remove it from `{}`, whose value the loop's items replace", param.name.value),
                });
            } else if let Some(other) = self.loop_placeholders.get(ph.value.as_str()) {
                if self.loops.iter().any(|l| std::ptr::eq(*l, *other)) {
                    self.push(CheckError::Duplicate {
                        kind: "placeholder",
                        name: ph.value.clone(),
                        span: ph.span,
                        first: other.placeholder.as_ref().map_or(other.span, |t| t.span),
                        help: "the enclosing loop already fills this placeholder; give the inner loop its own".into(),
                    });
                }
            } else {
                self.loop_placeholders.insert(ph.value.as_str(), f);
            }
        }
        self.loops.push(f);
        if let Some(on) = &f.on {
            self.target(on);
        }
        if let Some(gate) = &f.gate {
            self.code(&gate.code);
            if let Some(poll) = &gate.poll {
                self.poll(poll);
            }
        }
        if let Some(budget) = f.budget.as_ref().filter(|b| b.count < 0) {
            self.invalid(
                "a negative failure budget".into(),
                budget.span,
                "negative",
                "write how many items may fail before the rollout halts: `budget 0` (the default) or more".into(),
            );
        }
        for inner in &f.items {
            self.item(inner, Place::Top);
        }
        self.loops.pop();
    }

    /// `within D [every D]`: positive durations, the pause shorter than the bound.
    fn poll(&mut self, poll: &Poll) {
        let every = poll.every.map_or(0, |e| e.millis);
        if poll.within.millis == 0 || (poll.every.is_some() && every == 0) {
            self.invalid(
                "a poll needs positive durations".into(),
                poll.span,
                "zero",
                "write for example `within 5m every 10s`".into(),
            );
        } else if every > poll.within.millis {
            self.warn(
                "the poll interval is longer than the time allowed",
                poll.span,
                "polls only once",
                "make `every` shorter than `within`",
            );
        }
    }

    /// `on TARGET`: a target's name, or a string parameter or loop variable that holds one.
    fn target(&mut self, on: &'a OnTarget) {
        match &on.target {
            TargetRef::Named(text) => {
                if text.value.trim().is_empty() {
                    self.push(CheckError::Target {
                        suggestion: None,
                        message: "an empty target name".into(),
                        span: text.span,
                        label: "empty".into(),
                        help: "write the name of a target in the inventory, such as `on \"fe01\"`"
                            .into(),
                    });
                }
            }
            TargetRef::Var(name) => {
                if self.loops.iter().any(|l| l.var.value == name.value) {
                    return;
                }
                let Some(param) = self.params.get(&name.value.to_ascii_lowercase()).copied() else {
                    let mut known: Vec<&str> =
                        self.loops.iter().map(|l| l.var.value.as_str()).collect();
                    known.extend(
                        self.params
                            .values()
                            .filter(|p| matches!(p.ty.kind, TypeKind::String | TypeKind::Choice(_)))
                            .map(|p| p.name.value.as_str()),
                    );
                    let suggestion = names::closest(&name.value, &known)
                        .map(|near| Suggestion::new(name.span, near));
                    let help = match names::closest(&name.value, &known) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!(
                            "declare a parameter that names the target, `param {}: string`, or write the target's name in quotes: `on \"{}\"`",
                            name.value, name.value
                        ),
                    };
                    self.push(CheckError::Target {
                        suggestion,
                        message: format!("unknown target variable `{}`", name.value),
                        span: name.span,
                        label: "neither a parameter nor a loop variable".into(),
                        help,
                    });
                    return;
                };
                self.written_as_declared(name, param);
                if !matches!(param.ty.kind, TypeKind::String | TypeKind::Choice(_)) {
                    let help = if param.ty.kind == TypeKind::List {
                        format!(
                            "a step runs on one target: loop over the list, `foreach server in {} on server {{ ... }}`",
                            param.name.value
                        )
                    } else {
                        format!("declare it as `param {}: string`", param.name.value)
                    };
                    self.push(CheckError::Target {
                        suggestion: None,
                        message: format!(
                            "`on {}` needs a target's name, but `{}` is {}",
                            name.value,
                            name.value,
                            names::a(param.ty.kind.name())
                        ),
                        span: name.span,
                        label: "not a name".into(),
                        help,
                    });
                    return;
                }
                self.require_available(&param.name.value, name.span);
            }
        }
    }

    fn loop_param(&mut self, f: &'a Foreach, name: &Name) {
        let Some(param) = self.params.get(&name.value.to_ascii_lowercase()).copied() else {
            let lists: Vec<&str> = self
                .params
                .values()
                .filter(|p| p.ty.kind == TypeKind::List)
                .map(|p| p.name.value.as_str())
                .collect();
            let suggestion =
                names::closest(&name.value, &lists).map(|near| Suggestion::new(name.span, near));
            let help = match names::closest(&name.value, &lists) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("declare the list: `param {}: list(string)`", name.value),
            };
            self.push(CheckError::LoopSource {
                suggestion,
                message: format!("unknown list `{}`", name.value),
                span: name.span,
                label: "not declared in this runbook".into(),
                help,
            });
            return;
        };
        self.written_as_declared(name, param);
        if param.ty.kind != TypeKind::List {
            self.push(CheckError::LoopSource {
                suggestion: None,
                message: format!(
                    "`foreach {} in {}` goes over {}, not a list",
                    f.var.value,
                    name.value,
                    names::a(param.ty.kind.name())
                ),
                span: name.span,
                label: "not a list".into(),
                help: format!(
                    "declare it as a list, `param {}: list(string)`, given as `-p {}=a,b,c`",
                    param.name.value, param.name.value
                ),
            });
            return;
        }
        self.require_available(&param.name.value, name.span);
    }

    fn misplaced(&mut self, message: &str, span: Span, help: &str) {
        self.push(CheckError::Misplaced {
            message: message.into(),
            span,
            help: help.into(),
        });
    }

    fn action(&mut self, action: &'a Action, place: Place) {
        for code in action.codes() {
            self.code(code);
        }
        match action {
            Action::Wait(wait) => self.wait(wait),
            Action::Run(run) => {
                if let Some(t) = run.timeout.filter(|t| t.millis == 0) {
                    self.invalid(
                        "a timeout of zero".into(),
                        t.span,
                        "zero",
                        "write a positive duration, such as `timeout 10m`".into(),
                    );
                }
            }
            Action::Ensure(check) => {
                if let Some(poll) = &check.poll {
                    self.poll(poll);
                }
            }
            Action::SkipIf(s) if place == Place::Finally => self.misplaced(
                "`skip if` has no step to skip in `finally`",
                s.span,
                "remove it, or move the cleanup into a step",
            ),
            Action::Manual(m) if m.instruction.value.trim().is_empty() => self.invalid(
                EMPTY_MANUAL.into(),
                m.instruction.span,
                "empty",
                "say what the operator must do: `manual \"Log on as a member of CsAdministrator\"`"
                    .into(),
            ),
            _ => {}
        }
    }

    /// A wait's bounds are positive and its give-up conditions have names of their own.
    fn wait(&mut self, wait: &'a Wait) {
        if let Some(a) = wait.attempts.filter(|a| a.count == 0) {
            self.invalid(
                "a wait with no attempts".into(),
                a.span,
                "zero",
                "the command runs at least once: write `attempts 1` or more, such as `attempts 3`"
                    .into(),
            );
        }
        if let Some(e) = wait.every.filter(|e| e.millis == 0) {
            self.invalid(
                "a wait with no pause between attempts".into(),
                e.span,
                "zero",
                "write a positive duration, such as `every 10s`".into(),
            );
        }
        if let Some(t) = wait.timeout.filter(|t| t.millis == 0) {
            self.invalid(
                "a timeout of zero".into(),
                t.span,
                "zero",
                "write a positive duration, such as `timeout 10m`".into(),
            );
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for g in &wait.give_up {
            if g.name.value.trim().is_empty() {
                self.invalid(
                    "a give-up condition with no name".into(),
                    g.name.span,
                    "empty",
                    "name what went wrong, as the journal will say it: `give up \"InsufficientActiveFrontEnds\" { ... }`".into(),
                );
            } else if let Some(first) = seen.insert(&g.name.value, g.name.span) {
                self.push(CheckError::Duplicate {
                    kind: "give-up condition",
                    name: g.name.value.clone(),
                    span: g.name.span,
                    first,
                    help: "the name says which condition ended the wait; give this one another name, or join the two conditions with `-or`".into(),
                });
            }
        }
    }

    /// Placeholders in code: each must be filled by a parameter that has a value on this branch.
    fn code(&mut self, code: &'a Code) {
        for ph in &code.placeholders {
            if self
                .loops
                .iter()
                .any(|l| l.placeholder.as_ref().is_some_and(|t| t.value == ph.text))
            {
                continue;
            }
            if let Some(owner) = self.loop_placeholders.get(ph.text.as_str()).copied() {
                self.push(CheckError::UnfilledPlaceholder {
                    suggestion: None,
                    text: ph.text.clone(),
                    span: ph.span,
                    help: format!(
                        "`{}` is filled by `foreach {}` only inside its body; move this into the loop, or write the item another way",
                        ph.text, owner.var.value
                    ),
                });
                continue;
            }
            match self.placeholders.get(ph.text.as_str()).copied() {
                Some(param) => self.require_available(&param.name.value, ph.span),
                None if ph.in_string => {}
                None if follows_a_name(code, ph) => {
                    let inner = ph.text.trim_start_matches('<').trim_end_matches('>');
                    self.push(CheckError::UnfilledPlaceholder {
                        suggestion: None,
                        text: ph.text.clone(),
                        span: ph.span,
                        help: format!(
                            "PowerShell writes generic type arguments in brackets: `[{inner}]` instead of `{}`",
                            ph.text
                        ),
                    });
                }
                None => {
                    let declared: Vec<&str> = self.placeholders.keys().copied().collect();
                    let suggestion = names::closest(&ph.text, &declared)
                        .map(|near| Suggestion::new(ph.span, near));
                    let help = match names::closest(&ph.text, &declared) {
                        Some(near) => format!(
                            "did you mean `{near}`? Otherwise declare the parameter that fills it: `param Name: string placeholder \"{}\"`",
                            ph.text
                        ),
                        None => format!(
                            "declare the parameter that fills it: `param Name: string placeholder \"{}\"`",
                            ph.text
                        ),
                    };
                    self.push(CheckError::UnfilledPlaceholder {
                        suggestion,
                        text: ph.text.clone(),
                        span: ph.span,
                        help,
                    });
                }
            }
        }
    }

    fn require_available(&mut self, name: &str, span: Span) {
        match self.domains.available(name, &self.path) {
            Some(true) => {}
            Some(false) => {
                let param = self.params.get(&name.to_ascii_lowercase()).copied();
                let help = match param.map(|p| &p.requirement) {
                    Some(Requirement::When(cond, _)) => format!(
                        "`{name}` is required only when `{cond}`: put this under `when {cond} {{ ... }}`, or give `{name}` a default"
                    ),
                    _ => format!(
                        "`{name}` is optional: put this under `when {name} is set {{ ... }}`, or give `{name}` a default"
                    ),
                };
                self.push(CheckError::Unavailable {
                    param: name.to_owned(),
                    span,
                    help,
                });
            }
            None => self.too_complex(span),
        }
    }

    fn too_complex(&mut self, span: Span) {
        if !self.warned_complex {
            self.warned_complex = true;
            self.warn(
                "too many parameter combinations to check this branch",
                span,
                "not analysed",
                "conditions here involve so many parameters that tejun cannot check which have values; simplify the conditions",
            );
        }
    }

    /// Checks a condition at the current path: names, types, and that every parameter it
    /// compares has a value (taking earlier `and`/`or` operands into account).
    fn cond(&mut self, cond: &'a Cond) {
        match cond {
            Cond::And(parts, _) | Cond::Or(parts, _) => {
                let holds = matches!(cond, Cond::And(..));
                let depth = self.path.len();
                for part in parts {
                    self.cond(part);
                    self.path.push((part.clone(), holds));
                }
                self.path.truncate(depth);
            }
            Cond::Not(inner, _) => self.cond(inner),
            Cond::IsSet { param, .. } => {
                self.lookup(param);
            }
            Cond::Flag { param, span } => {
                if let Some(p) = self.lookup(param) {
                    if p.ty.kind != TypeKind::Bool {
                        self.push(CheckError::Type {
                            suggestion: None,
                            message: format!(
                                "`{}` is {}, not a bool",
                                param.value,
                                names::a(p.ty.kind.name())
                            ),
                            span: *span,
                            label: "needs a comparison".into(),
                            help: names::compare_example(&param.value, &p.ty.kind),
                        });
                    } else {
                        self.require_available(&param.value, param.span);
                    }
                }
            }
            Cond::Compare { param, value, .. } => self.compare(param, std::slice::from_ref(value)),
            Cond::In { param, values, .. } => self.compare(param, values),
        }
    }

    fn compare(&mut self, param: &Name, values: &[Literal]) {
        let Some(p) = self.lookup(param) else { return };
        if p.ty.kind == TypeKind::Secret {
            self.push(CheckError::Type {
                suggestion: None,
                message: format!("the secret `{}` cannot be used in a condition", param.value),
                span: param.span,
                label: "secret".into(),
                help:
                    "branching on a secret would reveal it in the plan; branch on another parameter"
                        .into(),
            });
            return;
        }
        for value in values {
            match (&p.ty.kind, &value.value) {
                (TypeKind::Choice(options), Value::Str(s))
                    if !options.iter().any(|o| &o.value == s) =>
                {
                    let allowed: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
                    let suggestion = names::closest(s, &allowed)
                        .map(|near| Suggestion::quoted(value.span, near));
                    let help = match names::closest(s, &allowed) {
                        Some(near) => format!("did you mean \"{near}\"?"),
                        None => format!(
                            "`{}` is one of {}",
                            param.value,
                            names::quoted_list(allowed.iter().copied())
                        ),
                    };
                    self.push(CheckError::Type {
                        suggestion,
                        message: format!("\"{s}\" is not a choice of `{}`", param.value),
                        span: value.span,
                        label: "never equal".into(),
                        help,
                    });
                }
                (kind, v) if !names::fits(kind, v) => self.push(CheckError::Type {
                    suggestion: None,
                    message: format!(
                        "`{}` is {}, compared here with a {} value",
                        param.value,
                        names::a(kind.name()),
                        names::value_kind(v)
                    ),
                    span: value.span,
                    label: "wrong type".into(),
                    help: names::example(kind),
                }),
                _ => {}
            }
        }
        self.require_available(&param.value, param.span);
    }

    /// A parameter named in another case than declared: PowerShell would not mind, the runbook
    /// should say it one way.
    fn written_as_declared(&mut self, name: &Name, param: &Param) {
        if param.name.value != name.value {
            self.push(CheckError::UnknownName {
                suggestion: None,
                kind: "parameter",
                name: name.value.clone(),
                span: name.span,
                help: format!("write it as declared: `{}`", param.name.value),
            });
        }
    }

    fn lookup(&mut self, name: &Name) -> Option<&'a Param> {
        if let Some(p) = self.params.get(&name.value.to_ascii_lowercase()).copied() {
            self.written_as_declared(name, p);
            return Some(p);
        }
        let declared: Vec<&str> = self
            .params
            .values()
            .map(|p| p.name.value.as_str())
            .collect();
        let suggestion =
            names::closest(&name.value, &declared).map(|near| Suggestion::new(name.span, near));
        let help = match names::closest(&name.value, &declared) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("declare it: `param {}: string`", name.value),
        };
        self.push(CheckError::UnknownName {
            suggestion,
            kind: "parameter",
            name: name.value.clone(),
            span: name.span,
            help,
        });
        None
    }

    fn when(&mut self, w: &'a When, place: Place) {
        let depth = self.path.len();
        let mut restarts = Vec::new();
        for arm in &w.arms {
            let before = self.problems.len();
            self.cond(&arm.cond);
            self.path.push((arm.cond.clone(), true));
            // A condition with problems of its own says nothing about reachability.
            if self.problems.len() == before {
                self.reachable(arm.cond.span());
            }
            self.body(&arm.body, place);
            self.path.pop();
            restarts.push(first_restart(&arm.body.items));
            self.path.push((arm.cond.clone(), false));
        }
        if let Some(body) = &w.otherwise {
            self.reachable(body.span);
            self.body(body, place);
            restarts.push(first_restart(&body.items));
        } else {
            restarts.push(None);
        }
        self.path.truncate(depth);
        self.divergent_restart(&restarts, w.span);
    }

    fn match_(&mut self, m: &'a Match, place: Place) {
        let Some(param) = self.lookup(&m.param) else {
            return;
        };
        let TypeKind::Choice(options) = &param.ty.kind else {
            self.push(CheckError::Type {
                suggestion: None,
                message: format!(
                    "`match` needs a choice parameter; `{}` is {}",
                    m.param.value,
                    names::a(param.ty.kind.name())
                ),
                span: m.param.span,
                label: "not a choice".into(),
                help:
                    "use `when` for other types, or declare the parameter as `choice(\"a\", \"b\")`"
                        .into(),
            });
            return;
        };
        self.require_available(&m.param.value, m.param.span);
        let mut covered: Vec<&str> = Vec::new();
        let depth = self.path.len();
        let mut restarts = Vec::new();
        for arm in &m.arms {
            let values: Vec<&Text> = match &arm.pattern {
                Pattern::Wildcard(_) => options
                    .iter()
                    .filter(|o| !covered.contains(&o.value.as_str()))
                    .collect(),
                Pattern::Values(values) => values.iter().collect(),
            };
            if let Pattern::Values(vs) = &arm.pattern {
                for v in vs {
                    if !options.iter().any(|o| o.value == v.value) {
                        let allowed: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
                        let suggestion = names::closest(&v.value, &allowed)
                            .map(|near| Suggestion::quoted(v.span, near));
                        let help = match names::closest(&v.value, &allowed) {
                            Some(near) => format!("did you mean \"{near}\"?"),
                            None => format!(
                                "`{}` is one of {}",
                                m.param.value,
                                names::quoted_list(allowed.iter().copied())
                            ),
                        };
                        self.push(CheckError::Type {
                            suggestion,
                            message: format!(
                                "\"{}\" is not a choice of `{}`",
                                v.value, m.param.value
                            ),
                            span: v.span,
                            label: "never matches".into(),
                            help,
                        });
                    }
                }
            }
            let arm_values: Vec<&str> = values.iter().map(|t| t.value.as_str()).collect();
            if arm_values.iter().all(|v| covered.contains(v)) {
                self.unreachable(
                    "this arm is never taken: earlier arms take all its values",
                    arm.span,
                    "unreachable",
                    "remove it, or move it above the arm that takes its values",
                );
            }
            let pattern_cond = Cond::In {
                param: m.param.clone(),
                negated: false,
                values: values
                    .iter()
                    .map(|t| Literal {
                        value: Value::Str(t.value.clone()),
                        span: t.span,
                    })
                    .collect(),
                span: arm.span,
            };
            self.path.push((pattern_cond.clone(), true));
            let before = self.problems.len();
            if let Some(guard) = &arm.guard {
                self.cond(guard);
                self.path.push((guard.clone(), true));
            }
            let already_unreachable =
                self.problems.len() > before || arm_values.iter().all(|v| covered.contains(v));
            if !already_unreachable {
                self.reachable(arm.span);
            }
            self.body(&arm.body, place);
            restarts.push(first_restart(&arm.body.items));
            if arm.guard.is_some() {
                self.path.pop();
            }
            self.path.pop();
            let arm_cond = match &arm.guard {
                Some(guard) => Cond::And(vec![pattern_cond, guard.clone()], arm.span),
                None => {
                    covered.extend(arm_values.iter().copied());
                    pattern_cond
                }
            };
            self.path.push((arm_cond, false));
        }
        self.path.truncate(depth);
        let missing: Vec<&str> = options
            .iter()
            .map(|o| o.value.as_str())
            .filter(|v| !covered.contains(v))
            .collect();
        if !missing.is_empty() {
            let first = missing[0];
            self.push(CheckError::MatchMissing {
                param: m.param.value.clone(),
                missing: names::quoted_list(missing.iter().copied()),
                span: m.span,
                help: format!(
                    "add an arm without `when` for each, such as `\"{first}\" => {{ ... }}`, or end with `_ => {{ ... }}`"
                ),
            });
        }
        self.divergent_restart(&restarts, m.span);
    }

    fn body(&mut self, body: &'a Body, place: Place) {
        for item in &body.items {
            self.item(item, place);
        }
    }

    fn reachable(&mut self, span: Span) {
        // An unknown parameter is already reported; it would make every branch look unreachable.
        let mut unknown = false;
        for (cond, _) in &self.path {
            cond.for_each_param(&mut |n| {
                unknown |= !self.params.contains_key(&n.value.to_ascii_lowercase())
            });
        }
        if unknown {
            return;
        }
        match self.domains.satisfiable(&self.path) {
            Some(false) => self.unreachable(
                "this branch can never be taken",
                span,
                "no parameter values reach it",
                "the conditions on the way here contradict each other; fix the condition or remove the branch",
            ),
            Some(true) => {}
            None => self.too_complex(span),
        }
    }

    fn divergent_restart(&mut self, restarts: &[Option<Span>], branch: Span) {
        if restarts.iter().any(Option::is_none)
            && let Some(span) = restarts.iter().flatten().next()
            && !self.warned_restarts.contains(span)
        {
            // Nested branches lead to the same restart; warn once, for the innermost branch.
            self.warned_restarts.push(*span);
            self.push(CheckError::DivergentRestart {
                span: *span,
                branch,
            });
        }
    }

    fn windows(&mut self) {
        let windows: Vec<&'a Window> = self
            .ast
            .items
            .iter()
            .filter_map(|i| {
                if let Item::Window(w) = i {
                    Some(w)
                } else {
                    None
                }
            })
            .collect();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for w in windows {
            if let Some(first) = seen.insert(&w.name.value, w.name.span) {
                self.push(CheckError::Duplicate {
                    kind: "window",
                    name: w.name.value.clone(),
                    span: w.name.span,
                    first,
                    help: "give this window another name".into(),
                });
            }
            // Both ends in the body of the same loop: a window per item (per target). Otherwise a
            // loop's step cannot be an end: it runs once per item.
            let loops = (
                self.loop_steps.get(w.from.value.as_str()).copied(),
                self.loop_steps.get(w.to.value.as_str()).copied(),
            );
            let per_item = matches!(loops, (Some(a), Some(b)) if std::ptr::eq(a, b));
            if let (true, Some(f)) = (per_item, loops.0)
                && matches!(f.source, LoopSource::Run(_))
            {
                self.invalid(
                    format!(
                        "window `{}` spans steps of `foreach {} in run {{ ... }}`",
                        w.name.value, f.var.value
                    ),
                    w.name.span,
                    "items decided at run time",
                    "a window per item works in a loop over a list parameter; loop over a `list(string)` parameter, or span steps outside the loop".into(),
                );
            }
            for (end, f) in [(&w.from, loops.0), (&w.to, loops.1)] {
                if let Some(f) = f.filter(|_| !per_item) {
                    self.invalid(
                        format!(
                            "window `{}` names `{}`, a step inside `foreach {}`, but its other end is not in that loop",
                            w.name.value, end.value, f.var.value
                        ),
                        end.span,
                        "repeated once per item",
                        format!(
                            "a window spans steps outside loops, or two steps of the same loop's body (then it is opened once per item); name two steps of `foreach {}`, or steps outside it",
                            f.var.value
                        ),
                    );
                }
            }
            let from = self.step_index(&w.from);
            let to = self.step_index(&w.to);
            if let (Some(from), Some(to)) = (from, to)
                && from > to
            {
                self.invalid(
                    format!(
                        "window `{}` ends at `{}`, which comes before `{}`",
                        w.name.value, w.to.value, w.from.value
                    ),
                    w.to.span,
                    "earlier step",
                    format!("write `from {} to {}`", w.to.value, w.from.value),
                );
            }
            if w.limit.millis == 0 {
                self.invalid(
                    "a window limit of zero".into(),
                    w.limit.span,
                    "zero",
                    "write a positive duration, such as `limit 30m`".into(),
                );
            }
        }
    }

    fn step_index(&mut self, name: &Name) -> Option<usize> {
        if let Some(i) = self.steps.iter().position(|s| s.id.value == name.value) {
            return Some(i);
        }
        let ids: Vec<&str> = self.steps.iter().map(|s| s.id.value.as_str()).collect();
        let suggestion =
            names::closest(&name.value, &ids).map(|near| Suggestion::new(name.span, near));
        let help = match names::closest(&name.value, &ids) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "name a step declared in this runbook".into(),
        };
        self.push(CheckError::UnknownName {
            suggestion,
            kind: "step",
            name: name.value.clone(),
            span: name.span,
            help,
        });
        None
    }
}

/// Whether a placeholder directly follows a word, as `<string>` does in `List<string>`: then it is
/// a generic type argument written the C# way, not a document placeholder.
fn follows_a_name(code: &Code, ph: &crate::code::Placeholder) -> bool {
    let offset = ph.span.start - code.span.start;
    code.raw[..offset]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The first `foreach` among items, looking into branches.
fn first_loop(items: &[Item]) -> Option<&Foreach> {
    items.iter().find_map(|item| match item {
        Item::Foreach(f) => Some(f),
        Item::When(w) => w
            .arms
            .iter()
            .find_map(|a| first_loop(&a.body.items))
            .or_else(|| w.otherwise.as_ref().and_then(|b| first_loop(&b.items))),
        Item::Match(m) => m.arms.iter().find_map(|a| first_loop(&a.body.items)),
        Item::If(i) => i
            .arms
            .iter()
            .find_map(|a| first_loop(&a.body.items))
            .or_else(|| i.otherwise.as_ref().and_then(|b| first_loop(&b.items))),
        _ => None,
    })
}

/// The first `restart shell` among items, looking into nested branches.
fn first_restart(items: &[Item]) -> Option<Span> {
    items.iter().find_map(|item| match item {
        Item::Action(Action::RestartShell(span)) => Some(*span),
        Item::Step(step) => first_restart(&step.items),
        Item::Foreach(f) => first_restart(&f.items),
        Item::When(w) => w
            .arms
            .iter()
            .find_map(|a| first_restart(&a.body.items))
            .or_else(|| w.otherwise.as_ref().and_then(|b| first_restart(&b.items))),
        Item::Match(m) => m.arms.iter().find_map(|a| first_restart(&a.body.items)),
        Item::If(i) => i
            .arms
            .iter()
            .find_map(|a| first_restart(&a.body.items))
            .or_else(|| i.otherwise.as_ref().and_then(|b| first_restart(&b.items))),
        _ => None,
    })
}

/// Every branch condition in the items, for the parameter domains.
fn collect_conds<'a>(items: &'a [Item], out: &mut Vec<&'a Cond>) {
    for item in items {
        match item {
            Item::Step(s) => collect_conds(&s.items, out),
            Item::Finally(f) => collect_conds(&f.items, out),
            Item::Foreach(f) => collect_conds(&f.items, out),
            Item::When(w) => {
                for arm in &w.arms {
                    out.push(&arm.cond);
                    collect_conds(&arm.body.items, out);
                }
                if let Some(b) = &w.otherwise {
                    collect_conds(&b.items, out);
                }
            }
            Item::Match(m) => {
                for arm in &m.arms {
                    out.extend(arm.guard.as_ref());
                    collect_conds(&arm.body.items, out);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    collect_conds(&arm.body.items, out);
                }
                if let Some(b) = &i.otherwise {
                    collect_conds(&b.items, out);
                }
            }
            _ => {}
        }
    }
}
