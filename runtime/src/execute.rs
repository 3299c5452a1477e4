//! [`Plan`] to a run: each step through the hosted PowerShell, with its conditions, retries,
//! manual confirmations, shell restarts, windows and the `finally` cleanup, journaled as it goes.
//!
//! Per step, in this order: every `skip if` (one holding skips the step), every `require` (one
//! failing fails the step), the step's commands, manual instructions and restarts in the order
//! written, then every `ensure` (polled when it has `within`).

mod branch;
mod wait;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::Digest as _;

use tejun_grammar::ast::Value;

use crate::event::{CheckKind, ManualDecision, RunEvent, RunStatus, StepStatus};
use crate::host::{Host, HostConfig, HostError, Outcome, RunState, Stream, StreamLine};
use crate::inventory::{Inventory, Transport};
use crate::journal::{Journal, new_run_id};
use crate::lock::{Holder, LockError, RunLock};
use crate::plan::{Plan, PlanAction, PlanBranch, PlanStep};

use crate::redact::Redactor;
use crate::remote::{self, SessionState};
use crate::sink::{Sink, watch};
use crate::window::{Windows, duration, millis};
pub use branch::NOT_TAKEN;
pub use wait::wait_command;

/// The error of a step stopped by Ctrl-C.
pub const INTERRUPTED: &str = "interrupted by the operator (Ctrl-C); resume the run to go on";

/// How long a condition may take to evaluate.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

/// What starts each item a loop's expression returns, in the output of the code that evaluates
/// it.
const ITEM_MARK: &str = "tejun-item:";

/// The pause between polls of an `ensure ... within` that gives no `every`.
pub const DEFAULT_POLL: Duration = Duration::from_secs(5);

/// Where a resumed run goes on.
#[derive(Debug, Clone)]
pub struct Resume {
    /// The run's id.
    pub run_id: String,
    /// The run's folder.
    pub dir: PathBuf,
    /// The index (from 0) of the first step to run.
    pub from: usize,
    /// How many journal entries the resume was worked out from: when the journal has more once
    /// the state folder's lock is taken, another tejun went on with the run meanwhile.
    pub entries: usize,
    /// The last completed step (index from 0), whose postconditions are checked again first:
    /// when they no longer hold, that step runs again.
    pub recheck: Option<usize>,
    /// A paused manual step confirmed with `--confirm STEP --by NAME`.
    pub confirmed: Option<(String, String)>,
    /// The actions of the step at `from` that are already finished (their positions among the
    /// step's actions): the step goes on at the first unfinished one, and its `skip if` and
    /// `require` conditions, which guard the step's beginning, are not evaluated again.
    pub done_actions: std::collections::BTreeSet<usize>,
    /// Whether the runbook changed and the resume was forced.
    pub forced: bool,
    /// The branches decided at run time that the run already decided (`branch_decided`), by
    /// id, with the arm taken: reused, never evaluated again.
    pub decisions: BTreeMap<usize, Option<usize>>,
}

/// What a run needs besides the plan.
pub struct RunConfig {
    /// How to start PowerShell.
    pub host: HostConfig,
    /// Where `runs/<run-id>/` folders go (normally `.tejun`).
    pub root: PathBuf,
    /// The runbook's text, for its hash.
    pub source: String,
    /// The PowerShell variables: parameter values (secrets included).
    pub variables: Vec<(String, Value)>,
    /// Masks the secret parameters' values in everything the run shows or stores: every event
    /// and output line passes through it before the console, the journal or the transcript.
    pub redactor: Redactor,
    /// The runbook file, for the journal.
    pub runbook_path: PathBuf,
    /// Becomes `true` when the operator interrupts the run (Ctrl-C): the running command is
    /// stopped, the journal closed, and the run can be resumed.
    pub interrupt: Option<tokio::sync::watch::Receiver<bool>>,
    /// How to reach the targets steps run `on` (`--inventory`).
    pub inventory: Option<Inventory>,
    /// Where the inventory was read from, for the journal.
    pub inventory_path: Option<PathBuf>,
    /// Every pause between polls, retries and waits is multiplied by this (`--pause-scale`, for
    /// rehearsals against a lab; 1 in a real run, never more than 1).
    pub pause_scale: f64,
    /// Steps already done in an earlier session of the run (a rollout with a failure budget went
    /// past a failed item): not run again.
    pub done_steps: std::collections::HashSet<String>,
}

/// What the operator decides about a manual instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Done, confirmed by this person.
    Confirm(String),
    /// Not done; go on without it.
    Skip(String),
    /// Stop the run here.
    Abort(String),
    /// Nobody can answer now: save the run and wait.
    Pause,
}

/// The side of a run that talks to people: the CLI implements it.
pub trait Console {
    /// Something happened.
    fn event(&mut self, event: &RunEvent);
    /// A command printed a line (already redacted).
    fn line(&mut self, step: &str, line: &StreamLine);
    /// A manual instruction needs a decision.
    fn manual(&mut self, step: &PlanStep, instruction: &str) -> Decision;
}

/// Why a run could not start or be recorded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    /// The journal cannot be written.
    #[error("cannot write the run's journal in `{dir}`: {source}")]
    #[diagnostic(
        code(tejun::run::journal),
        help("check that the folder is writable and the disk is not full")
    )]
    Journal {
        /// The folder.
        dir: String,
        /// The error.
        source: std::io::Error,
    },
    /// An event could not be masked: it is not shown or recorded, and the run stops.
    #[error("cannot mask secrets in a run event: {reason}")]
    #[diagnostic(
        code(tejun::run::redaction),
        help("this is a bug in tejun: please report it; nothing unmasked was shown or recorded")
    )]
    Redaction {
        /// Why.
        reason: String,
    },
    /// PowerShell cannot be started.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Host(#[from] HostError),
    /// Another tejun runs in the state folder.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Locked(#[from] LockError),
    /// Another tejun went on with the run while this resume was being worked out.
    #[error("run `{run_id}` went on while this resume was being prepared")]
    #[diagnostic(
        code(tejun::run::moved_on),
        help(
            "see where it is with `tejun show {run_id}`, then resume it again if it still needs it"
        )
    )]
    MovedOn {
        /// The run.
        run_id: String,
    },
}

