//! The printer behind [`format()`](super::format()): walks the tree, writes each item in the
//! canonical layout and places every comment of the file on the way.

use crate::ast::*;
use crate::code::{Code, layout};
use crate::cond::Cond;
use crate::span::Span;

use super::reindent::{INDENT, normalize_breaks, reindent};

/// Lays out `ast`, parsed from `src`.
pub(super) fn print(ast: &Ast, src: &str) -> String {
    let mut printer = Printer {
        src,
        comments: &ast.comments,
        next: 0,
        out: String::with_capacity(src.len() + src.len() / 8),
        in_comment: false,
    };
    printer.file(ast);
    printer.out
}

/// Where a list of items sits, which decides the blank lines between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Directly in the runbook, or in a branch there: sections and steps.
    Runbook,
    /// In a step, in `finally`, or in a branch there: quotes and actions.
    Step,
}

struct Printer<'a> {
    src: &'a str,
    /// Every comment of the file, in order.
    comments: &'a [Comment],
    /// The first comment not written yet.
    next: usize,
    out: String,
    /// Whether the last line written ends in a comment, which would swallow anything added to it.
    in_comment: bool,
}

impl<'a> Printer<'a> {
    fn file(&mut self, ast: &Ast) {
        let leading = self.take_before(ast.span.start);
        self.own_lines(0, leading, true);
        if !leading.is_empty() && self.blank_before(ast.span.start) {
            self.blank();
        }
        let open = self.open_brace(ast.name.span.end);
        let hoisted = self.take_before(open);
        self.own_lines(0, hoisted, false);
        let header = format!("runbook {}", ast.name.value);
        let close = ast.span.end.saturating_sub(1);
        self.block(0, &header, false, open, close, &ast.items, Level::Runbook);
        self.trail(ast.span.end, usize::MAX);
        // Comments after the runbook's closing brace end the file.
        let rest = self.take_before(usize::MAX);
        for comment in rest {
            if self.blank_before(comment.span.start) {
                self.blank();
            }
            self.comment_line(0, comment);
        }
    }

    /// Writes `header {`, the items and `}`, or `header {}` when there is nothing inside. With
    /// `join` the header goes on the current line (after an arm's `}`).
    #[allow(clippy::too_many_arguments)] // All of them describe the one block being written.
    fn block(
        &mut self,
        depth: usize,
        header: &str,
        join: bool,
        open: usize,
        close: usize,
        items: &[Item],
        level: Level,
    ) {
        let empty = items.is_empty() && !self.comment_before(close);
        let head = if empty {
            format!("{header} {{}}")
        } else {
            format!("{header} {{")
        };
        if join && !self.in_comment {
            self.append(&format!(" {head}"));
        } else {
            self.line(depth, &head);
        }
        if empty {
            return;
        }
        let first = items.first().map_or(close, |item| self.item_start(item));
        self.trail(open + 1, first);
        self.list(depth + 1, items, level, close);
        self.line(depth, "}");
    }

    /// Writes the items of a block, with their comments, up to the block's closing brace.
    fn list(&mut self, depth: usize, items: &[Item], level: Level, close: usize) {
        let mut prev: Option<&Item> = None;
        for (i, item) in items.iter().enumerate() {
            let start = self.item_start(item);
            let leading = self.take_before(start);
            let first = leading.first().map_or(start, |c| c.span.start);
            if let Some(prev) = prev
                && (separated(prev, item, level) || self.blank_before(first))
            {
                self.blank();
            }
            self.own_lines(depth, leading, true);
            if !leading.is_empty() && self.blank_before(start) {
                self.blank();
            }
            self.item(depth, item, level);
            let limit = items.get(i + 1).map_or(close, |next| self.item_start(next));
            self.trail(item.span().end, limit);
            prev = Some(item);
        }
        // Comments after the last item stay inside the block.
        let dangling = self.take_before(close);
        for (i, comment) in dangling.iter().enumerate() {
            if (prev.is_some() || i > 0) && self.blank_before(comment.span.start) {
                self.blank();
            }
            self.comment_line(depth, comment);
        }
    }

