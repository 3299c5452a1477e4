//! A plan rendered for people.

use std::fmt::Write;

use tejun_runtime::plan::{Guard, Plan, PlanAction, PlanBranch, PlanLoop, PlanStep};

/// Renders a plan as text. With `quotes`, each step shows the document's text too.
pub(crate) fn render(plan: &Plan, quotes: bool) -> String {
    let mut out = String::new();
    let rb = &plan.runbook;
    match &rb.title {
        Some(title) => writeln!(out, "{}: {title}", rb.name),
        None => writeln!(out, "{}", rb.name),
    }
    .ok();
    if let Some(source) = &rb.source {
        let mut line = format!("source: {}", source.id);
        if let Some(updated) = &source.updated {
            line.push_str(&format!(", updated {updated}"));
        }
        if let Some(url) = &source.url {
            line.push_str(&format!(", {url}"));
        }
        writeln!(out, "{line}").ok();
    }

    if !plan.params.is_empty() {
        writeln!(out, "\nparameters:").ok();
        let width = plan.params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for p in &plan.params {
            match (&p.value, p.origin) {
                (Some(value), origin) => {
                    let origin = origin.map_or(String::new(), |o| {
                        format!(
                            "  ({})",
                            serde_json::to_value(o)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        )
                    });
                    let value = match value {
                        serde_json::Value::String(s) => format!("\"{s}\""),
                        serde_json::Value::Array(items) => format!(
                            "[{}]",
                            items
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        other => other.to_string(),
                    };
                    writeln!(out, "  {:width$} = {value}{origin}", p.name).ok();
                }
                (None, _) => {
                    writeln!(out, "  {:width$}   (not set)", p.name).ok();
                }
            }
        }
    }

    for w in &plan.windows {
        let index = |id: &str| {
            plan.steps
                .iter()
                .find(|s| s.id == id)
                .map_or(0, |s| s.index)
        };
        writeln!(
            out,
            "\nwindow {}: from step {} ({}) to step {} ({}), limit {}",
            w.name,
            index(&w.from),
            w.from,
            index(&w.to),
            w.to,
            duration(w.limit_ms)
        )
        .ok();
        if let Some(warn) = &w.warn {
            writeln!(out, "  warns: {warn}").ok();
        }
    }

    let steps = if plan.steps.len() == 1 {
        "1 step".to_owned()
    } else {
        format!("{} steps", plan.steps.len())
    };
    writeln!(
        out,
        "\n{steps} (a command is sent to PowerShell as written unless a `sends` line follows it):"
    )
    .ok();
    let number_width = plan.steps.len().to_string().len();
    let mut previous: Option<&PlanStep> = None;
    let mut arms_before: Vec<Guard> = Vec::new();
    for (position, step) in plan.steps.iter().enumerate() {
        let before = previous.map_or(&[][..], |p| p.items.as_slice());
        let same = step
            .items
            .iter()
            .zip(before)
            .take_while(|(a, b)| a.var == b.var && a.value == b.value)
            .count();
        // Outer loops first: a loop, then its item, then the loop nested in it.
        let here: Vec<&PlanLoop> = plan.loops.iter().filter(|l| l.at == position).collect();
        let depth = here
            .iter()
            .map(|l| l.outer.len() + 1)
            .max()
            .unwrap_or(0)
            .max(step.items.len());
        for d in 0..depth {
            for l in here.iter().filter(|l| l.outer.len() == d) {
                write_loop(&mut out, l, number_width);
            }
            if let Some(item) = step.items.get(d).filter(|_| d >= same) {
                writeln!(
                    out,
                    "\n  ${} = {:?}  (item {} of {})",
                    item.var, item.value, item.index, item.count
                )
                .ok();
            }
        }
        let arms = chain(step.decided_by, &plan.branches);
        write_arms(&mut out, &arms_before, &arms, &plan.branches, "");
        let mut text = String::new();
        write_step(&mut text, step, &plan.branches, number_width, quotes);
        out.push_str(&indented(&text, arms.len()));
        arms_before = arms;
        previous = Some(step);
    }
    for l in plan.loops.iter().filter(|l| l.at >= plan.steps.len()) {
        write_loop(&mut out, l, number_width);
    }
    if !plan.finally.is_empty() {
        writeln!(out, "\nfinally, after a failed or aborted run:").ok();
        for action in &plan.finally {
            write_action(&mut out, action, number_width);
        }
    }
    out
}

fn write_loop(out: &mut String, l: &PlanLoop, number_width: usize) {
    if let (false, Some(expression)) = (l.decided, &l.expression) {
        writeln!(
            out,
            "\nforeach {} in run {{ {} }} (line {}): items decided at run time; once per item:",
            l.var,
            expression.sent.replace('\n', " "),
            l.line
        )
        .ok();
        for step in &l.template {
            let doc = step
                .doc
                .as_ref()
                .map_or(String::new(), |d| format!("doc {d}, "));
            writeln!(
                out,
                "\n{:>number_width$}  {}  [{doc}{}[${}]]",
                "*", step.title, step.id, l.var
            )
            .ok();
            for action in &step.actions {
                write_action(out, action, number_width);
            }
        }
        write_rollout(out, l);
        return;
    }
    let items = match l.items.len() {
        0 => "no items: its steps run zero times".to_owned(),
        1 => "1 item".to_owned(),
        n => format!("{n} items"),
    };
    writeln!(
        out,
        "\nforeach {} in {} (line {}): {items}",
        l.var, l.over, l.line
    )
    .ok();
    write_rollout(out, l);
}

/// A loop's target, health gate and failure budget, when it has them.
fn write_rollout(out: &mut String, l: &PlanLoop) {
    if let Some(on) = &l.on {
        writeln!(out, "  each item on the target `{on}` names, one at a time").ok();
    }
    if let Some(gate) = &l.gate {
        let bound = match (gate.within_ms, gate.every_ms) {
            (Some(w), Some(e)) => format!("  (within {}, every {})", duration(w), duration(e)),
            (Some(w), None) => format!("  (within {})", duration(w)),
            _ => String::new(),
        };
        writeln!(
            out,
            "  gate before each item but the first: {}{bound}",
            gate.sent.replace('\n', " ")
        )
        .ok();
    }
    if l.on.is_some() || l.gate.is_some() || l.budget > 0 {
        writeln!(
            out,
            "  the rollout halts when the gate does not hold or more than {} item(s) fail",
            l.budget
        )
        .ok();
    }
}

/// The arms of branches decided at run time around `guard`, outer first.
fn chain(guard: Option<Guard>, branches: &[PlanBranch]) -> Vec<Guard> {
    let mut arms = Vec::new();
    let mut at = guard;
    while let Some(g) = at {
        arms.insert(0, g);
        at = branches.get(g.branch).and_then(|b| b.decided_by);
    }
    arms
}

/// The headings of the branches and arms entered between one step (or action) and the next:
/// a branch decided at run time shows its line, then each arm its condition, its steps indented
/// under it.
fn write_arms(
    out: &mut String,
    before: &[Guard],
    now: &[Guard],
    branches: &[PlanBranch],
    lead: &str,
) {
    let same = now.iter().zip(before).take_while(|(a, b)| a == b).count();
    for (depth, g) in now.iter().enumerate().skip(same) {
        let pad = format!("{lead}{}", "  ".repeat(depth));
        let Some(branch) = branches.get(g.branch) else {
            continue;
        };
        if before.get(depth).is_none_or(|b| b.branch != g.branch) {
            let otherwise = if branch.arms.iter().any(|a| a.condition.is_none()) {
                ", else `else`"
            } else {
                ", or none"
            };
            writeln!(
                out,
                "\n{pad}if (line {}), decided at run time: the first arm whose condition holds runs{otherwise}",
                branch.line
            )
            .ok();
        }
        let label = match branch.arms.get(g.arm).and_then(|a| a.condition.as_ref()) {
            Some(c) if g.arm == 0 => format!("if {{ {} }}", c.sent.replace('\n', " ")),
            Some(c) => format!("else if {{ {} }}", c.sent.replace('\n', " ")),
            None => "else".to_owned(),
        };
        writeln!(out, "{pad}  {label}:").ok();
    }
}

/// `text` with every line that is not empty moved right by `depth` levels.
fn indented(text: &str, depth: usize) -> String {
    if depth == 0 {
        return text.to_owned();
    }
    let pad = "    ".repeat(depth);
    text.split_inclusive('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.to_owned()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect()
}

fn write_step(
    out: &mut String,
    step: &PlanStep,
    branches: &[PlanBranch],
    number_width: usize,
    quotes: bool,
) {
    let mut tags = Vec::new();
    if let Some(doc) = &step.doc {
        tags.push(format!("doc {doc}"));
    }
    tags.push(step.id.clone());
    let on = step
        .target
        .as_deref()
        .map_or(String::new(), |t| format!("  on {t}"));
    writeln!(
        out,
        "\n{:>number_width$}. {}  [{}]{on}",
        step.index,
        step.title,
        tags.join(", ")
    )
    .ok();
    let indent = " ".repeat(number_width + 2);
    if quotes {
        for q in &step.quotes {
            let lang = q
                .lang
                .as_deref()
                .map_or(String::new(), |l| format!("({l}) "));
            for (i, line) in q.text.lines().enumerate() {
                let lead = if i == 0 {
                    format!("{indent}  > {lang}")
                } else {
                    format!("{indent}    ")
                };
                writeln!(out, "{lead}{line}").ok();
            }
        }
    }
    let mut arms_before = Vec::new();
    for (position, action) in step.actions.iter().enumerate() {
        let arms = chain(step.action_guard(position), branches);
        write_arms(out, &arms_before, &arms, branches, &indent);
        let mut text = String::new();
        write_action(&mut text, action, number_width);
        out.push_str(&indented(&text, arms.len()));
        arms_before = arms;
    }
}

fn write_action(out: &mut String, action: &PlanAction, number_width: usize) {
    let indent = " ".repeat(number_width + 4);
    let mut line = |label: &str, text: &str, note: String| {
        let pad = " ".repeat(indent.len() + 9);
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("");
        write!(out, "{indent}{label:<8} {first}").ok();
        let rest: Vec<&str> = lines.collect();
        if rest.is_empty() {
            writeln!(out, "{note}").ok();
        } else {
            writeln!(out).ok();
            for (i, l) in rest.iter().enumerate() {
                let tail = if i + 1 == rest.len() {
                    note.as_str()
                } else {
                    ""
                };
                writeln!(out, "{pad}{l}{tail}").ok();
            }
        }
    };
    match action {
        PlanAction::Run {
            written,
            sent,
            timeout_ms,
            retries,
            retry_every_ms,
            accept_exit,
            ..
        } => {
            let mut notes = Vec::new();
            if let Some(t) = timeout_ms {
                notes.push(format!("timeout {}", duration(*t)));
            }
            if *retries > 0 {
                let every =
                    retry_every_ms.map_or(String::new(), |e| format!(" every {}", duration(e)));
                notes.push(format!("retries {retries}{every}"));
            }
            if accept_exit.as_slice() != [0] {
                let codes: Vec<String> = accept_exit.iter().map(i64::to_string).collect();
                notes.push(format!("accept exit {}", codes.join(", ")));
            }
            line("run", written, note(&notes));
            if sent != written {
                line("sends", sent, String::new());
            }
        }
        PlanAction::Manual { instruction, .. } => line("manual", instruction, String::new()),
        PlanAction::Require {
            written,
            sent,
            message,
            ..
        } => {
            line("require", written, String::new());
            if sent != written {
                line("sends", sent, String::new());
            }
            if let Some(m) = message {
                line("  else", m, String::new());
            }
        }
        PlanAction::Ensure {
            written,
            sent,
            within_ms,
            every_ms,
            message,
            ..
        } => {
            let mut notes = Vec::new();
            if let Some(w) = within_ms {
                notes.push(format!("within {}", duration(*w)));
            }
            if let Some(e) = every_ms {
                notes.push(format!("every {}", duration(*e)));
            }
            line("ensure", written, note(&notes));
            if sent != written {
                line("sends", sent, String::new());
            }
            if let Some(m) = message {
                line("  else", m, String::new());
            }
        }
        PlanAction::SkipIf { written, sent, .. } => {
            line("skip if", written, String::new());
            if sent != written {
                line("sends", sent, String::new());
            }
        }
        PlanAction::Wait {
            written,
            sent,
            until,
            give_up,
            every_ms,
            attempts,
            timeout_ms,
            message,
            ..
        } => {
            let mut notes = vec![
                format!("every {}", duration(*every_ms)),
                format!("at most {attempts} attempts"),
            ];
            if let Some(t) = timeout_ms {
                notes.push(format!("timeout {}", duration(*t)));
            }
            line("wait", written, note(&notes));
            if sent != written {
                line("sends", sent, String::new());
            }
            line("until", &until.written, String::new());
            if until.sent != until.written {
                line("sends", &until.sent, String::new());
            }
            for g in give_up {
                line("give up", &g.written, format!("   ({})", g.name));
                if g.sent != g.written {
                    line("sends", &g.sent, String::new());
                }
            }
            if let Some(m) = message {
                line("  else", m, String::new());
            }
        }
        PlanAction::RestartShell { .. } => line(
            "restart",
            "shell (a fresh PowerShell session)",
            String::new(),
        ),
    }
}

fn note(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        format!("   ({})", notes.join(", "))
    }
}

/// `1h30m`, `10s`, `500ms`.
fn duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (milli, "ms")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}