impl RunError {
    /// The journal in `dir` cannot be written (or read back).
    pub(crate) fn journal(dir: &std::path::Path, source: std::io::Error) -> RunError {
        RunError::Journal {
            dir: dir.display().to_string(),
            source,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The run's id.
    pub run_id: String,
    /// Its folder.
    pub dir: PathBuf,
    /// How it ended.
    pub status: RunStatus,
    /// Steps done, skipped, failed.
    pub done: usize,
    /// Steps skipped.
    pub skipped: usize,
    /// The steps of the plan, with the steps of loops over expressions the run reached.
    pub steps: usize,
    /// The step it stopped at.
    pub stopped_at: Option<String>,
    /// Why.
    pub error: Option<String>,
    /// Warnings raised (windows).
    pub warnings: Vec<String>,
}

/// Runs a plan to the end, a failure or a pause.
pub async fn execute(
    plan: &Plan,
    config: &RunConfig,
    console: &mut dyn Console,
) -> Result<RunSummary, RunError> {
    let run_id = new_run_id();
    let lock = RunLock::acquire(&config.root, &Holder::this_process(&run_id, "run"))?;
    let journal = Journal::create(&config.root, &run_id)
        .map_err(|source| RunError::journal(&config.root.join("runs"), source))?;
    let mut run = Run::new(plan, config, console, journal);
    let params = plan
        .params
        .iter()
        .filter_map(|p| p.value.clone().map(|v| (p.name.clone(), v)))
        .collect();
    run.emit(RunEvent::RunStart {
        run_id: run_id.clone(),
        runbook: plan.runbook.name.clone(),
        runbook_path: std::path::absolute(&config.runbook_path)
            .unwrap_or_else(|_| config.runbook_path.clone())
            .display()
            .to_string(),
        shell: config.host.shell.clone(),
        module_paths: config
            .host
            .module_paths
            .iter()
            .map(|p| {
                std::path::absolute(p)
                    .unwrap_or_else(|_| p.clone())
                    .display()
                    .to_string()
            })
            .collect(),
        runbook_hash: runbook_hash(&config.source),
        params,
        steps: plan.steps.len(),
        inventory: config.inventory_path.as_ref().map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        }),
    })?;
    run.took_over(&lock)?;
    run.drive(run_id, 0, None, Default::default()).await
}

/// Goes on with a run that paused, failed or was killed, appending to its journal.
pub async fn resume(
    plan: &Plan,
    config: &RunConfig,
    console: &mut dyn Console,
    resume: Resume,
) -> Result<RunSummary, RunError> {
    let lock = RunLock::acquire(
        &config.root,
        &Holder::this_process(&resume.run_id, "resume"),
    )?;
    let now =
        Journal::read(&resume.dir).map_err(|source| RunError::journal(&resume.dir, source))?;
    if now.len() != resume.entries {
        return Err(RunError::MovedOn {
            run_id: resume.run_id,
        });
    }
    let journal =
        Journal::open(&resume.dir).map_err(|source| RunError::journal(&resume.dir, source))?;
    let mut run = Run::new(plan, config, console, journal);
    run.preconfirmed = resume.confirmed.clone();
    run.decisions = resume.decisions.clone().into_iter().collect();
    let from_step = plan
        .steps
        .get(resume.from)
        .map_or_else(|| "the end".to_owned(), |s| s.id.clone());
    run.emit(RunEvent::Resume {
        from_step,
        forced: resume.forced,
    })?;
    run.took_over(&lock)?;
    run.drive(
        resume.run_id,
        resume.from,
        resume.recheck,
        resume.done_actions,
    )
    .await
}

/// SHA-256 of a runbook's text, as the journal records it.
pub fn runbook_hash(source: &str) -> String {
    hex::encode(sha2::Sha256::digest(source.as_bytes()))
}

