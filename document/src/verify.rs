//! `tejun verify`: proof that a runbook replays a procedure page verbatim.
//!
//! Every command the page gives ([`crate::page`] says which text is a command) must be in the
//! runbook byte for byte (after the layout of a `run` block), in the page's order, in a step
//! whose `doc` number is the page step's number: a `run`, or a `wait`'s command, in the step
//! itself or in any branch or loop inside it. Every numbered step of the page must be covered by
//! a step with its number, or marked as left out with a comment anywhere in the runbook:
//!
//! ```text
//! # tejun: left-out(7) the update's installer is run by hand; see step install-update
//! ```
//!
//! A left-out step's commands and nested steps are left out with it. A runbook may add commands
//! and steps of its own (checks, imports); only what the page gives is held against it.

use serde::Serialize;
use similar::TextDiff;
use tejun_grammar::ast::{Action, Ast, Item, LoopSource};

use crate::blocks::{At, LineIndex};
use crate::page::Page;

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Always `tejun-verify/1`.
    pub format: &'static str,
    /// The runbook, as named on the command line.
    pub runbook: String,
    /// The page, as named on the command line.
    pub page: String,
    /// Whether the runbook replays the page verbatim: no differences.
    pub verbatim: bool,
    /// Every command of the page, in page order, with where the runbook has it.
    pub commands: Vec<CommandCheck>,
    /// Every numbered step of the page, with what covers it.
    pub steps: Vec<StepCheck>,
    /// What does not match, in page order.
    pub differences: Vec<Difference>,
}

/// A command of the page and where the runbook has it.
#[derive(Debug, Clone, Serialize)]
pub struct CommandCheck {
    /// The page step's number; `null` for a command outside the numbered steps.
    pub step: Option<String>,
    /// The command, laid out as a `run` block is.
    pub code: String,
    /// Where the page gives it.
    pub page_at: At,
    /// Whether the page gives it in running text rather than a code block.
    pub inferred: bool,
    /// Where the runbook has it, in order; `null` when it does not.
    pub found: Option<Found>,
    /// Why the runbook leaves it out, from its step's `left-out` mark.
    pub left_out: Option<String>,
}

/// Where a runbook has a command.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// The id of the step it is in.
    pub step: String,
    /// Where its code starts in the runbook.
    pub at: At,
}

/// A numbered step of the page and what covers it.
#[derive(Debug, Clone, Serialize)]
pub struct StepCheck {
    /// Its number.
    pub number: String,
    /// Where it is on the page.
    pub page_at: At,
    /// The ids of the runbook's steps with its number.
    pub covered_by: Vec<String>,
    /// Why the runbook leaves it out.
    pub left_out: Option<String>,
}

/// A way the runbook does not replay the page.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// `changed` (the step has a command like it, not the same), `missing` (not in the
    /// runbook), `out_of_order` (in the runbook, before a command the page gives earlier),
    /// `uncovered` (a page step no runbook step covers) or `unknown_left_out` (a `left-out`
    /// mark for a number the page does not have).
    pub kind: &'static str,
    /// The page step's number, if any.
    pub step: Option<String>,
    /// What is wrong and what to do, in one line.
    pub message: String,
    /// A unified diff of the page's command against the runbook's, for `changed` and `missing`.
    pub diff: Option<String>,
}

/// A runbook's command with its step.
struct RunbookCommand<'a> {
    doc: Option<&'a str>,
    step: &'a str,
    code: &'a str,
    offset: usize,
}