    fn item(&mut self, depth: usize, item: &Item, level: Level) {
        match item {
            Item::Step(step) => self.step(depth, step),
            Item::Foreach(f) => self.foreach(depth, f),
            Item::Finally(finally) => {
                let open = self.open_brace(finally.span.start + "finally".len());
                let hoisted = self.take_before(open);
                self.own_lines(depth, hoisted, false);
                let close = finally.span.end.saturating_sub(1);
                self.block(
                    depth,
                    "finally",
                    false,
                    open,
                    close,
                    &finally.items,
                    Level::Step,
                );
            }
            Item::When(when) => self.when(depth, when, level),
            Item::Match(m) => self.match_branch(depth, m, level),
            Item::If(i) => self.if_branch(depth, i, level),
            Item::Title(t) => {
                let text = format!("title {}", self.text(depth, t));
                self.leaf(depth, t.span, &text);
            }
            Item::Description(t) => {
                let text = format!("description {}", self.text(depth, t));
                self.leaf(depth, t.span, &text);
            }
            Item::Source(source) => {
                let mut text = format!("source {}", self.text(depth, &source.id));
                if let Some(url) = &source.url {
                    text += &format!(" url {}", self.text(depth, url));
                }
                if let Some(date) = &source.updated {
                    text += &format!(" updated {}", self.slice(date.span));
                }
                self.leaf(depth, source.span, &text);
            }
            Item::Param(param) => {
                let text = self.param(depth, param);
                self.leaf(depth, param.span, &text);
            }
            Item::Window(w) => {
                let mut text = format!(
                    "window {} from {} to {} limit {}",
                    w.name.value,
                    w.from.value,
                    w.to.value,
                    self.slice(w.limit.span)
                );
                if let Some(warn) = &w.warn {
                    continuation(
                        &mut text,
                        depth,
                        &format!("warn {}", self.text(depth + 1, warn)),
                    );
                }
                self.leaf(depth, w.span, &text);
            }
            Item::Quote(quote) => {
                let text = match &quote.lang {
                    Some(lang) => format!("quote {} {}", lang.value, self.text(depth, &quote.text)),
                    None => format!("quote {}", self.text(depth, &quote.text)),
                };
                self.leaf(depth, quote.span, &text);
            }
            Item::Action(action) => {
                let text = self.action(depth, action);
                self.leaf(depth, action.span(), &text);
            }
        }
    }

    /// Writes an item without a body: the comments inside it on lines of their own above it, then
    /// the item.
    fn leaf(&mut self, depth: usize, span: Span, text: &str) {
        let inside = self.take_before(span.end);
        self.own_lines(depth, inside, false);
        self.line(depth, text);
    }

    fn step(&mut self, depth: usize, step: &Step) {
        let header_end = step.on.as_ref().map_or_else(
            || {
                step.doc
                    .as_ref()
                    .map_or(step.title.span.end, |d| d.span.end)
            },
            |o| o.span.end,
        );
        let open = self.open_brace(header_end);
        let hoisted = self.take_before(open);
        self.own_lines(depth, hoisted, false);
        let mut header = format!("step {} {}", step.id.value, self.text(depth, &step.title));
        if let Some(doc) = &step.doc {
            header += &format!(" doc {}", doc.value);
        }
        if let Some(on) = &step.on {
            header += &format!(" {}", self.on_target(depth, on));
        }
        let close = step.span.end.saturating_sub(1);
        self.block(depth, &header, false, open, close, &step.items, Level::Step);
    }

