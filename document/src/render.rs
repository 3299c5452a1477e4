//! `tejun render`: a runbook as a document for people — a change ticket, a review.
//!
//! The steps come in order as a numbered list whose numbers are the steps' `doc` numbers (nested
//! for `2.1`), each with its quote in the chosen language, its commands as code blocks (as they
//! will be sent for the given parameters, or with the document's placeholders), and its
//! conditions, checks, waits and windows in words. Manual steps are checklists. Conditions and
//! checks are written in block quotes, so that `tejun import` reads the document back with the
//! same steps and commands: `import(render(x))` gives back x's steps and commands.

use std::collections::HashMap;
use std::fmt::Write as _;

use tejun_grammar::Runbook;
use tejun_grammar::ast::{
    Action, Ast, Body, Item, LoopSource, Pattern, Step, TargetRef, TypeKind, Value,
};
use tejun_grammar::code::Code;
use tejun_grammar::cond::Cond;

/// What to render with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The language of the quotes; the first quote of each step when `None` or not there.
    pub lang: Option<String>,
    /// Every parameter's value, when the caller resolved them: branches are decided and
    /// placeholders filled. `None`: every branch is shown, placeholders stay.
    pub values: Option<HashMap<String, Value>>,
    /// Parameters whose values are never shown.
    pub secrets: Vec<String>,
}

/// The runbook as markdown.
pub fn markdown(runbook: &Runbook, options: &Options) -> String {
    let ast = &runbook.ast;
    let mut r = Renderer {
        options,
        ast,
        out: String::new(),
        last_top: None,
    };
    r.document();
    r.out
}

/// The runbook as one self-contained HTML page: no scripts, no external assets.
pub fn html(runbook: &Runbook, options: &Options) -> String {
    let md = markdown(runbook, options);
    let parser = pulldown_cmark::Parser::new_ext(
        &md,
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_TASKLISTS,
    );
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    let title = title(&runbook.ast);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        options.lang.as_deref().unwrap_or("en"),
        escape_html(&title)
    )
}

