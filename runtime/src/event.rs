//! What happens during a run, as events: journaled as JSON Lines, printed by the CLI, and
//! streamed with `tejun run --output json`. The shape is documented in `docs/run-events.md`.

use serde::{Deserialize, Serialize};

use crate::host::{RunState, StreamLine};

/// One thing that happened during a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// The run began.
    RunStart {
        /// The run's id (its folder under `.tejun/runs/`).
        run_id: String,
        /// The runbook's name.
        runbook: String,
        /// The runbook file, as an absolute path, for `tejun resume`.
        runbook_path: String,
        /// The shell hosted.
        shell: String,
        /// Folders prepended to `PSModulePath`.
        module_paths: Vec<String>,
        /// SHA-256 of the runbook file.
        runbook_hash: String,
        /// Parameter values; secrets as `***`.
        params: serde_json::Map<String, serde_json::Value>,
        /// How many steps the plan has.
        steps: usize,
        /// The inventory file (absolute), when steps run on targets.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inventory: Option<String>,
    },
    /// The run was resumed (`tejun resume`).
    Resume {
        /// The step it goes on from.
        from_step: String,
        /// Whether the runbook changed since the run started and `--force` was given.
        forced: bool,
    },
    /// The state folder's lock was left by a tejun that ended without releasing it (killed), and
    /// this run took it over. Comes right after `run_start` or `resume`.
    LockTakenOver {
        /// The run the dead tejun was running (`unknown` when its `lock.json` was unreadable).
        previous_run_id: String,
        /// Its process id (0 when unknown).
        previous_pid: u32,
        /// The machine it ran on.
        previous_host: String,
        /// `run` or `resume`.
        previous_command: String,
        /// When it took the lock.
        previous_started: String,
    },
    /// PowerShell started (at the beginning, or again after `restart shell` or a lost session).
    ShellStart {
        /// PowerShell's version.
        version: String,
        /// Its process id.
        pid: u32,
        /// Why it started.
        reason: String,
    },
    /// The run reached a `foreach`: its steps follow, once per item (none for an empty list).
    LoopStart {
        /// The loop variable, without `$`.
        var: String,
        /// The list parameter it goes over; `run` for an expression.
        over: String,
        /// For a loop over `run { ... }`: the expression as sent, whose items these are.
        code: Option<String>,
        /// The items, in order.
        items: Vec<String>,
        /// The line of the runbook where the loop starts.
        line: usize,
    },
    /// The run reached a branch decided at run time (`if { ... }`) and evaluated its conditions
    /// in order (each a `check` event of kind `if` before this): the arm it takes.
    BranchDecided {
        /// The step where the branch was decided (the first step of the branch, or the step
        /// whose actions it holds).
        step: String,
        /// The branch's `id` in the plan's `branches`.
        branch: usize,
        /// The arm taken, from 0 (the `else` arm last); `null` when no condition held and there
        /// is no `else`.
        arm: Option<usize>,
        /// The condition of the arm taken, as sent; `null` for `else` or no arm.
        condition: Option<String>,
        /// The line of the runbook where the branch starts.
        line: usize,
    },
    /// An attempt of a `wait` ended: its command ran and its conditions were evaluated.
    WaitAttempt {
        /// The step.
        step: String,
        /// The attempt, from 1.
        attempt: u32,
        /// How many attempts the wait allows.
        of: u32,
        /// `pending` (another attempt follows), `done`, `give_up` or `exhausted`.
        outcome: WaitOutcome,
        /// For `give_up`: the name of the condition that held.
        give_up: Option<String>,
    },
    /// A step began.
    StepStart {
        /// Its position, from 1.
        index: usize,
        /// The number of steps.
        total: usize,
        /// Its id.
        step: String,
        /// Its document number.
        doc: Option<String>,
        /// Its title.
        title: String,
        /// The inventory target its commands run on; absent: where tejun runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// A condition was evaluated.
    Check {
        /// The step.
        step: String,
        /// `skip_if`, `require` or `ensure`.
        kind: CheckKind,
        /// The condition as sent.
        code: String,
        /// Whether it held.
        held: bool,
        /// How many times it was evaluated (polling).
        attempts: u32,
        /// The error that kept it from being evaluated, if any.
        error: Option<String>,
    },
    /// A manual instruction was carried out (or skipped) by the operator.
    Manual {
        /// The step.
        step: String,
        /// The instruction.
        instruction: String,
        /// `confirmed`, `skipped` or `aborted`.
        decision: ManualDecision,
        /// Who decided.
        by: String,
    },
    /// A command is about to be sent (each try of it).
    CommandStart {
        /// The step (`finally` for cleanup).
        step: String,
        /// The command as sent.
        code: String,
        /// Which try this is, from 1.
        attempt: u32,
        /// Its timeout, if it has one.
        timeout_ms: Option<u64>,
    },
    /// A command finished.
    Command {
        /// The step (`finally` for cleanup).
        step: String,
        /// The command as sent.
        code: String,
        /// Which try this was, from 1.
        attempt: u32,
        /// How PowerShell ended it.
        state: RunState,
        /// `exit N`, if called.
        exit: Option<i64>,
        /// The last native command's exit code.
        last_exit_code: Option<i64>,
        /// Whether it counts as success.
        succeeded: bool,
        /// Whether it overran its timeout.
        timed_out: bool,
        /// Whether the operator stopped it (Ctrl-C).
        #[serde(default)]
        interrupted: bool,
        /// The terminating error.
        failure: Option<String>,
        /// The last lines of its streams.
        tail: Vec<StreamLine>,
        /// How long it took.
        elapsed_ms: u64,
    },
    /// An action of a step is finished: a command succeeded, a manual instruction was
    /// confirmed, or the shell was restarted. Written to disk before the next action starts, so
    /// `tejun resume` goes on after it and never repeats it.
    ActionDone {
        /// The step.
        step: String,
        /// The action's position among the step's actions (conditions included), from 0.
        action: usize,
    },
    /// A remote session to a target was opened (or could not be).
    SessionOpen {
        /// The step that needed it.
        step: String,
        /// The inventory target.
        target: String,
        /// `ssh` or `winrm`.
        transport: String,
        /// Why: `first use`, `reopened after the session broke`, `restart shell`.
        reason: String,
        /// Whether it opened.
        ok: bool,
        /// Why it did not.
        error: Option<String>,
        /// How long opening took.
        elapsed_ms: u64,
    },
    /// A target's remote session was found broken (the server or the connection went away):
    /// what the session held is gone. It is reopened once before the next command.
    SessionBroken {
        /// The step.
        step: String,
        /// The inventory target.
        target: String,
        /// The session's state as PowerShell reports it (`Broken`, `Closed`, ...).
        session_state: String,
    },
    /// One item of a loop (a server of a rollout) finished: every step of it ran, or one failed.
    ItemEnd {
        /// The loop variable.
        var: String,
        /// The item.
        item: String,
        /// The target it ran on, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        /// `done` or `failed`.
        status: StepStatus,
        /// How many of the loop's items have failed so far.
        failures: u32,
        /// How many may fail before the rollout halts.
        budget: u32,
    },
    /// A rollout stopped before its remaining items: the gate did not hold, or more items failed
    /// than the budget allows. The remaining items were not touched.
    RolloutHalted {
        /// The loop variable.
        var: String,
        /// The item after which it halted.
        after: String,
        /// Why.
        reason: String,
        /// The items not started, in order.
        pending: Vec<String>,
    },
    /// The PowerShell session was lost: its variables, modules and location are gone.
    ShellLost {
        /// The step.
        step: String,
        /// What happened.
        reason: String,
    },
    /// A window opened (its first step is starting).
    WindowStart {
        /// The window.
        window: String,
        /// Its limit.
        limit_ms: u64,
        /// Its limit the way a runbook writes it (`30m`).
        limit: String,
        /// When the limit passes (RFC 3339, UTC).
        deadline: String,
        /// The runbook's warning for when it passes.
        message: Option<String>,
    },
    /// A window's limit passed (recorded the moment it passes, even while a command runs).
    WindowWarning {
        /// The window.
        window: String,
        /// How long it has been open.
        elapsed_ms: u64,
        /// Its limit.
        limit_ms: u64,
        /// Its limit the way a runbook writes it.
        limit: String,
        /// The runbook's warning.
        message: Option<String>,
    },
    /// A window closed.
    WindowEnd {
        /// The window.
        window: String,
        /// How long it was open.
        elapsed_ms: u64,
        /// Its limit.
        limit_ms: u64,
        /// Its limit the way a runbook writes it.
        limit: String,
    },
    /// A step ended.
    StepEnd {
        /// The step.
        step: String,
        /// `done`, `skipped` or `failed`.
        status: StepStatus,
        /// Why it failed.
        error: Option<String>,
        /// How long it took.
        elapsed_ms: u64,
    },
    /// The run ended.
    RunEnd {
        /// `succeeded`, `failed` or `paused`.
        status: RunStatus,
        /// The step it stopped at, if it did not succeed.
        step: Option<String>,
        /// Why.
        error: Option<String>,
        /// How long it took.
        elapsed_ms: u64,
    },
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It ran and its postconditions held.
    Done,
    /// A `skip if` held, or the operator skipped it.
    Skipped,
    /// Something in it failed.
    Failed,
    /// It waits for a person.
    Paused,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every step is done or skipped.
    Succeeded,
    /// A step failed or the operator aborted.
    Failed,
    /// A manual step waits for confirmation.
    Paused,
    /// The operator interrupted it (Ctrl-C); the `finally` cleanup did not run.
    Interrupted,
    /// PowerShell could not be started, so nothing ran.
    FailedToStart,
}

