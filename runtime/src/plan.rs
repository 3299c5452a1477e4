//! [`Runbook`] + parameter values to [`Plan`]: the branches resolved, the steps in order, each
//! command as written and as it will be sent to PowerShell.
//!
//! A plan never holds a parameter's value inside code: a placeholder becomes a reference to the
//! parameter's variable, and the values travel separately (see [`Plan::variables`]).

use serde::Serialize;

use tejun_grammar::Runbook;
use tejun_grammar::ast::{
    Action, Body, Foreach, If, Item, LoopSource, OnTarget, Param, Pattern, TargetRef, TypeKind,
    Value,
};
use tejun_grammar::code::{Code, Placeholder};

use crate::params::{Origin, ParamValues};

/// The version of the plan's JSON shape, stated in every plan.
pub const PLAN_FORMAT: &str = "tejun-plan/1";

/// What a run of a runbook with given parameters will do, in order.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: &'static str,
    /// The runbook.
    pub runbook: RunbookInfo,
    /// Every declared parameter and its value.
    pub params: Vec<PlanParam>,
    /// The steps that will run, in order.
    pub steps: Vec<PlanStep>,
    /// Every `foreach` the run reaches, each time it reaches it, with its items.
    pub loops: Vec<PlanLoop>,
    /// Every `if` decided at run time, each time the run reaches it: the steps and actions of
    /// all its arms are planned, each marked with the arm it belongs to (`decided_by`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<PlanBranch>,
    /// The runbook's time windows over the planned steps.
    pub windows: Vec<PlanWindow>,
    /// Actions that run after a failed or aborted run.
    pub finally: Vec<PlanAction>,
}

/// Who the plan is for.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookInfo {
    /// The runbook's name.
    pub name: String,
    /// Its title.
    pub title: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// The document it replays.
    pub source: Option<SourceInfo>,
}

/// The source document.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// The document's id.
    pub id: String,
    /// Where to read it.
    pub url: Option<String>,
    /// When it was last updated, `YYYY-MM-DD`.
    pub updated: Option<String>,
}

/// A parameter in a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanParam {
    /// The name, which is also the PowerShell variable's name.
    pub name: String,
    /// The type: `string`, `int`, `bool`, `path`, `secret` or `choice`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The value; `null` when not set; `"***"` for a secret that is set.
    pub value: Option<serde_json::Value>,
    /// `given`, `default`, or `null` when not set.
    pub origin: Option<Origin>,
    /// Whether it is a secret.
    pub secret: bool,
}

/// A step that will run.
#[derive(Debug, Clone, Serialize)]
pub struct PlanStep {
    /// Its position in the plan, from 1.
    pub index: usize,
    /// Its stable id; inside a loop, followed by the item in brackets: `patch[fe01]`.
    pub id: String,
    /// Its number in the source document.
    pub doc: Option<String>,
    /// Its title.
    pub title: String,
    /// The loop items it runs for, outer loop first; empty outside loops.
    pub items: Vec<PlanItem>,
    /// The inventory target its commands run on (`on`); `null`: where tejun runs.
    pub target: Option<String>,
    /// In a loop template: the loop variable whose item names the target, decided with the items.
    #[serde(skip)]
    pub target_var: Option<String>,
    /// The document's text for it, by language.
    pub quotes: Vec<PlanQuote>,
    /// Its actions, in order, branches resolved.
    pub actions: Vec<PlanAction>,
    /// The line of the runbook where it starts.
    pub line: usize,
    /// The arm of a branch decided at run time that the step belongs to: it runs only when the
    /// run takes that arm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Guard>,
    /// The actions inside branches decided at run time within the step: each runs only when
    /// the run takes its arm.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guarded: Vec<GuardedAction>,
}

impl PlanStep {
    /// The arm of a branch decided at run time that the action at `position` belongs to, if any.
    pub fn action_guard(&self, position: usize) -> Option<Guard> {
        self.guarded
            .iter()
            .find(|g| g.action == position)
            .map(|g| Guard {
                branch: g.branch,
                arm: g.arm,
            })
    }
}

