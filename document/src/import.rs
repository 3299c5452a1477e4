//! `tejun import`: a runbook written from a procedure page, as a starting point an author then
//! refines.
//!
//! Each numbered item becomes a step with the item's number (`doc 2.1` for a nested one), an id
//! and a title from its text, and its text as a `quote` in the page's language. Each command the
//! page gives becomes a `run` whose code is the page's, byte for byte after the layout every
//! `run` block has; a command read from running text is marked as inferred. Placeholders become
//! parameters; alternatives ("If this is …, type:") become a `match` on a generated choice
//! parameter; a step with no command becomes `manual`. Callouts, images, tables and example output
//! become comments at their step. What the page asks that the import cannot say (repeat steps,
//! wait and try again) becomes a `# TODO(import)` comment, and every guess is marked
//! `# guess(import)`: nothing is invented silently.
//!
//! The text is laid out by `tejun fmt` and must pass `tejun check`; a page that would give a
//! runbook that does not is reported as an error, never written.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::Serialize;
use tejun_grammar::Problem;

use crate::page::{Command, Note, Page, Step};
use crate::text;

/// What an import wrote and what it found.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The runbook, laid out by the formatter; it passes `check`.
    pub runbook: String,
    /// The figures.
    pub report: Report,
}

/// The figures of an import, per page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Numbered steps found (nested ones included).
    pub steps: usize,
    /// Commands found, code blocks and inferred ones.
    pub commands: usize,
    /// Commands inferred from running text.
    pub inferred: usize,
    /// Parameters made from placeholders.
    pub placeholders: usize,
    /// Steps given as alternatives, each made a `match` on a generated parameter.
    pub branches: usize,
    /// Callouts, images, tables and example output kept as comments.
    pub notes: usize,
    /// `# guess(import)` marks.
    pub guesses: usize,
    /// `# TODO(import)` marks.
    pub todos: usize,
}

/// Why an import wrote nothing.
#[derive(Debug, Clone)]
pub struct ImportError {
    /// The text the import made.
    pub runbook: String,
    /// What `check` found in it.
    pub problems: Vec<Problem>,
}

/// Writes a runbook from a page. `name` is the runbook's name (a file stem; made a valid name
/// here), `lang` the language of the quotes (the page's when `None`).
pub fn import(page: &Page, name: &str, lang: Option<&str>) -> Result<Imported, ImportError> {
    let lang = lang.unwrap_or(&page.lang).to_owned();
    let mut writer = Writer {
        page,
        lang,
        out: String::new(),
        report: Report::default(),
        params: Vec::new(),
        placeholder_params: HashMap::new(),
        ids: BTreeSet::new(),
    };
    writer.runbook(name);
    let text = writer.out;
    let laid_out = tejun_grammar::fmt::format_source(&text).unwrap_or_else(|_| text.clone());
    match tejun_grammar::compile(&laid_out) {
        Ok(_) => Ok(Imported {
            runbook: laid_out,
            report: writer.report,
        }),
        Err(problems) => Err(ImportError {
            runbook: laid_out,
            problems,
        }),
    }
}

struct Writer<'a> {
    page: &'a Page,
    lang: String,
    out: String,
    report: Report,
    /// Parameter declarations, written after the header once every step is known.
    params: Vec<String>,
    /// Placeholder → parameter name.
    placeholder_params: HashMap<String, String>,
    ids: BTreeSet<String>,
}