const STYLE: &str = "body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; color: #1b1b1b; background: #fff; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
pre { background: #f4f4f4; border: 1px solid #ddd; padding: 0.6rem 0.8rem; overflow-x: auto; }
code { font-family: ui-monospace, Consolas, monospace; font-size: 0.92em; }
blockquote { border-left: 4px solid #8ab; margin: 0.6rem 0; padding: 0.2rem 0.9rem; background: #f5f9fb; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
li { margin: 0.4rem 0; }
";

fn title(ast: &Ast) -> String {
    ast.items
        .iter()
        .find_map(|i| match i {
            Item::Title(t) => Some(t.value.clone()),
            _ => None,
        })
        .unwrap_or_else(|| ast.name.value.clone())
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Renderer<'a> {
    options: &'a Options,
    ast: &'a Ast,
    out: String,
    /// The last top-level number written, to keep the list's numbers the steps' numbers.
    last_top: Option<u64>,
}

impl Renderer<'_> {
    fn document(&mut self) {
        let ast = self.ast;
        writeln!(self.out, "# {}\n", title(ast)).unwrap();
        for item in &ast.items {
            match item {
                Item::Description(d) => writeln!(self.out, "{}\n", d.value).unwrap(),
                Item::Source(s) => {
                    let mut line = format!("Source: {}", s.id.value);
                    if let Some(url) = &s.url {
                        write!(line, " — <{}>", url.value).unwrap();
                    }
                    if let Some(updated) = &s.updated {
                        write!(line, " (updated {updated})").unwrap();
                    }
                    writeln!(self.out, "{line}\n").unwrap();
                }
                _ => {}
            }
        }
        self.params();
        self.windows();
        self.out.push_str("## Procedure\n\n");
        self.items(&ast.items, &[]);
        self.finally();
    }

    fn params(&mut self) {
        let params: Vec<_> = self
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Param(p) => Some(p),
                _ => None,
            })
            .collect();
        if params.is_empty() {
            return;
        }
        self.out
            .push_str("## Parameters\n\n| Parameter | Value | Meaning |\n|---|---|---|\n");
        for p in params {
            let name = &p.name.value;
            let value = if self.options.secrets.contains(name) || p.ty.kind == TypeKind::Secret {
                "(secret, not shown)".to_owned()
            } else if let Some(v) = self.options.values.as_ref().and_then(|v| v.get(name)) {
                format!("`{}`", display(v))
            } else {
                match &p.ty.kind {
                    TypeKind::Choice(values) => format!(
                        "one of {}",
                        values
                            .iter()
                            .map(|v| format!("`{}`", v.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    kind => {
                        let mut s = format!("a {}", kind.name());
                        if let Some(default) = &p.default {
                            write!(s, ", `{}` if not given", display(&default.value)).unwrap();
                        }
                        s
                    }
                }
            };
            let mut meaning = p.doc.as_ref().map_or(String::new(), |d| d.value.clone());
            if let Some(ph) = &p.placeholder {
                write!(meaning, " (the document's `{}`)", ph.value).unwrap();
            }
            writeln!(
                self.out,
                "| `{name}` | {} | {} |",
                cell(&value),
                cell(meaning.trim())
            )
            .unwrap();
        }
        self.out.push('\n');
    }

    fn windows(&mut self) {
        let windows: Vec<_> = self
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Window(w) => Some(w),
                _ => None,
            })
            .collect();
        if windows.is_empty() {
            return;
        }
        self.out.push_str("## Time windows\n\n");
        for w in windows {
            write!(
                self.out,
                "- `{}`: from the start of step `{}` to the end of step `{}`, at most {}.",
                w.name.value,
                w.from.value,
                w.to.value,
                words_duration(w.limit.millis)
            )
            .unwrap();
            if let Some(warn) = &w.warn {
                write!(self.out, " When it runs out: {}", warn.value).unwrap();
            }
            self.out.push('\n');
        }
        self.out.push('\n');
    }

    fn finally(&mut self) {
        for item in &self.ast.items {
            if let Item::Finally(f) = item {
                self.out.push_str(
                    "## If the run fails\n\nThese run after a failed or stopped run:\n\n",
                );
                for item in &f.items {
                    if let Item::Action(action) = item {
                        self.action(action, "");
                    }
                }
            }
        }
    }

    /// Steps and branches around steps; `only_if` are the runbook-level conditions they are under.
    fn items(&mut self, items: &[Item], only_if: &[String]) {
        for item in items {
            match item {
                Item::Step(step) => self.step(step, only_if),
                Item::Foreach(f) => {
                    let over = match &f.source {
                        LoopSource::Param(p) => format!("each item of `{}`", p.value),
                        LoopSource::Run(code) => {
                            format!("each object `{}` returns", inline(&code.text))
                        }
                    };
                    let mut line =
                        format!("**Repeat for {over}, one at a time** (as `{}`", f.var.value);
                    if let Some(ph) = &f.placeholder {
                        write!(line, ", the document's `{}`", ph.value).unwrap();
                    }
                    line.push(')');
                    if let Some(on) = &f.on {
                        write!(line, ", on {}", target(&on.target)).unwrap();
                    }
                    line.push('.');
                    if let Some(gate) = &f.gate {
                        write!(
                            line,
                            " Before each item after the first: `{}` must hold",
                            inline(&gate.code.text)
                        )
                        .unwrap();
                        if let Some(poll) = &gate.poll {
                            line.push_str(&poll_words(
                                poll.within.millis,
                                poll.every.map(|e| e.millis),
                            ));
                        }
                        line.push('.');
                    }
                    if let Some(budget) = &f.budget {
                        write!(
                            line,
                            " Up to {} items may fail before the rollout halts.",
                            budget.count
                        )
                        .unwrap();
                    }
                    self.break_list();
                    writeln!(self.out, "{line}\n").unwrap();
                    self.items(&f.items, only_if);
                    self.break_list();
                    writeln!(self.out, "**End of the repeat over `{}`.**\n", f.var.value).unwrap();
                }
                Item::When(w) => {
                    let decided = self.decide_when(w);
                    match decided {
                        Some(Some(body)) => self.items(&body.items, only_if),
                        Some(None) => {}
                        None => {
                            for arm in &w.arms {
                                let mut conds = only_if.to_vec();
                                conds.push(format!("`{}`", arm.cond));
                                self.items(&arm.body.items, &conds);
                            }
                            if let Some(body) = &w.otherwise {
                                let mut conds = only_if.to_vec();
                                conds.push("none of the conditions above holds".to_owned());
                                self.items(&body.items, &conds);
                            }
                        }
                    }
                }
                Item::Match(m) => match self.decide_match(m) {
                    Some(Some(body)) => self.items(&body.items, only_if),
                    Some(None) => {}
                    None => {
                        for arm in &m.arms {
                            let mut conds = only_if.to_vec();
                            conds.push(pattern_words(
                                &m.param.value,
                                &arm.pattern,
                                arm.guard.as_ref(),
                            ));
                            self.items(&arm.body.items, &conds);
                        }
                    }
                },
                Item::If(i) => {
                    for arm in &i.arms {
                        let mut conds = only_if.to_vec();
                        conds.push(format!(
                            "`{}` holds when the run gets here",
                            inline(&arm.code.text)
                        ));
                        self.items(&arm.body.items, &conds);
                    }
                    if let Some(body) = &i.otherwise {
                        let mut conds = only_if.to_vec();
                        conds.push("none of the run-time conditions above holds".to_owned());
                        self.items(&body.items, &conds);
                    }
                }
                _ => {}
            }
        }
    }

    /// Ends the numbered list, so that the next step's number starts a new one.
    fn break_list(&mut self) {
        self.last_top = None;
    }

    fn step(&mut self, step: &Step, only_if: &[String]) {
        let doc = step.doc.as_ref().map(|d| d.value.clone());
        let parts: Vec<u64> = doc
            .as_deref()
            .map(|d| d.split('.').filter_map(|p| p.parse().ok()).collect())
            .unwrap_or_default();
        // A nested number (`2.1`) right after its parent is a nested item; otherwise a top item.
        let (indent, number) = match parts.as_slice() {
            [parent, n] if self.last_top == Some(*parent) => ("    ", *n),
            [n, ..] => ("", *n),
            [] => return self.unnumbered(step, only_if),
        };
        if indent.is_empty() {
            if let Some(last) = self.last_top
                && last + 1 != number
            {
                // Markdown numbers a list from its first item: a gap needs a new list.
                self.out
                    .push_str("<!-- the document's numbering continues -->\n\n");
            }
            self.last_top = Some(number);
        }
        let marker = format!("{number}.");
        let pad = format!("{indent}    ");
        write!(
            self.out,
            "{indent}{marker:<4}**{}**",
            prose(&step.title.value)
        )
        .unwrap();
        self.out.push_str("\n\n");
        self.step_body(step, only_if, &pad);
    }

    /// A step without a document number: a heading of its own, outside the numbered list, so
    /// that import reads it back as a step without a number too.
    fn unnumbered(&mut self, step: &Step, only_if: &[String]) {
        self.break_list();
        writeln!(self.out, "### {}\n", prose(&step.title.value)).unwrap();
        self.step_body(step, only_if, "");
    }

    fn step_body(&mut self, step: &Step, only_if: &[String], pad: &str) {
        let mut meta = format!("Step `{}`", step.id.value);
        if let Some(on) = &step.on {
            write!(meta, ", on {}", target(&on.target)).unwrap();
        }
        if !only_if.is_empty() {
            write!(meta, ", only if {}", only_if.join(" and ")).unwrap();
        }
        writeln!(self.out, "{pad}*{meta}.*\n").unwrap();
        if let Some(quote) = self.quote(&step.items) {
            for para in quote.split("\n\n") {
                writeln!(
                    self.out,
                    "{pad}{}\n",
                    prose(para).replace('\n', &format!("\n{pad}"))
                )
                .unwrap();
            }
        }
        self.step_items(&step.items, pad);
    }

    /// The quote in the chosen language, else the first.
    fn quote(&self, items: &[Item]) -> Option<String> {
        let quotes: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                Item::Quote(q) => Some(q),
                _ => None,
            })
            .collect();
        let wanted = self.options.lang.as_deref();
        quotes
            .iter()
            .find(|q| wanted.is_some() && q.lang.as_ref().map(|l| l.value.as_str()) == wanted)
            .or(quotes.first())
            .map(|q| q.text.value.clone())
    }

    fn step_items(&mut self, items: &[Item], pad: &str) {
        for item in items {
            match item {
                Item::Action(action) => self.action(action, pad),
                Item::When(w) => match self.decide_when(w) {
                    Some(Some(body)) => self.decided(body, pad),
                    Some(None) => {}
                    None => {
                        let mut arms: Vec<(String, &Body)> = w
                            .arms
                            .iter()
                            .map(|a| (format!("If `{}`:", a.cond), &a.body))
                            .collect();
                        if let Some(body) = &w.otherwise {
                            arms.push(("Otherwise:".to_owned(), body));
                        }
                        self.arms(&arms, pad);
                    }
                },
                Item::Match(m) => match self.decide_match(m) {
                    Some(Some(body)) => self.decided(body, pad),
                    Some(None) => {}
                    None => {
                        let arms: Vec<(String, &Body)> = m
                            .arms
                            .iter()
                            .map(|a| {
                                (
                                    format!(
                                        "If {}:",
                                        pattern_words(&m.param.value, &a.pattern, a.guard.as_ref())
                                    ),
                                    &a.body,
                                )
                            })
                            .collect();
                        self.arms(&arms, pad);
                    }
                },
                Item::If(i) => {
                    let mut arms: Vec<(String, &Body)> = i
                        .arms
                        .iter()
                        .map(|a| {
                            (
                                format!(
                                    "If `{}` holds when the run gets here:",
                                    inline(&a.code.text)
                                ),
                                &a.body,
                            )
                        })
                        .collect();
                    if let Some(body) = &i.otherwise {
                        arms.push(("Otherwise:".to_owned(), body));
                    }
                    self.arms(&arms, pad);
                }
                _ => {}
            }
        }
    }

    /// The arm the parameters take: its quote, then its actions.
    fn decided(&mut self, body: &Body, pad: &str) {
        if let Some(quote) = self.quote(&body.items) {
            writeln!(
                self.out,
                "{pad}{}\n",
                prose(&quote).replace('\n', &format!("\n{pad}"))
            )
            .unwrap();
        }
        self.step_items(&body.items, pad);
    }

    /// Alternatives as bullets, each with its quote and actions.
    fn arms(&mut self, arms: &[(String, &Body)], pad: &str) {
        let inner = format!("{pad}  ");
        for (label, body) in arms {
            writeln!(self.out, "{pad}- {label}\n").unwrap();
            if let Some(quote) = self.quote(&body.items) {
                writeln!(self.out, "{inner}{}\n", prose(&quote).replace('\n', " ")).unwrap();
            }
            self.step_items(&body.items, &inner);
        }
    }

    fn action(&mut self, action: &Action, pad: &str) {
        match action {
            Action::Run(run) => {
                self.code_block(&run.code, pad);
                let mut notes = Vec::new();
                if let Some(t) = &run.timeout {
                    notes.push(format!("at most {}", words_duration(t.millis)));
                }
                if let Some(r) = &run.retries {
                    let mut s = format!("tried {} more times after a failure", r.count);
                    if let Some(e) = &r.every {
                        write!(s, ", {} apart", words_duration(e.millis)).unwrap();
                    }
                    notes.push(s);
                }
                if let Some(a) = &run.accept_exit {
                    notes.push(format!(
                        "exit codes {} count as success",
                        a.codes
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !notes.is_empty() {
                    writeln!(self.out, "{pad}*{}.*\n", capitalize(&notes.join("; "))).unwrap();
                }
            }
            Action::Wait(wait) => {
                self.code_block(&wait.code, pad);
                let every = wait.every.map_or(10_000, |e| e.millis);
                let attempts = wait.attempts.map_or(3, |a| a.count);
                let mut s = format!(
                    "{pad}> **Repeat** this command every {}, at most {attempts} times, until {} holds (its output is `$Result`)",
                    words_duration(every),
                    condition(&wait.until)
                );
                for g in &wait.give_up {
                    write!(
                        s,
                        "; give up as \"{}\" when {} holds",
                        g.name.value,
                        condition(&g.code)
                    )
                    .unwrap();
                }
                if let Some(m) = &wait.message {
                    write!(s, "; otherwise: {}", m.value).unwrap();
                }
                writeln!(self.out, "{s}.\n").unwrap();
            }
            Action::Manual(m) => {
                writeln!(
                    self.out,
                    "{pad}- [ ] {}\n",
                    prose(&m.instruction.value).replace('\n', " ")
                )
                .unwrap();
            }
            Action::Require(c) => {
                let mut s = format!(
                    "{pad}> **Before going on:** {} must hold",
                    condition(&c.code)
                );
                if let Some(m) = &c.message {
                    write!(s, "; otherwise: {}", m.value).unwrap();
                }
                writeln!(self.out, "{s}.\n").unwrap();
            }
            Action::Ensure(c) => {
                let mut s = format!("{pad}> **Afterwards:** {} must hold", condition(&c.code));
                if let Some(p) = &c.poll {
                    s.push_str(&poll_words(p.within.millis, p.every.map(|e| e.millis)));
                }
                if let Some(m) = &c.message {
                    write!(s, "; otherwise: {}", m.value).unwrap();
                }
                writeln!(self.out, "{s}.\n").unwrap();
            }
            Action::SkipIf(s) => {
                writeln!(
                    self.out,
                    "{pad}> **Skipped** when {} holds: the step is already done.\n",
                    condition(&s.code)
                )
                .unwrap();
            }
            Action::RestartShell(_) => {
                writeln!(
                    self.out,
                    "{pad}*PowerShell is closed and a fresh session opened.*\n"
                )
                .unwrap();
            }
        }
    }

    /// A command as it will be sent: placeholders filled with the given values (a secret's
    /// stays a variable), else as written.
    fn code_block(&mut self, code: &Code, pad: &str) {
        let text = match &self.options.values {
            Some(values) => code.render(|placeholder| {
                let param = self.ast.items.iter().find_map(|i| match i {
                    Item::Param(p)
                        if p.placeholder
                            .as_ref()
                            .is_some_and(|t| t.value == placeholder.text) =>
                    {
                        Some(p)
                    }
                    _ => None,
                })?;
                let name = &param.name.value;
                if self.options.secrets.contains(name) || param.ty.kind == TypeKind::Secret {
                    return Some(format!("${name}"));
                }
                values.get(name).map(display)
            }),
            None => code.text.clone(),
        };
        let longest = longest_run(&text, '`');
        let fence = "`".repeat(longest.max(2) + 1);
        writeln!(self.out, "{pad}{fence}powershell").unwrap();
        for line in text.split('\n') {
            if line.is_empty() {
                self.out.push('\n');
            } else {
                writeln!(self.out, "{pad}{line}").unwrap();
            }
        }
        writeln!(self.out, "{pad}{fence}\n").unwrap();
    }

    /// `Some(Some(body))`: the arm the values take; `Some(None)`: none; `None`: not decided.
    fn decide_when<'b>(&self, w: &'b tejun_grammar::ast::When) -> Option<Option<&'b Body>> {
        let values = self.options.values.as_ref()?;
        let value_of = |name: &str| values.get(name);
        Some(
            w.arms
                .iter()
                .find(|a| a.cond.eval(&value_of))
                .map(|a| &a.body)
                .or(w.otherwise.as_ref()),
        )
    }

    fn decide_match<'b>(&self, m: &'b tejun_grammar::ast::Match) -> Option<Option<&'b Body>> {
        let values = self.options.values.as_ref()?;
        let value_of = |name: &str| values.get(name);
        let value = values.get(&m.param.value);
        Some(
            m.arms
                .iter()
                .find(|a| {
                    let matches = match &a.pattern {
                        Pattern::Wildcard(_) => true,
                        Pattern::Values(vs) => vs
                            .iter()
                            .any(|v| value == Some(&Value::Str(v.value.clone()))),
                    };
                    matches && a.guard.as_ref().is_none_or(|g| g.eval(&value_of))
                })
                .map(|a| &a.body),
        )
    }
}