/// An arm of a branch decided at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Guard {
    /// The branch's `id` in [`Plan::branches`].
    pub branch: usize,
    /// The arm, from 0; the `else` arm comes after the `if` and `else if` arms.
    pub arm: usize,
}

/// An action that belongs to an arm of a branch decided at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GuardedAction {
    /// The action's position among the step's actions, from 0.
    pub action: usize,
    /// The branch's id.
    pub branch: usize,
    /// The arm.
    pub arm: usize,
}

/// An `if { CONDITION } { ... } else ...` decided when the run reaches it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanBranch {
    /// Its position in [`Plan::branches`].
    pub id: usize,
    /// The line of the runbook where it starts.
    pub line: usize,
    /// For a branch among a step's actions: the step.
    pub step: Option<String>,
    /// The arms in order; the conditions are evaluated in this order and the first that holds
    /// is taken, else the `else` arm (with no condition), else none.
    pub arms: Vec<PlanArm>,
    /// The arm of an enclosing branch decided at run time that this branch sits in.
    pub decided_by: Option<Guard>,
}

/// One arm of a branch decided at run time.
#[derive(Debug, Clone, Serialize)]
pub struct PlanArm {
    /// The condition, as written and as sent; `null` for `else`.
    pub condition: Option<PlanExpression>,
    /// The line of the runbook where the arm starts.
    pub line: usize,
}

/// A loop's item for one planned step: the loop variable and its value.
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    /// The loop variable, without `$`.
    pub var: String,
    /// The item.
    pub value: String,
    /// Its position among the loop's items, from 1.
    pub index: usize,
    /// How many items the loop has.
    pub count: usize,
    /// The loop, as its position in [`Plan::loops`].
    #[serde(rename = "loop")]
    pub loop_index: usize,
}

/// A `foreach` as the run reaches it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLoop {
    /// The loop variable, without `$`.
    pub var: String,
    /// The list parameter it goes over; `run` for a loop over an expression.
    pub over: String,
    /// For a loop over `run { ... }`: the expression, as written and as sent.
    pub expression: Option<PlanExpression>,
    /// Whether the items are known: always for a list parameter; for an expression, once the run
    /// has evaluated it (see [`Plan::expand`]).
    pub decided: bool,
    /// The items, in order (empty: the loop runs zero times, or its items are not decided yet).
    pub items: Vec<String>,
    /// For a loop over an expression whose items are not decided yet: its steps, planned once
    /// with ids without the item; `steps` holds none of them until [`Plan::expand`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub template: Vec<PlanStep>,
    /// The ids of the branches decided at run time planned with the template: each item after
    /// the first gets copies of them.
    #[serde(skip)]
    pub template_branches: Vec<usize>,
    /// The position in `steps` (from 0) of the loop's first step, or of the step after an
    /// empty loop (the number of steps when nothing follows).
    pub at: usize,
    /// The loop items of enclosing loops, outer first.
    pub outer: Vec<PlanItem>,
    /// `on`: what names each item's target, as written (`server`, `"fe01"`).
    pub on: Option<String>,
    /// Where a loop over `run { ... }` evaluates its expression: the loop's target when it does
    /// not depend on the item (`on "fe01"`, `on QueryServer`); `null`: where tejun runs.
    pub target: Option<String>,
    /// The health gate between items.
    pub gate: Option<PlanGate>,
    /// How many items may fail before the rollout halts.
    pub budget: u32,
    /// The line of the runbook where the loop starts.
    pub line: usize,
}

/// A loop's health gate: a condition that must hold after an item before the next one starts.
#[derive(Debug, Clone, Serialize)]
pub struct PlanGate {
    /// The condition as written.
    pub written: String,
    /// The condition as sent.
    pub sent: String,
    /// Keep polling until it holds for this long, in milliseconds.
    pub within_ms: Option<u64>,
    /// The pause between polls, in milliseconds.
    pub every_ms: Option<u64>,
    /// What to say when it does not hold.
    pub message: Option<String>,
}