impl Writer<'_> {
    fn runbook(&mut self, name: &str) {
        let page = self.page;
        let mut body = String::new();
        for procedure in &page.procedures {
            if let Some(heading) = &procedure.heading {
                writeln!(body, "\n  # procedure: {}", one_line(heading)).unwrap();
            }
            for step in &procedure.steps {
                self.step(step, &mut body);
            }
        }
        self.loose(&mut body);
        if !body.contains("  step ") {
            self.report.todos += 1;
            body.push_str("\n  # TODO(import): the page has no numbered step and no command\n");
            let title = page.title.as_deref().unwrap_or("the page");
            writeln!(
                body,
                "  step follow-page \"Follow the page\" {{\n    manual {}\n  }}",
                string(&format!("Follow the procedure on the page: {title}"))
            )
            .unwrap();
        }

        let source = self.source();
        let out = &mut self.out;
        out.push_str(
            "# Imported by `tejun import`: a starting point to refine. Every command is the page's, byte for\n\
             # byte; `guess(import)` marks what the import guessed, `TODO(import)` what the page asks that the\n\
             # import could not say.\n",
        );
        writeln!(out, "runbook {} {{", runbook_name(name)).unwrap();
        let title = page.title.clone().unwrap_or_else(|| name.to_owned());
        writeln!(out, "  title {}", string(&title)).unwrap();
        if let Some(source) = source {
            out.push_str(&source);
        }
        if !page.intro.is_empty() {
            writeln!(
                out,
                "  description {}",
                block_string(&page.intro.join("\n\n"), "  ")
            )
            .unwrap();
        }
        for note in &page.intro_notes {
            out.push_str(&note_comment(note, "  "));
        }
        self.report.notes += page.intro_notes.len();
        if !self.params.is_empty() {
            out.push('\n');
            for param in &self.params {
                out.push_str(param);
            }
        }
        out.push_str(&body);
        out.push_str("}\n");
    }

    /// `source "ID" url "..." updated DATE`, from the front matter.
    fn source(&self) -> Option<String> {
        let page = self.page;
        let url = page.field("ms:mtpsurl");
        let id = url
            .and_then(|u| u.rsplit('/').next())
            .filter(|s| !s.is_empty())
            .or_else(|| page.field("ms:assetid"))
            .or_else(|| page.field("ms.assetid"))?;
        let mut line = format!("  source {}", string(id));
        if let Some(url) = url {
            write!(line, " url {}", string(url)).unwrap();
        }
        if let Some(updated) = &page.updated {
            write!(line, " updated {updated}").unwrap();
        }
        line.push('\n');
        Some(line)
    }

    fn step(&mut self, step: &Step, out: &mut String) {
        self.report.steps += 1;
        out.push('\n');
        for note in &step.notes {
            self.report.notes += 1;
            out.push_str(&note_comment(note, "  "));
        }
        for todo in todos(&step.text) {
            self.report.todos += 1;
            writeln!(out, "  # TODO(import): {todo}").unwrap();
        }
        let id = self.step_id(step);
        let title = step
            .text
            .first()
            .map(|t| text::first_sentence(t, 80))
            .filter(|t| !t.is_empty())
            .or_else(|| {
                step.commands
                    .first()
                    .map(|c| text::first_sentence(&c.code, 80))
            })
            .unwrap_or_else(|| format!("Step {}", step.number));
        writeln!(out, "  step {id} {} doc {} {{", string(&title), step.number).unwrap();
        if !step.text.is_empty() {
            writeln!(
                out,
                "    quote {} {}",
                self.lang,
                block_string(&step.text.join("\n"), "    ")
            )
            .unwrap();
        }
        let own: Vec<&Command> = step
            .commands
            .iter()
            .filter(|c| c.branch.is_none())
            .collect();
        for command in &own {
            self.run(command, "    ", out);
        }
        if !step.branches.is_empty() {
            self.branches(step, out);
        }
        if step.commands.is_empty() {
            let instruction = if step.text.is_empty() {
                format!("Do step {} as the page describes it.", step.number)
            } else {
                step.text.join(" ")
            };
            writeln!(out, "    manual {}", string(&one_line(&instruction))).unwrap();
        }
        out.push_str("  }\n");
        for sub in &step.substeps {
            self.step(sub, out);
        }
    }

    /// A step's alternatives: a `match` on a generated choice parameter, one arm per bullet.
    fn branches(&mut self, step: &Step, out: &mut String) {
        self.report.branches += 1;
        self.report.guesses += 1;
        let param = format!("Step{}Case", step.number.replace('.', "_"));
        let mut values: Vec<String> = Vec::new();
        for (i, branch) in step.branches.iter().enumerate() {
            let slug = text::slug(&branch.condition, 4)
                .filter(|s| !values.contains(s))
                .unwrap_or_else(|| format!("case-{}", i + 1));
            values.push(slug);
        }
        let doc = step
            .branches
            .iter()
            .zip(&values)
            .map(|(b, v)| format!("{v}: {}", one_line(&b.condition)))
            .collect::<Vec<_>>()
            .join("; ");
        self.params.push(format!(
            "  # guess(import): step {} gives alternatives; the operator says which applies\n  param {param}: choice({}) doc {}\n",
            step.number,
            values.iter().map(|v| string(v)).collect::<Vec<_>>().join(", "),
            string(&format!("Which alternative of step {} applies — {doc}", step.number))
        ));
        writeln!(out, "    match {param} {{").unwrap();
        for (i, (branch, value)) in step.branches.iter().zip(&values).enumerate() {
            writeln!(out, "      {} => {{", string(value)).unwrap();
            if !branch.condition.is_empty() {
                writeln!(
                    out,
                    "        quote {} {}",
                    self.lang,
                    block_string(&branch.condition, "        ")
                )
                .unwrap();
            }
            for command in step.commands.iter().filter(|c| c.branch == Some(i)) {
                self.run(command, "        ", out);
            }
            out.push_str("      }\n");
        }
        out.push_str("    }\n");
    }

    fn run(&mut self, command: &Command, indent: &str, out: &mut String) {
        self.report.commands += 1;
        if command.inferred {
            self.report.inferred += 1;
            self.report.guesses += 1;
            writeln!(
                out,
                "{indent}# guess(import): a command read from the page's text (line {})",
                command.at.line
            )
            .unwrap();
        }
        if !fits_a_run_block(&command.code) {
            self.report.todos += 1;
            writeln!(
                out,
                "{indent}# TODO(import): this command cannot be written in a `run` block as it is; run it by hand:"
            )
            .unwrap();
            for line in command.code.lines() {
                writeln!(out, "{indent}#   {line}").unwrap();
            }
            writeln!(
                out,
                "{indent}manual {}",
                string(&format!("Run: {}", command.code))
            )
            .unwrap();
            return;
        }
        for placeholder in placeholders(&command.code) {
            self.placeholder_param(&placeholder);
        }
        if command.code.contains('\n') {
            writeln!(out, "{indent}run {{").unwrap();
            for line in command.code.split('\n') {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    writeln!(out, "{indent}  {line}").unwrap();
                }
            }
            writeln!(out, "{indent}}}").unwrap();
        } else {
            writeln!(out, "{indent}run {{ {} }}", command.code).unwrap();
        }
    }

    fn placeholder_param(&mut self, placeholder: &str) {
        if self.placeholder_params.contains_key(placeholder) {
            return;
        }
        let base = text::param_name(placeholder)
            .unwrap_or_else(|| format!("Placeholder{}", self.placeholder_params.len() + 1));
        let mut name = base.clone();
        let mut n = 2;
        while self.placeholder_params.values().any(|v| *v == name) || name.ends_with("Case") {
            name = format!("{base}{n}");
            n += 1;
        }
        self.report.placeholders += 1;
        self.params.push(format!(
            "  param {name}: string placeholder {} doc {}\n",
            string(placeholder),
            string(&format!("The value the page writes as {placeholder}"))
        ));
        self.placeholder_params
            .insert(placeholder.to_owned(), name.clone());
    }

    /// Commands outside the numbered steps: one step per heading they are under, with no number.
    fn loose(&mut self, out: &mut String) {
        let page = self.page;
        let mut groups: Vec<(Option<&str>, Vec<&Command>)> = Vec::new();
        for loose in &page.loose {
            let heading = loose.heading.as_deref();
            match groups.last_mut() {
                Some((h, commands)) if *h == heading => commands.push(&loose.command),
                _ => groups.push((heading, vec![&loose.command])),
            }
        }
        for (heading, commands) in groups {
            self.report.guesses += 1;
            let title = heading.unwrap_or("Commands the page gives outside its numbered steps");
            let id = self.unique_id(text::slug(title, 4).unwrap_or_else(|| "commands".to_owned()));
            writeln!(
                out,
                "\n  # guess(import): commands the page gives outside its numbered steps, under {}",
                heading.map_or("no heading".to_owned(), |h| format!("\"{}\"", one_line(h)))
            )
            .unwrap();
            writeln!(out, "  step {id} {} {{", string(&one_line(title))).unwrap();
            for command in commands {
                self.run(command, "    ", out);
            }
            out.push_str("  }\n");
        }
    }

    fn step_id(&mut self, step: &Step) -> String {
        let from_text = step.text.first().and_then(|t| text::slug(t, 4));
        let from_command = step.commands.first().and_then(|c| command_slug(&c.code));
        let base = if self.lang == "ja" || from_text.is_none() {
            from_command.or(from_text)
        } else {
            from_text
        };
        let base = base.unwrap_or_else(|| format!("step-{}", step.number.replace('.', "-")));
        self.unique_id(base)
    }

    fn unique_id(&mut self, base: String) -> String {
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        id
    }
}

