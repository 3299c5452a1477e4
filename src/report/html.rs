//! The report's page: one HTML file with its CSS inline, a Content-Security-Policy that allows
//! nothing to load (`default-src 'none'`), no script (output collapses with `<details>`), and
//! every piece of text from the journal or the runbook escaped.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use tejun_runtime::host::{TAIL_LINE_BYTES, TAIL_LINES};

use super::journal::Skipped;
use super::model::{Command, Entry, Item, Note, Run, Session, Step, Tone, Window};
use super::transcript::Printed;
use super::{Book, Options};

/// What the page is made of.
pub(crate) struct Input<'a> {
    pub run: &'a str,
    pub model: &'a Run,
    pub book: Option<&'a Book>,
    pub printed: Option<&'a Printed>,
    pub skipped: &'a [Skipped],
    pub options: &'a Options,
}

const STYLE: &str = include_str!("style.css");

/// The Content-Security-Policy: nothing is fetched, only the inline style applies.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The whole page.
pub(crate) fn page(input: &Input) -> String {
    let mut p = Page {
        input,
        out: String::new(),
        inlined: 0,
    };
    p.document();
    p.out
}

struct Page<'a> {
    input: &'a Input<'a>,
    out: String,
    /// Bytes of command output inlined so far.
    inlined: usize,
}

