//! A page's markdown as a tree of blocks, read with pulldown-cmark: the only place its events are
//! visible. Each block keeps the line and column it starts at, so every later message can point
//! into the page.

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A block of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph, or the text of a tight list item.
    Para(Para),
    /// `#`…`######`.
    Heading {
        /// 1 to 6.
        level: u8,
        /// The heading's text.
        text: String,
        /// Where it starts.
        at: At,
    },
    /// A numbered or bulleted list.
    List(List),
    /// An indented or fenced code block.
    Code(CodeBlock),
    /// A block quote; `kind` is `NOTE`, `TIP`, ... for `> [!NOTE]`, or an alert `<div>`.
    Quote {
        /// The callout's kind, upper case, when the page names one.
        kind: Option<String>,
        /// What it holds.
        blocks: Vec<Block>,
        /// Where it starts.
        at: At,
    },
    /// A table, as the text of its rows.
    Table {
        /// How many rows, the header included.
        rows: usize,
        /// Where it starts.
        at: At,
    },
    /// Raw HTML between blocks (`<div>` wrappers and the like).
    Html {
        /// The HTML.
        text: String,
        /// Where it starts.
        at: At,
    },
}

/// A line and column of the page, both from 1; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct At {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

/// A paragraph's text and what stands out in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Para {
    /// The text as a reader sees it: emphasis, links and HTML tags dropped.
    pub text: String,
    /// Each inline code span, with where it is.
    pub codes: Vec<(String, At)>,
    /// The text of the paragraph when it is one bold or italic run and nothing else
    /// (`**Get-CsPoolUpgradeReadinessState**`).
    pub only_strong: Option<String>,
    /// The bold text the paragraph starts with (`**Note:**`).
    pub lead_strong: Option<String>,
    /// The alt text of each image.
    pub images: Vec<String>,
    /// Where it starts.
    pub at: At,
}

/// A list.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    /// The first number of a numbered list; `None` for bullets.
    pub start: Option<u64>,
    /// Each item's blocks.
    pub items: Vec<Item>,
}

/// A list item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its blocks.
    pub blocks: Vec<Block>,
    /// Where its marker is.
    pub at: At,
}

/// A code block.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeBlock {
    /// Its text, as the page gives it once its indentation inside the list is removed.
    pub text: String,
    /// The fence's language (`powershell`), if any.
    pub lang: Option<String>,
    /// Where its first line of code is.
    pub at: At,
}

/// The page's front matter, as `key: value` pairs in order (YAML's simple scalars only).
pub type FrontMatter = Vec<(String, String)>;

/// Reads a page: its front matter and its blocks.
pub fn read(text: &str) -> (FrontMatter, Vec<Block>) {
    let text = &lenient_lists(text);
    let lines = LineIndex::new(text);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_GFM
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    // A byte-order mark would stop the front matter being seen as one.
    let skip = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut builder = Builder {
        lines: &lines,
        front: Vec::new(),
        stack: vec![Frame::Root(Vec::new())],
        in_meta: false,
        in_image: false,
    };
    for (event, range) in Parser::new_ext(&text[skip..], options).into_offset_iter() {
        builder.event(event, range.start + skip);
    }
    let blocks = builder.finish();
    (builder.front, alerts(blocks))
}