/// An id from a command: the cmdlet's name (`stop-cswindowsservice`), else its first three
/// words (`net-stop-w3svc`).
fn command_slug(code: &str) -> Option<String> {
    let words: Vec<&str> = code.split_whitespace().collect();
    let first = words.first()?;
    let take = if text::is_cmdlet_name(first) { 1 } else { 3 };
    let slug = words
        .iter()
        .take(take)
        .flat_map(|w| w.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-");
    let slug = slug.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    (!slug.is_empty()).then(|| slug.to_owned())
}

/// What the page asks that the import writes no construct for: repeating steps, waiting and
/// trying again.
fn todos(text: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text {
        for sentence in sentences(paragraph) {
            let lower = sentence.to_lowercase();
            if (lower.contains("repeat") && lower.contains("step")) || sentence.contains("繰り返")
            {
                out.push(format!(
                    "the page says \"{}\": put the steps it names in a `foreach`",
                    one_line(&sentence)
                ));
            } else if (lower.contains("wait")
                && (lower.contains("minute") || lower.contains("second")))
                || (sentence.contains('待') && (sentence.contains('分') || sentence.contains('秒')))
                || lower.contains("rerun the command until")
            {
                out.push(format!(
                    "the page says \"{}\": write it as `wait {{ ... }} until {{ ... }} every ... attempts ...`",
                    one_line(&sentence)
                ));
            }
        }
    }
    out
}

/// A paragraph's sentences.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let next = chars.get(i + 1).copied();
        if c == '。' || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace)) {
            out.push(current.trim().to_owned());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// A callout, image, table or example output as comment lines.
fn note_comment(note: &Note, indent: &str) -> String {
    let label = match note.kind.as_str() {
        "IMAGE" => format!("the page shows an image here (line {}):", note.at.line),
        "TABLE" => format!(
            "the page has a table here (line {}), {}; see the page",
            note.at.line, note.text
        ),
        "OUTPUT" => format!(
            "the page shows example output here (line {}):",
            note.at.line
        ),
        "QUOTE" => "the page quotes:".to_owned(),
        kind => format!("{kind}:"),
    };
    let mut out = format!("{indent}# {label}\n");
    if note.kind != "TABLE" {
        for line in note.text.lines().filter(|l| !l.trim().is_empty()).take(12) {
            writeln!(out, "{indent}#   {}", line.trim_end()).unwrap();
        }
    }
    out
}

/// The placeholders in a command, as the runbook language finds them, in order, each once.
fn placeholders(code: &str) -> Vec<String> {
    let probe = probe(code);
    let Ok(ast) = tejun_grammar::parse(&probe) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for item in &ast.items {
        if let tejun_grammar::ast::Item::Step(step) = item {
            for item in &step.items {
                if let tejun_grammar::ast::Item::Action(action) = item {
                    for code in action.codes() {
                        for p in &code.placeholders {
                            if !out.contains(&p.text) {
                                out.push(p.text.clone());
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Whether a command, written in a `run { }` block, reads back as exactly itself.
fn fits_a_run_block(code: &str) -> bool {
    let Ok(ast) = tejun_grammar::parse(&probe(code)) else {
        return false;
    };
    ast.items.iter().any(|item| match item {
        tejun_grammar::ast::Item::Step(step) => step.items.iter().any(|i| match i {
            tejun_grammar::ast::Item::Action(tejun_grammar::ast::Action::Run(run)) => {
                run.code.text == code
            }
            _ => false,
        }),
        _ => false,
    })
}

fn probe(code: &str) -> String {
    if code.contains('\n') {
        let body: String = code.split('\n').map(|l| format!("    {l}\n")).collect();
        format!("runbook p {{\n  step s \"s\" {{\n    run {{\n{body}    }}\n  }}\n}}\n")
    } else {
        format!("runbook p {{\n  step s \"s\" {{\n    run {{ {code} }}\n  }}\n}}\n")
    }
}

/// A runbook name from a file stem: letters, digits and `-`, starting with a letter.
fn runbook_name(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name = name
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let name = name.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    if name.is_empty() {
        "imported".to_owned()
    } else {
        name.to_owned()
    }
}

/// Text on one line, for comments and one-line strings.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A one-line string literal.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string literal for text that may run over several lines: `"""` when it has line breaks
/// and no `"`, else a one-line string.
fn block_string(text: &str, indent: &str) -> String {
    if !text.contains('\n') || text.contains('"') || text.contains('\r') {
        return string(text);
    }
    let mut out = String::from("\"\"\"\n");
    for line in text.split('\n') {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            writeln!(out, "{indent}  {}", line.trim_end()).unwrap();
        }
    }
    write!(out, "{indent}\"\"\"").unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Page {
        Page::read(
            &std::fs::read_to_string("../../shared/seeds/000_a90e74dc91a9d0bd.txt")
                .expect("shared/ sits beside the checkout"),
        )
    }

    #[test]
    fn the_seed_imports_as_a_runbook_that_checks() {
        let imported = import(&seed(), "000_a90e74dc91a9d0bd", None)
            .unwrap_or_else(|e| panic!("{:?}\n{}", e.problems, e.runbook));
        let report = &imported.report;
        assert_eq!(report.steps, 11);
        assert_eq!(report.commands, 7);
        assert_eq!(report.inferred, 0);
        assert_eq!(report.placeholders, 1);
        assert_eq!(report.branches, 1);
        let runbook = &imported.runbook;
        assert!(
            runbook.contains("source \"JJ721942(v=OCS.15)\""),
            "{runbook}"
        );
        assert!(runbook.contains("updated 2012-11-01"), "{runbook}");
        assert!(
            runbook.contains("param SqlServerFqdn: string\n    placeholder \"<SQL Server FQDN>\""),
            "{runbook}"
        );
        assert!(
            runbook.contains(
                "run { Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN>  -ExcludeCollocatedStores }"
            ),
            "{runbook}"
        );
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a \"b\" \\ c\nd"), "\"a \\\"b\\\" \\\\ c\\nd\"");
        assert_eq!(runbook_name("000_a90e74dc91a9d0bd"), "a90e74dc91a9d0bd");
        assert_eq!(runbook_name("04-lync.ja"), "lync-ja");
    }

    #[test]
    fn bom_crlf_nbsp_and_full_width_text_survive() {
        let page = "\u{feff}---\r\ntitle: 'ｻｰﾊﾞｰ'\r\nms:assetid: abc\r\n---\r\n\r\n# 更新\u{a0}手順\r\n\r\n1.  サービスを停止します。\u{a0}次を入力します：\r\n    \r\n        Stop-Service -Name \"ＡＢＣ\"\u{a0}-Force\r\n\r\n2.  完了です。\r\n";
        let page = Page::read(page);
        assert_eq!(page.title.as_deref(), Some("更新\u{a0}手順"));
        let imported = import(&page, "p", None).unwrap_or_else(|e| panic!("{:?}", e.problems));
        let runbook = &imported.runbook;
        assert!(
            runbook.contains("run { Stop-Service -Name \"ＡＢＣ\"\u{a0}-Force }"),
            "{runbook}"
        );
        assert!(
            runbook.contains("quote ja \"サービスを停止します。\u{a0}次を入力します：\""),
            "{runbook}"
        );
        assert!(runbook.contains("source \"abc\""), "{runbook}");
        let compiled = tejun_grammar::compile(runbook).unwrap();
        let v = crate::verify::verify(&compiled.ast, runbook, "r", &page, "p");
        assert!(v.verbatim, "{}", v.text());
    }
}