impl Page<'_> {
    fn document(&mut self) {
        let model = self.input.model;
        let name = model
            .start
            .as_ref()
            .map_or("(no run start recorded)", |s| s.runbook.as_str());
        let title = self
            .input
            .book
            .and_then(|b| b.title.as_deref())
            .unwrap_or(name);
        let status = status_class(&model.history.status);
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{} — run {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
            attr(CSP),
            text(title),
            text(self.input.run)
        );
        let _ = writeln!(
            self.out,
            "<header>\n<h1 id=\"title\">{}</h1>\n<p class=\"sub\">run <code id=\"run-id\">{}</code> of runbook <code>{}</code></p>\n<p id=\"status\" class=\"badge {status}\">{}</p>\n</header>",
            text(title),
            text(self.input.run),
            text(name),
            text(&self.status_line())
        );
        self.notices();
        self.summary();
        self.params();
        self.manuals();
        self.windows();
        self.timeline();
        let _ = writeln!(
            self.out,
            "<footer>Written by tejun {} from <code>journal.jsonl</code>; every line every command printed is in <a href=\"{}\">transcript.log</a>.</footer>\n</main>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION"),
            attr(&self.input.options.transcript_href)
        );
    }

    fn status_line(&self) -> String {
        let h = &self.input.model.history;
        match &h.step {
            Some(step) if h.status != "succeeded" && !h.status.is_empty() => {
                format!("{} at {step}", h.describe())
            }
            _ => h.describe(),
        }
    }

    fn notices(&mut self) {
        let mut notes: Vec<String> = Vec::new();
        for s in self.input.skipped {
            notes.push(if s.cut {
                format!(
                    "The journal's last line (line {}, {} bytes) is cut short, as after tejun was killed or the disk filled up: it is left out of this report.",
                    s.line, s.bytes
                )
            } else {
                format!(
                    "Line {} of the journal ({} bytes) is not a JSON object: it is left out of this report.",
                    s.line, s.bytes
                )
            });
        }
        if let Some(note) = self.input.book.and_then(|b| b.note.as_ref()) {
            notes.push(format!("{}.", capitalised(note)));
        }
        if self.input.model.start.is_none() {
            notes.push(
                "The journal has no run start: the runbook and its parameters are unknown.".into(),
            );
        }
        if notes.is_empty() {
            return;
        }
        self.out
            .push_str("<section id=\"notices\" class=\"notices\">\n");
        for n in notes {
            let _ = writeln!(self.out, "<p class=\"notice\">{}</p>", text(&n));
        }
        self.out.push_str("</section>\n");
    }

    fn summary(&mut self) {
        let model = self.input.model;
        let t = &model.totals;
        let mut rows: Vec<(&str, String)> = vec![("Status", self.status_line())];
        if let Some(error) = &model.error {
            rows.push(("Error", error.clone()));
        }
        if let Some(start) = &model.start {
            rows.push(("Started", when(&start.at)));
        }
        if let Some(last) = &model.last_at {
            rows.push(("Last entry", when(last)));
        }
        if let (Some(first), Some(last)) = (&model.first_at, &model.last_at)
            && let Some(ms) = super::model::between(first, last)
        {
            rows.push(("Wall time", duration(ms)));
        }
        rows.push(("Time running", duration(t.run_ms)));
        rows.push((
            "Sessions",
            match t.sessions {
                0 | 1 => format!("{} (no resume)", t.sessions),
                n => format!(
                    "{n} (the run and {} resume{})",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                ),
            },
        ));
        let total = model.start.as_ref().map_or(0, |s| s.steps);
        rows.push((
            "Steps",
            format!(
                "{} of {total} done, {} skipped, {} failed, {} paused",
                t.steps_done, t.steps_skipped, t.steps_failed, t.steps_paused
            ),
        ));
        rows.push((
            "Commands",
            format!("{} run, {} failed", t.commands, t.commands_failed),
        ));
        rows.push(("Manual decisions", model.manuals.len().to_string()));
        if let Some((id, url, updated)) = self.input.book.and_then(|b| b.source.as_ref()) {
            let mut s = id.clone();
            if let Some(url) = url {
                s.push_str(&format!(" — {url}"));
            }
            if let Some(updated) = updated {
                s.push_str(&format!(" (updated {updated})"));
            }
            rows.push(("Source", s));
        }
        if let Some(d) = self.input.book.and_then(|b| b.description.as_ref()) {
            rows.push(("Description", d.clone()));
        }
        if let Some(start) = &model.start {
            rows.push(("Runbook file", start.runbook_path.clone()));
            rows.push(("Runbook SHA-256", start.runbook_hash.clone()));
            rows.push(("Shell", start.shell.clone()));
            if let Some(inventory) = &start.inventory {
                rows.push(("Inventory", inventory.clone()));
            }
        }
        self.out
            .push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"facts\">\n");
        for (k, v) in rows {
            let _ = writeln!(self.out, "<tr><th>{k}</th><td>{}</td></tr>", text(&v));
        }
        let transcript = match self.input.printed {
            Some(p) => format!(
                "<a href=\"{}\">transcript.log</a> ({})",
                attr(&self.input.options.transcript_href),
                size(p.total_bytes)
            ),
            None => "none (nothing was printed, or the file is gone)".into(),
        };
        let _ = writeln!(
            self.out,
            "<tr><th>Transcript</th><td>{transcript}</td></tr>\n</table>\n</section>"
        );
    }

    fn params(&mut self) {
        let Some(start) = &self.input.model.start else {
            return;
        };
        self.out
            .push_str("<section id=\"parameters\">\n<h2>Parameters</h2>\n");
        if start.params.is_empty() {
            self.out.push_str("<p>None.</p>\n</section>\n");
            return;
        }
        self.out
            .push_str("<table class=\"grid\">\n<tr><th>name</th><th>value</th></tr>\n");
        let secrets = self.input.book.map_or(&[][..], |b| &b.secrets[..]);
        for (name, value) in &start.params {
            // The journal masks secrets already; a parameter the runbook declares secret is
            // masked here too, whatever the journal holds.
            let shown = if secrets.contains(name) || value == "***" {
                "<span class=\"secret\">*** (secret)</span>".to_owned()
            } else {
                format!("<code>{}</code>", text(value))
            };
            let _ = writeln!(
                self.out,
                "<tr><td><code>{}</code></td><td>{shown}</td></tr>",
                text(name)
            );
        }
        self.out.push_str("</table>\n</section>\n");
    }

    fn manuals(&mut self) {
        let input = self.input;
        let manuals = &input.model.manuals;
        self.out
            .push_str("<section id=\"manual\">\n<h2>Manual steps</h2>\n");
        if manuals.is_empty() {
            let paused = self.input.model.history.paused_at();
            let _ = writeln!(
                self.out,
                "<p>{}</p>",
                match paused {
                    Some(step) => format!(
                        "None decided yet: the run waits at <code>{}</code> for a person to confirm it (<code>tejun resume RUN --confirm {} --by NAME</code>).",
                        text(step),
                        text(step)
                    ),
                    None => "No manual decision was recorded.".into(),
                }
            );
            self.out.push_str("</section>\n");
            return;
        }
        self.out.push_str(
            "<table class=\"grid\">\n<tr><th>step</th><th>instruction</th><th>decision</th><th>by</th><th>when</th></tr>\n",
        );
        for m in manuals {
            let _ = writeln!(
                self.out,
                "<tr class=\"manual {}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"by\">{}</td><td>{}</td></tr>",
                attr(&m.decision),
                text(&m.step),
                text(&m.instruction),
                text(&m.decision),
                text(&m.by),
                text(&when(&m.at))
            );
        }
        self.out.push_str("</table>\n");
        if let Some(step) = self.input.model.history.paused_at() {
            let _ = writeln!(
                self.out,
                "<p class=\"waiting\">The run waits at <code>{}</code> for a person to confirm it.</p>",
                text(step)
            );
        }
        self.out.push_str("</section>\n");
    }

    fn windows(&mut self) {
        let input = self.input;
        let windows = &input.model.windows;
        if windows.is_empty() {
            return;
        }
        self.out
            .push_str("<section id=\"windows\">\n<h2>Time windows</h2>\n");
        for w in windows {
            self.window(w);
        }
        self.out.push_str("</section>\n");
    }

    fn window(&mut self, w: &Window) {
        let over = w.elapsed_ms > w.limit_ms;
        let state = match (w.closed, over) {
            (true, false) => "within its limit".to_owned(),
            (true, true) => format!("over its limit by {}", duration(w.elapsed_ms - w.limit_ms)),
            (false, false) => "still open at the journal's last entry".to_owned(),
            (false, true) => format!(
                "still open at the journal's last entry, over its limit by {}",
                duration(w.elapsed_ms - w.limit_ms)
            ),
        };
        let scale = w.limit_ms.max(w.elapsed_ms).max(1) as f64;
        let pct = |ms: u64| ms as f64 * 100.0 / scale;
        let within = w.elapsed_ms.min(w.limit_ms);
        let class = if over {
            "over"
        } else if w.closed {
            "within"
        } else {
            "open"
        };
        let _ = writeln!(
            self.out,
            "<div class=\"window {class}\" data-window=\"{}\">\n<p><code>{}</code> open {} of its {} limit ({}): {}</p>",
            attr(&w.name),
            text(&w.name),
            text(&duration(w.elapsed_ms)),
            text(&w.limit),
            text(&duration(w.limit_ms)),
            text(&state)
        );
        let _ = write!(
            self.out,
            "<div class=\"bar\" role=\"img\" aria-label=\"{}\"><div class=\"fill\" style=\"width:{:.2}%\"></div>",
            attr(&format!(
                "{} of {} used",
                duration(w.elapsed_ms),
                duration(w.limit_ms)
            )),
            pct(within)
        );
        if over {
            let _ = write!(
                self.out,
                "<div class=\"fill over\" style=\"left:{:.2}%;width:{:.2}%\"></div>",
                pct(w.limit_ms),
                pct(w.elapsed_ms - w.limit_ms)
            );
        }
        let _ = writeln!(
            self.out,
            "<div class=\"limit\" style=\"left:{:.2}%\" title=\"limit {}\"></div></div>",
            pct(w.limit_ms),
            attr(&w.limit)
        );
        if let Some(m) = &w.message {
            let (class, said) = if w.warned {
                ("warned", "warned")
            } else {
                ("quiet", "its warning (not given)")
            };
            let _ = writeln!(self.out, "<p class=\"{class}\">{said}: {}</p>", text(m));
        }
        self.out.push_str("</div>\n");
    }

    fn timeline(&mut self) {
        self.out
            .push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n<ol class=\"timeline\">\n");
        let input = self.input;
        for entry in &input.model.timeline {
            match entry {
                Entry::Session(s) => self.session(s),
                Entry::Step(s) => self.step(s),
                Entry::Note(n) => {
                    self.out.push_str("<li class=\"between\">");
                    self.note(n);
                    self.out.push_str("</li>\n");
                }
                Entry::End(e) => {
                    let mut line = format!(
                        "run {} after {}",
                        e.status.replace('_', " "),
                        duration(e.elapsed_ms)
                    );
                    if let Some(step) = &e.step
                        && e.status != "succeeded"
                    {
                        line.push_str(&format!(" at `{step}`"));
                    }
                    if let Some(error) = &e.error {
                        line.push_str(&format!(": {error}"));
                    }
                    let _ = writeln!(
                        self.out,
                        "<li class=\"end {}\">{} {}</li>",
                        status_class(&e.status),
                        time(&e.at),
                        text(&line)
                    );
                }
            }
        }
        self.out.push_str("</ol>\n</section>\n");
    }

    fn session(&mut self, s: &Session) {
        let (class, at, line) = match s {
            Session::Started { at } => ("start", at.clone(), "run started".to_owned()),
            Session::Resumed {
                at,
                from_step,
                forced,
            } => (
                "resume",
                at.clone(),
                format!(
                    "resumed from `{from_step}`{}",
                    if *forced {
                        " (forced: the runbook had changed)"
                    } else {
                        ""
                    }
                ),
            ),
            Session::LockTakenOver {
                at,
                run,
                pid,
                host,
                command,
            } => (
                "takeover",
                at.clone(),
                format!(
                    "took over the state folder's lock left by `tejun {command}` of run `{run}` (pid {pid} on {host}), which ended without releasing it"
                ),
            ),
            Session::Lost { last_at } => (
                "lost",
                last_at.clone().unwrap_or_default(),
                "the session ended here without a run end: tejun was killed or the machine went down"
                    .to_owned(),
            ),
        };
        let _ = writeln!(
            self.out,
            "<li class=\"divider {class}\">{} {}</li>",
            time(&at),
            text(&line)
        );
    }

    fn step(&mut self, s: &Step) {
        // The cleanup has no `step_end`: its commands say how it went.
        let cleanup = s.finally.then(|| {
            let ends: Vec<_> = s
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Command(c) => Some(c.end.as_ref().is_some_and(|e| e.succeeded)),
                    Item::Note(_) => None,
                })
                .collect();
            if ends.contains(&false) {
                "failed"
            } else {
                "done"
            }
        });
        let status = s.status.as_deref().or(cleanup).unwrap_or("unfinished");
        let class = if s.finally {
            format!("step finally {status}")
        } else {
            format!("step {status}")
        };
        let _ = write!(
            self.out,
            "<li class=\"{}\" data-step=\"{}\">\n<div class=\"head\">{} ",
            attr(&class),
            attr(&s.id),
            time(&s.at)
        );
        if let (Some(i), Some(n)) = (s.index, s.total) {
            let _ = write!(self.out, "<span class=\"num\">{i}/{n}</span> ");
        }
        let _ = write!(self.out, "<code class=\"id\">{}</code>", text(&s.id));
        if !s.title.is_empty() {
            let _ = write!(self.out, " {}", text(&s.title));
        }
        if let Some(doc) = &s.doc {
            let _ = write!(self.out, " <span class=\"doc\">(doc {})</span>", text(doc));
        }
        if let Some(target) = &s.target {
            let _ = write!(
                self.out,
                " <span class=\"target\">on {}</span>",
                text(target)
            );
        }
        let _ = write!(
            self.out,
            " <span class=\"status {}\">{}</span>",
            attr(status),
            text(status)
        );
        if let Some(ms) = s.elapsed_ms {
            let _ = write!(self.out, " <span class=\"took\">{}</span>", duration(ms));
        }
        self.out.push_str("</div>\n");
        if let Some(error) = &s.error {
            let _ = writeln!(self.out, "<p class=\"error\">{}</p>", text(error));
        }
        for item in &s.items {
            match item {
                Item::Command(c) => self.command(c),
                Item::Note(n) => self.note(n),
            }
        }
        self.out.push_str("</li>\n");
    }

    fn note(&mut self, n: &Note) {
        let tone = match n.tone {
            Tone::Info => "info",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Manual => "manual",
        };
        let _ = write!(
            self.out,
            "<p class=\"note {tone}\">{} {}",
            time(&n.at),
            text(&n.text)
        );
        if let Some(code) = &n.code {
            let _ = write!(self.out, " <code>{}</code>", text(code));
        }
        self.out.push_str("</p>\n");
    }

    fn command(&mut self, c: &Command) {
        let (class, verdict) = match &c.end {
            None => ("command unfinished", "no result recorded".to_owned()),
            Some(e) if e.succeeded => ("command ok", "ok".to_owned()),
            Some(e) => {
                let mut v = "failed".to_owned();
                if e.timed_out {
                    v.push_str(", timed out");
                }
                if e.interrupted {
                    v.push_str(", interrupted");
                }
                ("command failed", v)
            }
        };
        let (keyword, code) = match tejun_runtime::execute::wait_command(&c.code) {
            Some(command) => ("wait", command),
            None => ("run", c.code.as_str()),
        };
        let _ = write!(
            self.out,
            "<div class=\"{class}\">\n<div class=\"chead\">{} {keyword}",
            time(&c.at)
        );
        if c.attempt > 1 {
            let _ = write!(self.out, " (try {})", c.attempt);
        }
        let _ = write!(
            self.out,
            " <span class=\"verdict\">{}</span>",
            text(&verdict)
        );
        if let Some(e) = &c.end {
            let _ = write!(
                self.out,
                " <span class=\"took\">{}</span> <span class=\"state\">{}",
                duration(e.elapsed_ms),
                text(&e.state)
            );
            if let Some(x) = e.exit {
                let _ = write!(self.out, ", exit {x}");
            }
            if let Some(x) = e.last_exit_code {
                let _ = write!(self.out, ", $LASTEXITCODE {x}");
            }
            self.out.push_str("</span>");
        } else if let Some(ms) = c.timeout_ms {
            let _ = write!(
                self.out,
                " <span class=\"took\">timeout {}</span>",
                duration(ms)
            );
        }
        let _ = writeln!(self.out, "</div>\n<pre class=\"code\">{}</pre>", text(code));
        match &c.end {
            None => {
                let _ = writeln!(
                    self.out,
                    "<p class=\"omitted\">The session ended while this command ran: it has no result in the journal. What it printed is in <a href=\"{}\">transcript.log</a>{}.</p>",
                    attr(&self.input.options.transcript_href),
                    self.printed_by(&c.step)
                );
            }
            Some(e) => {
                if let Some(f) = &e.failure {
                    let _ = writeln!(self.out, "<pre class=\"failure\">{}</pre>", text(f));
                }
                self.output(c, &e.tail);
            }
        }
        self.out.push_str("</div>\n");
    }

    /// A command's recorded output (the journal's tail): inlined in a `<details>` within the
    /// bounds, summarised with its size and a link to the transcript beyond them.
    fn output(&mut self, c: &Command, tail: &[super::model::TailLine]) {
        if tail.is_empty() {
            self.out.push_str("<p class=\"quiet\">no output</p>\n");
            return;
        }
        let bytes: usize = tail.iter().map(|l| l.text.len() + 1).sum();
        let cut = tail
            .iter()
            .any(|l| l.text.len() > TAIL_LINE_BYTES && l.text.ends_with('…'));
        let complete = tail.len() < TAIL_LINES && !cut;
        let bounds = &self.input.options.bounds;
        let href = attr(&self.input.options.transcript_href).into_owned();
        if !complete {
            let _ = writeln!(
                self.out,
                "<p class=\"summarised\">Output larger than the journal keeps (the last {TAIL_LINES} lines of a command, each cut to {}){}: the whole of it is in <a href=\"{href}\">transcript.log</a>.</p>",
                size(TAIL_LINE_BYTES as u64),
                self.printed_by(&c.step)
            );
        }
        if bytes > bounds.per_command || self.inlined + bytes > bounds.total {
            let why = if bytes > bounds.per_command {
                format!("more than {} per command", size(bounds.per_command as u64))
            } else {
                format!(
                    "the report already holds {} of output",
                    size(self.inlined as u64)
                )
            };
            let _ = writeln!(
                self.out,
                "<p class=\"summarised\">Output not shown here: {} lines, {} recorded in the journal ({why}); see <a href=\"{href}\">transcript.log</a>{}.</p>",
                count(tail.len() as u64),
                size(bytes as u64),
                self.printed_by(&c.step)
            );
            return;
        }
        self.inlined += bytes;
        let lines = tail.iter().filter(|l| !l.partial).count();
        let _ = write!(
            self.out,
            "<details class=\"output\"{}><summary>output: {}{} ({})</summary><pre>",
            if c.end.as_ref().is_some_and(|e| !e.succeeded) {
                " open"
            } else {
                ""
            },
            if complete { "" } else { "the last " },
            plural(lines as u64, "line"),
            size(bytes as u64)
        );
        for line in tail {
            let label = match line.stream.as_str() {
                "output" | "stdout" => None,
                "error" => Some("ERROR"),
                "warning" => Some("WARNING"),
                "verbose" => Some("VERBOSE"),
                "debug" => Some("DEBUG"),
                "information" => Some("INFO"),
                "stderr" => Some("STDERR"),
                _ => Some("?"),
            };
            let _ = write!(self.out, "<span class=\"s-{}\">", attr(&line.stream));
            if let Some(label) = label {
                let _ = write!(self.out, "{label}: ");
            }
            self.out.push_str(&text(&line.text));
            self.out.push_str("</span>");
            if !line.partial {
                self.out.push('\n');
            }
        }
        self.out.push_str("</pre></details>\n");
    }

    /// `; step `s` printed N lines (X) in all`, from the transcript.
    fn printed_by(&self, step: &str) -> String {
        match self.input.printed.and_then(|p| p.by_step.get(step)) {
            Some(a) => format!(
                "; step <code>{}</code> printed {} ({}) in all",
                text(step),
                plural(a.lines, "line"),
                size(a.bytes)
            ),
            None => String::new(),
        }
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "succeeded" => "succeeded",
        "failed" => "failed",
        "paused" => "paused",
        "interrupted" => "interrupted",
        "failed_to_start" => "failed",
        _ => "unknown",
    }
}

