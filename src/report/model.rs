//! A run as the report shows it, built from the journal's entries in one pass: the sessions
//! (the first run and each resume), the steps with their commands, checks and decisions, the
//! `finally` cleanup, the windows and the end. Entries are read as JSON values, field by field,
//! so that a journal of an older or newer tejun, or a damaged one, still gives a report.

use serde_json::Value;
use tejun_runtime::history::History;

/// The run.
#[derive(Debug, Default)]
pub(crate) struct Run {
    /// `run_start`, if the journal has it.
    pub start: Option<Start>,
    /// Sessions, steps and the end, in journal order.
    pub timeline: Vec<Entry>,
    /// The windows, in the order they opened.
    pub windows: Vec<Window>,
    /// Every manual decision, in order.
    pub manuals: Vec<Manual>,
    /// How it stands, as `tejun runs` says it.
    pub history: History,
    /// The last `run_end`'s error.
    pub error: Option<String>,
    /// The first and last `at` of the journal.
    pub first_at: Option<String>,
    /// See `first_at`.
    pub last_at: Option<String>,
    /// The counts in the summary.
    pub totals: Totals,
}

/// What `run_start` recorded.
#[derive(Debug, Default)]
pub(crate) struct Start {
    pub at: String,
    pub runbook: String,
    pub runbook_path: String,
    pub runbook_hash: String,
    pub shell: String,
    /// Parameter values as journaled (secrets are `***` there).
    pub params: Vec<(String, String)>,
    pub steps: u64,
    pub inventory: Option<String>,
}

/// One line of the timeline.
#[derive(Debug)]
pub(crate) enum Entry {
    /// A divider: a session starts, is resumed, takes a lock over, or ended without a `run_end`.
    Session(Session),
    /// A step (or the `finally` cleanup) with what happened in it.
    Step(Step),
    /// Something outside any step.
    Note(Note),
    /// A `run_end`.
    End(End),
}

/// A divider between sessions.
#[derive(Debug)]
pub(crate) enum Session {
    /// The run began.
    Started { at: String },
    /// `tejun resume`.
    Resumed {
        at: String,
        from_step: String,
        forced: bool,
    },
    /// The state folder's lock was left by a killed tejun and taken over.
    LockTakenOver {
        at: String,
        run: String,
        pid: String,
        host: String,
        command: String,
    },
    /// The session before ended with no `run_end`: tejun was killed or the machine went down.
    Lost { last_at: Option<String> },
}

/// A step, or the `finally` cleanup (`finally` is true, `id` is `finally`).
#[derive(Debug, Default)]
pub(crate) struct Step {
    pub finally: bool,
    pub id: String,
    pub title: String,
    pub doc: Option<String>,
    pub index: Option<u64>,
    pub total: Option<u64>,
    pub target: Option<String>,
    pub at: String,
    /// `done`, `skipped`, `failed`, `paused`; `None`: no `step_end` (still under way when the
    /// session ended).
    pub status: Option<String>,
    pub error: Option<String>,
    pub elapsed_ms: Option<u64>,
    pub items: Vec<Item>,
}

/// What happened inside a step.
#[derive(Debug)]
pub(crate) enum Item {
    Command(Command),
    Note(Note),
}

/// A command (one try of it).
#[derive(Debug, Default)]
pub(crate) struct Command {
    pub at: String,
    pub step: String,
    pub code: String,
    pub attempt: u64,
    pub timeout_ms: Option<u64>,
    /// The `command` event; `None` when the session ended while it ran.
    pub end: Option<CommandEnd>,
}

/// How a command ended.
#[derive(Debug, Default)]
pub(crate) struct CommandEnd {
    pub state: String,
    pub succeeded: bool,
    pub exit: Option<i64>,
    pub last_exit_code: Option<i64>,
    pub timed_out: bool,
    pub interrupted: bool,
    pub failure: Option<String>,
    pub tail: Vec<TailLine>,
    pub elapsed_ms: u64,
}

/// A line of a command's tail, as journaled (cut to 2 KiB).
#[derive(Debug, Clone)]
pub(crate) struct TailLine {
    pub stream: String,
    pub text: String,
    pub partial: bool,
}