/// Which kind of condition a `check` evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// `skip if`: holding skips the step.
    SkipIf,
    /// `require`: a precondition.
    Require,
    /// `ensure`: a postcondition.
    Ensure,
    /// A loop's health gate, between two items.
    Gate,
    /// The condition of an arm of a branch decided at run time.
    If,
    /// A wait's `until`.
    Until,
    /// A wait's `give up` condition.
    GiveUp,
}

/// How an attempt of a `wait` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitOutcome {
    /// `until` does not hold yet and attempts remain: another follows after the pause.
    Pending,
    /// `until` holds: the wait is over and the step goes on.
    Done,
    /// A give-up condition holds: the step fails.
    GiveUp,
    /// `until` does not hold and this was the last attempt: the step fails.
    Exhausted,
}

impl std::fmt::Display for WaitOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            WaitOutcome::Pending => "not yet",
            WaitOutcome::Done => "done",
            WaitOutcome::GiveUp => "give up",
            WaitOutcome::Exhausted => "attempts exhausted",
        })
    }
}

impl CheckKind {
    /// The name the journal uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::SkipIf => "skip_if",
            CheckKind::Require => "require",
            CheckKind::Ensure => "ensure",
            CheckKind::Gate => "gate",
            CheckKind::If => "if",
            CheckKind::Until => "until",
            CheckKind::GiveUp => "give_up",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// What the operator decided about a manual instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManualDecision {
    /// Done.
    Confirmed,
    /// Not done; the step was skipped.
    Skipped,
    /// The run was stopped.
    Aborted,
}