/// Pages often indent a code fence or a paragraph inside a numbered item by less than the item's
/// text (`1. Type:` then a fence indented 2 spaces), which in CommonMark ends the list; the page
/// means the fence to belong to the item. Such lines (and a fence's lines with them) are indented
/// to the item's text, so that the list holds. Only leading spaces are added: line numbers stay,
/// and a fence's code is the same once its indentation is removed.
fn lenient_lists(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    // The open numbered items, outermost first: each marker's indentation and its text's.
    let mut items: Vec<(usize, usize)> = Vec::new();
    // Inside a fence: its marker (``` or ~~~, as long as written) and the spaces added to it.
    let mut fence: Option<(String, usize)> = None;
    // A block quote moved into an item: its next `>` lines move with it, up to a blank line.
    let mut quote_to: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        let rest = &body[indent..];
        if let Some((marker, added)) = &fence {
            let first = marker.chars().next().unwrap_or('`');
            let closes =
                rest.starts_with(marker.as_str()) && rest.trim_end().chars().all(|c| c == first);
            if !body.trim().is_empty() {
                out.push_str(&" ".repeat(*added));
            }
            out.push_str(line);
            if closes {
                fence = None;
            }
            continue;
        }
        if rest.is_empty() {
            quote_to = None;
            out.push_str(line);
            continue;
        }
        if let Some(width) = numbered_marker(rest) {
            while items.last().is_some_and(|&(_, text)| text > indent) {
                items.pop();
            }
            items.push((indent, indent + width));
            quote_to = None;
            out.push_str(line);
            continue;
        }
        let added = match (items.first().copied(), quote_to) {
            (_, Some(to)) if rest.starts_with('>') && indent < to => to - indent,
            // Less indented than the outermost item's text, more than its marker: the page
            // means it to belong to the item.
            (Some((marker, text)), _) if indent > marker && indent < text => text - indent,
            (Some((marker, _)), _) if indent <= marker => {
                items.clear();
                0
            }
            _ => 0,
        };
        quote_to = (added > 0 && rest.starts_with('>')).then_some(indent + added);
        if rest.starts_with("```") || rest.starts_with("~~~") {
            let c = rest.chars().next().unwrap_or('`');
            let marker: String = rest.chars().take_while(|&x| x == c).collect();
            fence = Some((marker, added));
        }
        out.push_str(&" ".repeat(added));
        out.push_str(line);
    }
    out
}

/// The width of a numbered list marker and the spaces after it (`1. ` → 3, `10.  ` → 5).
fn numbered_marker(rest: &str) -> Option<usize> {
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let after = &rest[digits..];
    let after = after
        .strip_prefix('.')
        .or_else(|| after.strip_prefix(')'))?;
    let spaces = after.len() - after.trim_start_matches(' ').len();
    if spaces == 0 && !after.is_empty() {
        return None;
    }
    Some(digits + 1 + spaces.clamp(1, 4))
}

/// Byte offsets to lines and columns.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the lines of `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The line and column of a byte offset.
    pub fn at(&self, offset: usize) -> At {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let end = offset.min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map_or(1, |s| s.chars().count() + 1);
        At { line, column }
    }
}

enum Frame {
    Root(Vec<Block>),
    Para(Para, bool),
    Heading(u8, String, At),
    List(Option<u64>, Vec<Item>),
    Item(Vec<Block>, At),
    Code(String, Option<String>, At, bool),
    Quote(Option<String>, Vec<Block>, At),
    Table(usize, At),
    Html(String, At),
}

struct Builder<'a> {
    lines: &'a LineIndex<'a>,
    front: FrontMatter,
    stack: Vec<Frame>,
    in_meta: bool,
    /// Inside an image: its text is its alt text, not the paragraph's.
    in_image: bool,
}

