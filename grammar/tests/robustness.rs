//! Broken, hostile and huge input never panics the parser or the checker: every input ends in a
//! runbook or in diagnostics whose spans fit the file, and those diagnostics render.
//!
//! Property tests feed arbitrary bytes, soups of the language's own tokens, and runbooks from
//! `runbooks/` and `fixtures/parse/ok` with random ranges deleted, inserted, duplicated and swapped.
//! Explicit tests cover the extremes: 50 MB inputs, deep nesting, binary data, invalid UTF-8 and
//! the empty file.
//!
//! The 50 MB inputs take tens of seconds each in a debug build (the parser does per-character work
//! through pest), so a debug build runs them at [`DEBUG_BIG`] instead; an optimised build
//! (`cargo test --release`) runs them at the full 50 MB. `TEJUN_BIG_INPUT_MB` overrides both. Each
//! big test prints how long it took.

mod common;

use std::sync::LazyLock;
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use tejun_grammar::Problem;
use tejun_grammar::ast::Item;

use common::{compile_bytes, display_source, render, repo_root, runbooks_in};

/// The size of the "50 MB" inputs in an optimised build.
const FULL_BIG: usize = 50 * 1024 * 1024;

/// The size of the "50 MB" inputs in a debug build, where 50 MB would take minutes.
const DEBUG_BIG: usize = 2 * 1024 * 1024;

/// The size of the big inputs for this build.
fn big_size() -> usize {
    match std::env::var("TEJUN_BIG_INPUT_MB") {
        Ok(mb) => {
            mb.parse::<usize>()
                .expect("TEJUN_BIG_INPUT_MB is a number of megabytes")
                * 1024
                * 1024
        }
        Err(_) if cfg!(debug_assertions) => DEBUG_BIG,
        Err(_) => FULL_BIG,
    }
}

/// What compiling `bytes` gives a user: `Ok` with warnings, or the problems. Panics (failing the
/// test) when a problem's span does not fit the file, or, for inputs small enough to render
/// quickly, when rendering fails.
fn outcome(bytes: &[u8]) -> Result<usize, Vec<Problem>> {
    let result = compile_bytes(bytes);
    let problems = match &result {
        Ok(runbook) => &runbook.warnings,
        Err(problems) => problems,
    };
    let src = display_source(bytes);
    for problem in problems {
        let span = problem.span();
        assert!(
            span.start <= span.end
                && span.end <= src.len()
                && src.is_char_boundary(span.start)
                && src.is_char_boundary(span.end),
            "the span {span:?} of `{problem}` does not fit a source of {} bytes",
            src.len()
        );
    }
    // The lint rules read whatever the checker accepted (and file whatever it rejected).
    let config = tejun_grammar::lint::Config::default();
    let findings = tejun_grammar::lint::lint(&src, &result, &config, "fuzz.runbook");
    for finding in tejun_grammar::lint::finish(findings, &src, &result, &config, "fuzz.runbook") {
        let span = finding.span;
        assert!(
            span.start <= span.end
                && span.end <= src.len()
                && src.is_char_boundary(span.start)
                && src.is_char_boundary(span.end),
            "the span {span:?} of lint finding `{}` ({}) does not fit a source of {} bytes",
            finding.message,
            finding.code,
            src.len()
        );
    }
    if src.len() <= 64 * 1024 && problems.len() <= 100 {
        let rendered = render(problems, "fuzz.runbook", &src);
        assert!(
            problems.is_empty() || !rendered.is_empty(),
            "problems rendered as nothing"
        );
    }
    result.map(|runbook| runbook.warnings.len())
}

/// Like [`outcome`], for input that must be rejected: returns the problems.
fn rejected(bytes: &[u8]) -> Vec<Problem> {
    match outcome(bytes) {
        Ok(_) => panic!("{} bytes were accepted as a runbook", bytes.len()),
        Err(problems) => {
            assert!(!problems.is_empty(), "rejected without saying why");
            problems
        }
    }
}

/// Runs `f` and prints how long it took, so `--nocapture` shows the timings of the big inputs.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = f();
    eprintln!("{what}: {:?}", start.elapsed());
    result
}

