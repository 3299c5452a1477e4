//! The terminal side of `tejun run` and `tejun resume`: the executor's events rendered for an
//! operator, one file per concern (`steps.rs`: steps, actions and checks; `output.rs`: what
//! commands print; `windows.rs`: time windows; `summary.rs`: the end of a run), plus the live
//! line on a terminal and the questions for manual steps. It renders; it decides nothing.

mod loops;
mod output;
mod steps;
mod summary;
mod windows;

use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

use tejun_runtime::event::RunEvent;
use tejun_runtime::execute::{Console, Decision};
use tejun_runtime::host::StreamLine;
use tejun_runtime::plan::{Plan, PlanStep};

use crate::style::Paint;

pub(crate) use summary::print_summary;

/// Indentation of everything under an action's keyword (`  run      `).
const INDENT: &str = "           ";

/// The longest code block shown whole; a longer one shows its first lines and its length.
const MAX_CODE_LINES: usize = 12;

/// The console of one run or resume.
pub(crate) struct CliConsole {
    /// `--output json`: events as JSON lines instead of text.
    pub json: bool,
    paint: Paint,
    yes: bool,
    by: String,
    total: usize,
    /// On a terminal: the live line with the step, the running command, its elapsed time and the
    /// open windows.
    progress: Option<indicatif::ProgressBar>,
    /// The step shown on the live line.
    step_line: String,
    /// Windows by name: their limit and the step that opens them.
    windows: Vec<(String, String, u64)>,
    /// Open windows and when they opened.
    open: Vec<(String, Instant, u64)>,
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
            step_line: String::new(),
            windows: plan
                .windows
                .iter()
                .map(|w| (w.name.clone(), w.from.clone(), w.limit_ms))
                .collect(),
            open: Vec::new(),
        }
    }

    /// Prints lines above the live line, or plainly without one.
    fn say(&self, lines: Vec<String>) {
        for text in lines {
            match &self.progress {
                Some(bar) => bar.println(text),
                None => println!("{text}"),
            }
        }
    }

    /// Keeps the live line current: the step, the command running, and the windows open with
    /// their time left.
    fn track(&mut self, event: &RunEvent) {
        // A loop over an expression adds its steps when the run reaches it.
        if let RunEvent::StepStart { total, .. } = event {
            self.total = *total;
        }
        let Some(bar) = self.progress.clone() else {
            return;
        };
        match event {
            RunEvent::StepStart {
                index, step, title, ..
            } => {
                let now = Instant::now();
                for (name, from, limit) in &self.windows {
                    if from == step && !self.open.iter().any(|(n, ..)| n == name) {
                        self.open.push((name.clone(), now, *limit));
                    }
                }
                self.step_line = format!("[{index}/{}] {title}", self.total);
                bar.reset_elapsed();
                bar.set_message(self.status(None));
            }
            RunEvent::CommandStart { code, .. } => {
                bar.reset_elapsed();
                let code = tejun_runtime::execute::wait_command(code).unwrap_or(code);
                bar.set_message(self.status(Some(code)));
            }
            RunEvent::Command { .. } => bar.set_message(self.status(None)),
            RunEvent::WindowEnd { window, .. } => self.open.retain(|(n, ..)| n != window),
            RunEvent::RunEnd { .. } => bar.finish_and_clear(),
            _ => {}
        }
    }

    fn status(&self, running: Option<&str>) -> String {
        let mut text = self.step_line.clone();
        if let Some(code) = running {
            text.push_str(&format!("  running {}", code.lines().next().unwrap_or("")));
        }
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
        let lines = steps::render(event, self.total, self.paint)
            .or_else(|| windows::render(event, self.paint))
            .or_else(|| loops::render(event, self.paint))
            .unwrap_or_default();
        self.say(lines);
    }

    fn line(&mut self, step: &str, line: &StreamLine) {
        if self.json {
            let mut event = serde_json::json!({
                "event": "line", "step": step, "stream": line.stream, "text": line.text
            });
            if line.partial {
                event["partial"] = true.into();
            }
            println!("{event}");
            return;
        }
        self.say(vec![output::render(line, self.paint)]);
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
            print!(
                "  manual   {}\n{INDENT}[c]onfirm done, [s]kip, [a]bort? ",
                instruction.replace('\n', &format!("\n{INDENT}"))
            );
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

/// Code as the console shows it under an action's keyword: every line, or the first ones and
/// how many there are when the block is long.
fn code_lines(code: &str) -> Vec<String> {
    let lines: Vec<&str> = code.lines().collect();
    if lines.len() <= MAX_CODE_LINES {
        return lines.iter().map(|l| (*l).to_owned()).collect();
    }
    let shown = MAX_CODE_LINES - 2;
    let mut out: Vec<String> = lines[..shown].iter().map(|l| (*l).to_owned()).collect();
    out.push(format!(
        "… {} more lines ({} in all; `tejun plan` shows the block whole)",
        lines.len() - shown,
        lines.len()
    ));
    out
}

/// The name of the person at the keyboard: `--by`, else the operating system's user.
pub(crate) fn operator_name() -> String {
    if let Some(name) = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
    {
        return name;
    }
    os_user().unwrap_or_else(|| "unknown".into())
}

/// Unix: the account of the process's user id, for when the environment names nobody (cron,
/// systemd units, containers). Windows always sets `USERNAME`.
#[cfg(unix)]
fn os_user() -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
}

#[cfg(not(unix))]
fn os_user() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_block_is_shortened_with_its_length() {
        let code = (1..=30)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let lines = code_lines(&code);
        assert_eq!(lines.len(), MAX_CODE_LINES - 1);
        assert_eq!(lines[0], "line 1");
        assert!(lines.last().unwrap().contains("20 more lines (30 in all"));
        assert_eq!(code_lines("a\nb"), ["a", "b"]);
    }

    #[test]
    fn the_operator_is_named() {
        assert_ne!(operator_name(), "");
        #[cfg(unix)]
        assert!(os_user().is_some(), "every process runs as some account");
    }
}