/// The PowerShell expression a loop goes over.
#[derive(Debug, Clone, Serialize)]
pub struct PlanExpression {
    /// As the runbook writes it.
    pub written: String,
    /// As it will be sent to PowerShell.
    pub sent: String,
}

/// A quote of the source document.
#[derive(Debug, Clone, Serialize)]
pub struct PlanQuote {
    /// The language tag, if given.
    pub lang: Option<String>,
    /// The text.
    pub text: String,
}

/// An action that will run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanAction {
    /// Run PowerShell.
    Run {
        /// The command as the runbook writes it.
        written: String,
        /// The command as it will be sent to PowerShell.
        sent: String,
        /// The timeout in milliseconds.
        timeout_ms: Option<u64>,
        /// How many more tries after a failure.
        retries: u32,
        /// The pause between tries, in milliseconds.
        retry_every_ms: Option<u64>,
        /// Exit codes that count as success: `[0]`, or exactly the codes `accept exit` lists.
        accept_exit: Vec<i64>,
        /// The line of the runbook.
        line: usize,
    },
    /// An instruction for the operator to carry out and confirm.
    Manual {
        /// The instruction.
        instruction: String,
        /// The line of the runbook.
        line: usize,
    },
    /// A precondition, checked before the step's commands.
    Require {
        /// The condition as written.
        written: String,
        /// The condition as sent.
        sent: String,
        /// What to say when it fails.
        message: Option<String>,
        /// The line of the runbook.
        line: usize,
    },
    /// A postcondition, checked after the step's commands.
    Ensure {
        /// The condition as written.
        written: String,
        /// The condition as sent.
        sent: String,
        /// Keep polling until it holds for this long, in milliseconds.
        within_ms: Option<u64>,
        /// The pause between polls, in milliseconds.
        every_ms: Option<u64>,
        /// What to say when it fails.
        message: Option<String>,
        /// The line of the runbook.
        line: usize,
    },
    /// When this holds, the step is already done and is skipped.
    SkipIf {
        /// The condition as written.
        written: String,
        /// The condition as sent.
        sent: String,
        /// The line of the runbook.
        line: usize,
    },
    /// Run a command until a condition on its output holds.
    Wait {
        /// The command as the runbook writes it.
        written: String,
        /// The command as it will be sent to PowerShell (each attempt keeps its output objects
        /// in `$Result` as well).
        sent: String,
        /// The condition that ends the wait successfully.
        until: PlanExpression,
        /// The conditions that end it with a failure, in order.
        give_up: Vec<PlanGiveUp>,
        /// The pause between attempts, in milliseconds.
        every_ms: u64,
        /// How many times the command runs at most.
        attempts: u32,
        /// The limit of each run of the command, in milliseconds.
        timeout_ms: Option<u64>,
        /// What to say when the attempts run out.
        message: Option<String>,
        /// The line of the runbook.
        line: usize,
    },
    /// Close the hosted PowerShell and open a fresh one.
    RestartShell {
        /// The line of the runbook.
        line: usize,
    },
}

/// A `give up "NAME" { ... }` of a wait.
#[derive(Debug, Clone, Serialize)]
pub struct PlanGiveUp {
    /// The name the journal and the failure give.
    pub name: String,
    /// The condition as written.
    pub written: String,
    /// The condition as sent.
    pub sent: String,
}

/// The pause between a wait's attempts when it gives no `every`.
pub const DEFAULT_WAIT_EVERY_MS: u64 = 10_000;

/// How many times a wait runs its command when it gives no `attempts`.
pub const DEFAULT_WAIT_ATTEMPTS: u32 = 3;

/// A window over planned steps.
#[derive(Debug, Clone, Serialize)]
pub struct PlanWindow {
    /// Its name.
    pub name: String,
    /// The step that opens it (its id).
    pub from: String,
    /// The step that closes it (its id).
    pub to: String,
    /// The limit in milliseconds.
    pub limit_ms: u64,
    /// The warning shown when the limit passes.
    pub warn: Option<String>,
}

