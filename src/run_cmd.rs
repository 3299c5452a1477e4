//! `tejun run FILE --param NAME=VALUE...`: runs a runbook through a hosted PowerShell.

use std::io::{BufRead, IsTerminal, Write};

use tejun_runtime::event::{RunEvent, RunStatus, StepStatus};
use tejun_runtime::execute::{Console, Decision, RunConfig, execute};
use tejun_runtime::host::{HostConfig, Stream, StreamLine};
use tejun_runtime::plan;
use tejun_runtime::plan::{Plan, PlanStep};

use crate::cli::{OutputMode, RunArgs};
use crate::exit;
use crate::input::{checked, load_or_exit, resolve_params};
use crate::style::{Paint, Tone};

pub(crate) fn run(args: &RunArgs, color: bool) -> u8 {
    let loaded = match load_or_exit(&args.file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let runbook = match checked(&loaded, color, "run") {
        Ok(runbook) => runbook,
        Err(code) => return code,
    };
    let values = match resolve_params(runbook, &args.params) {
        Ok(values) => values,
        Err(code) => return code,
    };
    let plan = plan(runbook, &loaded.src, &values);
    let secrets = values.secrets(runbook);
    let (interrupt_tx, interrupt_rx) = tokio::sync::watch::channel(false);
    let config = RunConfig {
        host: HostConfig {
            shell: args.shell.clone(),
            module_paths: args.module_path.clone(),
            ..HostConfig::default()
        },
        root: args.state_dir.clone(),
        source: loaded.src.clone(),
        variables: Plan::variables(&values, runbook),
        secrets,
        runbook_path: args.file.clone(),
        interrupt: Some(interrupt_rx),
    };
    if args.check {
        return check_only(&plan, &config, args.output == OutputMode::Json);
    }
    let by = args.by.clone().unwrap_or_else(operator_name);
    let mut console = CliConsole::new(args.output == OutputMode::Json, args.yes, by, &plan);
    finish(&plan, &mut console, interrupt_tx, |console| {
        execute(&plan, &config, console)
    })
}

/// Runs the executor on a fresh async runtime, prints the summary and maps it to an exit code.
pub(crate) fn finish<'a, F, Fut>(
    plan: &Plan,
    console: &'a mut CliConsole,
    interrupt: tokio::sync::watch::Sender<bool>,
    start: F,
) -> u8
where
    F: FnOnce(&'a mut CliConsole) -> Fut,
    Fut: std::future::Future<
            Output = Result<tejun_runtime::execute::RunSummary, tejun_runtime::execute::RunError>,
        >,
{
    let json = console.json;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    // The first Ctrl-C stops the running command and ends the run cleanly (it can be resumed);
    // a second one exits at once.
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = interrupt.send(true);
            eprintln!(
                "\ninterrupted: stopping the current command (press Ctrl-C again to quit at once)"
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let summary = match runtime.block_on(start(console)) {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return exit::USAGE;
        }
    };
    if !json {
        println!();
        let paint = Paint::stdout();
        let journal = summary.dir.join("journal.jsonl");
        let tone = match summary.status {
            RunStatus::Succeeded => Tone::Good,
            RunStatus::Failed => Tone::Bad,
            RunStatus::Interrupted | RunStatus::Paused => Tone::Warn,
        };
        let line = match summary.status {
            RunStatus::Succeeded => format!(
                "run {} succeeded: {} done, {} skipped ({} steps)",
                summary.run_id,
                summary.done,
                summary.skipped,
                plan.steps.len()
            ),
            RunStatus::Failed => format!(
                "run {} FAILED at step `{}`: {}",
                summary.run_id,
                summary.stopped_at.as_deref().unwrap_or("?"),
                summary.error.as_deref().unwrap_or("unknown error")
            ),
            RunStatus::Interrupted => format!(
                "run {} interrupted at step `{}`; go on with: tejun resume {}",
                summary.run_id,
                summary.stopped_at.as_deref().unwrap_or("?"),
                summary.run_id
            ),
            RunStatus::Paused => format!(
                "run {} paused at step `{}`: a manual step needs confirmation; when it is done: tejun resume {} --confirm {} --by NAME",
                summary.run_id,
                summary.stopped_at.as_deref().unwrap_or("?"),
                summary.run_id,
                summary.stopped_at.as_deref().unwrap_or("?")
            ),
        };
        println!("{}", paint.paint(tone, &line));
        for warning in &summary.warnings {
            println!(
                "{}",
                paint.paint(Tone::Warn, &format!("  warning: {warning}"))
            );
        }
        println!(
            "{}",
            paint.paint(Tone::Dim, &format!("journal: {}", journal.display()))
        );
    }
    match summary.status {
        RunStatus::Succeeded => exit::OK,
        RunStatus::Failed | RunStatus::Interrupted => exit::FAILED,
        RunStatus::Paused => exit::PAUSED,
    }
}

/// `tejun run --check`: conditions only, nothing runs.
fn check_only(plan: &Plan, config: &RunConfig, json: bool) -> u8 {
    let report = match tokio::runtime::Runtime::new()
        .map(|rt| rt.block_on(tejun_runtime::execute::check_only(plan, config)))
    {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => {
            eprintln!("{:?}", miette::Report::new(e));
            return exit::USAGE;
        }
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    let blocked = report.iter().filter(|r| r.verdict == "blocked").count();
    if json {
        println!(
            "{}",
            serde_json::json!({ "steps": report, "blocked": blocked })
        );
    } else {
        println!(
            "checked {} steps against this machine now; nothing was run",
            report.len()
        );
        for (step, r) in plan.steps.iter().zip(&report) {
            let verdict = match r.verdict {
                "skip" => "would be skipped: already done",
                "blocked" => "BLOCKED: a precondition does not hold now",
                _ => "would run",
            };
            println!(
                "\n[{}/{}] {}  [{}]  {verdict}",
                step.index,
                plan.steps.len(),
                step.title,
                step.id
            );
            for (kind, code, held) in &r.checks {
                println!(
                    "  {kind:<8} {code}  → {}",
                    if *held { "holds" } else { "does not hold" }
                );
            }
            if r.verdict != "skip" {
                for code in &r.would_run {
                    println!("  would run  {}", code.lines().next().unwrap_or(""));
                }
            }
        }
        println!(
            "\n{blocked} step(s) blocked (a precondition may hold once the earlier steps have run)"
        );
    }
    if blocked > 0 { exit::FAILED } else { exit::OK }
}

pub(crate) fn operator_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

pub(crate) struct CliConsole {
    pub json: bool,
    paint: Paint,
    yes: bool,
    by: String,
    total: usize,
    /// On a terminal: the live line with the step, its elapsed time and the open windows.
    progress: Option<indicatif::ProgressBar>,
    /// Windows by name: their limit and the step that opens them.
    windows: Vec<(String, String, u64)>,
    /// Open windows and when they opened.
    open: Vec<(String, std::time::Instant, u64)>,
}

impl CliConsole {
    pub(crate) fn new(json: bool, yes: bool, by: String, plan: &Plan) -> CliConsole {
        let progress = (!json && std::io::stdout().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        CliConsole {
            json,
            paint: Paint::stdout(),
            yes,
            by,
            total: plan.steps.len(),
            progress,
            windows: plan
                .windows
                .iter()
                .map(|w| (w.name.clone(), w.from.clone(), w.limit_ms))
                .collect(),
            open: Vec::new(),
        }
    }

    /// Prints a line above the live progress line, or plainly without one.
    fn say(&self, text: String) {
        match &self.progress {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    /// Keeps the live line current: the step, and the windows open with their time left.
    fn track(&mut self, event: &RunEvent) {
        let Some(bar) = self.progress.clone() else {
            return;
        };
        match event {
            RunEvent::StepStart {
                index, step, title, ..
            } => {
                let now = std::time::Instant::now();
                for (name, from, limit) in &self.windows {
                    if from == step && !self.open.iter().any(|(n, ..)| n == name) {
                        self.open.push((name.clone(), now, *limit));
                    }
                }
                bar.reset_elapsed();
                bar.set_message(self.status(&format!("[{index}/{}] {title}", self.total)));
            }
            RunEvent::WindowEnd { window, .. } => self.open.retain(|(n, ..)| n != window),
            RunEvent::RunEnd { .. } => bar.finish_and_clear(),
            _ => {}
        }
    }

    fn status(&self, step: &str) -> String {
        let mut text = step.to_owned();
        for (name, opened, limit) in &self.open {
            let left = (*limit / 1000).saturating_sub(opened.elapsed().as_secs());
            text.push_str(&format!(
                "  window {name}: {}m{:02}s left",
                left / 60,
                left % 60
            ));
        }
        text
    }
}

impl Console for CliConsole {
    fn event(&mut self, event: &RunEvent) {
        self.track(event);
        if self.json {
            if let Ok(line) = serde_json::to_string(event) {
                println!("{line}");
            }
            return;
        }
        match event {
            RunEvent::RunStart {
                run_id,
                runbook,
                steps,
                ..
            } => self.say(format!("run {run_id}: {runbook}, {steps} steps")),
            RunEvent::Resume { from_step, forced } => {
                let forced = if *forced {
                    " (forced: the runbook changed since the run started)"
                } else {
                    ""
                };
                self.say(format!("resuming from step `{from_step}`{forced}"))
            }
            RunEvent::ShellStart {
                version, reason, ..
            } => self.say(format!("  PowerShell {version} started ({reason})")),
            RunEvent::StepStart {
                index,
                step,
                doc,
                title,
                ..
            } => {
                let doc = doc
                    .as_deref()
                    .map_or(String::new(), |d| format!(" (doc {d})"));
                let heading = format!("[{index}/{}] {title}{doc}", self.total);
                self.say(format!(
                    "\n{}  {}",
                    self.paint.paint(Tone::Heading, &heading),
                    self.paint.paint(Tone::Dim, &format!("[{step}]"))
                ));
            }
            RunEvent::Check {
                kind,
                code,
                held,
                attempts,
                error,
                ..
            } => {
                let verdict = if *held {
                    self.paint.paint(Tone::Good, "holds")
                } else {
                    self.paint.paint(Tone::Warn, "does not hold")
                };
                let tries = if *attempts > 1 {
                    format!(" after {attempts} checks")
                } else {
                    String::new()
                };
                self.say(format!("  {kind:<8} {code}  → {verdict}{tries}"));
                if let Some(e) = error {
                    self.say(format!("           error: {e}"));
                }
            }
            RunEvent::Manual {
                instruction,
                decision,
                by,
                ..
            } => self.say(format!("  manual   {instruction}  → {decision} by {by}")),
            RunEvent::Command {
                code,
                succeeded,
                state,
                exit,
                last_exit_code,
                failure,
                elapsed_ms,
                attempt,
                ..
            } => {
                let code_line = code.lines().next().unwrap_or("");
                let verdict = if *succeeded {
                    self.paint.paint(Tone::Good, "ok")
                } else {
                    self.paint.paint(Tone::Bad, &format!("failed ({state:?})"))
                };
                let mut notes = vec![format!("{:.1}s", *elapsed_ms as f64 / 1000.0)];
                if let Some(e) = exit.or(*last_exit_code) {
                    notes.push(format!("exit {e}"));
                }
                if *attempt > 1 {
                    notes.push(format!("try {attempt}"));
                }
                self.say(format!(
                    "  run      {code_line}  → {verdict} [{}]",
                    notes.join(", ")
                ));
                if let Some(f) = failure {
                    for line in f.lines() {
                        self.say(format!("           {line}"));
                    }
                }
            }
            RunEvent::ShellLost { reason, .. } => self.say(self.paint.paint(
                Tone::Warn,
                &format!("  ! PowerShell session lost: {reason}"),
            )),
            RunEvent::WindowWarning {
                window,
                elapsed_ms,
                limit_ms,
                message,
            } => self.say(self.paint.paint(
                Tone::Warn,
                &format!(
                    "  ! window {window}: open {}s, past its limit of {}s{}",
                    elapsed_ms / 1000,
                    limit_ms / 1000,
                    message
                        .as_deref()
                        .map_or(String::new(), |m| format!(": {m}"))
                ),
            )),
            RunEvent::WindowEnd {
                window,
                elapsed_ms,
                limit_ms,
            } => self.say(format!(
                "  window {window} closed after {}s (limit {}s)",
                elapsed_ms / 1000,
                limit_ms / 1000
            )),
            RunEvent::StepEnd { status, error, .. } => match status {
                StepStatus::Done => self.say(self.paint.paint(Tone::Good, "  done")),
                StepStatus::Skipped => self.say(self.paint.paint(Tone::Warn, "  skipped")),
                StepStatus::Failed => self.say(self.paint.paint(
                    Tone::Bad,
                    &format!("  FAILED: {}", error.as_deref().unwrap_or("")),
                )),
                StepStatus::Paused => self.say(self.paint.paint(
                    Tone::Warn,
                    &format!("  paused: {}", error.as_deref().unwrap_or("")),
                )),
            },
            RunEvent::RunEnd { .. } => {}
        }
    }

    fn line(&mut self, step: &str, line: &StreamLine) {
        if self.json {
            let mut event = serde_json::json!({ "event": "line", "step": step, "stream": line.stream, "text": line.text });
            if line.partial {
                event["partial"] = true.into();
            }
            println!("{event}");
            return;
        }
        let (mark, tone) = match line.stream {
            Stream::Output | Stream::Stdout => ("|", Tone::Dim),
            Stream::Error | Stream::Stderr => ("!", Tone::Bad),
            Stream::Warning => ("warning:", Tone::Warn),
            Stream::Verbose => ("verbose:", Tone::Dim),
            Stream::Debug => ("debug:", Tone::Dim),
            Stream::Information => ("i", Tone::Dim),
        };
        // A part of a line too long to hold whole: the line goes on in the next part.
        let mark = if line.partial {
            self.paint.paint(tone, &format!("{mark}+"))
        } else {
            self.paint.paint(tone, mark)
        };
        self.say(format!("           {mark} {}", line.text));
    }

    fn manual(&mut self, step: &PlanStep, instruction: &str) -> Decision {
        if self.yes {
            return Decision::Confirm(format!("{} (--yes)", self.by));
        }
        if !std::io::stdin().is_terminal() || self.json {
            return Decision::Pause;
        }
        let bar = self.progress.clone();
        let ask = || self.ask(step, instruction);
        match bar {
            Some(bar) => bar.suspend(ask),
            None => ask(),
        }
    }
}

impl CliConsole {
    /// Shows a manual instruction and asks what to do about it.
    fn ask(&self, step: &PlanStep, instruction: &str) -> Decision {
        for quote in &step.quotes {
            println!("  > {}", quote.text.replace('\n', "\n    "));
        }
        loop {
            print!("  manual   {instruction}\n           [c]onfirm done, [s]kip, [a]bort? ");
            let _ = std::io::stdout().flush();
            let mut answer = String::new();
            if std::io::stdin().lock().read_line(&mut answer).unwrap_or(0) == 0 {
                return Decision::Pause;
            }
            match answer.trim().to_ascii_lowercase().as_str() {
                "c" | "confirm" | "y" | "yes" => return Decision::Confirm(self.by.clone()),
                "s" | "skip" => return Decision::Skip(self.by.clone()),
                "a" | "abort" => return Decision::Abort(self.by.clone()),
                _ => continue,
            }
        }
    }
}