impl Builder<'_> {
    fn push_block(&mut self, block: Block) {
        if let Some(Frame::Root(blocks) | Frame::Item(blocks, _) | Frame::Quote(_, blocks, _)) =
            self.stack.last_mut()
        {
            blocks.push(block)
        }
    }

    /// The paragraph being read; a tight list item's text has no paragraph of its own, so one is
    /// opened for it.
    fn para(&mut self, offset: usize) -> Option<&mut Para> {
        if matches!(self.stack.last(), Some(Frame::Item(..))) {
            let at = self.lines.at(offset);
            self.stack.push(Frame::Para(
                Para {
                    at,
                    ..Para::default()
                },
                true,
            ));
        }
        match self.stack.last_mut() {
            Some(Frame::Para(p, _)) => Some(p),
            _ => None,
        }
    }

    /// Closes a paragraph a tight item opened, before a block that follows it in the item.
    fn close_implicit(&mut self) {
        if let Some(Frame::Para(_, true)) = self.stack.last()
            && let Some(Frame::Para(p, _)) = self.stack.pop()
        {
            self.push_block(Block::Para(finish_para(p)));
        }
    }

    fn text(&mut self, s: &str, offset: usize) {
        if let Some(Frame::Code(code, ..)) = self.stack.last_mut() {
            code.push_str(s);
            return;
        }
        if let Some(Frame::Heading(_, text, _)) = self.stack.last_mut() {
            text.push_str(s);
            return;
        }
        if let Some(Frame::Html(text, _)) = self.stack.last_mut() {
            text.push_str(s);
            return;
        }
        if matches!(self.stack.last(), Some(Frame::Table(..))) {
            return;
        }
        if self.in_image {
            if let Some(Frame::Para(p, _)) = self.stack.last_mut()
                && let Some(alt) = p.images.last_mut()
            {
                alt.push_str(s);
            }
            return;
        }
        if let Some(p) = self.para(offset) {
            join_text(&mut p.text, s);
        }
    }

    fn event(&mut self, event: Event, offset: usize) {
        let at = self.lines.at(offset);
        match event {
            Event::Start(Tag::MetadataBlock(_)) => self.in_meta = true,
            Event::End(TagEnd::MetadataBlock(_)) => self.in_meta = false,
            Event::Text(s) if self.in_meta => self.front.extend(front_matter(&s)),
            Event::Start(tag) => self.start(tag, offset, at),
            Event::End(end) => self.end(end),
            Event::Text(s) => self.text(&s, offset),
            Event::Code(s) => {
                if matches!(self.stack.last(), Some(Frame::Heading(..))) {
                    self.text(&s, offset);
                } else if let Some(p) = self.para(offset) {
                    join_text(&mut p.text, &s);
                    p.codes.push((s.to_string(), at));
                }
            }
            Event::SoftBreak => self.text("\n", offset),
            Event::HardBreak => self.text("\n", offset),
            Event::Html(s) => {
                if let Some(Frame::Html(text, _)) = self.stack.last_mut() {
                    text.push_str(&s);
                }
            }
            Event::InlineHtml(s) => {
                // `<br>` breaks a line; other tags (`<STRONG>`, `<span>`) only style their text.
                if s.to_ascii_lowercase().starts_with("<br") {
                    self.text("\n", offset);
                }
            }
            Event::FootnoteReference(_)
            | Event::TaskListMarker(_)
            | Event::Rule
            | Event::InlineMath(_)
            | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: Tag, offset: usize, at: At) {
        match tag {
            Tag::Paragraph => {
                self.close_implicit();
                self.stack.push(Frame::Para(
                    Para {
                        at,
                        ..Para::default()
                    },
                    false,
                ));
            }
            Tag::Heading { level, .. } => {
                self.close_implicit();
                self.stack
                    .push(Frame::Heading(level as u8, String::new(), at));
            }
            Tag::List(start) => {
                self.close_implicit();
                self.stack.push(Frame::List(start, Vec::new()));
            }
            Tag::Item => self.stack.push(Frame::Item(Vec::new(), at)),
            Tag::CodeBlock(kind) => {
                self.close_implicit();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .map(str::to_owned)
                        .filter(|l| !l.is_empty()),
                    CodeBlockKind::Indented => None,
                };
                let fenced = self.lines.text[offset..]
                    .trim_start()
                    .starts_with(['`', '~']);
                self.stack
                    .push(Frame::Code(String::new(), lang, at, fenced));
            }
            Tag::BlockQuote(kind) => {
                self.close_implicit();
                let kind = kind.map(|k| {
                    match k {
                        BlockQuoteKind::Note => "NOTE",
                        BlockQuoteKind::Tip => "TIP",
                        BlockQuoteKind::Important => "IMPORTANT",
                        BlockQuoteKind::Warning => "WARNING",
                        BlockQuoteKind::Caution => "CAUTION",
                    }
                    .to_owned()
                });
                self.stack.push(Frame::Quote(kind, Vec::new(), at));
            }
            Tag::Table(_) => {
                self.close_implicit();
                self.stack.push(Frame::Table(0, at));
            }
            Tag::TableRow | Tag::TableHead => {
                if let Some(Frame::Table(rows, _)) = self.stack.last_mut() {
                    *rows += 1;
                }
            }
            Tag::HtmlBlock => {
                self.close_implicit();
                self.stack.push(Frame::Html(String::new(), at));
            }
            Tag::Strong => {
                if let Some(p) = self.para(offset)
                    && p.text.trim().is_empty()
                    && p.lead_strong.is_none()
                {
                    p.lead_strong = Some(String::new());
                }
            }
            Tag::Image { .. } => {
                if let Some(p) = self.para(offset) {
                    p.images.push(String::new());
                }
                self.in_image = true;
            }
            _ => {}
        }
        // Remember where the bold text starts so its text can be collected at its end.
        if let Some(Frame::Para(p, _)) = self.stack.last_mut()
            && p.lead_strong.as_deref() == Some("")
        {
            p.lead_strong = Some(format!("\u{0}{}", p.text.len()));
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Paragraph => {
                if let Some(Frame::Para(..)) = self.stack.last()
                    && let Some(Frame::Para(p, _)) = self.stack.pop()
                {
                    self.push_block(Block::Para(finish_para(p)));
                }
            }
            TagEnd::Heading(_) => {
                if let Some(Frame::Heading(level, text, at)) = self.stack.pop() {
                    self.push_block(Block::Heading {
                        level,
                        text: text.trim().to_owned(),
                        at,
                    });
                }
            }
            TagEnd::Item => {
                self.close_implicit();
                if let Some(Frame::Item(blocks, at)) = self.stack.pop()
                    && let Some(Frame::List(_, items)) = self.stack.last_mut()
                {
                    items.push(Item { blocks, at });
                }
            }
            TagEnd::List(_) => {
                if let Some(Frame::List(start, items)) = self.stack.pop() {
                    self.push_block(Block::List(List { start, items }));
                }
            }
            TagEnd::CodeBlock => {
                if let Some(Frame::Code(text, lang, at, fenced)) = self.stack.pop() {
                    // A fenced block's code starts on the line after the fence.
                    let at = if fenced {
                        At {
                            line: at.line + 1,
                            column: at.column,
                        }
                    } else {
                        at
                    };
                    self.push_block(Block::Code(CodeBlock { text, lang, at }));
                }
            }
            TagEnd::BlockQuote(_) => {
                self.close_implicit();
                if let Some(Frame::Quote(kind, blocks, at)) = self.stack.pop() {
                    self.push_block(Block::Quote { kind, blocks, at });
                }
            }
            TagEnd::Table => {
                if let Some(Frame::Table(rows, at)) = self.stack.pop() {
                    self.push_block(Block::Table { rows, at });
                }
            }
            TagEnd::HtmlBlock => {
                if let Some(Frame::Html(text, at)) = self.stack.pop() {
                    self.push_block(Block::Html { text, at });
                }
            }
            TagEnd::Image => self.in_image = false,
            TagEnd::Strong => {
                if let Some(Frame::Para(p, _)) = self.stack.last_mut()
                    && let Some(start) = p
                        .lead_strong
                        .as_deref()
                        .and_then(|s| s.strip_prefix('\u{0}'))
                {
                    let start: usize = start.parse().unwrap_or(0);
                    p.lead_strong = Some(p.text.get(start..).unwrap_or("").trim().to_owned());
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self) -> Vec<Block> {
        while self.stack.len() > 1 {
            self.close_implicit();
            if self.stack.len() > 1 {
                self.stack.pop();
            }
        }
        match self.stack.pop() {
            Some(Frame::Root(blocks)) => blocks,
            _ => Vec::new(),
        }
    }
}

/// Settles what a paragraph's text says about it once it is read.
fn finish_para(mut p: Para) -> Para {
    let trimmed = p.text.trim();
    if let Some(lead) = &p.lead_strong {
        if lead.starts_with('\u{0}') {
            p.lead_strong = None;
        } else if lead.as_str() == trimmed && !lead.is_empty() {
            p.only_strong = Some(lead.clone());
        }
    }
    p.text = trimmed.to_owned();
    p
}

/// Appends text, joining lines the way a reader would: a line break between two Japanese (or
/// other wide) characters disappears, any other becomes a space.
fn join_text(out: &mut String, s: &str) {
    if s == "\n" {
        out.push('\n');
        return;
    }
    if out.ends_with('\n') {
        out.pop();
        let before_wide = out.chars().next_back().is_some_and(is_wide);
        let after_wide = s.chars().next().is_some_and(is_wide);
        let joined_wide = before_wide && after_wide;
        if !joined_wide && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(s.trim_start());
    } else {
        out.push_str(s);
    }
}

/// Whether a character is written full width: CJK, kana, full-width forms.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6)
}

/// `key: value` lines of YAML front matter; lists and nested maps are skipped.
fn front_matter(text: &str) -> FrontMatter {
    text.lines()
        .filter(|l| !l.starts_with([' ', '\t', '-', '#']))
        .filter_map(|l| {
            l.split_once(": ")
                .or_else(|| l.strip_suffix(':').map(|k| (k, "")))
        })
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .map(|v| v.replace("''", "'"))
                .or_else(|| {
                    v.strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| v.to_owned());
            (k.trim().to_owned(), v)
        })
        .collect()
}