impl Plan {
    /// Decides the items of the loop `index` (a loop over an expression): its steps, once per
    /// item, go into `steps` where the loop stands, and later loops move down. Does nothing for a
    /// loop whose items are decided already.
    pub fn expand(&mut self, index: usize, items: Vec<String>) {
        let Some(l) = self.loops.get_mut(index) else {
            return;
        };
        if l.decided {
            return;
        }
        l.decided = true;
        l.items = items;
        let at = l.at;
        let count = l.items.len();
        let mut steps = Vec::new();
        let template_branches = l.template_branches.clone();
        let mut new_branches = Vec::new();
        let next_id = self.branches.len();
        for (i, value) in l.items.iter().enumerate() {
            // The first item uses the branches planned with the template; each other item gets
            // copies of them, since each iteration decides its own.
            let ids: std::collections::HashMap<usize, usize> = template_branches
                .iter()
                .enumerate()
                .map(|(k, id)| {
                    let new = if i == 0 {
                        *id
                    } else {
                        next_id + new_branches.len() + k
                    };
                    (*id, new)
                })
                .collect();
            if i > 0 {
                let mut copies: Vec<PlanBranch> = template_branches
                    .iter()
                    .map(|id| {
                        let mut b = self.branches[*id].clone();
                        b.id = ids[id];
                        if let Some(g) = &mut b.decided_by {
                            g.branch = ids.get(&g.branch).copied().unwrap_or(g.branch);
                        }
                        b
                    })
                    .collect();
                new_branches.append(&mut copies);
            }
            for template in &l.template {
                let mut step = template.clone();
                if let Some(g) = &mut step.decided_by {
                    g.branch = ids.get(&g.branch).copied().unwrap_or(g.branch);
                }
                for g in &mut step.guarded {
                    g.branch = ids.get(&g.branch).copied().unwrap_or(g.branch);
                }
                step.id = format!("{}[{value}]", template.id);
                step.items = vec![PlanItem {
                    var: l.var.clone(),
                    value: value.clone(),
                    index: i + 1,
                    count,
                    loop_index: index,
                }];
                if step.target_var.as_ref() == Some(&l.var) {
                    step.target = Some(value.clone());
                }
                steps.push(step);
            }
        }
        self.branches.append(&mut new_branches);
        let added = steps.len();
        self.steps.splice(at..at, steps);
        for later in &mut self.loops[index + 1..] {
            if later.at >= at {
                later.at += added;
            }
        }
        for (i, step) in self.steps.iter_mut().enumerate() {
            step.index = i + 1;
            for g in &step.guarded {
                if let Some(b) = self.branches.get_mut(g.branch) {
                    b.step = Some(step.id.clone());
                }
            }
        }
    }

    /// The PowerShell variables a run sets before any command: each parameter with a value.
    /// Secrets are included here with their real value; never print this.
    pub fn variables(values: &ParamValues, runbook: &Runbook) -> Vec<(String, Value)> {
        runbook
            .params()
            .filter_map(|p| {
                values
                    .get(&p.name.value)
                    .map(|v| (p.name.value.clone(), v.clone()))
            })
            .collect()
    }
}