/// A line of the timeline that is not a command.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub at: String,
    pub tone: Tone,
    pub text: String,
    /// Code that goes with it (a condition), shown as code.
    pub code: Option<String>,
}

/// How a note is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Info,
    Good,
    Warn,
    Bad,
    Manual,
}

/// A `run_end`.
#[derive(Debug)]
pub(crate) struct End {
    pub at: String,
    pub status: String,
    pub step: Option<String>,
    pub error: Option<String>,
    pub elapsed_ms: u64,
}

/// A time window.
#[derive(Debug, Default, Clone)]
pub(crate) struct Window {
    pub name: String,
    pub limit_ms: u64,
    pub limit: String,
    pub opened_at: String,
    pub message: Option<String>,
    /// How long it was open: `window_end`'s, or up to the journal's last entry when it did not
    /// close.
    pub elapsed_ms: u64,
    pub closed: bool,
    pub warned: bool,
}

/// A manual decision.
#[derive(Debug, Clone)]
pub(crate) struct Manual {
    pub at: String,
    pub step: String,
    pub instruction: String,
    pub decision: String,
    pub by: String,
}

/// The counts of the summary.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    pub sessions: usize,
    pub steps_done: usize,
    pub steps_skipped: usize,
    pub steps_failed: usize,
    pub steps_paused: usize,
    pub commands: usize,
    pub commands_failed: usize,
    /// The sum of every session's `run_end` `elapsed_ms`.
    pub run_ms: u64,
}

/// Builds the run from its entries, oldest first.
pub(crate) fn build(entries: &[Value]) -> Run {
    let mut b = Builder::default();
    for e in entries {
        b.event(e);
    }
    b.finish(entries)
}

#[derive(Default)]
struct Builder {
    run: Run,
    /// The timeline index of the step under way.
    open: Option<usize>,
    /// Whether a session started and has not ended.
    in_session: bool,
}

