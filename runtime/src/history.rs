//! What a run's journal says about it: how it stands, where it stopped, and what `tejun resume`
//! must not do again. `tejun runs`, `tejun show` and `tejun resume` all read a run through this.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A run as its journal tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// When the run started (the `at` of `run_start`).
    pub started: Option<String>,
    /// How it stands: `succeeded`, `failed`, `paused`, `interrupted`, or `failed_to_start`.
    /// A session with no `run_end` after its start (tejun was killed) counts as `interrupted`.
    pub status: String,
    /// The step it stopped at.
    pub step: Option<String>,
    /// How the last session that got PowerShell running ended, and where: what a resume goes on
    /// from (a resume whose PowerShell failed to start changes nothing).
    pub resumable: Option<(String, Option<String>)>,
    /// Steps that ended, with their last status (`done`, `skipped`, `failed`, `paused`).
    pub steps: HashMap<String, String>,
    /// Per step, the actions finished since the step last ended done or skipped.
    pub done_actions: HashMap<String, BTreeSet<usize>>,
    /// The branches decided at run time, by id, with the arm taken (`None`: no arm).
    pub decisions: BTreeMap<usize, Option<usize>>,
}

impl History {
    /// Reads a run's journal entries, oldest first.
    pub fn read(entries: &[serde_json::Value]) -> History {
        let mut history = History::default();
        for entry in entries {
            let text = |key: &str| entry[key].as_str().map(str::to_owned);
            match entry["event"].as_str().unwrap_or_default() {
                "run_start" => {
                    history.started = text("at");
                    history.status = "interrupted".into();
                }
                "resume" => history.status = "interrupted".into(),
                "step_start" => history.step = text("step"),
                "branch_decided" => {
                    if let Some(branch) = entry["branch"].as_u64() {
                        let arm = entry["arm"].as_u64().map(|a| a as usize);
                        history.decisions.insert(branch as usize, arm);
                    }
                }
                "action_done" => {
                    if let (Some(step), Some(action)) = (text("step"), entry["action"].as_u64()) {
                        history
                            .done_actions
                            .entry(step)
                            .or_default()
                            .insert(action as usize);
                    }
                }
                "step_end" => {
                    if let (Some(step), Some(status)) = (text("step"), text("status")) {
                        if status == "done" || status == "skipped" {
                            history.done_actions.remove(&step);
                        }
                        history.steps.insert(step, status);
                    }
                }
                "run_end" => {
                    let status = text("status").unwrap_or_else(|| "failed".into());
                    history.step = text("step");
                    if status != "failed_to_start" {
                        history.resumable = Some((status.clone(), history.step.clone()));
                    }
                    history.status = status;
                }
                _ => {}
            }
        }
        if history.status == "interrupted" {
            history.resumable = Some(("interrupted".into(), history.step.clone()));
        }
        history
    }

    /// The status for people: `failed to start`, `paused`, ...
    pub fn describe(&self) -> String {
        match self.status.as_str() {
            "failed_to_start" if self.resumable.is_some() => {
                "resume failed to start (still resumable)".into()
            }
            "failed_to_start" => "failed to start (nothing ran)".into(),
            "" => "unknown (no run start recorded)".into(),
            other => other.into(),
        }
    }

    /// The step a paused run waits at.
    pub fn paused_at(&self) -> Option<&str> {
        match &self.resumable {
            Some((status, Some(step))) if status == "paused" => Some(step),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn history(entries: &[serde_json::Value]) -> History {
        History::read(entries)
    }

    #[test]
    fn finished_actions_count_until_their_step_is_done() {
        let h = history(&[
            json!({"event": "run_start", "at": "t0"}),
            json!({"event": "step_start", "step": "a"}),
            json!({"event": "action_done", "step": "a", "action": 0}),
            json!({"event": "step_end", "step": "a", "status": "done"}),
            json!({"event": "step_start", "step": "b"}),
            json!({"event": "action_done", "step": "b", "action": 1}),
            json!({"event": "step_end", "step": "b", "status": "paused"}),
            json!({"event": "run_end", "status": "paused", "step": "b"}),
        ]);
        assert_eq!(h.paused_at(), Some("b"));
        assert!(!h.done_actions.contains_key("a"));
        assert_eq!(h.done_actions["b"], BTreeSet::from([1]));
        assert_eq!(h.started.as_deref(), Some("t0"));
    }

    #[test]
    fn branch_decisions_are_kept_with_no_arm_too() {
        let h = history(&[
            json!({"event": "run_start"}),
            json!({"event": "branch_decided", "step": "a", "branch": 0, "arm": 1}),
            json!({"event": "branch_decided", "step": "b", "branch": 2, "arm": null}),
        ]);
        assert_eq!(h.decisions, BTreeMap::from([(0, Some(1)), (2, None)]));
    }

    #[test]
    fn a_session_without_an_end_was_interrupted() {
        let h = history(&[
            json!({"event": "run_start"}),
            json!({"event": "step_start", "step": "a"}),
        ]);
        assert_eq!(h.status, "interrupted");
        assert_eq!(h.resumable, Some(("interrupted".into(), Some("a".into()))));
    }

    #[test]
    fn a_run_that_never_started_is_not_resumable() {
        let h = history(&[
            json!({"event": "run_start"}),
            json!({"event": "run_end", "status": "failed_to_start", "step": "a"}),
        ]);
        assert_eq!(h.resumable, None);
        assert_eq!(h.describe(), "failed to start (nothing ran)");
    }

    #[test]
    fn a_resume_that_failed_to_start_keeps_the_pause() {
        let h = history(&[
            json!({"event": "run_start"}),
            json!({"event": "step_start", "step": "a"}),
            json!({"event": "run_end", "status": "paused", "step": "a"}),
            json!({"event": "resume", "from_step": "a"}),
            json!({"event": "run_end", "status": "failed_to_start", "step": "a"}),
        ]);
        assert_eq!(h.paused_at(), Some("a"));
        assert_eq!(h.describe(), "resume failed to start (still resumable)");
    }
}