/// A `<time>` with the clock time (UTC) of an RFC 3339 `at`.
fn time(at: &str) -> String {
    match at.parse::<jiff::Timestamp>() {
        Ok(ts) => format!(
            "<time datetime=\"{}\">{}</time>",
            attr(at),
            ts.strftime("%H:%M:%S")
        ),
        Err(_) => "<time>--:--:--</time>".into(),
    }
}

/// An RFC 3339 `at` for people: `2026-12-02 18:04:00 UTC`.
fn when(at: &str) -> String {
    match at.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        Err(_) => at.to_owned(),
    }
}

/// A duration for people: `850 ms`, `4.2 s`, `3 min 04 s`, `1 h 02 min`.
pub(crate) fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} min {:02} s", ms / 60_000, ms / 1000 % 60)
    } else {
        format!("{} h {:02} min", ms / 3_600_000, ms / 60_000 % 60)
    }
}

/// A size for people: `512 B`, `3.4 KiB`, `1.2 MiB`.
fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    let (value, unit) = if b < KIB {
        return format!("{bytes} B");
    } else if b < KIB * KIB {
        (b / KIB, "KiB")
    } else if b < KIB * KIB * KIB {
        (b / KIB / KIB, "MiB")
    } else {
        (b / KIB / KIB / KIB, "GiB")
    };
    let figure = format!("{value:.1}");
    format!("{} {unit}", figure.strip_suffix(".0").unwrap_or(&figure))
}

/// `12,345`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64, word: &str) -> String {
    format!("{} {word}{}", count(n), if n == 1 { "" } else { "s" })
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(4_250), "4.2 s");
        assert_eq!(duration(184_000), "3 min 04 s");
        assert_eq!(duration(3_720_000), "1 h 02 min");
        assert_eq!(size(1_500_000), "1.4 MiB");
        assert_eq!(size(256 * 1024), "256 KiB");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(plural(1, "line"), "1 line");
    }
}