/// Resolves the runbook's branches for `values` and lists what will run.
pub fn plan(runbook: &Runbook, src: &str, values: &ParamValues) -> Plan {
    let line_starts = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut planner = Planner {
        runbook,
        line_starts,
        values,
        steps: Vec::new(),
        loops: Vec::new(),
        active: Vec::new(),
        branches: Vec::new(),
        guard: None,
        action_guard: None,
    };
    planner.items(&runbook.ast.items, None);
    let planned: Vec<&str> = planner.steps.iter().map(|s| s.id.as_str()).collect();
    // A window between two steps of a loop's body is one window per item: `outage[fe01]` from
    // `stop[fe01]` to `start[fe01]`. Outside loops the suffix is empty.
    let mut windows = Vec::new();
    for w in runbook.windows() {
        for step in &planner.steps {
            let Some(suffix) = step.id.strip_prefix(w.from.value.as_str()) else {
                continue;
            };
            if !(suffix.is_empty() || suffix.starts_with('[')) {
                continue;
            }
            let to = format!("{}{suffix}", w.to.value);
            if planned.contains(&to.as_str()) {
                windows.push(PlanWindow {
                    name: format!("{}{suffix}", w.name.value),
                    from: step.id.clone(),
                    to,
                    limit_ms: w.limit.millis,
                    warn: w.warn.as_ref().map(|t| t.value.clone()),
                });
            }
        }
    }
    let mut finally = Vec::new();
    if let Some(f) = runbook.finally() {
        let mut scratch = PlanStep {
            index: 0,
            id: String::new(),
            doc: None,
            title: String::new(),
            items: Vec::new(),
            target: None,
            target_var: None,
            quotes: Vec::new(),
            actions: Vec::new(),
            line: 0,
            decided_by: None,
            guarded: Vec::new(),
        };
        planner.items(&f.items, Some(&mut scratch));
        finally = scratch.actions;
    }
    Plan {
        format: PLAN_FORMAT,
        runbook: RunbookInfo {
            name: runbook.ast.name.value.clone(),
            title: runbook.title().map(|t| t.value.clone()),
            description: runbook.description().map(|t| t.value.clone()),
            source: runbook.source().map(|s| SourceInfo {
                id: s.id.value.clone(),
                url: s.url.as_ref().map(|u| u.value.clone()),
                updated: s.updated.map(|d| d.to_string()),
            }),
        },
        params: runbook.params().map(|p| plan_param(p, values)).collect(),
        steps: planner.steps,
        loops: planner.loops,
        branches: planner.branches,
        windows,
        finally,
    }
}

fn plan_param(param: &Param, values: &ParamValues) -> PlanParam {
    let name = &param.name.value;
    let secret = param.ty.kind == TypeKind::Secret;
    let value = values.get(name).map(|v| match (secret, v) {
        (true, _) => serde_json::Value::String("***".into()),
        (false, Value::Str(s)) => serde_json::Value::String(s.clone()),
        (false, Value::Int(i)) => serde_json::Value::from(*i),
        (false, Value::Bool(b)) => serde_json::Value::Bool(*b),
        (false, Value::List(items)) => serde_json::Value::from(items.clone()),
    });
    PlanParam {
        name: name.clone(),
        ty: param.ty.kind.name(),
        value,
        origin: values.origin(name),
        secret,
    }
}

struct Planner<'a> {
    runbook: &'a Runbook,
    line_starts: Vec<usize>,
    values: &'a ParamValues,
    steps: Vec<PlanStep>,
    loops: Vec<PlanLoop>,
    /// The loops around the items being planned, outer first, with the current item.
    active: Vec<(&'a Foreach, PlanItem)>,
    /// Every branch decided at run time planned so far.
    branches: Vec<PlanBranch>,
    /// The arm of a branch decided at run time that the steps being planned belong to.
    guard: Option<Guard>,
    /// The arm of a branch decided at run time that the actions being planned belong to.
    action_guard: Option<Guard>,
}