impl<'a> Run<'a> {
    fn new(
        plan: &'a Plan,
        config: &'a RunConfig,
        console: &'a mut dyn Console,
        journal: Journal,
    ) -> Run<'a> {
        Run {
            plan,
            config,
            sink: Sink::new(console, journal, &config.redactor),
            host: None,
            windows: Windows::new(&plan.windows),
            preconfirmed: None,
            loop_vars: Vec::new(),
            target: None,
            selected: None,
            decisions: HashMap::new(),
        }
    }

    async fn drive(
        mut self,
        run_id: String,
        mut from: usize,
        recheck: Option<usize>,
        mut done_actions: std::collections::BTreeSet<usize>,
    ) -> Result<RunSummary, RunError> {
        let plan = self.plan;
        let started = Instant::now();
        if let Err(error) = self.start_shell("run start").await {
            // Nothing ran: the journal says so, and the run is not offered for resuming.
            self.emit(RunEvent::RunEnd {
                status: RunStatus::FailedToStart,
                step: plan.steps.get(from).map(|s| s.id.clone()),
                error: Some(error.to_string()),
                elapsed_ms: millis(started.elapsed()),
            })?;
            let _ = self.sink.sync_wait();
            return Err(error);
        }
        if let Some(last) = recheck {
            let step = &plan.steps[last];
            for action in &step.actions {
                if let PlanAction::Ensure { sent, .. } = action
                    && !self
                        .check(&step.id, CheckKind::Ensure, sent, None, None)
                        .await?
                {
                    // The last completed step is undone (an installer may have started services
                    // again): run it again, all of it.
                    from = last;
                    done_actions.clear();
                    break;
                }
            }
        }
        let run = &mut self;
        let (mut done, mut skipped) = (0, 0);
        let mut end = (RunStatus::Succeeded, None, None);
        // Loops over expressions add their steps when the run reaches them.
        let mut plan = plan.clone();
        let from = from.min(plan.steps.len());
        let mut position = from;
        // Failed items per loop (by its position in `plan.loops`), against its failure budget.
        let mut failures: std::collections::HashMap<usize, u32> = Default::default();
        let mut first_failure: Option<(String, Option<String>)> = None;
        loop {
            if let Err(why) = run.loops_at(&mut plan, position, position == from).await? {
                end = (RunStatus::Failed, why.0, Some(why.1));
                break;
            }
            let Some(step) = plan.steps.get(position).cloned() else {
                break;
            };
            let step = &step;
            position += 1;
            if run.config.done_steps.contains(&step.id) {
                // Done in an earlier session: a rollout went on past a failed item.
                done += 1;
                continue;
            }
            if let Some(why) = run.gate_before(&plan, position - 1).await? {
                end = (RunStatus::Failed, Some(step.id.clone()), Some(why));
                break;
            }
            if run.interrupted() {
                end = (
                    RunStatus::Interrupted,
                    Some(step.id.clone()),
                    Some(INTERRUPTED.to_owned()),
                );
                break;
            }
            let step_started = Instant::now();
            let opened = run.windows.open(&step.id);
            run.emit(RunEvent::StepStart {
                index: step.index,
                total: plan.steps.len(),
                step: step.id.clone(),
                doc: step.doc.clone(),
                title: step.title.clone(),
                target: step.target.clone(),
            })?;
            run.sink.emit_all(opened)?;
            let (status, error) = run.step(step, &done_actions, &plan.branches).await?;
            done_actions.clear();
            run.emit(RunEvent::StepEnd {
                step: step.id.clone(),
                status,
                error: error.clone(),
                elapsed_ms: millis(step_started.elapsed()),
            })?;
            let due = run.windows.due();
            run.sink.emit_all(due)?;
            let closed = run.windows.close(&step.id);
            run.sink.emit_all(closed)?;
            run.sink.sync()?;
            match status {
                StepStatus::Done => {
                    done += 1;
                    run.items_done(&plan, position - 1, &failures)?;
                }
                StepStatus::Skipped => {
                    skipped += 1;
                    run.items_done(&plan, position - 1, &failures)?;
                }
                StepStatus::Failed if run.interrupted() => {
                    end = (RunStatus::Interrupted, Some(step.id.clone()), error);
                    break;
                }
                StepStatus::Failed => {
                    match run.item_failed(&plan, position - 1, &mut failures, error.as_deref())? {
                        Some(next) => {
                            // Within the failure budget: the rest of this item is left, the next
                            // item goes on; the run still ends failed, at its first failure.
                            if first_failure.is_none() {
                                first_failure = Some((step.id.clone(), error.clone()));
                            }
                            position = next;
                            continue;
                        }
                        None => {
                            end = (RunStatus::Failed, Some(step.id.clone()), error);
                            break;
                        }
                    }
                }
                StepStatus::Paused => {
                    end = (RunStatus::Paused, Some(step.id.clone()), error);
                    break;
                }
            }
        }
        if let (RunStatus::Succeeded, Some((step, error))) = (end.0, first_failure) {
            let failed: u32 = failures.values().sum();
            end = (
                RunStatus::Failed,
                Some(step),
                Some(format!(
                    "{failed} item(s) failed within the failure budget; the first: {}",
                    error.unwrap_or_default()
                )),
            );
        }
        if end.0 == RunStatus::Failed && !plan.finally.is_empty() {
            run.cleanup().await?;
        }
        // The summary is what was recorded: masked like everything else.
        let recorded = run.emit(RunEvent::RunEnd {
            status: end.0,
            step: end.1.clone(),
            error: end.2.clone(),
            elapsed_ms: millis(started.elapsed()),
        })?;
        if let RunEvent::RunEnd { step, error, .. } = recorded {
            end = (end.0, step, error);
        }
        run.sink.sync_wait()?;
        if let Some(host) = run.host.take() {
            host.shutdown().await;
        }
        Ok(RunSummary {
            run_id,
            dir: run.sink.dir().to_path_buf(),
            status: end.0,
            done,
            skipped,
            steps: plan.steps.len(),
            stopped_at: end.1,
            error: end.2,
            warnings: run.windows.report(),
        })
    }
}

struct Run<'a> {
    /// A manual step confirmed ahead, by whom.
    preconfirmed: Option<(String, String)>,
    plan: &'a Plan,
    config: &'a RunConfig,
    /// Every event and line goes through here: masked, shown, recorded.
    sink: Sink<'a>,
    host: Option<Host>,
    windows: Windows<'a>,
    /// The loop variables of the step under way, set again after a shell restart.
    loop_vars: Vec<(String, Value)>,
    /// The target the step under way runs on (`on`); `None`: here.
    target: Option<String>,
    /// The target remote commands go to in the hosted PowerShell, with the variable names it
    /// copies there (what [`remote::select`] last set).
    selected: Option<(String, Vec<String>)>,
    /// The branches decided at run time decided so far, by id, with the arm taken.
    decisions: HashMap<usize, Option<usize>>,
}