/// The runbooks the mutation tests start from: the real ones and the `ok` fixtures.
static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let root = repo_root();
    let mut files = runbooks_in(&root.join("runbooks"));
    files.extend(runbooks_in(&root.join("fixtures/parse/ok")));
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
});

/// Fragments that open, close or confuse something, for insertion by the mutation tests.
#[rustfmt::skip]
const SNIPPETS: &[&str] = &[
    "{", "}", "(", ")", "\"", "\"\"\"", "'", "’", "“", "@'\n", "\n'@", "@\"\n", "\n\"@", "#", "<#", "#>", "`",
    "${", "$(", "\\", "\\q", "\r\n", "\r", "\u{FEFF}", "\0", "=>", "|", "_", ",", "==", "!=", " and ", " or ",
    " not ", " in ", " is set", "when ", "else ", "match ", "step x \"X\" ", "param P: bool = true ",
    "run { x } ", "restart shell ", "finally { } ", "window w from a to b limit 1m ", "<SQL Server FQDN>",
    "<A>", "2012-13-45", "99999999999999999999", "0ms", "ja ", "日本語",
];

/// One edit of a runbook's bytes. Positions are indexes into the bytes as they are when the edit
/// is applied.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove `len` bytes at `at`.
    Delete { at: Index, len: usize },
    /// Insert bytes at `at`.
    Insert { at: Index, bytes: Vec<u8> },
    /// Copy `len` bytes from `from` to `to`.
    Duplicate { from: Index, len: usize, to: Index },
    /// Exchange two ranges of `len` bytes.
    Swap { a: Index, b: Index, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let insert = prop_oneof![
        proptest::sample::select(SNIPPETS).prop_map(|s| s.as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        (any::<Index>(), 1..256usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<Index>(), insert).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<Index>(), 1..512usize, any::<Index>())
            .prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        (any::<Index>(), any::<Index>(), 1..128usize).prop_map(|(a, b, len)| Mutation::Swap {
            a,
            b,
            len
        }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let n = bytes.len();
    let at = |i: &Index| if n == 0 { 0 } else { i.index(n + 1) };
    match mutation {
        Mutation::Delete { at: i, len } => {
            let start = at(i);
            bytes.drain(start..(start + len).min(n));
        }
        Mutation::Insert { at: i, bytes: new } => {
            let start = at(i);
            bytes.splice(start..start, new.iter().copied());
        }
        Mutation::Duplicate { from, len, to } => {
            let start = at(from);
            let copy = bytes[start..(start + len).min(n)].to_vec();
            let to = at(to);
            bytes.splice(to..to, copy);
        }
        Mutation::Swap { a, b, len } => {
            let (a, b) = (at(a).min(at(b)), at(a).max(at(b)));
            let len = (*len).min(b - a).min(n - b);
            if len > 0 {
                let (left, right) = bytes.split_at_mut(b);
                left[a..a + len].swap_with_slice(&mut right[..len]);
            }
        }
    }
}

/// A soup of the language's own tokens: far more likely than random bytes to reach deep into the
/// grammar and the checker.
fn token_soup() -> impl Strategy<Value = String> {
    #[rustfmt::skip]
    const TOKENS: &[&str] = &[
        "runbook r {", "}", "{", "(", ")", "step s \"S\"", "step t \"T\" doc 1.2", "param A: bool = false",
        "param B: choice(\"x\", \"y\")", "param C: string optional placeholder \"<C>\"", "param D: secret",
        "param E: int required when A", "when", "else", "match B", "\"x\" =>", "\"y\" when A =>", "_ =>", "A",
        "B", "C", "D", "E", "==", "!=", "\"x\"", "1", "true", "and", "or", "not", "in (\"x\", \"y\")",
        "is set", "is not set", "run { Write-Output '}' }", "run { <C> }", "manual \"m\"", "quote ja \"q\"",
        "require { $true } message \"m\"", "ensure { $true } within 1m every 2m", "skip if { $false }",
        "restart shell", "timeout 0s", "retries 2 every 1s", "accept exit 0, 2",
        "window w from s to t limit 1m", "finally {", "title \"t\"", "source \"s\" updated 2024-02-30",
        "# comment\n", "\n", ",",
    ];
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..80)
        .prop_map(|tokens| tokens.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Integration tests have no lib.rs for the default location: keep failures beside this file.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = outcome(&bytes);
    }

    #[test]
    fn arbitrary_text_after_the_header_never_panics(text in "\\PC{0,512}") {
        let _ = outcome(format!("runbook r {{ step s \"S\" {{ {text} }} }}").as_bytes());
    }

    #[test]
    fn arbitrary_powershell_never_panics_the_lint_scanner(text in "[\\PC\n`'\"$@(){}\\[\\];|&=#<>]{0,256}") {
        let _ = outcome(format!("runbook r {{\n  param P: secret\n  step s \"S\" {{\n    run {{ {text} }}\n    restart shell\n    run {{ {text} }}\n  }}\n}}\n").as_bytes());
    }

    #[test]
    fn the_lint_scanner_reads_any_text(text in "[\\PC\n`'\"$@(){}\\[\\];|&=#<>\u{2018}\u{201c}]{0,256}") {
        let code = tejun_grammar::code::Code::new(&text, tejun_grammar::Span::new(0, text.len()), Vec::new());
        let scan = tejun_grammar::lint::pwsh::scan(&code);
        for span in scan.commands.iter().map(|c| c.span).chain(scan.vars.iter().map(|v| v.span)) {
            prop_assert!(span.start <= span.end && span.end <= text.len());
            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }

    #[test]
    fn token_soups_never_panic(soup in token_soup()) {
        let _ = outcome(soup.as_bytes());
        let _ = outcome(format!("runbook r {{ {soup} }}").as_bytes());
    }

    #[test]
    fn mutated_runbooks_never_panic(seed in any::<Index>(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let original = &SEEDS[seed.index(SEEDS.len())];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let _ = outcome(&bytes);
        // Most byte edits break UTF-8, which stops the parser early: try the text they leave too.
        let _ = outcome(String::from_utf8_lossy(&bytes).as_bytes());
    }
}

/// Cutting a runbook anywhere before its closing brace is always reported, never accepted.
#[test]
fn every_truncation_is_rejected() {
    let path = repo_root().join("fixtures/parse/ok/japanese.runbook");
    let src = std::fs::read_to_string(&path).unwrap();
    let end = tejun_grammar::parse(&src)
        .expect("the fixture parses")
        .span
        .end;
    let mut cut = 0;
    let bytes = src.as_bytes();
    for (i, _) in src.char_indices().chain([(src.len(), ' ')]) {
        match outcome(&bytes[..i]) {
            Ok(_) => assert!(
                i >= end,
                "the runbook cut at byte {i} (before its end at {end}) was accepted"
            ),
            Err(_) => assert!(
                i < end,
                "the runbook cut at byte {i}, after its end at {end}, was rejected"
            ),
        }
        cut += 1;
    }
    assert!(cut > 500, "the fixture is too short to be a useful test");
}

#[test]
fn the_empty_file_is_reported() {
    let problems = rejected(b"");
    assert_eq!(problems[0].code_str(), "tejun::parse::syntax");
    assert!(
        problems[0].to_string().contains("`runbook`"),
        "{}",
        problems[0]
    );
}

#[test]
fn whitespace_comments_and_byte_order_marks_alone_are_reported() {
    for src in [
        "   \n\t\r\n",
        "# only a comment",
        "\u{FEFF}",
        "\u{FEFF}\u{FEFF}\n# c\n",
        "\r\r\r",
    ] {
        rejected(src.as_bytes());
    }
}

#[test]
fn binary_bytes_are_reported() {
    let every_byte: Vec<u8> = (0..=255).collect();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let nuls = [0u8; 4096];
    let zip = b"PK\x03\x04\x14\0\0\0\x08\0";
    for bytes in [&every_byte[..], png, &nuls, zip] {
        rejected(bytes);
    }
}

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte() {
    let valid = "runbook r {\n  step s \"日本\" {\n    manual \"x\"\n  }\n}\n";
    let at = valid.find("日本").unwrap();
    let cases: Vec<(Vec<u8>, usize)> = vec![
        // A Latin-1 byte in the middle of the file.
        (
            [&valid.as_bytes()[..at], b"caf\xe9", &valid.as_bytes()[at..]].concat(),
            at + 3,
        ),
        // A multi-byte character cut short at the end of the file.
        (valid.as_bytes()[..at + 2].to_vec(), at),
        // A continuation byte where a character should start, at the very beginning.
        ([b"\x80", valid.as_bytes()].concat(), 0),
        // UTF-16 with its byte order mark, as some Windows editors save.
        (
            valid
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .fold(vec![0xFF, 0xFE], |mut v, b| {
                    v.push(b);
                    v
                }),
            0,
        ),
    ];
    for (bytes, bad) in cases {
        let problems = rejected(&bytes);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code_str(), "tejun::parse::not_utf8");
        assert_eq!(
            problems[0].span().start,
            bad,
            "the label points at the first bad byte"
        );
    }
}

#[test]
fn a_hundred_thousand_braces_are_too_deep() {
    for src in [
        "{".repeat(100_000),
        format!("runbook r {{ {}", "{".repeat(100_000)),
        format!(
            "runbook r {{ step s \"S\" {{ run {{ {} }} }} }}",
            "{".repeat(100_000)
        ),
    ] {
        let problems = rejected(src.as_bytes());
        assert_eq!(problems[0].code_str(), "tejun::parse::too_deep");
    }
}

#[test]
fn a_hundred_thousand_parentheses_are_too_deep() {
    for src in [
        "(".repeat(100_000),
        format!(
            "runbook r {{ param A: bool = false step s \"S\" {{ when {}A {{ }} }} }}",
            "(".repeat(100_000)
        ),
        format!(
            "runbook r {{ step s \"S\" {{ run {{ {} }} }} }}",
            "(".repeat(100_000)
        ),
    ] {
        let problems = rejected(src.as_bytes());
        assert_eq!(problems[0].code_str(), "tejun::parse::too_deep");
    }
}

/// Brackets inside PowerShell strings do not count towards the nesting limit's scan; real
/// nesting hidden between them must still end in a diagnostic, not a stack overflow.
#[test]
fn nesting_hidden_between_quoted_brackets_is_reported() {
    let round = format!("{}')))))))))))'", "(".repeat(150));
    let src = format!(
        "runbook r {{ step s \"S\" {{ run {{ {} }} }} }}",
        round.repeat(2_000)
    );
    rejected(src.as_bytes());
}

#[test]
fn a_hundred_thousand_nots_fold_away() {
    for (nots, negated) in [(100_000, false), (100_001, true)] {
        let src = format!(
            "runbook r {{\n  param A: bool = false\n  step s \"S\" {{\n    when {}A {{\n      manual \"x\"\n    }}\n  }}\n}}\n",
            "not ".repeat(nots)
        );
        let runbook = tejun_grammar::compile(&src).expect("compiles");
        let Item::Step(step) = &runbook.ast.items[1] else {
            panic!("the second item is the step")
        };
        let Item::When(when) = &step.items[0] else {
            panic!("the step holds the `when`")
        };
        assert_eq!(
            when.arms[0].cond.to_string(),
            if negated { "not A" } else { "A" }
        );
    }
}

/// `when` blocks nested 150 deep (152 braces with the runbook's and the step's) stay under the
/// nesting limit and parse; every level is in the tree.
#[test]
fn when_blocks_nested_150_deep_still_parse() {
    let depth = 150;
    let src = format!(
        "runbook deep {{\n  param A: bool = false\n  step s \"S\" {{\n{}manual \"deep inside\"\n{}  }}\n}}\n",
        "when A {\n".repeat(depth),
        "} else { manual \"no\" }\n".repeat(depth)
    );
    assert_eq!(nesting_levels(&src), depth);
}

/// Each `match` level opens two braces, so 95 levels come close to the limit too.
#[test]
fn match_blocks_nested_95_deep_still_parse() {
    let depth = 95;
    let src = format!(
        "runbook deep {{\n  param B: choice(\"x\", \"y\")\n  step s \"S\" {{\n{}manual \"deep inside\"\n{}  }}\n}}\n",
        "match B { \"x\" => {\n".repeat(depth),
        "} _ => manual \"y\" }\n".repeat(depth)
    );
    assert_eq!(nesting_levels(&src), depth);
}

/// Compiles `src`, which must succeed, and counts the branches between its only step and the
/// innermost action by following each branch's first arm.
fn nesting_levels(src: &str) -> usize {
    let runbook = tejun_grammar::compile(src).unwrap_or_else(|problems| {
        panic!(
            "{}",
            render(&problems[..problems.len().min(3)], "deep.runbook", src)
        )
    });
    let step = runbook
        .ast
        .items
        .iter()
        .find_map(|i| if let Item::Step(s) = i { Some(s) } else { None });
    let mut items = &step.expect("the runbook has a step").items;
    let mut levels = 0;
    loop {
        match &items[0] {
            Item::When(w) => items = &w.arms[0].body.items,
            Item::Match(m) => items = &m.arms[0].body.items,
            _ => return levels,
        }
        levels += 1;
    }
}

#[test]
fn conditions_nested_190_deep_still_parse() {
    let src = format!(
        "runbook r {{\n  param A: bool = false\n  step s \"S\" {{\n    when {}A{} {{ manual \"x\" }}\n  }}\n}}\n",
        "(".repeat(190),
        ")".repeat(190)
    );
    tejun_grammar::compile(&src).expect("compiles");
}

#[test]
fn a_big_powershell_block_is_read_whole() {
    let size = big_size();
    let line =
        "    Write-Output 'a } brace in a string' \"and { one here\" # and a } in a comment\n";
    let mut body = String::with_capacity(size + line.len());
    while body.len() < size {
        body.push_str(line);
    }
    let src = format!(
        "runbook big {{\n  step s \"S\" {{\n    run {{\n{body}    }} timeout 5m\n  }}\n}}\n"
    );
    let runbook = timed(
        &format!("compile a {} MB PowerShell block", size >> 20),
        || tejun_grammar::compile(&src),
    )
    .expect("compiles");
    let Item::Step(step) = &runbook.ast.items[0] else {
        panic!("the first item is the step")
    };
    let Item::Action(action) = &step.items[0] else {
        panic!("the step holds the action")
    };
    assert_eq!(
        action.code().unwrap().raw.len(),
        body.len() + 5,
        "the block holds every line"
    );
}

#[test]
fn a_big_quote_is_read_whole() {
    let size = big_size();
    let src = format!(
        "runbook big {{ step s \"S\" {{ quote ja \"{}\" manual \"x\" }} }}",
        "引".repeat(size / 3)
    );
    timed(&format!("compile a {} MB quote", size >> 20), || {
        tejun_grammar::compile(&src)
    })
    .expect("compiles");
}

#[test]
fn big_garbage_is_reported() {
    let size = big_size();
    // Printable ASCII from a fixed xorshift sequence, without brackets so that the parser, not
    // the nesting limit, has to reject it.
    let mut garbage = String::with_capacity(size);
    let mut x: u32 = 0x2545_F491;
    while garbage.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let c = char::from(b' ' + (x % 95) as u8);
        if !matches!(c, '{' | '}' | '(' | ')') {
            garbage.push(c);
        }
    }
    timed(&format!("reject {} MB of garbage", size >> 20), || {
        rejected(garbage.as_bytes())
    });
    let in_a_block = format!("runbook r {{ step s \"S\" {{ run {{ {garbage}");
    timed(
        &format!("reject {} MB of garbage in an unclosed block", size >> 20),
        || rejected(in_a_block.as_bytes()),
    );
}

#[test]
fn a_big_comment_is_reported() {
    let size = big_size();
    let comment = format!("# {}", "c".repeat(size));
    timed(&format!("reject a {} MB comment", size >> 20), || {
        rejected(comment.as_bytes())
    });
    let then_runbook = format!("{comment}\nrunbook r {{ step s \"S\" {{ manual \"x\" }} }}\n");
    timed(
        &format!("compile a runbook after a {} MB comment", size >> 20),
        || outcome(then_runbook.as_bytes()),
    )
    .expect("compiles");
}