/// Holds a runbook (`ast`, from `src`) against a page. The names are for messages.
pub fn verify(
    ast: &Ast,
    src: &str,
    runbook_name: &str,
    page: &Page,
    page_name: &str,
) -> Verification {
    let lines = LineIndex::new(src);
    let mut ours = Vec::new();
    collect(&ast.items, None, "", &mut ours);
    let marks = left_out_marks(ast);
    let mut differences = Vec::new();

    // Steps: covered by a step with the number, or left out.
    let mut doc_steps: Vec<(&str, &str)> = Vec::new();
    collect_steps(&ast.items, &mut doc_steps);
    let mut steps = Vec::new();
    for step in page.steps() {
        let left_out = left_out_reason(&marks, &step.number);
        let covered_by: Vec<String> = doc_steps
            .iter()
            .filter(|(doc, _)| *doc == step.number)
            .map(|(_, id)| (*id).to_owned())
            .collect();
        if covered_by.is_empty() && left_out.is_none() {
            differences.push(Difference {
                kind: "uncovered",
                step: Some(step.number.clone()),
                message: format!(
                    "step {} of the page (line {}) is not covered: no step has `doc {}`; add one, or say why it is left out with `# tejun: left-out({}) REASON`",
                    step.number, step.at.line, step.number, step.number
                ),
                diff: None,
            });
        }
        if !steps.iter().any(|s: &StepCheck| s.number == step.number) {
            steps.push(StepCheck {
                number: step.number.clone(),
                page_at: step.at,
                covered_by,
                left_out,
            });
        }
    }
    for (number, _) in &marks {
        if !page.steps().iter().any(|s| &s.number == number) {
            differences.push(Difference {
                kind: "unknown_left_out",
                step: Some(number.clone()),
                message: format!(
                    "`left-out({number})` names no step of the page: the page's steps are numbered {}",
                    page.steps()
                        .iter()
                        .map(|s| s.number.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                diff: None,
            });
        }
    }

    // Commands: in the page's order, each in a step with its number.
    let mut expected: Vec<(Option<String>, &crate::page::Command)> = Vec::new();
    for step in page.steps() {
        for command in &step.commands {
            expected.push((Some(step.number.clone()), command));
        }
    }
    for loose in &page.loose {
        expected.push((None, &loose.command));
    }
    let mut from = 0;
    let mut commands = Vec::new();
    for (number, command) in expected {
        let left_out = number.as_deref().and_then(|n| left_out_reason(&marks, n));
        let mut check = CommandCheck {
            step: number.clone(),
            code: command.code.clone(),
            page_at: command.at,
            inferred: command.inferred,
            found: None,
            left_out: left_out.clone(),
        };
        if left_out.is_some() {
            commands.push(check);
            continue;
        }
        let same = |c: &RunbookCommand| c.doc == number.as_deref() && c.code == command.code;
        let where_ = number
            .as_deref()
            .map_or("outside the numbered steps".to_owned(), |n| {
                format!("step {n}")
            });
        let page_head = format!(
            "{page_name}:{}:{} ({where_})",
            command.at.line, command.at.column
        );
        if let Some(i) = ours[from..].iter().position(same) {
            let found = &ours[from + i];
            check.found = Some(Found {
                step: found.step.to_owned(),
                at: lines.at(found.offset),
            });
            from += i + 1;
        } else if let Some(found) = ours[..from].iter().find(|c| same(c)) {
            let at = lines.at(found.offset);
            check.found = Some(Found {
                step: found.step.to_owned(),
                at,
            });
            differences.push(Difference {
                kind: "out_of_order",
                step: number.clone(),
                message: format!(
                    "{where_}: `{}` ({page_head}) is in the runbook at {runbook_name}:{}:{}, before a command the page gives earlier; put the runbook's commands in the page's order",
                    first_line(&command.code),
                    at.line,
                    at.column
                ),
                diff: None,
            });
        } else {
            // The closest command of a step with the same number, if any.
            let closest = ours
                .iter()
                .filter(|c| c.doc == number.as_deref())
                .max_by(|a, b| {
                    similarity(a.code, &command.code).total_cmp(&similarity(b.code, &command.code))
                })
                .filter(|c| similarity(c.code, &command.code) >= 0.5);
            let (kind, message, runbook_head, theirs) = match closest {
                Some(c) => {
                    let at = lines.at(c.offset);
                    (
                        "changed",
                        format!(
                            "{where_}: the runbook's command differs from the page's; copy the page's command byte for byte"
                        ),
                        format!(
                            "{runbook_name}:{}:{} (step `{}`)",
                            at.line, at.column, c.step
                        ),
                        c.code,
                    )
                }
                None => (
                    "missing",
                    format!(
                        "{where_}: the page's command is not in the runbook; add `run {{ {} }}` to {}",
                        first_line(&command.code),
                        number
                            .as_deref()
                            .map_or("a step without a `doc` number".to_owned(), |n| format!(
                                "the step with `doc {n}`"
                            ))
                    ),
                    format!(
                        "{runbook_name} ({})",
                        number
                            .as_deref()
                            .map_or("no step runs it".to_owned(), |n| format!(
                                "no step with doc {n} runs it"
                            ))
                    ),
                    "",
                ),
            };
            differences.push(Difference {
                kind,
                step: number.clone(),
                message,
                diff: Some(unified(&command.code, theirs, &page_head, &runbook_head)),
            });
        }
        commands.push(check);
    }
    differences.sort_by_key(|d| order_key(d.step.as_deref()));
    Verification {
        format: "tejun-verify/1",
        runbook: runbook_name.to_owned(),
        page: page_name.to_owned(),
        verbatim: differences.is_empty(),
        commands,
        steps,
        differences,
    }
}

/// Sorts differences by page step number (`2` before `2.1` before `10`); those without one last.
fn order_key(step: Option<&str>) -> Vec<u64> {
    match step {
        Some(n) => n
            .split('.')
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect(),
        None => vec![u64::MAX],
    }
}

/// A unified diff of the page's command (`-`) against the runbook's (`+`).
fn unified(page: &str, runbook: &str, page_head: &str, runbook_head: &str) -> String {
    let old = if page.is_empty() {
        String::new()
    } else {
        format!("{page}\n")
    };
    let new = if runbook.is_empty() {
        String::new()
    } else {
        format!("{runbook}\n")
    };
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(page_head, runbook_head)
        .to_string()
}

/// How alike two commands are, from 0 to 1.
fn similarity(a: &str, b: &str) -> f32 {
    TextDiff::from_chars(a, b).ratio()
}

fn first_line(code: &str) -> &str {
    code.lines().next().unwrap_or("")
}

/// `# tejun: left-out(7, 8) REASON` comments: each number with its reason.
fn left_out_marks(ast: &Ast) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for comment in &ast.comments {
        let text = comment.text.trim_start_matches('#').trim();
        let Some(rest) = text
            .strip_prefix("tejun:")
            .map(str::trim)
            .and_then(|r| r.strip_prefix("left-out("))
        else {
            continue;
        };
        let Some((numbers, reason)) = rest.split_once(')') else {
            continue;
        };
        for number in numbers.split(',') {
            out.push((number.trim().to_owned(), reason.trim().to_owned()));
        }
    }
    out
}

/// Why a page step is left out: its own mark or one of a step it is nested in.
fn left_out_reason(marks: &[(String, String)], number: &str) -> Option<String> {
    marks
        .iter()
        .find(|(n, _)| number == n || number.starts_with(&format!("{n}.")))
        .map(|(_, reason)| reason.clone())
}

/// Every `run` and `wait` command, in runbook order, with its step.
fn collect<'a>(
    items: &'a [Item],
    doc: Option<&'a str>,
    step: &'a str,
    out: &mut Vec<RunbookCommand<'a>>,
) {
    for item in items {
        match item {
            Item::Step(s) => collect(
                &s.items,
                s.doc.as_ref().map(|d| d.value.as_str()),
                &s.id.value,
                out,
            ),
            Item::Foreach(f) => {
                if let LoopSource::Run(code) = &f.source {
                    out.push(RunbookCommand {
                        doc,
                        step,
                        code: &code.text,
                        offset: code_start(code),
                    });
                }
                collect(&f.items, doc, step, out);
            }
            Item::When(w) => {
                for arm in &w.arms {
                    collect(&arm.body.items, doc, step, out);
                }
                if let Some(body) = &w.otherwise {
                    collect(&body.items, doc, step, out);
                }
            }
            Item::Match(m) => {
                for arm in &m.arms {
                    collect(&arm.body.items, doc, step, out);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    collect(&arm.body.items, doc, step, out);
                }
                if let Some(body) = &i.otherwise {
                    collect(&body.items, doc, step, out);
                }
            }
            Item::Action(Action::Run(run)) => out.push(RunbookCommand {
                doc,
                step,
                code: &run.code.text,
                offset: code_start(&run.code),
            }),
            Item::Action(Action::Wait(wait)) => out.push(RunbookCommand {
                doc,
                step,
                code: &wait.code.text,
                offset: code_start(&wait.code),
            }),
            _ => {}
        }
    }
}