/// Turns the blocks between `<div class="alert">` and its `</div>` into a callout, at every level.
fn alerts(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut open: Option<(Option<String>, Vec<Block>, At)> = None;
    for block in blocks {
        let block = match block {
            Block::List(mut list) => {
                for item in &mut list.items {
                    item.blocks = alerts(std::mem::take(&mut item.blocks));
                }
                Block::List(list)
            }
            Block::Quote { kind, blocks, at } => Block::Quote {
                kind,
                blocks: alerts(blocks),
                at,
            },
            other => other,
        };
        if let Block::Html { text, at } = &block {
            let lower = text.to_ascii_lowercase();
            if lower.contains("class=\"alert\"") {
                open = Some((None, Vec::new(), *at));
                continue;
            }
            if lower.contains("</div>")
                && let Some((kind, blocks, at)) = open.take()
            {
                out.push(Block::Quote { kind, blocks, at });
                continue;
            }
        }
        match &mut open {
            Some((kind, blocks, _)) => {
                // The alert's first bold word names its kind: `**Note**`, `**注:**`.
                if kind.is_none()
                    && let Block::Para(p) = &block
                    && let Some(lead) = &p.lead_strong
                {
                    *kind = crate::text::callout_kind(lead).map(str::to_owned);
                }
                blocks.push(block);
            }
            None => out.push(block),
        }
    }
    if let Some((kind, blocks, at)) = open {
        out.push(Block::Quote { kind, blocks, at });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_item_holds_its_text_and_its_indented_code() {
        let (front, blocks) = read(
            "---\ntitle: 'A page'\nms.date: 05/19/2016\n---\n\n# Title\n\n1.  Stop it. Type:\n    \n        Stop-CsWindowsService\n\n2.  Done.\n",
        );
        assert_eq!(front[0], ("title".to_owned(), "A page".to_owned()));
        let Block::List(list) = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(list.start, Some(1));
        assert_eq!(list.items.len(), 2);
        let Block::Code(code) = &list.items[0].blocks[1] else {
            panic!("{:?}", list.items[0])
        };
        assert_eq!(code.text, "Stop-CsWindowsService\n");
        assert_eq!(
            code.at,
            At {
                line: 10,
                column: 9
            }
        );
    }

    #[test]
    fn japanese_lines_join_without_a_space_and_alerts_become_callouts() {
        let (_, blocks) = read(
            "これは\nテストです。\n\n<div class=\"alert\">\n\n**Note:** be careful\n\n</div>\n",
        );
        let Block::Para(p) = &blocks[0] else { panic!() };
        assert_eq!(p.text, "これはテストです。");
        let Block::Quote { kind, .. } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(kind.as_deref(), Some("NOTE"));
    }

    #[test]
    fn a_bold_line_of_its_own_stands_out() {
        let (_, blocks) = read("**Get-CsPoolUpgradeReadinessState**\n\n**Note:** text\n");
        let Block::Para(p) = &blocks[0] else { panic!() };
        assert_eq!(
            p.only_strong.as_deref(),
            Some("Get-CsPoolUpgradeReadinessState")
        );
        let Block::Para(p) = &blocks[1] else { panic!() };
        assert_eq!(p.lead_strong.as_deref(), Some("Note:"));
        assert_eq!(p.only_strong, None);
    }

    #[test]
    fn a_fence_indented_less_than_its_item_stays_in_the_item() {
        let page =
            "1. Type:\n\n  ```\n  Get-CsPoolFabricState\n  ```\n\n     Then this.\n\n2. Next.\n";
        let (_, blocks) = read(page);
        assert_eq!(blocks.len(), 1, "{blocks:?}");
        let Block::List(list) = &blocks[0] else {
            panic!()
        };
        assert_eq!(list.items.len(), 2);
        let Block::Code(code) = &list.items[0].blocks[1] else {
            panic!("{:?}", list.items[0])
        };
        assert_eq!(code.text, "Get-CsPoolFabricState\n");
        assert_eq!(code.at.line, 4);
        // A block quote indented for the outer item stays there, not in a nested one.
        let nested = "2. Stop:\n\n   1. A\n\n   2. B\n\n    > [!IMPORTANT]\n    > One at a time.\n";
        let (_, blocks) = read(nested);
        let Block::List(list) = &blocks[0] else {
            panic!()
        };
        assert!(
            matches!(list.items[0].blocks.last(), Some(Block::Quote { .. })),
            "{list:?}"
        );
    }
}