impl<'a> Planner<'a> {
    /// Walks items in order; `step` is the step being filled, `None` at runbook level.
    fn items(&mut self, items: &'a [Item], mut step: Option<&mut PlanStep>) {
        for item in items {
            match item {
                Item::Foreach(f) => self.foreach(f),
                Item::Step(s) => {
                    let mut id = s.id.value.clone();
                    for (_, item) in &self.active {
                        id += &format!("[{}]", item.value);
                    }
                    let (target, target_var) = self.target(s.on.as_ref());
                    let mut planned = PlanStep {
                        index: self.steps.len() + 1,
                        id,
                        doc: s.doc.as_ref().map(|d| d.value.clone()),
                        title: s.title.value.clone(),
                        items: self.active.iter().map(|(_, i)| i.clone()).collect(),
                        target,
                        target_var,
                        quotes: Vec::new(),
                        actions: Vec::new(),
                        line: self.line(s.span.start),
                        decided_by: self.guard,
                        guarded: Vec::new(),
                    };
                    self.items(&s.items, Some(&mut planned));
                    self.steps.push(planned);
                }
                Item::Quote(q) => {
                    if let Some(step) = step.as_deref_mut() {
                        step.quotes.push(PlanQuote {
                            lang: q.lang.as_ref().map(|l| l.value.clone()),
                            text: q.text.value.clone(),
                        });
                    }
                }
                Item::Action(action) => {
                    if let Some(step) = step.as_deref_mut() {
                        if let Some(g) = self.action_guard {
                            step.guarded.push(GuardedAction {
                                action: step.actions.len(),
                                branch: g.branch,
                                arm: g.arm,
                            });
                        }
                        step.actions.push(self.action(action));
                    }
                }
                Item::If(i) => self.if_branch(i, step.as_deref_mut()),
                Item::When(w) => {
                    let lookup = |n: &str| self.values.get(n);
                    let body = w
                        .arms
                        .iter()
                        .find(|arm| arm.cond.eval(&lookup))
                        .map(|arm| &arm.body)
                        .or(w.otherwise.as_ref());
                    if let Some(body) = body {
                        self.items(&body.items, step.as_deref_mut());
                    }
                }
                Item::Match(m) => {
                    let lookup = |n: &str| self.values.get(n);
                    let value = self.values.get(&m.param.value);
                    let arm = m.arms.iter().find(|arm| {
                        let pattern_matches = match &arm.pattern {
                            Pattern::Wildcard(_) => true,
                            Pattern::Values(vs) => vs
                                .iter()
                                .any(|v| value == Some(&Value::Str(v.value.clone()))),
                        };
                        pattern_matches && arm.guard.as_ref().is_none_or(|g| g.eval(&lookup))
                    });
                    if let Some(arm) = arm {
                        self.items(&arm.body.items, step.as_deref_mut());
                    }
                }
                Item::Title(_)
                | Item::Source(_)
                | Item::Description(_)
                | Item::Param(_)
                | Item::Window(_)
                | Item::Finally(_) => {}
            }
        }
    }

    /// A branch decided at run time: every arm is planned, its steps (or, inside a step, its
    /// actions) marked with the arm.
    fn if_branch(&mut self, i: &'a If, mut step: Option<&mut PlanStep>) {
        let id = self.branches.len();
        let inside = step.is_some();
        let arms = i
            .arms
            .iter()
            .map(|arm| PlanArm {
                condition: Some(PlanExpression {
                    written: arm.code.text.clone(),
                    sent: self.sent(&arm.code),
                }),
                line: self.line(arm.span.start),
            })
            .chain(i.otherwise.as_ref().map(|body| PlanArm {
                condition: None,
                line: self.line(body.span.start),
            }))
            .collect();
        self.branches.push(PlanBranch {
            id,
            line: self.line(i.span.start),
            step: step.as_deref().map(|s| s.id.clone()),
            arms,
            decided_by: if inside {
                self.action_guard
            } else {
                self.guard
            },
        });
        let bodies: Vec<&'a Body> = i
            .arms
            .iter()
            .map(|arm| &arm.body)
            .chain(i.otherwise.as_ref())
            .collect();
        for (arm, body) in bodies.into_iter().enumerate() {
            let guard = Some(Guard { branch: id, arm });
            if inside {
                let outer = std::mem::replace(&mut self.action_guard, guard);
                self.items(&body.items, step.as_deref_mut());
                self.action_guard = outer;
            } else {
                let outer = std::mem::replace(&mut self.guard, guard);
                self.items(&body.items, None);
                self.guard = outer;
            }
        }
    }