/// Where a block's code starts: its first character that is not a space or a line break.
fn code_start(code: &tejun_grammar::code::Code) -> usize {
    code.span.start + (code.raw.len() - code.raw.trim_start().len())
}

/// Every step with a `doc` number, with its id, loops and branches included.
fn collect_steps<'a>(items: &'a [Item], out: &mut Vec<(&'a str, &'a str)>) {
    for item in items {
        match item {
            Item::Step(s) => {
                if let Some(doc) = &s.doc {
                    out.push((&doc.value, &s.id.value));
                }
            }
            Item::Foreach(f) => collect_steps(&f.items, out),
            Item::When(w) => {
                for arm in &w.arms {
                    collect_steps(&arm.body.items, out);
                }
                if let Some(body) = &w.otherwise {
                    collect_steps(&body.items, out);
                }
            }
            Item::Match(m) => {
                for arm in &m.arms {
                    collect_steps(&arm.body.items, out);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    collect_steps(&arm.body.items, out);
                }
                if let Some(body) = &i.otherwise {
                    collect_steps(&body.items, out);
                }
            }
            _ => {}
        }
    }
}

impl Verification {
    /// The findings for people: each difference with its diff, then a summary line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for d in &self.differences {
            out.push_str(&format!("{}\n", d.message));
            if let Some(diff) = &d.diff {
                out.push_str(diff);
            }
            out.push('\n');
        }
        let found = self.commands.iter().filter(|c| c.found.is_some()).count();
        let left_out: Vec<&StepCheck> =
            self.steps.iter().filter(|s| s.left_out.is_some()).collect();
        let mut summary = if self.verbatim {
            format!(
                "{} replays {} verbatim: {found} of the page's {} commands in {} steps",
                self.runbook,
                self.page,
                self.commands.len(),
                self.steps.len()
            )
        } else {
            format!(
                "{} does not replay {} verbatim: {} {}",
                self.runbook,
                self.page,
                self.differences.len(),
                if self.differences.len() == 1 {
                    "difference"
                } else {
                    "differences"
                }
            )
        };
        if !left_out.is_empty() {
            summary.push_str(&format!(
                "; left out: {}",
                left_out
                    .iter()
                    .map(|s| format!("{} ({})", s.number, s.left_out.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push_str(&summary);
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# T\n\n1.  Stop it.\n    \n        Stop-CsWindowsService\n\n2.  Stop the web.\n    \n        net stop w3svc\n\n3.  Install.\n";

    fn check(runbook: &str) -> Verification {
        let compiled = tejun_grammar::compile(runbook).expect("compiles");
        verify(
            &compiled.ast,
            runbook,
            "r.runbook",
            &Page::read(PAGE),
            "p.md",
        )
    }

    #[test]
    fn a_runbook_with_every_command_at_its_step_is_verbatim() {
        let v = check(
            "runbook r {\n  # tejun: left-out(3) done by hand\n  step a \"A\" doc 1 {\n    run { Stop-CsWindowsService }\n  }\n  step b \"B\" doc 2 {\n    run { Import-Module X }\n    run { net stop w3svc }\n  }\n}\n",
        );
        assert!(v.verbatim, "{}", v.text());
        assert_eq!(v.steps[2].left_out.as_deref(), Some("done by hand"));
        assert!(
            v.text()
                .contains("replays p.md verbatim: 2 of the page's 2 commands in 3 steps")
        );
    }

    #[test]
    fn a_changed_command_is_a_diff_with_both_lines() {
        let v = check(
            "runbook r {\n  step a \"A\" doc 1 {\n    run { Stop-CsWindowsService -Force }\n  }\n  step b \"B\" doc 2 {\n    run { net stop w3svc }\n  }\n}\n",
        );
        assert!(!v.verbatim);
        let text = v.text();
        assert!(text.contains("--- p.md:5:9 (step 1)"), "{text}");
        assert!(text.contains("+++ r.runbook:3:11 (step `a`)"), "{text}");
        assert!(
            text.contains("-Stop-CsWindowsService\n+Stop-CsWindowsService -Force"),
            "{text}"
        );
        assert!(
            text.contains("step 3 of the page (line 11) is not covered"),
            "{text}"
        );
    }

    #[test]
    fn order_and_numbers_count() {
        let v = check(
            "runbook r {\n  # tejun: left-out(3, 9) later\n  step b \"B\" doc 2 {\n    run { net stop w3svc }\n  }\n  step a \"A\" doc 1 {\n    run { Stop-CsWindowsService }\n  }\n}\n",
        );
        let kinds: Vec<&str> = v.differences.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, ["out_of_order", "unknown_left_out"], "{}", v.text());
        let v = check(
            "runbook r {\n  # tejun: left-out(3) later\n  step a \"A\" doc 1 {\n    run { net stop w3svc }\n  }\n  step b \"B\" doc 2 {\n    run { Stop-CsWindowsService }\n  }\n}\n",
        );
        let kinds: Vec<&str> = v.differences.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, ["missing", "missing"], "{}", v.text());
    }
}
