//! A procedure page as tejun reads it: its title and source, its numbered steps with their text,
//! the commands each gives, branches, callouts, images and tables. `import` writes a runbook
//! from it; `verify` holds a runbook against it.
//!
//! What counts as a command: a code block (indented or fenced, inside any `<div>` wrapper), laid
//! out as a runbook lays out a `run` block ([`tejun_grammar::code::layout`]); and, marked as
//! inferred, a bold line of its own or inline code that starts with a cmdlet, a script or a
//! command-line tool. A code block that shows output (`output`, `text`, `xml`, `json` fences,
//! or one introduced by a paragraph ending in a colon that mentions output / 出力) is not a command. Commands inside callouts are notes,
//! not steps.

use serde::Serialize;

use crate::blocks::{self, At, Block, FrontMatter, Item, List, Para};
use crate::text;

/// A procedure page.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The front matter, `key: value`.
    #[serde(skip)]
    pub front: FrontMatter,
    /// The first `#` heading, else the front matter's title.
    pub title: Option<String>,
    /// When the page was last updated, `YYYY-MM-DD`: its "Topic Last Modified" line, else
    /// `ms.date`.
    pub updated: Option<String>,
    /// `ja` or `en`: the page's language.
    pub lang: String,
    /// The paragraphs before the first procedure.
    pub intro: Vec<String>,
    /// Callouts, images and tables before the first procedure.
    pub intro_notes: Vec<Note>,
    /// The numbered procedures, in order.
    pub procedures: Vec<Procedure>,
    /// Commands outside any numbered step, with the heading they are under.
    pub loose: Vec<Loose>,
}

/// A numbered list of steps, with the heading it is under.
#[derive(Debug, Clone, Serialize)]
pub struct Procedure {
    /// The heading above the list.
    pub heading: Option<String>,
    /// Its steps.
    pub steps: Vec<Step>,
}

/// A numbered item.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Its number, with its parents' for a nested item: `2.1`.
    pub number: String,
    /// Where its marker is.
    pub at: At,
    /// Its own paragraphs (bullets without commands as `- ` lines).
    pub text: Vec<String>,
    /// The commands it gives, in page order, with the branch each belongs to.
    pub commands: Vec<Command>,
    /// Bullets that each give a command: alternatives ("If this is …, type:").
    pub branches: Vec<Branch>,
    /// Callouts, images, tables and example output.
    pub notes: Vec<Note>,
    /// Nested numbered items.
    pub substeps: Vec<Step>,
}

/// A command a page gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Command {
    /// The code, laid out as a runbook's `run` block is.
    pub code: String,
    /// Where it starts on the page.
    pub at: At,
    /// Whether it was found in running text (bold or inline code) rather than a code block.
    pub inferred: bool,
    /// The branch of its step it belongs to, an index into [`Step::branches`].
    pub branch: Option<usize>,
}

/// One alternative of a step.
#[derive(Debug, Clone, Serialize)]
pub struct Branch {
    /// The bullet's text: the condition it is for.
    pub condition: String,
    /// Where the bullet is.
    pub at: At,
}

/// Something on the page that is not a step's text or command.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// `NOTE`, `TIP`, `IMPORTANT`, `WARNING`, `CAUTION`, `QUOTE`, `IMAGE`, `TABLE` or `OUTPUT`.
    pub kind: String,
    /// Its text (an image's alt text; a table's row count).
    pub text: String,
    /// Where it is.
    pub at: At,
}

/// A command outside any numbered step.
#[derive(Debug, Clone, Serialize)]
pub struct Loose {
    /// The heading it is under.
    pub heading: Option<String>,
    /// The command.
    pub command: Command,
}

impl Page {
    /// Reads a page from its markdown.
    pub fn read(markdown: &str) -> Page {
        let (front, blocks) = blocks::read(markdown);
        let mut reader = Reader::default();
        reader.blocks(&blocks);
        let field = |key: &str| {
            front
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let title = reader.title.clone().or_else(|| field("title"));
        let updated = reader
            .updated
            .clone()
            .or_else(|| field("ms.date").and_then(|d| us_date(&d)));
        let sample: String = title.iter().chain(reader.intro.iter()).cloned().collect();
        let lang = match field("ms.locale").or_else(|| field("locale")) {
            Some(locale) if locale.to_ascii_lowercase().starts_with("ja") => "ja",
            Some(_) => "en",
            None if text::is_japanese(&sample) => "ja",
            None => "en",
        };
        Page {
            title,
            updated,
            lang: lang.to_owned(),
            intro: reader.intro,
            intro_notes: reader.intro_notes,
            procedures: reader.procedures,
            loose: reader.loose,
            front,
        }
    }

    /// A front matter field.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.front
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every numbered step, nested ones after their parent, in page order.
    pub fn steps(&self) -> Vec<&Step> {
        fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
            for step in steps {
                out.push(step);
                walk(&step.substeps, out);
            }
        }
        let mut out = Vec::new();
        for procedure in &self.procedures {
            walk(&procedure.steps, &mut out);
        }
        out
    }
}