    /// A loop: its body planned once per item, with the item as the loop variable's value.
    fn foreach(&mut self, f: &'a Foreach) {
        let (over, items) = match &f.source {
            LoopSource::Param(name) => match self.values.get(&name.value) {
                Some(Value::List(items)) => (name.value.clone(), items.clone()),
                _ => (name.value.clone(), Vec::new()),
            },
            LoopSource::Run(code) => {
                let gate = self.gate(f);
                // Planned once, as a template the run expands when it has the items.
                let saved = std::mem::take(&mut self.steps);
                let item = PlanItem {
                    var: f.var.value.clone(),
                    value: String::new(),
                    index: 0,
                    count: 0,
                    loop_index: self.loops.len(),
                };
                let first_branch = self.branches.len();
                self.active.push((f, item));
                self.items(&f.items, None);
                self.active.pop();
                let template_branches = (first_branch..self.branches.len()).collect();
                let mut template = std::mem::replace(&mut self.steps, saved);
                for step in &mut template {
                    if let Some(id) = step.id.strip_suffix("[]") {
                        step.id = id.to_owned();
                    }
                    step.index = 0;
                }
                self.loops.push(PlanLoop {
                    var: f.var.value.clone(),
                    over: "run".into(),
                    expression: Some(PlanExpression {
                        written: code.text.clone(),
                        sent: self.sent(code),
                    }),
                    decided: false,
                    items: Vec::new(),
                    template,
                    template_branches,
                    at: self.steps.len(),
                    outer: self.active.iter().map(|(_, i)| i.clone()).collect(),
                    on: self.on(f),
                    target: self.target(f.on.as_ref()).0,
                    gate,
                    budget: self.budget(f),
                    line: self.line(f.span.start),
                });
                return;
            }
        };
        let gate = self.gate(f);
        self.loops.push(PlanLoop {
            var: f.var.value.clone(),
            over,
            expression: None,
            decided: true,
            template: Vec::new(),
            template_branches: Vec::new(),
            items: items.clone(),
            at: self.steps.len(),
            outer: self.active.iter().map(|(_, i)| i.clone()).collect(),
            on: self.on(f),
            target: self.target(f.on.as_ref()).0,
            gate,
            budget: self.budget(f),
            line: self.line(f.span.start),
        });
        let loop_index = self.loops.len() - 1;
        let count = items.len();
        for (i, value) in items.into_iter().enumerate() {
            let item = PlanItem {
                var: f.var.value.clone(),
                value,
                index: i + 1,
                count,
                loop_index,
            };
            self.active.push((f, item));
            self.items(&f.items, None);
            self.active.pop();
        }
    }

    /// Where a step runs: its own `on`, else the innermost enclosing loop's. A loop variable
    /// whose item is not known yet (a loop over `run { ... }`) is returned as the second value.
    fn target(&self, on: Option<&'a OnTarget>) -> (Option<String>, Option<String>) {
        let on = on.or_else(|| self.active.iter().rev().find_map(|(f, _)| f.on.as_ref()));
        let Some(on) = on else {
            return (None, None);
        };
        match &on.target {
            TargetRef::Named(text) => (Some(text.value.clone()), None),
            TargetRef::Var(name) => {
                let item = self
                    .active
                    .iter()
                    .rev()
                    .find(|(f, _)| f.var.value == name.value);
                match item {
                    Some((_, item)) if item.count == 0 => (None, Some(name.value.clone())),
                    Some((_, item)) => (Some(item.value.clone()), None),
                    None => match self.values.get(&name.value) {
                        Some(Value::Str(v)) => (Some(v.clone()), None),
                        _ => (None, None),
                    },
                }
            }
        }
    }

    fn on(&self, f: &Foreach) -> Option<String> {
        f.on.as_ref().map(|on| match &on.target {
            TargetRef::Named(text) => format!("{:?}", text.value),
            TargetRef::Var(name) => name.value.clone(),
        })
    }