fn s(e: &Value, key: &str) -> String {
    match &e[key] {
        Value::String(t) => t.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn opt(e: &Value, key: &str) -> Option<String> {
    e[key].as_str().map(str::to_owned)
}

impl Builder {
    fn event(&mut self, e: &Value) {
        let at = s(e, "at");
        if !at.is_empty() {
            self.run.first_at.get_or_insert_with(|| at.clone());
            self.run.last_at = Some(at.clone());
        }
        let note = |tone, text: String| Note {
            at: at.clone(),
            tone,
            text,
            code: None,
        };
        match e["event"].as_str().unwrap_or_default() {
            "run_start" => {
                self.session_begins();
                self.run.start = Some(Start {
                    at: at.clone(),
                    runbook: s(e, "runbook"),
                    runbook_path: s(e, "runbook_path"),
                    runbook_hash: s(e, "runbook_hash"),
                    shell: s(e, "shell"),
                    params: e["params"]
                        .as_object()
                        .map(|m| m.iter().map(|(k, v)| (k.clone(), value_text(v))).collect())
                        .unwrap_or_default(),
                    steps: e["steps"].as_u64().unwrap_or(0),
                    inventory: opt(e, "inventory"),
                });
                self.run
                    .timeline
                    .push(Entry::Session(Session::Started { at }));
            }
            "resume" => {
                self.session_begins();
                self.run.timeline.push(Entry::Session(Session::Resumed {
                    at,
                    from_step: s(e, "from_step"),
                    forced: e["forced"] == true,
                }));
            }
            "lock_taken_over" => self
                .run
                .timeline
                .push(Entry::Session(Session::LockTakenOver {
                    at,
                    run: s(e, "previous_run_id"),
                    pid: s(e, "previous_pid"),
                    host: s(e, "previous_host"),
                    command: s(e, "previous_command"),
                })),
            "step_start" => {
                self.open = None;
                self.run.timeline.push(Entry::Step(Step {
                    id: s(e, "step"),
                    title: s(e, "title"),
                    doc: opt(e, "doc"),
                    index: e["index"].as_u64(),
                    total: e["total"].as_u64(),
                    target: opt(e, "target"),
                    at,
                    ..Step::default()
                }));
                self.open = Some(self.run.timeline.len() - 1);
            }
            "step_end" => {
                let id = s(e, "step");
                if let Some(step) = self.step(&id, &at, false) {
                    step.status = opt(e, "status");
                    step.error = opt(e, "error");
                    step.elapsed_ms = e["elapsed_ms"].as_u64();
                }
                self.open = None;
            }
            "command_start" => {
                let command = Command {
                    at: at.clone(),
                    step: s(e, "step"),
                    code: s(e, "code"),
                    attempt: e["attempt"].as_u64().unwrap_or(1),
                    timeout_ms: e["timeout_ms"].as_u64(),
                    end: None,
                };
                self.run.totals.commands += 1;
                self.push(&command.step.clone(), &at, Item::Command(command));
            }
            "command" => self.command_end(e, &at),
            "check" => {
                let kind = s(e, "kind");
                let held = e["held"] == true;
                let tone = match (kind.as_str(), held) {
                    (_, _) if e["error"].is_string() => Tone::Bad,
                    ("require" | "ensure" | "gate", false) => Tone::Bad,
                    ("require" | "ensure" | "gate", true) => Tone::Good,
                    _ => Tone::Info,
                };
                let attempts = e["attempts"].as_u64().unwrap_or(1);
                let mut text = format!(
                    "{} {}",
                    kind.replace('_', " "),
                    if held { "held" } else { "did not hold" }
                );
                if attempts > 1 {
                    text.push_str(&format!(" after {attempts} polls"));
                }
                if let Some(error) = opt(e, "error") {
                    text.push_str(&format!(": {error}"));
                }
                let mut n = note(tone, text);
                n.code = Some(s(e, "code"));
                self.push(&s(e, "step"), &at, Item::Note(n));
            }
            "manual" => {
                let m = Manual {
                    at: at.clone(),
                    step: s(e, "step"),
                    instruction: s(e, "instruction"),
                    decision: s(e, "decision"),
                    by: s(e, "by"),
                };
                let text = format!("manual: {} — {} by {}", m.instruction, m.decision, m.by);
                let tone = if m.decision == "confirmed" {
                    Tone::Manual
                } else {
                    Tone::Warn
                };
                self.push(&m.step.clone(), &at, Item::Note(note(tone, text)));
                self.run.manuals.push(m);
            }
            "window_start" => {
                self.run.windows.push(Window {
                    name: s(e, "window"),
                    limit_ms: e["limit_ms"].as_u64().unwrap_or(0),
                    limit: s(e, "limit"),
                    opened_at: at.clone(),
                    message: opt(e, "message"),
                    ..Window::default()
                });
                let deadline = s(e, "deadline");
                let until = deadline
                    .parse::<jiff::Timestamp>()
                    .map_or(deadline, |t| t.strftime("%H:%M:%S UTC").to_string());
                let text = format!(
                    "window `{}` opened: limit {}, until {until}",
                    s(e, "window"),
                    s(e, "limit"),
                );
                self.note_here(note(Tone::Info, text));
            }
            "window_warning" => {
                let name = s(e, "window");
                if let Some(w) = self.window(&name) {
                    w.warned = true;
                }
                let text = format!(
                    "window `{name}` passed its limit of {}{}",
                    s(e, "limit"),
                    opt(e, "message").map_or(String::new(), |m| format!(": {m}"))
                );
                self.note_here(note(Tone::Warn, text));
            }
            "window_end" => {
                let name = s(e, "window");
                let elapsed = e["elapsed_ms"].as_u64().unwrap_or(0);
                let limit = e["limit_ms"].as_u64().unwrap_or(0);
                if let Some(w) = self.window(&name) {
                    w.closed = true;
                    w.elapsed_ms = elapsed;
                }
                let tone = if elapsed > limit {
                    Tone::Warn
                } else {
                    Tone::Good
                };
                let text = format!(
                    "window `{name}` closed after {} (limit {})",
                    super::html::duration(elapsed),
                    s(e, "limit")
                );
                self.note_here(note(tone, text));
            }
            "shell_start" => self.note_here(note(
                Tone::Info,
                format!(
                    "PowerShell {} started ({})",
                    s(e, "version"),
                    s(e, "reason")
                ),
            )),
            "shell_lost" => {
                let n = note(
                    Tone::Bad,
                    format!("PowerShell session lost: {}", s(e, "reason")),
                );
                self.push(&s(e, "step"), &at, Item::Note(n));
            }
            "loop_start" => {
                let items: Vec<String> = e["items"]
                    .as_array()
                    .map(|a| a.iter().map(value_text).collect())
                    .unwrap_or_default();
                self.note_here(note(
                    Tone::Info,
                    format!(
                        "foreach {} in {}: {}",
                        s(e, "var"),
                        s(e, "over"),
                        if items.is_empty() {
                            "no items".to_owned()
                        } else {
                            items.join(", ")
                        }
                    ),
                ))
            }
            "branch_decided" => {
                let text = match e["arm"].as_u64() {
                    Some(arm) => format!(
                        "if at line {}: arm {} taken{}",
                        s(e, "line"),
                        arm + 1,
                        opt(e, "condition").map_or(" (else)".to_owned(), |c| format!(": {c}"))
                    ),
                    None => format!("if at line {}: no arm taken", s(e, "line")),
                };
                self.push(&s(e, "step"), &at, Item::Note(note(Tone::Info, text)));
            }
            "wait_attempt" => {
                let outcome = s(e, "outcome");
                let tone = match outcome.as_str() {
                    "done" => Tone::Good,
                    "give_up" | "exhausted" => Tone::Bad,
                    _ => Tone::Info,
                };
                let mut text = format!(
                    "wait attempt {} of {}: {}",
                    s(e, "attempt"),
                    s(e, "of"),
                    outcome.replace('_', " ")
                );
                if let Some(name) = opt(e, "give_up") {
                    text.push_str(&format!(" ({name})"));
                }
                self.push(&s(e, "step"), &at, Item::Note(note(tone, text)));
            }
            "session_open" => {
                let (tone, text) = if e["ok"] == true {
                    (
                        Tone::Info,
                        format!(
                            "session to {} opened over {} ({})",
                            s(e, "target"),
                            s(e, "transport"),
                            s(e, "reason")
                        ),
                    )
                } else {
                    (
                        Tone::Bad,
                        format!(
                            "session to {} over {} failed: {}",
                            s(e, "target"),
                            s(e, "transport"),
                            s(e, "error")
                        ),
                    )
                };
                self.push(&s(e, "step"), &at, Item::Note(note(tone, text)));
            }
            "session_broken" => {
                let text = format!(
                    "session to {} found {}: reopened",
                    s(e, "target"),
                    s(e, "session_state")
                );
                self.push(&s(e, "step"), &at, Item::Note(note(Tone::Warn, text)));
            }
            "item_end" => {
                let status = s(e, "status");
                let tone = if status == "failed" {
                    Tone::Bad
                } else {
                    Tone::Good
                };
                self.note_here(note(
                    tone,
                    format!("{} = {}: {status}", s(e, "var"), s(e, "item")),
                ));
            }
            "rollout_halted" => self.note_here(note(
                Tone::Bad,
                format!(
                    "rollout halted after `{}`: {}",
                    s(e, "after"),
                    s(e, "reason")
                ),
            )),
            "run_end" => {
                self.open = None;
                self.in_session = false;
                let end = End {
                    at,
                    status: s(e, "status"),
                    step: opt(e, "step"),
                    error: opt(e, "error"),
                    elapsed_ms: e["elapsed_ms"].as_u64().unwrap_or(0),
                };
                self.run.totals.run_ms += end.elapsed_ms;
                self.run.error = end.error.clone();
                self.run.timeline.push(Entry::End(end));
            }
            // Progress marks for `tejun resume`; the commands around them say it for people.
            "action_done" => {}
            other => {
                let text = format!("event `{other}`");
                self.note_here(note(Tone::Info, text));
            }
        }
    }

    /// A run start or resume: a session that never ended before it is marked as lost.
    fn session_begins(&mut self) {
        self.open = None;
        if self.in_session {
            self.run.timeline.push(Entry::Session(Session::Lost {
                last_at: self.run.last_at.clone(),
            }));
        }
        self.in_session = true;
        self.run.totals.sessions += 1;
    }

    fn command_end(&mut self, e: &Value, at: &str) {
        let step = s(e, "step");
        let attempt = e["attempt"].as_u64().unwrap_or(1);
        let end = CommandEnd {
            state: s(e, "state"),
            succeeded: e["succeeded"] == true,
            exit: e["exit"].as_i64(),
            last_exit_code: e["last_exit_code"].as_i64(),
            timed_out: e["timed_out"] == true,
            interrupted: e["interrupted"] == true,
            failure: opt(e, "failure"),
            tail: e["tail"]
                .as_array()
                .map(|lines| {
                    lines
                        .iter()
                        .map(|l| TailLine {
                            stream: s(l, "stream"),
                            text: s(l, "text"),
                            partial: l["partial"] == true,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            elapsed_ms: e["elapsed_ms"].as_u64().unwrap_or(0),
        };
        if !end.succeeded {
            self.run.totals.commands_failed += 1;
        }
        let code = s(e, "code");
        if let Some(block) = self.step(&step, at, false) {
            let started = block.items.iter_mut().rev().find_map(|i| match i {
                Item::Command(c) if c.end.is_none() && c.attempt == attempt && c.code == code => {
                    Some(c)
                }
                _ => None,
            });
            if let Some(command) = started {
                command.end = Some(end);
                return;
            }
        }
        // A `command` without its start (a journal of an older tejun): it stands on its own.
        self.run.totals.commands += 1;
        let command = Command {
            at: at.to_owned(),
            step: step.clone(),
            code,
            attempt,
            timeout_ms: None,
            end: Some(end),
        };
        self.push(&step, at, Item::Command(command));
    }

    /// The step `id` where its events go: the one under way, else the latest of that id. For
    /// `finally`, the cleanup's block, opened by its first event (`create`).
    fn step(&mut self, id: &str, at: &str, create: bool) -> Option<&mut Step> {
        if id == "finally" {
            let under_way = self
                .open
                .is_some_and(|i| matches!(&self.run.timeline[i], Entry::Step(s) if s.finally));
            if !under_way {
                if !create {
                    return None;
                }
                self.run.timeline.push(Entry::Step(Step {
                    finally: true,
                    id: "finally".into(),
                    title: "Cleanup (finally)".into(),
                    at: at.to_owned(),
                    ..Step::default()
                }));
                self.open = Some(self.run.timeline.len() - 1);
            }
        }
        if let Some(i) = self.open
            && matches!(&self.run.timeline[i], Entry::Step(s) if s.id == id)
        {
            return match &mut self.run.timeline[i] {
                Entry::Step(s) => Some(s),
                _ => None,
            };
        }
        self.run.timeline.iter_mut().rev().find_map(|e| match e {
            Entry::Step(s) if s.id == id => Some(s),
            _ => None,
        })
    }

    /// Adds an item to step `id`, or to the timeline when no such step is recorded.
    fn push(&mut self, id: &str, at: &str, item: Item) {
        match self.step(id, at, true) {
            Some(step) => step.items.push(item),
            None => match item {
                Item::Note(n) => self.run.timeline.push(Entry::Note(n)),
                Item::Command(c) => {
                    self.run.timeline.push(Entry::Step(Step {
                        id: c.step.clone(),
                        title: String::new(),
                        at: at.to_owned(),
                        items: vec![Item::Command(c)],
                        ..Step::default()
                    }));
                }
            },
        }
    }

    /// A note in the step under way, or in the timeline between steps.
    fn note_here(&mut self, note: Note) {
        match self.open.map(|i| &mut self.run.timeline[i]) {
            Some(Entry::Step(step)) => step.items.push(Item::Note(note)),
            _ => self.run.timeline.push(Entry::Note(note)),
        }
    }

    fn window(&mut self, name: &str) -> Option<&mut Window> {
        self.run.windows.iter_mut().rev().find(|w| w.name == name)
    }

    fn finish(mut self, entries: &[Value]) -> Run {
        if self.in_session && !matches!(self.run.timeline.last(), Some(Entry::End(_))) {
            self.run.timeline.push(Entry::Session(Session::Lost {
                last_at: self.run.last_at.clone(),
            }));
        }
        let last = self.run.last_at.clone().unwrap_or_default();
        for w in self.run.windows.iter_mut().filter(|w| !w.closed) {
            w.elapsed_ms = between(&w.opened_at, &last).unwrap_or(0);
        }
        self.run.history = History::read(entries);
        let t = &mut self.run.totals;
        for status in self.run.history.steps.values() {
            match status.as_str() {
                "done" => t.steps_done += 1,
                "skipped" => t.steps_skipped += 1,
                "failed" => t.steps_failed += 1,
                "paused" => t.steps_paused += 1,
                _ => {}
            }
        }
        self.run
    }
}

/// A parameter or item value as text: strings as they are, lists joined, others as JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Milliseconds from one RFC 3339 time to another.
pub(crate) fn between(from: &str, to: &str) -> Option<u64> {
    let from: jiff::Timestamp = from.parse().ok()?;
    let to: jiff::Timestamp = to.parse().ok()?;
    let ms = to.as_millisecond() - from.as_millisecond();
    u64::try_from(ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_session_without_an_end_is_marked_lost_before_the_resume() {
        let run = build(&[
            json!({"event": "run_start", "at": "2026-01-01T00:00:00Z", "params": {"P": "***"}}),
            json!({"event": "step_start", "step": "a", "title": "A"}),
            json!({"event": "command_start", "step": "a", "code": "x", "attempt": 1}),
            json!({"event": "resume", "from_step": "a", "forced": false}),
            json!({"event": "step_start", "step": "a", "title": "A"}),
            json!({"event": "command_start", "step": "a", "code": "x", "attempt": 1}),
            json!({"event": "command", "step": "a", "code": "x", "attempt": 1, "succeeded": true, "tail": []}),
            json!({"event": "step_end", "step": "a", "status": "done"}),
            json!({"event": "run_end", "status": "succeeded"}),
        ]);
        let kinds: Vec<&str> = run
            .timeline
            .iter()
            .map(|e| match e {
                Entry::Session(Session::Started { .. }) => "started",
                Entry::Session(Session::Lost { .. }) => "lost",
                Entry::Session(Session::Resumed { .. }) => "resumed",
                Entry::Session(_) => "session",
                Entry::Step(_) => "step",
                Entry::Note(_) => "note",
                Entry::End(_) => "end",
            })
            .collect();
        assert_eq!(kinds, ["started", "step", "lost", "resumed", "step", "end"]);
        let Entry::Step(first) = &run.timeline[1] else {
            panic!()
        };
        let Item::Command(c) = &first.items[0] else {
            panic!()
        };
        assert!(c.end.is_none(), "the killed command has no end");
        assert_eq!(run.totals.sessions, 2);
        assert_eq!(run.start.unwrap().params, [("P".into(), "***".into())]);
    }

    #[test]
    fn finally_commands_get_a_block_of_their_own() {
        let run = build(&[
            json!({"event": "run_start"}),
            json!({"event": "step_start", "step": "a"}),
            json!({"event": "step_end", "step": "a", "status": "failed"}),
            json!({"event": "command_start", "step": "finally", "code": "c", "attempt": 1}),
            json!({"event": "command", "step": "finally", "code": "c", "attempt": 1, "succeeded": true}),
            json!({"event": "run_end", "status": "failed"}),
        ]);
        let Entry::Step(cleanup) = &run.timeline[2] else {
            panic!("{:?}", run.timeline)
        };
        assert!(cleanup.finally);
        assert_eq!(cleanup.items.len(), 1);
    }

    #[test]
    fn nonsense_entries_give_a_report_all_the_same() {
        let run = build(&[
            json!({"event": 3}),
            json!({"no": "event"}),
            json!({"event": "command", "step": null, "tail": "x"}),
            json!({"event": "step_end", "step": "nowhere"}),
            json!({"event": "window_end", "window": "w"}),
        ]);
        assert!(!run.timeline.is_empty());
    }
}