    fn foreach(&mut self, depth: usize, f: &Foreach) {
        let header_end = [
            Some(f.source.span().end),
            f.placeholder.as_ref().map(|t| t.span.end),
            f.on.as_ref().map(|o| o.span.end),
            f.gate.as_ref().map(|g| g.span.end),
            f.budget.as_ref().map(|b| b.span.end),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(f.span.start);
        let open = self.open_brace(header_end);
        let hoisted = self.take_before(open);
        self.own_lines(depth, hoisted, false);
        let source = match &f.source {
            LoopSource::Param(name) => name.value.clone(),
            LoopSource::Run(code) => format!("run {}", self.code(depth, code)),
        };
        let mut header = format!("foreach {} in {source}", f.var.value);
        if let Some(placeholder) = &f.placeholder {
            header += &format!(" placeholder {}", self.text(depth, placeholder));
        }
        if let Some(on) = &f.on {
            header += &format!(" {}", self.on_target(depth, on));
        }
        if let Some(gate) = &f.gate {
            let mut option = format!("gate {}", self.code(depth + 1, &gate.code));
            if let Some(poll) = &gate.poll {
                option += &self.poll(poll);
            }
            continuation(&mut header, depth, &option);
            if let Some(message) = &gate.message {
                let option = format!("message {}", self.text(depth + 1, message));
                continuation(&mut header, depth, &option);
            }
        }
        if let Some(budget) = &f.budget {
            continuation(&mut header, depth, &format!("budget {}", budget.count));
        }
        let close = f.span.end.saturating_sub(1);
        self.block(depth, &header, false, open, close, &f.items, Level::Runbook);
    }

    fn on_target(&self, depth: usize, on: &OnTarget) -> String {
        match &on.target {
            TargetRef::Named(text) => format!("on {}", self.text(depth, text)),
            TargetRef::Var(name) => format!("on {}", name.value),
        }
    }

    fn when(&mut self, depth: usize, when: &When, level: Level) {
        let mut prev_close = None;
        for arm in &when.arms {
            let open = arm.body.span.start;
            let join = self.arm_gap(depth, prev_close, open);
            let keyword = if prev_close.is_some() {
                "else when"
            } else {
                "when"
            };
            let header = format!("{keyword} {}", self.cond(&arm.cond));
            let close = arm.body.span.end.saturating_sub(1);
            self.block(depth, &header, join, open, close, &arm.body.items, level);
            prev_close = Some(arm.body.span.end);
        }
        if let Some(body) = &when.otherwise {
            self.else_arm(depth, prev_close, body, level);
        }
    }

    /// The `else` arm of a `when` or `if`, after the arm that closed at `prev_close`.
    fn else_arm(&mut self, depth: usize, prev_close: Option<usize>, body: &Body, level: Level) {
        let join = self.arm_gap(depth, prev_close, body.span.start);
        let close = body.span.end.saturating_sub(1);
        self.block(
            depth,
            "else",
            join,
            body.span.start,
            close,
            &body.items,
            level,
        );
    }

    fn if_branch(&mut self, depth: usize, branch: &If, level: Level) {
        let mut prev_close = None;
        for arm in &branch.arms {
            let join = self.arm_gap(depth, prev_close, arm.code.span.start);
            let keyword = if prev_close.is_some() {
                "else if"
            } else {
                "if"
            };
            let header = format!("{keyword} {}", self.code(depth, &arm.code));
            let open = arm.body.span.start;
            let hoisted = self.take_before(open);
            let close = arm.body.span.end.saturating_sub(1);
            if hoisted.is_empty() {
                self.block(depth, &header, join, open, close, &arm.body.items, level);
            } else {
                // Comments between the condition and the body go above the arm.
                self.own_lines(depth, hoisted, false);
                self.block(depth, &header, false, open, close, &arm.body.items, level);
            }
            prev_close = Some(arm.body.span.end);
        }
        if let Some(body) = &branch.otherwise {
            self.else_arm(depth, prev_close, body, level);
        }
    }

    /// Writes the comments between the previous arm's `}` (ending at `prev_close`) and this arm's
    /// `{`. Returns whether the arm may start on the line of the previous `}`.
    fn arm_gap(&mut self, depth: usize, prev_close: Option<usize>, open: usize) -> bool {
        let comments = self.take_before(open);
        let Some(prev_close) = prev_close else {
            self.own_lines(depth, comments, false);
            return false;
        };
        let Some((first, rest)) = comments.split_first() else {
            return true;
        };
        if self.same_line(prev_close, first.span.start) && self.append_comment(first) {
            self.own_lines(depth, rest, false);
        } else {
            self.own_lines(depth, comments, false);
        }
        false
    }

    fn match_branch(&mut self, depth: usize, m: &Match, level: Level) {
        let open = self.open_brace(m.param.span.end);
        let close = m.span.end.saturating_sub(1);
        let hoisted = self.take_before(open);
        self.own_lines(depth, hoisted, false);
        if m.arms.is_empty() && !self.comment_before(close) {
            self.line(depth, &format!("match {} {{}}", m.param.value));
            return;
        }
        self.line(depth, &format!("match {} {{", m.param.value));
        let first = m.arms.first().map_or(close, |arm| arm.span.start);
        self.trail(open + 1, first);
        for (i, arm) in m.arms.iter().enumerate() {
            let leading = self.take_before(arm.span.start);
            let first = leading.first().map_or(arm.span.start, |c| c.span.start);
            if i > 0 && self.blank_before(first) {
                self.blank();
            }
            self.own_lines(depth + 1, leading, true);
            if !leading.is_empty() && self.blank_before(arm.span.start) {
                self.blank();
            }
            self.match_arm(depth + 1, arm, level);
            let limit = m.arms.get(i + 1).map_or(close, |next| next.span.start);
            self.trail(arm.span.end, limit);
        }
        let dangling = self.take_before(close);
        for (i, comment) in dangling.iter().enumerate() {
            if (!m.arms.is_empty() || i > 0) && self.blank_before(comment.span.start) {
                self.blank();
            }
            self.comment_line(depth + 1, comment);
        }
        self.line(depth, "}");
    }

    fn match_arm(&mut self, depth: usize, arm: &MatchArm, level: Level) {
        let mut head = match &arm.pattern {
            Pattern::Wildcard(_) => "_".to_owned(),
            Pattern::Values(values) => values
                .iter()
                .map(|v| self.text(depth, v))
                .collect::<Vec<_>>()
                .join(" | "),
        };
        if let Some(guard) = &arm.guard {
            head += &format!(" when {}", self.cond(guard));
        }
        head += " =>";
        match arm.body.items.as_slice() {
            [Item::Action(action)] if !arm.body.braced => {
                let inside = self.take_before(arm.body.span.end);
                self.own_lines(depth, inside, false);
                let text = self.action(depth, action);
                self.line(depth, &format!("{head} {text},"));
            }
            items => {
                let open = arm.body.span.start;
                let hoisted = self.take_before(open);
                self.own_lines(depth, hoisted, false);
                let close = arm.body.span.end.saturating_sub(1);
                self.block(depth, &head, false, open, close, items, level);
            }
        }
        // Comments between the body and the arm's comma.
        let after = self.take_before(arm.span.end);
        if let Some((first, rest)) = after.split_first() {
            if self.same_line(arm.body.span.end, first.span.start) && self.append_comment(first) {
                self.own_lines(depth, rest, false);
            } else {
                self.own_lines(depth, after, false);
            }
        }
    }

    fn param(&self, depth: usize, param: &Param) -> String {
        let ty = match &param.ty.kind {
            TypeKind::Choice(values) => format!(
                "choice({})",
                values
                    .iter()
                    .map(|v| self.text(depth, v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            kind => kind.name().to_owned(),
        };
        let mut text = format!("param {}: {ty}", param.name.value);
        if let Some(default) = &param.default {
            let written = match &default.value {
                Value::List(items) => list_literal(items),
                _ => None,
            };
            let written = written.unwrap_or_else(|| self.slice(default.span).to_owned());
            text += &format!(" = {written}");
        }
        match &param.requirement {
            Requirement::Implicit => {}
            Requirement::Always(_) => text += " required",
            Requirement::When(cond, _) => text += &format!(" required when {}", self.cond(cond)),
            Requirement::Optional(_) => text += " optional",
        }
        if let Some(placeholder) = &param.placeholder {
            let option = format!("placeholder {}", self.text(depth + 1, placeholder));
            continuation(&mut text, depth, &option);
        }
        if let Some(doc) = &param.doc {
            continuation(
                &mut text,
                depth,
                &format!("doc {}", self.text(depth + 1, doc)),
            );
        }
        text
    }

    fn action(&self, depth: usize, action: &Action) -> String {
        match action {
            Action::Run(run) => {
                let mut text = format!("run {}", self.code(depth, &run.code));
                if let Some(timeout) = &run.timeout {
                    text += &format!(" timeout {}", self.slice(timeout.span));
                }
                if let Some(retries) = &run.retries {
                    text += &format!(" retries {}", retries.count);
                    if let Some(every) = &retries.every {
                        text += &format!(" every {}", self.slice(every.span));
                    }
                }
                if let Some(accept) = &run.accept_exit {
                    let codes: Vec<String> = accept.codes.iter().map(i64::to_string).collect();
                    text += &format!(" accept exit {}", codes.join(", "));
                }
                text
            }
            Action::Wait(wait) => self.wait(depth, wait),
            Action::Manual(manual) => format!("manual {}", self.text(depth, &manual.instruction)),
            Action::Require(check) => self.check("require", depth, check),
            Action::Ensure(check) => self.check("ensure", depth, check),
            Action::SkipIf(skip) => format!("skip if {}", self.code(depth, &skip.code)),
            Action::RestartShell(_) => "restart shell".to_owned(),
        }
    }

    /// `wait { ... } until { ... }`, then its bounds on one continuation line, each give-up
    /// condition on its own and the message last.
    fn wait(&self, depth: usize, wait: &Wait) -> String {
        let mut text = format!(
            "wait {} until {}",
            self.code(depth, &wait.code),
            self.code(depth, &wait.until)
        );
        let mut bounds = Vec::new();
        if let Some(every) = &wait.every {
            bounds.push(format!("every {}", self.slice(every.span)));
        }
        if let Some(attempts) = &wait.attempts {
            bounds.push(format!("attempts {}", attempts.count));
        }
        if let Some(timeout) = &wait.timeout {
            bounds.push(format!("timeout {}", self.slice(timeout.span)));
        }
        if !bounds.is_empty() {
            continuation(&mut text, depth, &bounds.join(" "));
        }
        for g in &wait.give_up {
            let option = format!(
                "give up {} {}",
                self.text(depth + 1, &g.name),
                self.code(depth + 1, &g.code)
            );
            continuation(&mut text, depth, &option);
        }
        if let Some(message) = &wait.message {
            let option = format!("message {}", self.text(depth + 1, message));
            continuation(&mut text, depth, &option);
        }
        text
    }

    fn check(&self, keyword: &str, depth: usize, check: &Check) -> String {
        let mut text = format!("{keyword} {}", self.code(depth, &check.code));
        if let Some(poll) = &check.poll {
            text += &self.poll(poll);
        }
        if let Some(message) = &check.message {
            let option = format!("message {}", self.text(depth + 1, message));
            continuation(&mut text, depth, &option);
        }
        text
    }

    /// ` within D [every D]`, the durations as written.
    fn poll(&self, poll: &Poll) -> String {
        let mut text = format!(" within {}", self.slice(poll.within.span));
        if let Some(every) = &poll.every {
            text += &format!(" every {}", self.slice(every.span));
        }
        text
    }

    /// A condition with single spaces. Nested `and`/`or` are parenthesised, and so is a `not`
    /// under a `not`, since `not not x` would read back as `x`.
    fn cond(&self, cond: &Cond) -> String {
        let part = |c: &Cond| match c {
            Cond::Or(..) | Cond::And(..) => format!("({})", self.cond(c)),
            _ => self.cond(c),
        };
        match cond {
            Cond::Or(parts, _) => parts.iter().map(part).collect::<Vec<_>>().join(" or "),
            Cond::And(parts, _) => parts.iter().map(part).collect::<Vec<_>>().join(" and "),
            Cond::Not(inner, _) => match **inner {
                Cond::Or(..) | Cond::And(..) | Cond::Not(..) => {
                    format!("not ({})", self.cond(inner))
                }
                _ => format!("not {}", self.cond(inner)),
            },
            Cond::Compare {
                param,
                negated,
                value,
                ..
            } => {
                let op = if *negated { "!=" } else { "==" };
                format!("{} {op} {}", param.value, self.slice(value.span))
            }
            Cond::In {
                param,
                negated,
                values,
                ..
            } => {
                let values: Vec<&str> = values.iter().map(|v| self.slice(v.span)).collect();
                let op = if *negated { "not in" } else { "in" };
                format!("{} {op} ({})", param.value, values.join(", "))
            }
            Cond::IsSet { param, negated, .. } => {
                let op = if *negated { "is not set" } else { "is set" };
                format!("{} {op}", param.value)
            }
            Cond::Flag { param, .. } => param.value.clone(),
        }
    }

    /// A string literal as written. A `"""` string over several lines is re-indented under the
    /// line at `depth` when that leaves its text unchanged.
    fn text(&self, depth: usize, text: &Text) -> String {
        let literal = self.slice(text.span);
        if !text.raw || !literal.contains(['\n', '\r']) {
            return literal.to_owned();
        }
        let inner = literal
            .get(3..literal.len().saturating_sub(3))
            .unwrap_or("");
        let moved = reindent(inner, depth);
        if layout(&moved) == text.value {
            format!("\"\"\"{moved}\"\"\"")
        } else {
            format!("\"\"\"{}\"\"\"", normalize_breaks(inner))
        }
    }

    /// A PowerShell block, braces included: `{ CODE }` on one line, or re-indented under the line
    /// at `depth`, whichever leaves [`Code::text`] unchanged; as written otherwise.
    fn code(&self, depth: usize, code: &Code) -> String {
        let raw = code.raw.as_str();
        if !raw.contains(['\n', '\r']) {
            // Trim only spaces and tabs: other whitespace may be part of a PowerShell token.
            let trimmed = raw.trim_matches([' ', '\t']);
            if trimmed.is_empty() && code.text.is_empty() {
                return "{}".to_owned();
            }
            if layout(&format!(" {trimmed} ")) == code.text {
                return format!("{{ {trimmed} }}");
            }
            return format!("{{{raw}}}");
        }
        let moved = reindent(raw, depth);
        if layout(&moved) == code.text {
            format!("{{{moved}}}")
        } else {
            format!("{{{}}}", normalize_breaks(raw))
        }
    }

    // --- comments and blank lines -------------------------------------------------------------

    /// The comments not written yet that start before `pos`, marked as written.
    fn take_before(&mut self, pos: usize) -> &'a [Comment] {
        let start = self.next;
        while self
            .comments
            .get(self.next)
            .is_some_and(|c| c.span.start < pos)
        {
            self.next += 1;
        }
        &self.comments[start..self.next]
    }

    /// Whether a comment not written yet starts before `pos`.
    fn comment_before(&self, pos: usize) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start < pos)
    }

    /// Appends the next comment to the current line when it starts before `limit` on the line
    /// where the code ending at `after` ends.
    fn trail(&mut self, after: usize, limit: usize) {
        let Some(comment) = self.comments.get(self.next) else {
            return;
        };
        if comment.span.start < limit
            && self.same_line(after, comment.span.start)
            && self.append_comment(comment)
        {
            self.next += 1;
        }
    }

    /// Puts a comment at the end of the last line, one space after the code, unless that line
    /// already ends in a comment. Returns whether it did.
    fn append_comment(&mut self, comment: &Comment) -> bool {
        if self.in_comment {
            return false;
        }
        self.append(&format!(" {}", comment.text));
        self.in_comment = true;
        true
    }

    /// Writes a comment on a line of its own.
    fn comment_line(&mut self, depth: usize, comment: &Comment) {
        self.line(depth, &comment.text);
        self.in_comment = true;
    }

    /// Whether no line break stands between byte `from` and byte `to`.
    fn same_line(&self, from: usize, to: usize) -> bool {
        self.src
            .get(from..to)
            .is_some_and(|between| !between.contains(['\n', '\r']))
    }

    /// Whether the whitespace just before `pos` holds a blank line.
    fn blank_before(&self, pos: usize) -> bool {
        let before = self.src.get(..pos).unwrap_or("");
        let code_end = before
            .trim_end_matches([' ', '\t', '\r', '\n', '\u{FEFF}'])
            .len();
        let space = &before[code_end..];
        let breaks = space.matches("\r\n").count()
            + space.matches('\n').count()
            + space.matches('\r').count();
        // A CR LF was counted three times: once as a pair and once for each of its characters.
        breaks - 2 * space.matches("\r\n").count() >= 2
    }

    /// Writes comments on lines of their own; with `keep_blanks`, a blank line the author left
    /// between two of them stays.
    fn own_lines(&mut self, depth: usize, comments: &[Comment], keep_blanks: bool) {
        for (i, comment) in comments.iter().enumerate() {
            if keep_blanks && i > 0 && self.blank_before(comment.span.start) {
                self.blank();
            }
            self.comment_line(depth, comment);
        }
    }

    /// Where an item starts. The span of `title` and `description` covers only their string, so
    /// their keyword is found before it, past whitespace and comments.
    fn item_start(&self, item: &Item) -> usize {
        let (span, keyword) = match item {
            Item::Title(t) => (t.span, "title"),
            Item::Description(t) => (t.span, "description"),
            other => return other.span().start,
        };
        let mut pos = span.start;
        loop {
            let before = self.src.get(..pos).unwrap_or("");
            pos = before
                .trim_end_matches([' ', '\t', '\r', '\n', '\u{FEFF}'])
                .len();
            match self.comments.iter().find(|c| c.span.end == pos) {
                Some(comment) => pos = comment.span.start,
                None => break,
            }
        }
        match self.src.get(..pos) {
            Some(before) if before.ends_with(keyword) => pos - keyword.len(),
            _ => span.start,
        }
    }

    /// The position of the `{` that follows `from`, past whitespace and comments.
    fn open_brace(&self, from: usize) -> usize {
        let rest = self.src.get(from..).unwrap_or("");
        let mut in_comment = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\n' | '\r' => in_comment = false,
                _ if in_comment => {}
                '#' => in_comment = true,
                '{' => return from + i,
                _ => {}
            }
        }
        from
    }

    // --- output -------------------------------------------------------------------------------

    /// Writes `text` on a new line at `depth`. `text` may span lines; those carry their own
    /// indentation.
    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(text);
        self.out.push('\n');
        self.in_comment = false;
    }

    /// Adds `text` to the end of the last line.
    fn append(&mut self, text: &str) {
        if self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes a blank line, unless the output is empty or already ends with one.
    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// The source text of a span, or nothing for a span outside it (which the meaning check of
    /// [`format_source`] then reports).
    fn slice(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or("")
    }
}