    /// The loop's gate, which sees the loop's placeholder as its variable, as the body does.
    fn gate(&mut self, f: &'a Foreach) -> Option<PlanGate> {
        let item = PlanItem {
            var: f.var.value.clone(),
            value: String::new(),
            index: 0,
            count: 0,
            loop_index: 0,
        };
        self.active.push((f, item));
        let gate = f.gate.as_ref().map(|g| PlanGate {
            written: g.code.text.clone(),
            sent: self.sent(&g.code),
            within_ms: g.poll.as_ref().map(|p| p.within.millis),
            every_ms: g.poll.as_ref().and_then(|p| p.every.map(|e| e.millis)),
            message: g.message.as_ref().map(|m| m.value.clone()),
        });
        self.active.pop();
        gate
    }

    fn budget(&self, f: &Foreach) -> u32 {
        f.budget
            .as_ref()
            .map_or(0, |b| b.count.clamp(0, u32::MAX as i64) as u32)
    }

    fn action(&self, action: &Action) -> PlanAction {
        let line = self.line(action.span().start);
        match action {
            Action::Run(run) => PlanAction::Run {
                written: run.code.text.clone(),
                sent: self.sent(&run.code),
                timeout_ms: run.timeout.map(|t| t.millis),
                retries: run.retries.as_ref().map_or(0, |r| r.count),
                retry_every_ms: run.retries.as_ref().and_then(|r| r.every.map(|e| e.millis)),
                accept_exit: run
                    .accept_exit
                    .as_ref()
                    .map_or_else(|| vec![0], |a| a.codes.clone()),
                line,
            },
            Action::Manual(m) => PlanAction::Manual {
                instruction: m.instruction.value.clone(),
                line,
            },
            Action::Require(c) => PlanAction::Require {
                written: c.code.text.clone(),
                sent: self.sent(&c.code),
                message: c.message.as_ref().map(|m| m.value.clone()),
                line,
            },
            Action::Ensure(c) => PlanAction::Ensure {
                written: c.code.text.clone(),
                sent: self.sent(&c.code),
                within_ms: c.poll.as_ref().map(|p| p.within.millis),
                every_ms: c.poll.as_ref().and_then(|p| p.every.map(|e| e.millis)),
                message: c.message.as_ref().map(|m| m.value.clone()),
                line,
            },
            Action::SkipIf(s) => PlanAction::SkipIf {
                written: s.code.text.clone(),
                sent: self.sent(&s.code),
                line,
            },
            Action::Wait(w) => PlanAction::Wait {
                written: w.code.text.clone(),
                sent: self.sent(&w.code),
                until: PlanExpression {
                    written: w.until.text.clone(),
                    sent: self.sent(&w.until),
                },
                give_up: w
                    .give_up
                    .iter()
                    .map(|g| PlanGiveUp {
                        name: g.name.value.clone(),
                        written: g.code.text.clone(),
                        sent: self.sent(&g.code),
                    })
                    .collect(),
                every_ms: w.every.map_or(DEFAULT_WAIT_EVERY_MS, |e| e.millis),
                attempts: w.attempts.map_or(DEFAULT_WAIT_ATTEMPTS, |a| a.count),
                timeout_ms: w.timeout.map(|t| t.millis),
                message: w.message.as_ref().map(|m| m.value.clone()),
                line,
            },
            Action::RestartShell(_) => PlanAction::RestartShell { line },
        }
    }

    /// The code as sent: each declared placeholder becomes its parameter's variable, or inside
    /// a loop the loop variable.
    fn sent(&self, code: &Code) -> String {
        code.render(|ph: &Placeholder| {
            let by_loop = self.active.iter().rev().find_map(|(f, _)| {
                f.placeholder
                    .as_ref()
                    .filter(|t| t.value == ph.text)
                    .map(|_| f.var.value.as_str())
            });
            let name = match by_loop {
                Some(var) => var,
                None => &self.runbook.param_for_placeholder(&ph.text)?.name.value,
            };
            Some(if ph.in_string {
                format!("${{{name}}}")
            } else {
                format!("${name}")
            })
        })
    }

    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|start| *start <= offset)
    }
}
