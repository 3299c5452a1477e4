//! Branches decided at run time: `if { CONDITION } { ... } else ...`. A branch is decided the
//! first time the run needs it (its first step, or its first action in a step), its conditions
//! evaluated in order through [`Run::check`]; the decision is journaled (`branch_decided`) and a
//! resume reuses it instead of evaluating again.

use super::{Run, RunError};
use crate::event::{CheckKind, RunEvent};
use crate::plan::{Guard, PlanBranch, PlanStep};

/// Why a step of an arm the run did not take is skipped.
pub const NOT_TAKEN: &str = "not the branch taken";

impl Run<'_> {
    /// Whether the run takes the arm `guard` (and every arm around it), deciding the branches on
    /// the way that are not decided yet. No guard: always.
    pub(super) async fn taken(
        &mut self,
        guard: Option<Guard>,
        branches: &[PlanBranch],
        step: &str,
    ) -> Result<bool, RunError> {
        let mut chain = Vec::new();
        let mut at = guard;
        while let Some(g) = at {
            chain.push(g);
            at = branches.get(g.branch).and_then(|b| b.decided_by);
        }
        for g in chain.iter().rev() {
            let Some(branch) = branches.get(g.branch) else {
                return Ok(false);
            };
            let arm = match self.decisions.get(&g.branch) {
                Some(arm) => *arm,
                None => self.decide_branch(branch, step).await?,
            };
            if arm != Some(g.arm) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether the action at `position` of `step` runs: always, unless it sits in an arm of a
    /// branch decided at run time that the run does not take.
    pub(super) async fn action_taken(
        &mut self,
        step: &PlanStep,
        position: usize,
        branches: &[PlanBranch],
    ) -> Result<bool, RunError> {
        self.taken(step.action_guard(position), branches, &step.id)
            .await
    }

    /// Evaluates a branch's conditions in order and journals the arm taken.
    async fn decide_branch(
        &mut self,
        branch: &PlanBranch,
        step: &str,
    ) -> Result<Option<usize>, RunError> {
        let mut taken = None;
        for (k, arm) in branch.arms.iter().enumerate() {
            match &arm.condition {
                Some(condition) => {
                    if self
                        .check(step, CheckKind::If, &condition.sent, None, None)
                        .await?
                    {
                        taken = Some(k);
                        break;
                    }
                }
                None => {
                    taken = Some(k);
                    break;
                }
            }
        }
        self.decisions.insert(branch.id, taken);
        self.emit(RunEvent::BranchDecided {
            step: step.to_owned(),
            branch: branch.id,
            arm: taken,
            condition: taken
                .and_then(|k| branch.arms[k].condition.as_ref())
                .map(|c| c.sent.clone()),
            line: branch.line,
        })?;
        // On disk before anything of the arm runs: a resume must take the same arm.
        self.sink.sync()?;
        Ok(taken)
    }
}