impl Run<'_> {
    /// Masks secrets in an event, then shows and records it; returns what was recorded.
    fn emit(&mut self, event: RunEvent) -> Result<RunEvent, RunError> {
        self.sink.emit(event)
    }

    /// Journals that the state folder's lock was taken over from a tejun that was killed.
    fn took_over(&mut self, lock: &RunLock) -> Result<(), RunError> {
        let Some(previous) = lock.previous.clone() else {
            return Ok(());
        };
        self.emit(RunEvent::LockTakenOver {
            previous_run_id: previous.run_id,
            previous_pid: previous.pid,
            previous_host: previous.host,
            previous_command: previous.command,
            previous_started: previous.started,
        })?;
        Ok(())
    }

    fn interrupted(&self) -> bool {
        self.config
            .interrupt
            .as_ref()
            .is_some_and(|rx| *rx.borrow())
    }

    /// Sleeps, waking early on an interrupt; windows are warned about on time meanwhile.
    async fn pause(&mut self, how_long: Duration) -> Result<(), RunError> {
        let how_long = how_long.mul_f64(self.config.pause_scale.clamp(0.0, 1.0));
        let interrupt = self.config.interrupt.clone();
        let sleep = async move {
            match interrupt {
                Some(mut rx) => {
                    tokio::select! {
                        _ = tokio::time::sleep(how_long) => {}
                        _ = rx.wait_for(|v| *v) => {}
                    }
                }
                None => tokio::time::sleep(how_long).await,
            }
        };
        let sink = RefCell::new(&mut self.sink);
        watch(&mut self.windows, &sink, sleep).await
    }

    async fn start_shell(&mut self, reason: &str) -> Result<(), RunError> {
        if let Some(old) = self.host.take() {
            old.shutdown().await;
        }
        let mut host = Host::start(&self.config.host).await?;
        if let Some(interrupt) = &self.config.interrupt {
            host.set_interrupt(interrupt.clone());
        }
        host.set_vars(&self.config.variables).await?;
        if !self.loop_vars.is_empty() {
            host.set_vars(&self.loop_vars).await?;
        }
        // A new PowerShell has no remote sessions.
        self.selected = None;
        self.emit(RunEvent::ShellStart {
            version: host.version.clone(),
            pid: host.shell_pid,
            reason: reason.to_owned(),
        })?;
        self.host = Some(host);
        Ok(())
    }

    /// Announces the loops that start at `position` in the plan (an empty loop too: it says that
    /// its steps run zero times), evaluating a loop over an expression first and adding its steps
    /// to `plan`. On resuming, at the first position, a loop already under way is announced again.
    /// `Err` when an expression cannot be evaluated: where the run stopped, and why.
    async fn loops_at(
        &mut self,
        plan: &mut Plan,
        position: usize,
        resuming_here: bool,
    ) -> Result<Result<(), (Option<String>, String)>, RunError> {
        let mut index = 0;
        while index < plan.loops.len() {
            if plan.loops[index].at != position {
                index += 1;
                continue;
            }
            if !plan.loops[index].decided {
                let (var, sent, target) = {
                    let l = &plan.loops[index];
                    let sent = l.expression.as_ref().map_or("", |e| e.sent.as_str());
                    (l.var.clone(), sent.to_owned(), l.target.clone())
                };
                match self.loop_items(&sent, target).await? {
                    Ok(items) => plan.expand(index, items),
                    Err(why) => {
                        return Ok(Err((
                            Some(format!("foreach {var}")),
                            format!("the items of `foreach {var}` cannot be had: {why}"),
                        )));
                    }
                }
            }
            let l = &plan.loops[index];
            self.emit(loop_start(l))?;
            index += 1;
        }
        if resuming_here && let Some(step) = plan.steps.get(position) {
            // The loops under way around the step a resume starts at: for each of its items,
            // the nearest loop before it with that variable.
            for item in step.items.iter().filter(|i| i.index > 1) {
                if let Some(l) = plan
                    .loops
                    .iter()
                    .rev()
                    .find(|l| l.at < position && l.var == item.var)
                {
                    self.emit(loop_start(l))?;
                }
            }
        }
        Ok(Ok(()))
    }

    /// What a loop's expression returns (see [`loop_items`]); `Err` says why there are none.
    /// The expression runs on the loop's target when the loop's `on` names one that does not
    /// depend on the item (`on "fe01"`, `on QueryServer`).
    async fn loop_items(
        &mut self,
        sent: &str,
        target: Option<String>,
    ) -> Result<Result<Vec<String>, String>, RunError> {
        self.target = target;
        let code = match self
            .routed("foreach", &loop_code(sent), remote::invoke_code)
            .await?
        {
            Ok(code) => code,
            Err(why) => return Ok(Err(why)),
        };
        let host = self.host.as_mut().expect("a host is running");
        Ok(loop_items(host, &code).await)
    }

    /// Runs one step. `done` holds the positions of its actions that finished in an earlier
    /// session of the run: they are not repeated, and a step that is already under way does not
    /// check its `skip if` and `require` conditions again.
    async fn step(
        &mut self,
        step: &PlanStep,
        done: &std::collections::BTreeSet<usize>,
        branches: &[PlanBranch],
    ) -> Result<(StepStatus, Option<String>), RunError> {
        let loop_vars: Vec<(String, Value)> = step
            .items
            .iter()
            .map(|i| (i.var.clone(), Value::Str(i.value.clone())))
            .collect();
        if loop_vars != self.loop_vars {
            self.loop_vars = loop_vars;
            if !self.loop_vars.is_empty() {
                let vars = self.loop_vars.clone();
                self.host_mut().await?.set_vars(&vars).await?;
            }
        }
        self.target = step.target.clone();
        if !self.taken(step.decided_by, branches, &step.id).await? {
            return Ok((StepStatus::Skipped, Some(NOT_TAKEN.to_owned())));
        }
        let under_way = !done.is_empty();
        for (position, action) in step.actions.iter().enumerate().filter(|_| !under_way) {
            if let PlanAction::SkipIf { sent, .. } = action
                && self.action_taken(step, position, branches).await?
                && self
                    .check(&step.id, CheckKind::SkipIf, sent, None, None)
                    .await?
            {
                return Ok((StepStatus::Skipped, None));
            }
        }
        for (position, action) in step.actions.iter().enumerate().filter(|_| !under_way) {
            if let PlanAction::Require { sent, message, .. } = action
                && self.action_taken(step, position, branches).await?
                && !self
                    .check(&step.id, CheckKind::Require, sent, None, None)
                    .await?
            {
                let why = message
                    .clone()
                    .unwrap_or_else(|| format!("precondition `{sent}` does not hold"));
                return Ok((StepStatus::Failed, Some(why)));
            }
        }
        for (position, action) in step.actions.iter().enumerate() {
            if done.contains(&position) || !self.action_taken(step, position, branches).await? {
                continue;
            }
            match action {
                PlanAction::Run { .. } => {
                    if let Err(why) = self.run_planned(&step.id, action).await? {
                        return Ok((StepStatus::Failed, Some(why)));
                    }
                    self.action_done(step, position)?;
                }
                PlanAction::Wait { .. } => {
                    if let Err(why) = self.wait(&step.id, action).await? {
                        return Ok((StepStatus::Failed, Some(why)));
                    }
                    self.action_done(step, position)?;
                }
                PlanAction::Manual { instruction, .. } => match self.decide(step, instruction) {
                    Decision::Confirm(by) => {
                        self.manual(step, instruction, ManualDecision::Confirmed, by)?;
                        self.action_done(step, position)?;
                    }
                    Decision::Skip(by) => {
                        self.manual(step, instruction, ManualDecision::Skipped, by)?;
                        return Ok((StepStatus::Skipped, None));
                    }
                    Decision::Abort(by) => {
                        self.manual(step, instruction, ManualDecision::Aborted, by.clone())?;
                        return Ok((StepStatus::Failed, Some(format!("aborted by {by}"))));
                    }
                    Decision::Pause => {
                        return Ok((
                            StepStatus::Paused,
                            Some(format!("waiting for a person: {instruction}")),
                        ));
                    }
                },
                PlanAction::RestartShell { .. } if self.target.is_some() => {
                    // On a target: a fresh remote session, the local PowerShell stays.
                    let host = self.host_mut().await?;
                    remote::close(host).await?;
                    if let Err(why) = self.session(&step.id, "restart shell").await? {
                        return Ok((StepStatus::Failed, Some(why)));
                    }
                    self.action_done(step, position)?;
                }
                PlanAction::RestartShell { .. } => {
                    self.start_shell("restart shell").await?;
                    self.action_done(step, position)?;
                }
                PlanAction::SkipIf { .. }
                | PlanAction::Require { .. }
                | PlanAction::Ensure { .. } => {}
            }
        }
        for (position, action) in step.actions.iter().enumerate() {
            if let PlanAction::Ensure {
                sent,
                within_ms,
                every_ms,
                message,
                ..
            } = action
                && self.action_taken(step, position, branches).await?
            {
                let within = within_ms.map(Duration::from_millis);
                let every = every_ms.map(Duration::from_millis);
                if !self
                    .check(&step.id, CheckKind::Ensure, sent, within, every)
                    .await?
                {
                    let why = message
                        .clone()
                        .unwrap_or_else(|| format!("postcondition `{sent}` does not hold"));
                    return Ok((StepStatus::Failed, Some(why)));
                }
            }
        }
        Ok((StepStatus::Done, None))
    }

    /// Records that an action finished, on disk before anything else happens.
    fn action_done(&mut self, step: &PlanStep, position: usize) -> Result<(), RunError> {
        self.emit(RunEvent::ActionDone {
            step: step.id.clone(),
            action: position,
        })?;
        self.sink.sync()
    }

    fn decide(&mut self, step: &PlanStep, instruction: &str) -> Decision {
        match self.preconfirmed.take() {
            Some((id, by)) if id == step.id => Decision::Confirm(by),
            other => {
                self.preconfirmed = other;
                self.sink.console().manual(step, instruction)
            }
        }
    }

    fn manual(
        &mut self,
        step: &PlanStep,
        instruction: &str,
        decision: ManualDecision,
        by: String,
    ) -> Result<(), RunError> {
        self.emit(RunEvent::Manual {
            step: step.id.clone(),
            instruction: instruction.to_owned(),
            decision,
            by,
        })?;
        // A person's answer is never asked twice: on the disk before the run goes on.
        self.sink.sync_wait()
    }

    /// Evaluates a condition, polling until it holds or `within` passes.
    async fn check(
        &mut self,
        step: &str,
        kind: CheckKind,
        code: &str,
        within: Option<Duration>,
        every: Option<Duration>,
    ) -> Result<bool, RunError> {
        let started = Instant::now();
        // A rehearsal's shorter pauses shorten the bound too, or it would poll many more times.
        let within = within.map(|w| w.mul_f64(self.config.pause_scale.clamp(0.0, 1.0)));
        let mut attempts = 0;
        loop {
            attempts += 1;
            // A target that cannot be reached is a condition that does not hold (yet).
            let (held, error) = match self.routed(step, code, remote::eval_code).await? {
                Err(why) => (false, Some(why)),
                Ok(sent) => {
                    let host = self.host.as_mut().expect("a host is running");
                    let sink = RefCell::new(&mut self.sink);
                    let evaluated = watch(
                        &mut self.windows,
                        &sink,
                        host.eval(&sent, Some(CHECK_TIMEOUT)),
                    )
                    .await?;
                    match evaluated {
                        Ok(outcome) => (outcome.value == Some(true), evaluation_error(&outcome)),
                        Err(e) => {
                            self.lost(step, &e.to_string()).await?;
                            (false, Some(e.to_string()))
                        }
                    }
                }
            };
            let keep_polling =
                !held && !self.interrupted() && within.is_some_and(|w| started.elapsed() < w);
            if !keep_polling {
                self.emit(RunEvent::Check {
                    step: step.to_owned(),
                    kind,
                    code: code.to_owned(),
                    held,
                    attempts,
                    error,
                })?;
                return Ok(held);
            }
            self.pause(every.unwrap_or(DEFAULT_POLL)).await?;
        }
    }

    /// Runs a planned `run` action with its timeout, retries and accepted exit codes.
    async fn run_planned(
        &mut self,
        step: &str,
        action: &PlanAction,
    ) -> Result<Result<(), String>, RunError> {
        let PlanAction::Run {
            sent,
            timeout_ms,
            retries,
            retry_every_ms,
            accept_exit,
            ..
        } = action
        else {
            return Ok(Ok(()));
        };
        let timeout = timeout_ms.map(Duration::from_millis);
        let pause = retry_every_ms.map_or(Duration::ZERO, Duration::from_millis);
        self.command(step, sent, timeout, *retries, pause, accept_exit)
            .await
    }

    /// Runs a command with its retries. `Err(why)` when it failed on every try.
    async fn command(
        &mut self,
        step: &str,
        code: &str,
        timeout: Option<Duration>,
        retries: u32,
        pause: Duration,
        accept_exit: &[i64],
    ) -> Result<Result<(), String>, RunError> {
        let mut last_error = String::new();
        for attempt in 1..=retries + 1 {
            if self.interrupted() {
                return Ok(Err(INTERRUPTED.to_owned()));
            }
            if attempt > 1 && !pause.is_zero() {
                self.pause(pause).await?;
            }
            let sent = match self.routed(step, code, remote::invoke_code).await? {
                Ok(sent) => sent,
                Err(why) => {
                    last_error = why;
                    continue;
                }
            };
            self.emit(RunEvent::CommandStart {
                step: step.to_owned(),
                code: code.to_owned(),
                attempt,
                timeout_ms: timeout.map(millis),
            })?;
            let started = Instant::now();
            let host = self.host.as_mut().expect("a host is running");
            let sink = RefCell::new(&mut self.sink);
            let running = host.run(&sent, timeout, |line| sink.borrow_mut().line(step, line));
            let result = watch(&mut self.windows, &sink, running).await?;
            self.sink.check(step)?;
            self.sink.flush()?;
            let outcome = match result {
                Ok(outcome) => outcome,
                Err(e) => {
                    last_error = e.to_string();
                    self.lost(step, &last_error).await?;
                    continue;
                }
            };
            let succeeded = outcome.succeeded(accept_exit);
            let tail: Vec<StreamLine> = outcome.tail.clone();
            // A command stopped by Ctrl-C may fail with whatever PowerShell was doing when the
            // stop reached it (loading a module, say): the operator's interruption is the reason.
            let failure = if outcome.interrupted {
                Some(INTERRUPTED.to_owned())
            } else {
                outcome.failure.clone()
            };
            self.emit(RunEvent::Command {
                step: step.to_owned(),
                code: code.to_owned(),
                attempt,
                state: outcome.state,
                exit: outcome.exit,
                last_exit_code: outcome.last_exit_code,
                succeeded,
                timed_out: outcome.timed_out,
                interrupted: outcome.interrupted,
                failure: failure.clone(),
                tail,
                elapsed_ms: millis(started.elapsed()),
            })?;
            if outcome.state == RunState::Killed {
                self.lost(
                    step,
                    "the command did not stop at its timeout and PowerShell was killed",
                )
                .await?;
            }
            if succeeded {
                return Ok(Ok(()));
            }
            if outcome.interrupted {
                return Ok(Err(INTERRUPTED.to_owned()));
            }
            last_error = describe_failure(&outcome, failure, accept_exit, timeout);
        }
        Ok(Err(last_error))
    }

    /// The text to send for `code` where the step under way runs: `code` itself here, or `remote`
    /// of it (the fixed remoting text around it) once the target's session is open. Starts
    /// PowerShell if needed. `Err` says why the target cannot be reached.
    async fn routed(
        &mut self,
        step: &str,
        code: &str,
        remote: fn(&str) -> String,
    ) -> Result<Result<String, String>, RunError> {
        self.host_mut().await?;
        if self.target.is_none() {
            return Ok(Ok(code.to_owned()));
        }
        Ok(self
            .session(step, "first use")
            .await?
            .map(|()| remote(code)))
    }

    /// Makes sure the current step's target has an open remote session: selects it in the hosted
    /// PowerShell, opens the session on first use, and reopens it (once) when it broke. `Err`
    /// says why the target cannot be reached.
    async fn session(&mut self, step: &str, reason: &str) -> Result<Result<(), String>, RunError> {
        let Some(name) = self.target.clone() else {
            return Ok(Ok(()));
        };
        let Some(target) = self
            .config
            .inventory
            .as_ref()
            .and_then(|i| i.targets.get(&name))
            .cloned()
        else {
            return Ok(Err(match &self.config.inventory {
                None => format!(
                    "the step runs on `{name}`, but no inventory was given (--inventory FILE)"
                ),
                Some(_) => format!("target `{name}` is not in the inventory"),
            }));
        };
        let mut names: Vec<String> = self
            .config
            .variables
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        names.extend(self.loop_vars.iter().map(|(n, _)| n.clone()));
        let wanted = (name.clone(), names);
        self.host_mut().await?;
        if self.selected.as_ref() != Some(&wanted) {
            let host = self.host.as_mut().expect("a host is running");
            remote::select(host, &wanted.0, &wanted.1).await?;
            self.selected = Some(wanted);
        }
        let host = self.host.as_mut().expect("a host is running");
        let why = match remote::state(host).await? {
            SessionState::Opened => return Ok(Ok(())),
            SessionState::None => reason.to_owned(),
            SessionState::Other(state) => {
                self.emit(RunEvent::SessionBroken {
                    step: step.to_owned(),
                    target: name.clone(),
                    session_state: state,
                })?;
                "reopened after the session broke".to_owned()
            }
        };
        let started = Instant::now();
        let host = self.host.as_mut().expect("a host is running");
        let opened = remote::open(host, &target).await?;
        self.emit(RunEvent::SessionOpen {
            step: step.to_owned(),
            target: name.clone(),
            transport: match target.transport {
                Transport::Ssh { .. } => "ssh".into(),
                Transport::Winrm { .. } => "winrm".into(),
            },
            reason: why,
            ok: opened.is_ok(),
            error: opened.as_ref().err().cloned(),
            elapsed_ms: millis(started.elapsed()),
        })?;
        Ok(opened.map_err(|e| format!("cannot open a session to `{name}`: {e}")))
    }

    /// Before the first step of a loop's item other than its first: the loop's health gate,
    /// evaluated where the previous item ran, with the previous item as the loop variable.
    /// `Some(why)` when it does not hold: the rollout halts, and the remaining items are untouched.
    async fn gate_before(&mut self, plan: &Plan, at: usize) -> Result<Option<String>, RunError> {
        let (Some(step), Some(previous)) = (
            plan.steps.get(at),
            at.checked_sub(1).and_then(|p| plan.steps.get(p)),
        ) else {
            return Ok(None);
        };
        for item in &step.items {
            let starts_item = !previous
                .items
                .iter()
                .any(|p| p.loop_index == item.loop_index && p.index == item.index);
            let Some(l) = plan.loops.get(item.loop_index) else {
                continue;
            };
            let Some(gate) = l.gate.as_ref().filter(|_| starts_item && item.index > 1) else {
                continue;
            };
            let Some(done) = previous
                .items
                .iter()
                .find(|p| p.loop_index == item.loop_index)
            else {
                continue;
            };
            let vars: Vec<(String, Value)> = previous
                .items
                .iter()
                .map(|i| (i.var.clone(), Value::Str(i.value.clone())))
                .collect();
            if vars != self.loop_vars {
                self.loop_vars = vars.clone();
                self.host_mut().await?.set_vars(&vars).await?;
            }
            self.target = previous.target.clone();
            let within = gate.within_ms.map(Duration::from_millis);
            let every = gate.every_ms.map(Duration::from_millis);
            let label = format!("{}[{}]", l.var, done.value);
            if self
                .check(&label, CheckKind::Gate, &gate.sent, within, every)
                .await?
            {
                continue;
            }
            let reason = match &gate.message {
                Some(message) => format!("the gate after `{}` did not hold: {message}", done.value),
                None => format!(
                    "the gate after `{}` did not hold: `{}`",
                    done.value, gate.sent
                ),
            };
            self.emit(RunEvent::RolloutHalted {
                var: l.var.clone(),
                after: done.value.clone(),
                reason: reason.clone(),
                pending: l.items.iter().skip(done.index).cloned().collect(),
            })?;
            self.sink.sync()?;
            return Ok(Some(reason));
        }
        Ok(None)
    }

    /// After step `at` ended done or skipped: the loop items it was the last step of.
    fn items_done(
        &mut self,
        plan: &Plan,
        at: usize,
        failures: &std::collections::HashMap<usize, u32>,
    ) -> Result<(), RunError> {
        let step = &plan.steps[at];
        let next = plan.steps.get(at + 1);
        for item in step.items.iter().rev() {
            let continues = next.is_some_and(|n| {
                n.items
                    .iter()
                    .any(|i| i.loop_index == item.loop_index && i.index == item.index)
            });
            if continues {
                break;
            }
            let budget = plan.loops.get(item.loop_index).map_or(0, |l| l.budget);
            self.emit(RunEvent::ItemEnd {
                var: item.var.clone(),
                item: item.value.clone(),
                target: step.target.clone(),
                status: StepStatus::Done,
                failures: failures.get(&item.loop_index).copied().unwrap_or(0),
                budget,
            })?;
        }
        Ok(())
    }

    /// After step `at` failed: inside a loop whose failure budget is not spent, the position of
    /// the next item's first step (the rest of this item is left); otherwise `None`: the run
    /// stops, and the rollout's remaining items stay untouched.
    fn item_failed(
        &mut self,
        plan: &Plan,
        at: usize,
        failures: &mut std::collections::HashMap<usize, u32>,
        error: Option<&str>,
    ) -> Result<Option<usize>, RunError> {
        let step = &plan.steps[at];
        let Some(item) = step.items.last() else {
            return Ok(None);
        };
        let l = &plan.loops[item.loop_index];
        let count = failures.entry(item.loop_index).or_default();
        *count += 1;
        let within = *count <= l.budget;
        self.emit(RunEvent::ItemEnd {
            var: item.var.clone(),
            item: item.value.clone(),
            target: step.target.clone(),
            status: StepStatus::Failed,
            failures: *count,
            budget: l.budget,
        })?;
        let pending: Vec<String> = l.items.iter().skip(item.index).cloned().collect();
        if !within {
            if !pending.is_empty() {
                self.emit(RunEvent::RolloutHalted {
                    var: item.var.clone(),
                    after: item.value.clone(),
                    reason: format!(
                        "`{}` failed ({}), and the failure budget is {}",
                        item.value,
                        error.unwrap_or("a step failed"),
                        l.budget
                    ),
                    pending,
                })?;
            }
            return Ok(None);
        }
        let next = (at + 1..plan.steps.len())
            .find(|&i| {
                !plan.steps[i]
                    .items
                    .iter()
                    .any(|n| n.loop_index == item.loop_index && n.index == item.index)
            })
            .unwrap_or(plan.steps.len());
        Ok(Some(next))
    }

    /// Reports a lost session and starts a fresh one.
    async fn lost(&mut self, step: &str, reason: &str) -> Result<(), RunError> {
        self.host = None;
        self.emit(RunEvent::ShellLost {
            step: step.to_owned(),
            reason: reason.to_owned(),
        })?;
        self.start_shell("the previous session was lost").await
    }

    async fn host_mut(&mut self) -> Result<&mut Host, RunError> {
        if self.host.is_none() {
            self.start_shell("no session").await?;
        }
        Ok(self.host.as_mut().expect("a host was just started"))
    }

    /// Runs the `finally` actions after a failure; their own failures are journaled, not fatal.
    async fn cleanup(&mut self) -> Result<(), RunError> {
        let plan = self.plan;
        for action in &plan.finally {
            match action {
                PlanAction::Run { .. } => {
                    let _ = self.run_planned("finally", action).await?;
                }
                PlanAction::Wait { .. } => {
                    let _ = self.wait("finally", action).await?;
                }
                PlanAction::RestartShell { .. } => {
                    self.start_shell("restart shell in finally").await?
                }
                PlanAction::Ensure {
                    sent,
                    within_ms,
                    every_ms,
                    ..
                } => {
                    let _ = self
                        .check(
                            "finally",
                            CheckKind::Ensure,
                            sent,
                            within_ms.map(Duration::from_millis),
                            every_ms.map(Duration::from_millis),
                        )
                        .await?;
                }
                PlanAction::Require { sent, .. } => {
                    let _ = self
                        .check("finally", CheckKind::Require, sent, None, None)
                        .await?;
                }
                PlanAction::Manual { .. } | PlanAction::SkipIf { .. } => {}
            }
        }
        Ok(())
    }
}