impl std::fmt::Display for ManualDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            ManualDecision::Confirmed => "confirmed",
            ManualDecision::Skipped => "skipped",
            ManualDecision::Aborted => "aborted",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{RunState, Stream, StreamLine};
    use crate::redact::Redactor;

    /// One of each event, every text field holding the secret `s3cret`.
    fn every_event() -> Vec<RunEvent> {
        let s = || "a s3cret here".to_owned();
        let line = |partial| StreamLine {
            stream: Stream::Output,
            text: s(),
            fqid: Some(s()),
            partial,
        };
        vec![
            RunEvent::RunStart {
                run_id: "r".into(),
                runbook: s(),
                runbook_path: "p".into(),
                shell: "pwsh".into(),
                module_paths: vec![],
                runbook_hash: "h".into(),
                params: serde_json::Map::from_iter([("P".to_owned(), serde_json::json!(s()))]),
                steps: 1,
                inventory: Some(s()),
            },
            RunEvent::Resume {
                from_step: "a".into(),
                forced: false,
            },
            RunEvent::LoopStart {
                var: "server".into(),
                over: "Servers".into(),
                code: Some(s()),
                items: vec![s(), "fe01".into()],
                line: 1,
            },
            RunEvent::LockTakenOver {
                previous_run_id: s(),
                previous_pid: 1,
                previous_host: s(),
                previous_command: s(),
                previous_started: s(),
            },
            RunEvent::ShellStart {
                version: s(),
                pid: 1,
                reason: s(),
            },
            RunEvent::StepStart {
                index: 1,
                total: 1,
                step: "a".into(),
                doc: Some(s()),
                title: s(),
                target: Some(s()),
            },
            RunEvent::BranchDecided {
                step: "a".into(),
                branch: 0,
                arm: Some(1),
                condition: Some(s()),
                line: 1,
            },
            RunEvent::WaitAttempt {
                step: "a".into(),
                attempt: 1,
                of: 3,
                outcome: WaitOutcome::GiveUp,
                give_up: Some(s()),
            },
            RunEvent::Check {
                step: "a".into(),
                kind: CheckKind::Ensure,
                code: s(),
                held: false,
                attempts: 1,
                error: Some(s()),
            },
            RunEvent::Manual {
                step: "a".into(),
                instruction: s(),
                decision: ManualDecision::Confirmed,
                by: s(),
            },
            RunEvent::CommandStart {
                step: "a".into(),
                code: s(),
                attempt: 1,
                timeout_ms: Some(1),
            },
            RunEvent::Command {
                step: "a".into(),
                code: s(),
                attempt: 1,
                state: RunState::Failed,
                exit: Some(1),
                last_exit_code: None,
                succeeded: false,
                timed_out: false,
                interrupted: false,
                failure: Some(s()),
                tail: vec![line(true), line(false)],
                elapsed_ms: 1,
            },
            RunEvent::ActionDone {
                step: "a".into(),
                action: 0,
            },
            RunEvent::ShellLost {
                step: "a".into(),
                reason: s(),
            },
            RunEvent::SessionOpen {
                step: "a".into(),
                target: s(),
                transport: "ssh".into(),
                reason: s(),
                ok: false,
                error: Some(s()),
                elapsed_ms: 1,
            },
            RunEvent::SessionBroken {
                step: "a".into(),
                target: s(),
                session_state: s(),
            },
            RunEvent::ItemEnd {
                var: "server".into(),
                item: s(),
                target: Some(s()),
                status: StepStatus::Failed,
                failures: 1,
                budget: 0,
            },
            RunEvent::RolloutHalted {
                var: "server".into(),
                after: s(),
                reason: s(),
                pending: vec![s()],
            },
            RunEvent::WindowStart {
                window: s(),
                limit_ms: 1,
                limit: "1ms".into(),
                deadline: s(),
                message: Some(s()),
            },
            RunEvent::WindowWarning {
                window: s(),
                elapsed_ms: 1,
                limit_ms: 1,
                limit: "1ms".into(),
                message: Some(s()),
            },
            RunEvent::WindowEnd {
                window: s(),
                elapsed_ms: 1,
                limit_ms: 1,
                limit: "1ms".into(),
            },
            RunEvent::StepEnd {
                step: "a".into(),
                status: StepStatus::Failed,
                error: Some(s()),
                elapsed_ms: 1,
            },
            RunEvent::RunEnd {
                status: RunStatus::Failed,
                step: Some("a".into()),
                error: Some(s()),
                elapsed_ms: 1,
            },
        ]
    }

    /// Fails to compile when an event is added without a sample above.
    fn sampled(event: &RunEvent) -> bool {
        match event {
            RunEvent::RunStart { .. }
            | RunEvent::Resume { .. }
            | RunEvent::LockTakenOver { .. }
            | RunEvent::LoopStart { .. }
            | RunEvent::ShellStart { .. }
            | RunEvent::StepStart { .. }
            | RunEvent::BranchDecided { .. }
            | RunEvent::WaitAttempt { .. }
            | RunEvent::Check { .. }
            | RunEvent::Manual { .. }
            | RunEvent::CommandStart { .. }
            | RunEvent::Command { .. }
            | RunEvent::ActionDone { .. }
            | RunEvent::ShellLost { .. }
            | RunEvent::SessionOpen { .. }
            | RunEvent::SessionBroken { .. }
            | RunEvent::ItemEnd { .. }
            | RunEvent::RolloutHalted { .. }
            | RunEvent::WindowStart { .. }
            | RunEvent::WindowWarning { .. }
            | RunEvent::WindowEnd { .. }
            | RunEvent::StepEnd { .. }
            | RunEvent::RunEnd { .. } => true,
        }
    }

    #[test]
    fn every_event_can_be_masked_and_nothing_of_the_secret_is_left() {
        let redactor = Redactor::new(&["s3cret".into()]);
        let events = every_event();
        assert_eq!(events.len(), 23, "one sample per event");
        for event in events {
            assert!(sampled(&event));
            let masked = redactor
                .value(event.clone())
                .unwrap_or_else(|e| panic!("{event:?} cannot be masked: {e}"));
            let json = serde_json::to_string(&masked).unwrap();
            assert!(!json.contains("s3cret"), "{json}");
            if serde_json::to_string(&event).unwrap().contains("s3cret") {
                assert!(json.contains("a *** here"), "{json}");
            }
        }
    }
}