/// Adds an option on a continuation line, one level deeper than the item at `depth`.
fn continuation(text: &mut String, depth: usize, option: &str) {
    text.push('\n');
    for _ in 0..=depth {
        text.push_str(INDENT);
    }
    text.push_str(option);
}

/// Whether a blank line must separate two neighbouring items.
fn separated(prev: &Item, next: &Item, level: Level) -> bool {
    level == Level::Runbook
        && (section(prev).is_none() || section(next).is_none() || section(prev) != section(next))
}

/// The top-level section an item belongs to; `None` for steps, branches and `finally`, which
/// each stand apart.
fn section(item: &Item) -> Option<u8> {
    match item {
        Item::Title(_) | Item::Source(_) | Item::Description(_) => Some(0),
        Item::Param(_) => Some(1),
        Item::Window(_) => Some(2),
        Item::Quote(_) | Item::Action(_) => Some(3),
        Item::Step(_)
        | Item::Foreach(_)
        | Item::When(_)
        | Item::Match(_)
        | Item::If(_)
        | Item::Finally(_) => None,
    }
}

/// `["a", "b"]` on one line, each item escaped; `None` when an item holds a character a one-line
/// string cannot write (then the list is kept as written).
fn list_literal(items: &[String]) -> Option<String> {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        for c in item.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => return None,
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    Some(out)
}