/// Text for people, with what markdown would read as markup escaped: `<Server FQDN>` stays
/// text, not an HTML tag; `*`, `_`, backticks and brackets stay characters.
fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn target(t: &TargetRef) -> String {
    match t {
        TargetRef::Named(n) => format!("`{}`", n.value),
        TargetRef::Var(v) => format!("the target `{}` names", v.value),
    }
}

fn pattern_words(param: &str, pattern: &Pattern, guard: Option<&Cond>) -> String {
    let mut s = match pattern {
        Pattern::Wildcard(_) => format!("`{param}` is anything else"),
        Pattern::Values(vs) => format!(
            "`{param}` is {}",
            vs.iter()
                .map(|v| format!("\"{}\"", v.value))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    if let Some(g) = guard {
        write!(s, " and `{g}`").unwrap();
    }
    s
}

/// A condition in words: inline code for one line, a code block in the quote for more.
fn condition(code: &Code) -> String {
    if code.text.contains('\n') {
        format!("`{}`", inline(&code.text))
    } else {
        let longest = longest_run(&code.text, '`');
        let ticks = "`".repeat(longest + 1);
        let space = if code.text.starts_with('`') || code.text.ends_with('`') {
            " "
        } else {
            ""
        };
        format!("{ticks}{space}{}{space}{ticks}", code.text)
    }
}

/// Code on one line, for inline code.
fn inline(code: &str) -> String {
    code.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('`', "'")
}

fn poll_words(within: u64, every: Option<u64>) -> String {
    let mut s = format!(" within {}", words_duration(within));
    if let Some(every) = every {
        write!(s, ", checked every {}", words_duration(every)).unwrap();
    }
    s
}

fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

fn display(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::List(items) => items.join(", "),
        other => other.to_string(),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `90m` → "1 hour 30 minutes".
pub fn words_duration(millis: u64) -> String {
    if millis < 1000 {
        return format!("{millis} ms");
    }
    let secs = millis / 1000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    let unit = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if h > 0 {
        parts.push(unit(h, "hour", "hours"));
    }
    if m > 0 {
        parts.push(unit(m, "minute", "minutes"));
    }
    if s > 0 {
        parts.push(unit(s, "second", "seconds"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(words_duration(90 * 60_000), "1 hour 30 minutes");
        assert_eq!(words_duration(10_000), "10 seconds");
        assert_eq!(words_duration(500), "500 ms");
    }
}