fn evaluation_error(outcome: &Outcome) -> Option<String> {
    if let Some(f) = &outcome.failure {
        return Some(f.clone());
    }
    outcome.errors().next().map(|l| l.text.clone())
}

fn describe_failure(
    outcome: &Outcome,
    failure: Option<String>,
    accept: &[i64],
    timeout: Option<Duration>,
) -> String {
    if outcome.timed_out {
        let limit = timeout.map_or(String::new(), |t| format!(" of {}", duration(millis(t))));
        return match outcome.state {
            RunState::Killed => format!(
                "timed out after its limit{limit}; PowerShell was killed and its session state lost"
            ),
            _ => format!("timed out after its limit{limit} and was stopped"),
        };
    }
    if let Some(f) = failure {
        return f;
    }
    if let Some(code) = outcome.exit.filter(|c| !accept.contains(c)) {
        return format!("exited with code {code}");
    }
    if let Some(code) = outcome.last_exit_code.filter(|c| !accept.contains(c)) {
        return format!("a native command exited with code {code}");
    }
    match outcome.errors().next() {
        Some(error) => format!("wrote an error: {}", error.text),
        None => format!("failed ({:?})", outcome.state),
    }
}

/// What `tejun run --check` found for one step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepCheck {
    /// The step's id (`foreach VAR` for a loop whose expression cannot be evaluated).
    pub step: String,
    /// Its position in the plan, from 1 (0 for a loop).
    pub index: usize,
    /// Its title (the loop's expression for a loop).
    pub title: String,
    /// `skip` (a `skip if` holds: already done), `ready` (every `require` holds) or `blocked`.
    pub verdict: &'static str,
    /// Each condition evaluated: kind, code, whether it held.
    pub checks: Vec<(&'static str, String, bool)>,
    /// The commands that would run, as sent.
    pub would_run: Vec<String>,
}

