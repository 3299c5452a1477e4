//! What a rule sees: the checked runbook, its source, and its steps and code blocks in order.

use std::cell::OnceCell;
use std::collections::HashMap;

use super::pwsh::{Scan, scan};
use crate::Runbook;
use crate::ast::{Action, Foreach, Item, LoopSource, Run, Step};
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
    /// The span of every `when` arm (`else` included) and `match` arm, at any depth.
    pub arms: Vec<Span>,
    /// Every `foreach` loop, outer loops before the loops they hold.
    pub loops: Vec<&'a Foreach>,
    /// The condition of every arm of an `if` decided at run time, with the step around it.
    pub conditions: Vec<(Option<&'a Step>, &'a Code)>,
    /// For each step (by where it starts), the range of its actions in `actions`.
    ranges: HashMap<usize, (usize, usize)>,
    /// Every block scanned once, by where its code starts; on first use, so that a context
    /// made only to list blocks or steps does not scan them.
    scans: OnceCell<HashMap<usize, Scan>>,
}

/// Where a block of PowerShell sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `run { ... }`.
    Run,
    /// `require`, `ensure` or `skip if`: a condition.
    Condition,
    /// `foreach VAR in run { ... }`: the expression whose objects a loop goes over.
    LoopItems,
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
            arms: Vec::new(),
            loops: Vec::new(),
            conditions: Vec::new(),
            ranges: HashMap::new(),
            scans: OnceCell::new(),
        };
        cx.walk(&runbook.ast.items, None);
        cx
    }

    fn walk(&mut self, items: &'a [Item], step: Option<&'a Step>) {
        for item in items {
            match item {
                Item::Step(s) => {
                    self.steps.push(s);
                    let first = self.actions.len();
                    self.walk(&s.items, Some(s));
                    self.ranges
                        .insert(s.span.start, (first, self.actions.len()));
                }
                Item::Finally(f) => self.walk(&f.items, None),
                Item::Foreach(f) => {
                    self.loops.push(f);
                    self.walk(&f.items, step);
                }
                Item::Action(a) => self.actions.push((step, a)),
                Item::When(w) => {
                    for arm in &w.arms {
                        self.arms.push(arm.span);
                        self.walk(&arm.body.items, step);
                    }
                    if let Some(body) = &w.otherwise {
                        self.arms.push(body.span);
                        self.walk(&body.items, step);
                    }
                }
                Item::Match(m) => {
                    for arm in &m.arms {
                        self.arms.push(arm.span);
                        self.walk(&arm.body.items, step);
                    }
                }
                Item::If(i) => {
                    self.conditions
                        .extend(i.arms.iter().map(|a| (step, &a.code)));
                    for arm in &i.arms {
                        self.walk(&arm.body.items, step);
                    }
                    if let Some(body) = &i.otherwise {
                        self.walk(&body.items, step);
                    }
                }
                _ => {}
            }
        }
    }

    /// Every PowerShell block, in source order, loops' expressions included.
    pub fn blocks(&self) -> impl Iterator<Item = Block<'a>> + '_ {
        let mut blocks: Vec<Block<'a>> = self
            .actions
            .iter()
            .flat_map(|(step, action)| blocks(*step, action))
            .chain(self.conditions.iter().map(|(step, code)| Block {
                kind: BlockKind::Condition,
                code,
                run: None,
                step: *step,
            }))
            .chain(self.loops.iter().filter_map(|f| match &f.source {
                LoopSource::Run(code) => Some(Block {
                    kind: BlockKind::LoopItems,
                    code,
                    run: None,
                    step: None,
                }),
                LoopSource::Param(_) => None,
            }))
            .collect();
        blocks.sort_by_key(|b| b.code.span.start);
        blocks.into_iter()
    }

    fn range_of(&self, step: &Step) -> &[(Option<&'a Step>, &'a Action)] {
        let (first, end) = self.ranges.get(&step.span.start).copied().unwrap_or((0, 0));
        &self.actions[first..end]
    }

    /// The actions of `step` (its branches included), in source order.
    pub fn actions_of(&self, step: &Step) -> impl Iterator<Item = &'a Action> + '_ {
        self.range_of(step).iter().map(|(_, a)| *a)
    }

    /// The blocks of `step` (its branches included), in source order.
    pub fn blocks_of(&self, step: &Step) -> impl Iterator<Item = Block<'a>> + '_ {
        self.range_of(step).iter().flat_map(|(s, a)| blocks(*s, a))
    }

    /// The first command of `step`'s `run` blocks (branches included) for which `wanted` holds.
    pub fn first_run_command(
        &self,
        step: &Step,
        wanted: impl Fn(&super::pwsh::Command) -> bool,
    ) -> Option<super::pwsh::Command> {
        self.blocks_of(step)
            .filter(|b| b.kind == BlockKind::Run)
            .find_map(|b| {
                self.scan(b.code)
                    .commands
                    .iter()
                    .find(|c| wanted(c))
                    .cloned()
            })
    }

    /// What the PowerShell scanner found in `code`.
    pub fn scan(&self, code: &Code) -> std::borrow::Cow<'_, Scan> {
        let scans = self.scans.get_or_init(|| {
            self.blocks()
                .map(|b| (b.code.span.start, scan(b.code)))
                .collect()
        });
        match scans.get(&code.span.start) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(scan(code)),
        }
    }

    /// The spans of every step.
    pub fn step_spans(&self) -> Vec<Span> {
        self.steps.iter().map(|s| s.span).collect()
    }
}

/// The blocks of an action: a `wait` has its command (a run block) and its conditions.
fn blocks<'a>(step: Option<&'a Step>, action: &'a Action) -> Vec<Block<'a>> {
    let block = |kind, code, run| Block {
        kind,
        code,
        run,
        step,
    };
    match action {
        Action::Run(r) => vec![block(BlockKind::Run, &r.code, Some(r))],
        Action::Wait(w) => std::iter::once(block(BlockKind::Run, &w.code, None))
            .chain(std::iter::once(block(BlockKind::Condition, &w.until, None)))
            .chain(
                w.give_up
                    .iter()
                    .map(|g| block(BlockKind::Condition, &g.code, None)),
            )
            .collect(),
        Action::Require(c) | Action::Ensure(c) => {
            vec![block(BlockKind::Condition, &c.code, None)]
        }
        Action::SkipIf(s) => vec![block(BlockKind::Condition, &s.code, None)],
        Action::Manual(_) | Action::RestartShell(_) => Vec::new(),
    }
}