/// `05/19/2016` → `2016-05-19`.
fn us_date(date: &str) -> Option<String> {
    let mut parts = date.trim().split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    let (m, d, y): (u32, u32, u32) = (m.parse().ok()?, d.parse().ok()?, y.parse().ok()?);
    (y > 1900 && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// A `YYYY-MM-DD` date after a "last modified" label: `_**Topic Last Modified:** 2012-11-01_`.
fn last_modified(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if !(lower.contains("last modified") || text.contains("最終更新日")) {
        return None;
    }
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|w| {
            w.len() == 10
                && w.as_bytes()[4] == b'-'
                && w.as_bytes()[7] == b'-'
                && w.chars().filter(char::is_ascii_digit).count() == 8
        })
        .map(str::to_owned)
}

#[derive(Default)]
struct Reader {
    title: Option<String>,
    updated: Option<String>,
    heading: Option<String>,
    intro: Vec<String>,
    intro_notes: Vec<Note>,
    procedures: Vec<Procedure>,
    loose: Vec<Loose>,
    /// The last paragraph read at the top level: whether it introduces example output.
    last_para: String,
}

impl Reader {
    fn blocks(&mut self, blocks: &[Block]) {
        for block in blocks {
            match block {
                Block::Heading { level, text, .. } => {
                    if *level == 1 && self.title.is_none() {
                        self.title = Some(text.clone());
                    } else {
                        self.heading = Some(text.clone());
                    }
                }
                Block::Para(p) => {
                    if self.updated.is_none()
                        && let Some(date) = last_modified(&p.text)
                    {
                        self.updated = Some(date);
                        continue;
                    }
                    // A bold line of its own that is not a command names what follows, as a
                    // heading would (`**To fail over a pool**`).
                    if let Some(strong) = &p.only_strong
                        && !text::is_inferred_command(strong)
                    {
                        self.heading = Some(strong.trim_end_matches(':').to_owned());
                    }
                    if self.procedures.is_empty() && !p.text.is_empty() {
                        self.intro.push(p.text.clone());
                    }
                    for alt in &p.images {
                        self.top_note("IMAGE", alt, p.at);
                    }
                    self.last_para = p.text.clone();
                }
                Block::List(list) if list.start.is_some() => {
                    let steps = steps(list, "");
                    self.procedures.push(Procedure {
                        heading: self.heading.clone(),
                        steps,
                    });
                }
                Block::List(list) => {
                    if self.procedures.is_empty() {
                        self.intro.push(bullets(list));
                    }
                }
                Block::Code(code) => {
                    if shows_output(code.lang.as_deref(), &self.last_para) {
                        self.top_note("OUTPUT", code.text.trim_end(), code.at);
                    } else {
                        self.loose.push(Loose {
                            heading: self.heading.clone(),
                            command: Command {
                                code: tejun_grammar::code::layout(&code.text),
                                at: code.at,
                                inferred: false,
                                branch: None,
                            },
                        });
                    }
                }
                Block::Quote { kind, blocks, at } => {
                    let kind = kind.clone().unwrap_or_else(|| "QUOTE".to_owned());
                    self.top_note(&kind, &plain(blocks), *at);
                }
                Block::Table { rows, at } => {
                    self.top_note("TABLE", &format!("a table of {rows} rows"), *at)
                }
                Block::Html { text, at } => {
                    // Code a page wraps in `<pre>` rather than a code block.
                    if let Some(code) = pre_code(text) {
                        self.loose.push(Loose {
                            heading: self.heading.clone(),
                            command: Command {
                                code,
                                at: *at,
                                inferred: false,
                                branch: None,
                            },
                        });
                    }
                }
            }
        }
    }

    fn top_note(&mut self, kind: &str, text: &str, at: At) {
        if self.procedures.is_empty() {
            self.intro_notes.push(Note {
                kind: kind.to_owned(),
                text: text.to_owned(),
                at,
            });
        }
    }
}

/// The steps of a numbered list; `parent` is the number of the item it is nested in.
fn steps(list: &List, parent: &str) -> Vec<Step> {
    let start = list.start.unwrap_or(1);
    list.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let n = start + i as u64;
            let number = if parent.is_empty() {
                n.to_string()
            } else {
                format!("{parent}.{n}")
            };
            step(item, number)
        })
        .collect()
}