/// What a loop's expression returns, each object as text (`$null` and empty text left out). The
/// objects come back base64-encoded, one per line, so that no text they hold can pass for another
/// item; `Err` says why there are none (the expression failed, or returned an item twice).
fn loop_code(sent: &str) -> String {
    format!(
        "& {{\n{sent}\n}} | ForEach-Object {{ if ($null -ne $_ -and [string]$_ -ne '') {{ '{ITEM_MARK}' + [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes([string]$_)) }} }}"
    )
}

/// Runs [`loop_code`] (or its remote form) and reads the items back.
async fn loop_items(host: &mut Host, code: &str) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let outcome = host
        .run(code, Some(CHECK_TIMEOUT), |line| match line.stream {
            Stream::Output if !line.partial => lines.push(line.text),
            Stream::Error => errors.push(line.text),
            _ => {}
        })
        .await
        .map_err(|e| e.to_string())?;
    if !outcome.succeeded(&[0]) {
        return Err(outcome
            .failure
            .clone()
            .or_else(|| errors.first().cloned())
            .unwrap_or_else(|| "the expression failed".to_owned()));
    }
    let mut items: Vec<String> = Vec::new();
    for line in lines {
        let Some(item) = line
            .strip_prefix(ITEM_MARK)
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim_end())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
        else {
            continue;
        };
        if items.contains(&item) {
            return Err(format!(
                "it returns `{item}` twice, and a loop tells its iterations apart by their item"
            ));
        }
        items.push(item);
    }
    Ok(items)
}

