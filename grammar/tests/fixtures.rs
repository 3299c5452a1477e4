//! The parse fixtures. Every file in `fixtures/parse/ok` compiles without errors; every file in
//! `fixtures/parse/err` reports exactly one problem (an error, or a warning for the checks that only
//! warn). Each fixture has an insta snapshot of what a user would see: for `ok`, an outline of what
//! was read and any warnings; for `err`, the rendered diagnostic, named by the fixture's path from
//! the repository root.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use tejun_grammar::ast::{Action, Body, Item, LoopSource, Pattern, Requirement, Text, TypeKind};
use tejun_grammar::code::Code;
use tejun_grammar::{Severity, Span};

use common::{compile_bytes, display_name, display_source, render, repo_root};

#[test]
fn ok() {
    insta::glob!("../../fixtures/parse/ok", "*.runbook", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = display_name(path);
        let runbook = match compile_bytes(&bytes) {
            Ok(runbook) => runbook,
            Err(problems) => {
                panic!(
                    "{name} should compile but does not:\n{}",
                    render(&problems, &name, &display_source(&bytes))
                )
            }
        };
        let src = std::str::from_utf8(&bytes).unwrap();
        check_spans(&runbook.ast.items, src, &name);
        let mut snapshot = outline(&runbook.ast, src);
        if runbook.warnings.is_empty() {
            snapshot.push_str("\nno warnings\n");
        } else {
            writeln!(snapshot, "\n{} warning(s):\n", runbook.warnings.len()).unwrap();
            snapshot.push_str(&render(&runbook.warnings, &name, src));
        }
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn err() {
    let mut wrong = Vec::new();
    insta::glob!("../../fixtures/parse/err", "*.runbook", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = display_name(path);
        let problems = match compile_bytes(&bytes) {
            Ok(runbook) => runbook.warnings,
            Err(problems) => problems,
        };
        let src = display_source(&bytes);
        let rendered = render(&problems, &name, &src);
        // One problem per fixture: one error, or one warning for the checks that only warn. A
        // warning that follows from the error may come with it; the snapshot shows it.
        let errors = problems
            .iter()
            .filter(|p| p.severity() == Severity::Error)
            .count();
        if (errors == 0 && problems.len() != 1) || errors > 1 {
            wrong.push(format!(
                "{name}: expected one problem, got {}:\n{rendered}",
                problems.len()
            ));
        }
        for problem in &problems {
            let span = problem.span();
            if span.end > src.len()
                || !src.is_char_boundary(span.start)
                || !src.is_char_boundary(span.end)
            {
                wrong.push(format!(
                    "{name}: the span {span:?} of `{problem}` does not fit the source"
                ));
            }
        }
        insta::assert_snapshot!(rendered);
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A snapshot without a fixture is a leftover from a renamed or deleted fixture; insta itself
/// never notices those.
#[test]
fn every_snapshot_has_a_fixture() {
    let fixtures = repo_root().join("fixtures/parse");
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut orphans = BTreeSet::new();
    for entry in std::fs::read_dir(&snapshots).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let Some(rest) = file.strip_prefix("fixtures__") else {
            continue;
        };
        let Some((kind, fixture)) = rest.strip_suffix(".snap").and_then(|r| r.split_once('@'))
        else {
            continue;
        };
        if !fixtures.join(kind).join(fixture).is_file() {
            orphans.insert(file);
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without a fixture; delete them: {orphans:#?}"
    );
}

/// A label covers its node's text and nothing after it: an item's span ends at its last token,
/// not at the next one. Rules that end in optional parts (`param` options, `run` options, a
/// `when` without `else`, a match arm without a comma) currently take the whitespace and comments
/// that follow them, so labels run on to the next line.
#[test]
fn item_spans_end_at_their_last_token() {
    let mut wrong = Vec::new();
    for path in common::runbooks_in(&repo_root().join("fixtures/parse/ok")) {
        let src = std::fs::read_to_string(&path).unwrap();
        let runbook = tejun_grammar::compile(&src).unwrap();
        trailing_space(&runbook.ast.items, &src, &display_name(&path), &mut wrong);
    }
    assert!(
        wrong.is_empty(),
        "spans that end in whitespace:\n{}",
        wrong.join("\n")
    );
}

fn trailing_space(items: &[Item], src: &str, name: &str, wrong: &mut Vec<String>) {
    for item in items {
        let span = item.span();
        let text = &src[span.start..span.end];
        if text.ends_with(char::is_whitespace) {
            let (line, col) = span.line_col(src);
            wrong.push(format!("{name}:{line}:{col}: {text:?}"));
        }
        match item {
            Item::Step(step) => trailing_space(&step.items, src, name, wrong),
            Item::Foreach(f) => trailing_space(&f.items, src, name, wrong),
            Item::Finally(f) => trailing_space(&f.items, src, name, wrong),
            Item::When(w) => {
                for arm in &w.arms {
                    trailing_space(&arm.body.items, src, name, wrong);
                }
                if let Some(body) = &w.otherwise {
                    trailing_space(&body.items, src, name, wrong);
                }
            }
            Item::Match(m) => {
                for arm in &m.arms {
                    trailing_space(&arm.body.items, src, name, wrong);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    trailing_space(&arm.body.items, src, name, wrong);
                }
                if let Some(body) = &i.otherwise {
                    trailing_space(&body.items, src, name, wrong);
                }
            }
            _ => {}
        }
    }
}

/// Every span the parser produced lies inside the file, on character boundaries, and the spans
/// of code and placeholders cover exactly their text.
fn check_spans(items: &[Item], src: &str, name: &str) {
    let fits = |span: Span, what: &str| {
        assert!(
            span.start <= span.end
                && span.end <= src.len()
                && src.is_char_boundary(span.start)
                && src.is_char_boundary(span.end),
            "{name}: the span {span:?} of {what} does not fit the source"
        );
    };
    let code = |code: &Code| {
        fits(code.span, "a code block");
        assert_eq!(
            &src[code.span.start..code.span.end],
            code.raw,
            "{name}: a code block's span"
        );
        for ph in &code.placeholders {
            fits(ph.span, "a placeholder");
            assert_eq!(
                &src[ph.span.start..ph.span.end],
                ph.text,
                "{name}: a placeholder's span"
            );
        }
    };
    for item in items {
        fits(item.span(), "an item");
        match item {
            Item::Step(step) => check_spans(&step.items, src, name),
            Item::Foreach(f) => check_spans(&f.items, src, name),
            Item::Finally(f) => check_spans(&f.items, src, name),
            Item::Action(action) => action.codes().into_iter().for_each(code),
            Item::If(i) => {
                for arm in &i.arms {
                    code(&arm.code);
                    check_spans(&arm.body.items, src, name);
                }
                if let Some(body) = &i.otherwise {
                    check_spans(&body.items, src, name);
                }
            }
            Item::When(w) => {
                w.arms
                    .iter()
                    .for_each(|arm| check_spans(&arm.body.items, src, name));
                if let Some(body) = &w.otherwise {
                    check_spans(&body.items, src, name);
                }
            }
            Item::Match(m) => m
                .arms
                .iter()
                .for_each(|arm| check_spans(&arm.body.items, src, name)),
            _ => {}
        }
    }
}

/// What the parser read, one line per item, indented by nesting; code is shown as the runtime
/// will receive it.
fn outline(ast: &tejun_grammar::Ast, src: &str) -> String {
    let mut out = format!("runbook {}\n", ast.name.value);
    items(&mut out, &ast.items, 1);
    if !ast.comments.is_empty() {
        writeln!(out, "comments:").unwrap();
        for comment in &ast.comments {
            let (line, col) = comment.span.line_col(src);
            writeln!(out, "  {line}:{col} {:?}", comment.text).unwrap();
        }
    }
    out
}

fn items(out: &mut String, items_: &[Item], depth: usize) {
    for item in items_ {
        self::item(out, item, depth);
    }
}

fn item(out: &mut String, item: &Item, depth: usize) {
    let pad = "  ".repeat(depth);
    match item {
        Item::Title(t) => writeln!(out, "{pad}title {}", text(t)).unwrap(),
        Item::Description(t) => writeln!(out, "{pad}description {}", text(t)).unwrap(),
        Item::Source(s) => {
            write!(out, "{pad}source {}", text(&s.id)).unwrap();
            if let Some(url) = &s.url {
                write!(out, " url {}", text(url)).unwrap();
            }
            if let Some(date) = &s.updated {
                write!(out, " updated {date}").unwrap();
            }
            out.push('\n');
        }
        Item::Param(p) => {
            let ty = match &p.ty.kind {
                TypeKind::Choice(options) => {
                    let options: Vec<String> = options.iter().map(text).collect();
                    format!("choice({})", options.join(", "))
                }
                kind => kind.name().to_owned(),
            };
            write!(out, "{pad}param {}: {ty}", p.name.value).unwrap();
            if let Some(default) = &p.default {
                write!(out, " = {}", default.value).unwrap();
            }
            match &p.requirement {
                Requirement::Implicit => {}
                Requirement::Always(_) => write!(out, " required").unwrap(),
                Requirement::When(cond, _) => write!(out, " required when {cond}").unwrap(),
                Requirement::Optional(_) => write!(out, " optional").unwrap(),
            }
            if let Some(ph) = &p.placeholder {
                write!(out, " placeholder {}", text(ph)).unwrap();
            }
            if let Some(doc) = &p.doc {
                write!(out, " doc {}", text(doc)).unwrap();
            }
            out.push('\n');
        }
        Item::Window(w) => {
            write!(
                out,
                "{pad}window {} from {} to {} limit {}ms",
                w.name.value, w.from.value, w.to.value, w.limit.millis
            )
            .unwrap();
            if let Some(warn) = &w.warn {
                write!(out, " warn {}", text(warn)).unwrap();
            }
            out.push('\n');
        }
        Item::Finally(f) => {
            writeln!(out, "{pad}finally").unwrap();
            items(out, &f.items, depth + 1);
        }
        Item::Step(s) => {
            write!(out, "{pad}step {} {}", s.id.value, text(&s.title)).unwrap();
            if let Some(doc) = &s.doc {
                write!(out, " doc {}", doc.value).unwrap();
            }
            out.push('\n');
            items(out, &s.items, depth + 1);
        }
        Item::Foreach(f) => {
            let source = match &f.source {
                LoopSource::Param(name) => name.value.clone(),
                LoopSource::Run(code) => format!("run {{ {} }}", code.text),
            };
            write!(out, "{pad}foreach {} in {source}", f.var.value).unwrap();
            if let Some(ph) = &f.placeholder {
                write!(out, " placeholder {}", text(ph)).unwrap();
            }
            out.push('\n');
            items(out, &f.items, depth + 1);
        }
        Item::Quote(q) => {
            let lang = q
                .lang
                .as_ref()
                .map_or(String::new(), |l| format!("{} ", l.value));
            writeln!(out, "{pad}quote {lang}{}", text(&q.text)).unwrap();
        }
        Item::Action(a) => action(out, a, depth),
        Item::When(w) => {
            for (i, arm) in w.arms.iter().enumerate() {
                let keyword = if i == 0 { "when" } else { "else when" };
                writeln!(out, "{pad}{keyword} {}", arm.cond).unwrap();
                body(out, &arm.body, depth + 1);
            }
            if let Some(otherwise) = &w.otherwise {
                writeln!(out, "{pad}else").unwrap();
                body(out, otherwise, depth + 1);
            }
        }
        Item::If(i) => {
            for (n, arm) in i.arms.iter().enumerate() {
                let keyword = if n == 0 { "if" } else { "else if" };
                writeln!(out, "{pad}{keyword}").unwrap();
                code_lines(out, &arm.code, &pad);
                body(out, &arm.body, depth + 1);
            }
            if let Some(otherwise) = &i.otherwise {
                writeln!(out, "{pad}else").unwrap();
                body(out, otherwise, depth + 1);
            }
        }
        Item::Match(m) => {
            writeln!(out, "{pad}match {}", m.param.value).unwrap();
            for arm in &m.arms {
                let pattern = match &arm.pattern {
                    Pattern::Wildcard(_) => "_".to_owned(),
                    Pattern::Values(values) => {
                        values.iter().map(text).collect::<Vec<_>>().join(" | ")
                    }
                };
                let guard = arm
                    .guard
                    .as_ref()
                    .map_or(String::new(), |g| format!(" when {g}"));
                let braces = if arm.body.braced { "" } else { " (no braces)" };
                writeln!(out, "{pad}  {pattern}{guard} =>{braces}").unwrap();
                body(out, &arm.body, depth + 2);
            }
        }
    }
}

fn body(out: &mut String, body: &Body, depth: usize) {
    items(out, &body.items, depth);
}

fn action(out: &mut String, action: &Action, depth: usize) {
    let pad = "  ".repeat(depth);
    write!(out, "{pad}{}", action.keyword()).unwrap();
    match action {
        Action::Run(run) => {
            if let Some(t) = run.timeout {
                write!(out, " timeout {}ms", t.millis).unwrap();
            }
            if let Some(r) = &run.retries {
                write!(out, " retries {}", r.count).unwrap();
                if let Some(every) = r.every {
                    write!(out, " every {}ms", every.millis).unwrap();
                }
            }
            if let Some(accept) = &run.accept_exit {
                let codes: Vec<String> = accept.codes.iter().map(i64::to_string).collect();
                write!(out, " accept exit {}", codes.join(", ")).unwrap();
            }
        }
        Action::Wait(wait) => {
            if let Some(every) = wait.every {
                write!(out, " every {}ms", every.millis).unwrap();
            }
            if let Some(attempts) = wait.attempts {
                write!(out, " attempts {}", attempts.count).unwrap();
            }
            if let Some(t) = wait.timeout {
                write!(out, " timeout {}ms", t.millis).unwrap();
            }
            if let Some(message) = &wait.message {
                write!(out, " message {}", text(message)).unwrap();
            }
        }
        Action::Manual(m) => write!(out, " {}", text(&m.instruction)).unwrap(),
        Action::Require(check) | Action::Ensure(check) => {
            if let Some(poll) = &check.poll {
                write!(out, " within {}ms", poll.within.millis).unwrap();
                if let Some(every) = poll.every {
                    write!(out, " every {}ms", every.millis).unwrap();
                }
            }
            if let Some(message) = &check.message {
                write!(out, " message {}", text(message)).unwrap();
            }
        }
        Action::SkipIf(_) | Action::RestartShell(_) => {}
    }
    out.push('\n');
    if let Some(code) = action.code() {
        code_lines(out, code, &pad);
    }
    if let Action::Wait(wait) = action {
        writeln!(out, "{pad}  until").unwrap();
        code_lines(out, &wait.until, &pad);
        for g in &wait.give_up {
            writeln!(out, "{pad}  give up {}", text(&g.name)).unwrap();
            code_lines(out, &g.code, &pad);
        }
    }
}

/// A block's code as sent, and its placeholders.
fn code_lines(out: &mut String, code: &Code, pad: &str) {
    for line in code.text.lines() {
        writeln!(out, "{pad}  | {line}").unwrap();
    }
    for ph in &code.placeholders {
        let place = if ph.in_string {
            "in a string"
        } else {
            "in code"
        };
        writeln!(out, "{pad}  placeholder {} {place}", ph.text).unwrap();
    }
}

/// A string as the parser decoded it; `"""` strings are marked.
fn text(t: &Text) -> String {
    if t.raw {
        format!("raw{:?}", t.value)
    } else {
        format!("{:?}", t.value)
    }
}