fn step(item: &Item, number: String) -> Step {
    let mut step = Step {
        at: item.at,
        text: Vec::new(),
        commands: Vec::new(),
        branches: Vec::new(),
        notes: Vec::new(),
        substeps: Vec::new(),
        number,
    };
    let mut last_para = String::new();
    for block in &item.blocks {
        match block {
            Block::Para(p) => {
                if let Some(kind) = p.lead_strong.as_deref().and_then(text::callout_kind) {
                    step.notes.push(Note {
                        kind: kind.to_owned(),
                        text: p.text.clone(),
                        at: p.at,
                    });
                    continue;
                }
                inline_commands(p, None, &mut step.commands);
                let own_line_command = p
                    .only_strong
                    .as_deref()
                    .is_some_and(text::is_inferred_command);
                if !own_line_command && !p.text.is_empty() {
                    step.text.push(p.text.clone());
                }
                for alt in &p.images {
                    step.notes.push(Note {
                        kind: "IMAGE".to_owned(),
                        text: alt.clone(),
                        at: p.at,
                    });
                }
                last_para = p.text.clone();
            }
            Block::Code(code) => {
                if shows_output(code.lang.as_deref(), &last_para) {
                    step.notes.push(Note {
                        kind: "OUTPUT".to_owned(),
                        text: code.text.trim_end().to_owned(),
                        at: code.at,
                    });
                } else {
                    step.commands.push(Command {
                        code: tejun_grammar::code::layout(&code.text),
                        at: code.at,
                        inferred: false,
                        branch: None,
                    });
                }
            }
            Block::List(list) if list.start.is_some() => {
                let number = step.number.clone();
                step.substeps.extend(steps(list, &number));
            }
            Block::List(list) => {
                // Bullets that give commands are alternatives; others are text.
                let gives_commands = list
                    .items
                    .iter()
                    .any(|i| !item_commands(i, None).is_empty());
                if gives_commands {
                    for bullet in &list.items {
                        let branch = step.branches.len();
                        let commands = item_commands(bullet, Some(branch));
                        // The condition: the bullet's text before its first command.
                        let condition = bullet
                            .blocks
                            .iter()
                            .take_while(|b| !matches!(b, Block::Code(_)))
                            .filter_map(|b| match b {
                                Block::Para(p)
                                    if p.only_strong
                                        .as_deref()
                                        .is_none_or(|s| !text::is_inferred_command(s)) =>
                                {
                                    Some(p.text.clone())
                                }
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                            .join("\n");
                        if commands.is_empty() {
                            step.text.push(format!("- {condition}"));
                            continue;
                        }
                        step.branches.push(Branch {
                            condition,
                            at: bullet.at,
                        });
                        step.commands.extend(commands);
                    }
                } else {
                    step.text.push(bullets(list));
                }
            }
            Block::Quote { kind, blocks, at } => step.notes.push(Note {
                kind: kind.clone().unwrap_or_else(|| "QUOTE".to_owned()),
                text: plain(blocks),
                at: *at,
            }),
            Block::Table { rows, at } => step.notes.push(Note {
                kind: "TABLE".to_owned(),
                text: format!("a table of {rows} rows"),
                at: *at,
            }),
            Block::Heading { text, .. } => step.text.push(text.clone()),
            Block::Html { text, at } => {
                if let Some(code) = pre_code(text) {
                    step.commands.push(Command {
                        code,
                        at: *at,
                        inferred: false,
                        branch: None,
                    });
                }
            }
        }
    }
    step
}

/// The commands a bullet gives: its code blocks and the commands in its text.
fn item_commands(item: &Item, branch: Option<usize>) -> Vec<Command> {
    let mut out = Vec::new();
    let mut last_para = "";
    for block in &item.blocks {
        match block {
            Block::Code(code) if !shows_output(code.lang.as_deref(), last_para) => {
                out.push(Command {
                    code: tejun_grammar::code::layout(&code.text),
                    at: code.at,
                    inferred: false,
                    branch,
                })
            }
            Block::Para(p) => {
                inline_commands(p, branch, &mut out);
                last_para = &p.text;
            }
            _ => {}
        }
    }
    out
}

/// The commands in a paragraph's text: a bold line of its own, and inline code.
fn inline_commands(p: &Para, branch: Option<usize>, out: &mut Vec<Command>) {
    if let Some(strong) = &p.only_strong
        && text::is_inferred_command(strong)
    {
        out.push(Command {
            code: strong.trim().to_owned(),
            at: p.at,
            inferred: true,
            branch,
        });
        return;
    }
    for (code, at) in &p.codes {
        if text::is_inferred_command(code) {
            out.push(Command {
                code: code.trim().to_owned(),
                at: *at,
                inferred: true,
                branch,
            });
        }
    }
}

/// Whether a code block shows output rather than a command to type.
fn shows_output(lang: Option<&str>, before: &str) -> bool {
    let lang = lang.unwrap_or("").to_ascii_lowercase();
    if matches!(
        lang.as_str(),
        "output" | "text" | "txt" | "xml" | "json" | "console" | "log"
    ) {
        return true;
    }
    // Only a paragraph that introduces the block ("The output resembles this:") counts.
    let before = before.trim().to_lowercase();
    if !before.ends_with([':', '：']) {
        return false;
    }
    before.contains("output")
        || before.contains("出力")
        || before.contains("returns")
        || before.contains("resembles")
        || before.contains("similar to")
}

/// The code of a `<pre>` block, tags removed and entities decoded.
fn pre_code(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<pre")?;
    let open_end = lower[start..].find('>')? + start + 1;
    let end = lower[open_end..].find("</pre>")? + open_end;
    let inner = strip_tags(&html[open_end..end]);
    let code = tejun_grammar::code::layout(&decode_entities(&inner));
    (!code.is_empty()).then_some(code)
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// A bullet list as text lines.
fn bullets(list: &List) -> String {
    list.items
        .iter()
        .map(|item| format!("- {}", plain(&item.blocks).replace('\n', " ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of blocks, one paragraph per line.
fn plain(blocks: &[Block]) -> String {
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Para(p) if !p.text.is_empty() => out.push(p.text.clone()),
            Block::Heading { text, .. } => out.push(text.clone()),
            Block::List(list) => out.push(bullets(list)),
            Block::Code(code) => out.push(code.text.trim_end().to_owned()),
            Block::Quote { blocks, .. } => out.push(plain(blocks)),
            _ => {}
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_reads_as_eleven_steps_with_seven_commands() {
        let seed = std::fs::read_to_string("../../shared/seeds/000_a90e74dc91a9d0bd.txt")
            .expect("shared/ sits beside the checkout");
        let page = Page::read(&seed);
        assert_eq!(page.lang, "ja");
        assert_eq!(page.updated.as_deref(), Some("2012-11-01"));
        let steps = page.steps();
        assert_eq!(steps.len(), 11);
        let commands: Vec<(&str, &str)> = steps
            .iter()
            .flat_map(|s| {
                s.commands
                    .iter()
                    .map(|c| (s.number.as_str(), c.code.as_str()))
            })
            .collect();
        assert_eq!(commands.len(), 7, "{commands:?}");
        assert_eq!(commands[0], ("4", "Stop-CsWindowsService"));
        assert_eq!(steps[10].branches.len(), 3);
        assert_eq!(
            commands[5].1,
            "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN>  -ExcludeCollocatedStores"
        );
    }

    #[test]
    fn the_front_end_pages_give_a_bold_command_and_an_inline_one() {
        for lang in ["en", "ja"] {
            let path = format!("../../shared/docs/lync2013-frontend-upgrade.{lang}.md");
            let page = Page::read(&std::fs::read_to_string(&path).unwrap());
            assert_eq!(page.lang, lang);
            let commands: Vec<(String, String, bool)> = page
                .steps()
                .iter()
                .flat_map(|s| {
                    s.commands
                        .iter()
                        .map(|c| (s.number.clone(), c.code.clone(), c.inferred))
                })
                .collect();
            assert_eq!(
                commands,
                [
                    ("1".into(), "Get-CsPoolUpgradeReadinessState".into(), true),
                    (
                        "2.1".into(),
                        "Stop-CsWindowsService -Graceful -Verbose".into(),
                        true
                    ),
                ],
                "{path}"
            );
            let numbers: Vec<&str> = page.steps().iter().map(|s| s.number.as_str()).collect();
            assert_eq!(numbers, ["1", "2", "2.1", "2.2", "2.3", "3"]);
            assert!(page.steps()[2].notes.iter().any(|n| n.kind == "NOTE"));
            assert!(page.intro_notes.iter().any(|n| n.kind == "IMAGE"));
        }
    }
}