/// Evaluates every step's `skip if` and `require` conditions against the machine as it is now,
/// without running any command, manual step or restart. Conditions are read-only by intent; tejun
/// cannot prove that of arbitrary PowerShell, so a runbook's conditions should only query.
pub async fn check_only(plan: &Plan, config: &RunConfig) -> Result<Vec<StepCheck>, RunError> {
    let mut host = Host::start(&config.host).await?;
    host.set_vars(&config.variables).await?;
    let mut report = Vec::new();
    // Loops over expressions are evaluated as they are reached, like a run does (the expression
    // is a query, like the conditions).
    let mut plan = plan.clone();
    let mut position = 0;
    let mut opened = std::collections::HashSet::new();
    loop {
        let mut index = 0;
        while index < plan.loops.len() {
            let l = &plan.loops[index];
            if l.at == position && !l.decided {
                let sent = l
                    .expression
                    .as_ref()
                    .map_or(String::new(), |e| e.sent.clone());
                let mut code = loop_code(&sent);
                let mut reached = Ok(());
                if let Some(target) = l.target.clone() {
                    reached = reach(&mut host, config, &target, &[], &mut opened).await?;
                    code = remote::invoke_code(&code);
                }
                let items = match reached {
                    Ok(()) => loop_items(&mut host, &code).await,
                    Err(why) => Err(why),
                };
                match items {
                    Ok(items) => plan.expand(index, items),
                    Err(why) => {
                        report.push(StepCheck {
                            step: format!("foreach {}", l.var),
                            index: 0,
                            title: format!("the items of `foreach {}`", l.var),
                            verdict: "blocked",
                            checks: vec![("run", format!("{sent}: {why}"), false)],
                            would_run: Vec::new(),
                        });
                    }
                }
            }
            index += 1;
        }
        let Some(step) = plan.steps.get(position).cloned() else {
            break;
        };
        let step = &step;
        position += 1;
        if !step.items.is_empty() {
            let vars: Vec<(String, Value)> = step
                .items
                .iter()
                .map(|i| (i.var.clone(), Value::Str(i.value.clone())))
                .collect();
            host.set_vars(&vars).await?;
        }
        let mut checks = Vec::new();
        let mut verdict = "ready";
        if let Some(target) = &step.target {
            let names: Vec<String> = config
                .variables
                .iter()
                .map(|(n, _)| n.clone())
                .chain(step.items.iter().map(|i| i.var.clone()))
                .collect();
            if let Err(why) = reach(&mut host, config, target, &names, &mut opened).await? {
                checks.push(("on", why, false));
                verdict = "blocked";
            }
        }
        let unreachable = verdict == "blocked";
        for action in step.actions.iter().filter(|_| !unreachable) {
            let (kind, code) = match action {
                PlanAction::SkipIf { sent, .. } => ("skip_if", sent),
                PlanAction::Require { sent, .. } => ("require", sent),
                _ => continue,
            };
            let sent = match step.target.is_some() {
                true => remote::eval_code(code),
                false => code.clone(),
            };
            let held = host.eval(&sent, Some(CHECK_TIMEOUT)).await?.value == Some(true);
            checks.push((kind, code.clone(), held));
            if kind == "skip_if" && held {
                verdict = "skip";
                break;
            }
            if kind == "require" && !held {
                verdict = "blocked";
            }
        }
        let would_run = step
            .actions
            .iter()
            .filter_map(|a| match a {
                PlanAction::Run { sent, .. } | PlanAction::Wait { sent, .. } => Some(sent.clone()),
                _ => None,
            })
            .collect();
        report.push(StepCheck {
            step: step.id.clone(),
            index: step.index,
            title: step.title.clone(),
            verdict,
            checks,
            would_run,
        });
    }
    host.shutdown().await;
    Ok(report)
}

/// For `run --check`: makes `target` the one remote conditions go to, opening its session once.
/// `Err` says why it cannot be reached.
async fn reach(
    host: &mut Host,
    config: &RunConfig,
    target: &str,
    names: &[String],
    opened: &mut std::collections::HashSet<String>,
) -> Result<Result<(), String>, RunError> {
    let Some(found) = config
        .inventory
        .as_ref()
        .and_then(|i| i.targets.get(target))
    else {
        return Ok(Err(format!("target `{target}` is not in the inventory")));
    };
    remote::select(host, target, names).await?;
    if opened.contains(target) {
        return Ok(Ok(()));
    }
    let result = remote::open(host, found).await?;
    if result.is_ok() {
        opened.insert(target.to_owned());
    }
    Ok(result.map_err(|e| format!("cannot open a session to `{target}`: {e}")))
}

/// The event that says a loop starts (again, on a resume inside it), with its items.
fn loop_start(l: &crate::plan::PlanLoop) -> RunEvent {
    RunEvent::LoopStart {
        var: l.var.clone(),
        over: l.over.clone(),
        code: l.expression.as_ref().map(|e| e.sent.clone()),
        items: l.items.clone(),
        line: l.line,
    }
}
