//! What a rule sees: the checked runbook, its source, and its steps and code blocks in order.

use crate::Runbook;
use crate::ast::{Action, Item, Run, Step};
use crate::code::Code;
use crate::span::Span;

/// The runbook under lint, walked once for all rules.
pub struct Context<'a> {
    /// The checked runbook.
    pub runbook: &'a Runbook,
    /// The file's text.
    pub src: &'a str,
    /// Every step, in source order, branches included.
    pub steps: Vec<&'a Step>,
    /// Every action, in source order, with the step it belongs to (`None` in `finally`).
    pub actions: Vec<(Option<&'a Step>, &'a Action)>,
}

/// Where a block of PowerShell sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `run { ... }`.
    Run,
    /// `require`, `ensure` or `skip if`: a condition.
    Condition,
}

/// A block of PowerShell code with where it sits.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    /// Its kind.
    pub kind: BlockKind,
    /// The code.
    pub code: &'a Code,
    /// The `run` action, for a run block.
    pub run: Option<&'a Run>,
    /// The step holding it (`None` in `finally`).
    pub step: Option<&'a Step>,
}

impl<'a> Context<'a> {
    /// Walks `runbook` once.
    pub fn new(runbook: &'a Runbook, src: &'a str) -> Context<'a> {
        let mut cx = Context {
            runbook,
            src,
            steps: Vec::new(),
            actions: Vec::new(),
        };
        cx.walk(&runbook.ast.items, None);
        cx
    }

    fn walk(&mut self, items: &'a [Item], step: Option<&'a Step>) {
        for item in items {
            match item {
                Item::Step(s) => {
                    self.steps.push(s);
                    self.walk(&s.items, Some(s));
                }
                Item::Finally(f) => self.walk(&f.items, None),
                Item::Action(a) => self.actions.push((step, a)),
                Item::When(w) => {
                    for arm in &w.arms {
                        self.walk(&arm.body.items, step);
                    }
                    if let Some(body) = &w.otherwise {
                        self.walk(&body.items, step);
                    }
                }
                Item::Match(m) => {
                    for arm in &m.arms {
                        self.walk(&arm.body.items, step);
                    }
                }
                _ => {}
            }
        }
    }

    /// Every PowerShell block, in source order.
    pub fn blocks(&self) -> impl Iterator<Item = Block<'a>> + '_ {
        self.actions
            .iter()
            .filter_map(|(step, action)| match action {
                Action::Run(r) => Some(Block {
                    kind: BlockKind::Run,
                    code: &r.code,
                    run: Some(r),
                    step: *step,
                }),
                Action::Require(c) | Action::Ensure(c) => Some(Block {
                    kind: BlockKind::Condition,
                    code: &c.code,
                    run: None,
                    step: *step,
                }),
                Action::SkipIf(s) => Some(Block {
                    kind: BlockKind::Condition,
                    code: &s.code,
                    run: None,
                    step: *step,
                }),
                Action::Manual(_) | Action::RestartShell(_) => None,
            })
    }

    /// The actions of `step` (its branches included), in source order.
    pub fn actions_of(&self, step: &Step) -> impl Iterator<Item = &'a Action> + '_ {
        let span = step.span;
        self.actions
            .iter()
            .filter(move |(s, _)| s.is_some_and(|s| s.span == span))
            .map(|(_, a)| *a)
    }

    /// The spans of every step.
    pub fn step_spans(&self) -> Vec<Span> {
        self.steps.iter().map(|s| s.span).collect()
    }
}
