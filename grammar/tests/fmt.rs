//! The formatter. Over every runbook in `runbooks/`, every fixture that parses and every input in
//! `fixtures/fmt`: formatting twice gives what formatting once gave, and the formatted text parses
//! to the same tree (spans aside), with every comment and every block's code unchanged. The
//! badly laid-out inputs in `fixtures/fmt` have insta snapshots of their canonical layout, and
//! mutated runbooks that still parse must format just as well.

mod common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use tejun_grammar::ast::{Ast, Item};
use tejun_grammar::fmt::{FormatError, format, format_source};
use tejun_grammar::parse;

use common::{display_name, repo_root, runbooks_in};

/// Every file the formatter must handle: the real runbooks, the parse fixtures (the `err` ones
/// that parse, such as those the checker rejects, too) and the formatter's own inputs.
fn inputs() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = runbooks_in(&root.join("runbooks"));
    files.extend(runbooks_in(&root.join("fixtures/parse/ok")));
    files.extend(runbooks_in(&root.join("fixtures/parse/err")));
    files.extend(fmt_inputs(&root.join("fixtures/fmt")));
    files
}

/// The `*.runbook` files under `dir`, at any depth, sorted.
fn fmt_inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files = runbooks_in(dir);
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        files.extend(fmt_inputs(&folder));
    }
    files
}

/// The tree as text without positions: its pretty `Debug` form without the `start`/`end` lines
/// of spans and without the raw text of PowerShell blocks (which re-indenting changes; the
/// laid-out `text` of each block stays in). Comments, with their text, are part of the tree.
fn shape(ast: &Ast) -> String {
    format!("{ast:#?}")
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("start: ")
                || line.starts_with("end: ")
                || line.starts_with("raw: \""))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The laid-out code of every PowerShell block, in order.
fn code_texts(items: &[Item], out: &mut Vec<String>) {
    for item in items {
        match item {
            Item::Action(action) => out.extend(action.codes().iter().map(|c| c.text.clone())),
            Item::Step(step) => code_texts(&step.items, out),
            Item::Foreach(f) => {
                if let tejun_grammar::ast::LoopSource::Run(code) = &f.source {
                    out.push(code.text.clone());
                }
                code_texts(&f.items, out);
            }
            Item::Finally(finally) => code_texts(&finally.items, out),
            Item::When(when) => {
                for arm in &when.arms {
                    code_texts(&arm.body.items, out);
                }
                if let Some(body) = &when.otherwise {
                    code_texts(&body.items, out);
                }
            }
            Item::Match(m) => {
                for arm in &m.arms {
                    code_texts(&arm.body.items, out);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    out.push(arm.code.text.clone());
                    code_texts(&arm.body.items, out);
                }
                if let Some(body) = &i.otherwise {
                    code_texts(&body.items, out);
                }
            }
            _ => {}
        }
    }
}

fn codes(ast: &Ast) -> Vec<String> {
    let mut out = Vec::new();
    code_texts(&ast.items, &mut out);
    out
}

fn comments(ast: &Ast) -> Vec<&str> {
    ast.comments.iter().map(|c| c.text.as_str()).collect()
}

/// The first line where two texts differ, with its neighbours, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(3);
    format!(
        "at line {}:\n  before: {:?}\n  after:  {:?}",
        at + 1,
        &a[from..(at + 3).min(a.len())],
        &b[from..(at + 3).min(b.len())]
    )
}

/// Everything the formatter promises for one text that parses, or what broke.
fn promises(src: &str) -> Result<String, String> {
    let ast = parse(src).map_err(|_| "does not parse".to_owned())?;
    let once = format_source(src).map_err(|e| format!("does not format: {e}"))?;
    let twice = format_source(&once).map_err(|e| format!("its layout does not format: {e}"))?;
    if twice != once {
        return Err(format!(
            "formatting is not idempotent, {}",
            first_difference(&once, &twice)
        ));
    }
    let again = parse(&once).map_err(|_| "its layout does not parse".to_owned())?;
    if comments(&again) != comments(&ast) {
        return Err(format!(
            "comments changed: {:?} became {:?}",
            comments(&ast),
            comments(&again)
        ));
    }
    if codes(&again) != codes(&ast) {
        return Err(format!(
            "code changed: {:?} became {:?}",
            codes(&ast),
            codes(&again)
        ));
    }
    if shape(&again) != shape(&ast) {
        return Err(format!(
            "the tree changed, {}",
            first_difference(&shape(&ast), &shape(&again))
        ));
    }
    // `format` itself, without the file's line endings, is idempotent too.
    let plain = format(&ast, src);
    if format(
        &parse(&plain).map_err(|_| "the plain layout does not parse")?,
        &plain,
    ) != plain
    {
        return Err("the plain layout is not idempotent".to_owned());
    }
    Ok(once)
}

#[test]
fn every_runbook_and_fixture_formats_idempotently_and_keeps_its_meaning() {
    let mut failures = Vec::new();
    let mut formatted = 0;
    for path in inputs() {
        let name = display_name(&path);
        let bytes = std::fs::read(&path).unwrap();
        let Ok(src) = parse::decode(&bytes) else {
            continue;
        };
        if parse(src).is_err() {
            // Only the `err` fixtures may fail to parse; the formatter refuses them.
            if !name.starts_with("fixtures/parse/err/") {
                failures.push(format!("{name}: does not parse"));
            } else if !matches!(format_source(src), Err(FormatError::Parse(_))) {
                failures.push(format!("{name}: formatted although it does not parse"));
            }
            continue;
        }
        match promises(src) {
            Ok(_) => formatted += 1,
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // runbooks/, 14 ok fixtures, the err fixtures that parse and fixtures/fmt.
    assert!(formatted >= 40, "only {formatted} files were formatted");
}

#[test]
fn the_real_runbooks_are_already_formatted() {
    for path in runbooks_in(&repo_root().join("runbooks")) {
        let src = std::fs::read_to_string(&path).unwrap();
        let formatted = format_source(&src).unwrap();
        assert!(
            formatted == src,
            "{} is not formatted, {}",
            display_name(&path),
            first_difference(&src, &formatted)
        );
    }
}

#[test]
fn every_fmt_fixture_is_badly_laid_out() {
    let files = fmt_inputs(&repo_root().join("fixtures/fmt"));
    assert!(
        files.len() >= 9,
        "fixtures/fmt holds {} inputs",
        files.len()
    );
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        assert_ne!(
            format_source(&src).unwrap(),
            src,
            "{} is already formatted: it tests nothing",
            display_name(&path)
        );
    }
}

#[test]
fn snapshots_of_the_canonical_layout() {
    insta::glob!("../../fixtures/fmt", "*.runbook", |path| {
        let bytes = std::fs::read(path).unwrap();
        let src = parse::decode(&bytes).unwrap();
        let ast = parse(src).unwrap();
        // The snapshot is `format`'s output: `\n` line breaks and no byte order mark. The tests
        // below check what `format_source` does with those.
        insta::assert_snapshot!(format(&ast, src));
    });
}

#[test]
fn crlf_files_stay_crlf_throughout() {
    let src = std::fs::read_to_string(repo_root().join("fixtures/fmt/crlf.runbook")).unwrap();
    let formatted = format_source(&src).unwrap();
    assert_ne!(formatted, src);
    assert_eq!(
        formatted.matches('\n').count(),
        formatted.matches("\r\n").count(),
        "{formatted:?}"
    );
    assert!(formatted.ends_with("}\r\n"));
    // Including the lines inside a PowerShell block and a `"""` string.
    assert!(formatted.contains(
        "    run {\r\n      Write-Output @\"\r\n      line one\r\n      \"@\r\n    }\r\n"
    ));
    assert!(
        formatted.contains(
            "    manual \"\"\"\r\n      Raw string\r\n      over lines\r\n    \"\"\"\r\n"
        )
    );
}

#[test]
fn lf_files_get_no_cr() {
    let src = "runbook r {\n step s \"S\" { manual \"x\" }\n}\n";
    assert!(!format_source(src).unwrap().contains('\r'));
}

#[test]
fn a_byte_order_mark_stays_first_and_only_once() {
    let src =
        std::fs::read_to_string(repo_root().join("fixtures/fmt/byte-order-mark.runbook")).unwrap();
    assert!(src.starts_with('\u{FEFF}'));
    let formatted = format_source(&src).unwrap();
    assert!(formatted.starts_with("\u{FEFF}# A byte order mark"));
    assert_eq!(formatted.matches('\u{FEFF}').count(), 1);
    assert!(
        !format_source("runbook r {}\n")
            .unwrap()
            .contains('\u{FEFF}')
    );
}

#[test]
fn text_that_does_not_parse_is_refused_with_its_errors() {
    match format_source("runbook r {\n  step s \"S\" {\n    manul \"x\"\n  }\n}\n") {
        Err(FormatError::Parse(errors)) => {
            assert_eq!(errors.len(), 1);
            assert!(errors[0].to_string().contains("manul"), "{}", errors[0]);
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn the_lync_commands_are_byte_for_byte_what_they_were() {
    let src =
        std::fs::read_to_string(repo_root().join("runbooks/lync2013-backend-upgrade.runbook"))
            .unwrap();
    let ast = parse(&src).unwrap();
    // Crush the runbook's layout, then format it back.
    let crushed = src.replace("\n  ", "\n").replace("\n\n", "\n");
    let restored = format_source(&crushed).unwrap();
    assert_eq!(codes(&parse(&restored).unwrap()), codes(&ast));
    assert_eq!(restored, src, "{}", first_difference(&src, &restored));
}

#[test]
fn comments_beside_code_stay_beside_it_and_others_keep_their_own_line() {
    let src = "runbook r { # on the brace\n# alone\n  step s \"S\" {\n    manual \"x\"   # beside\n  } # after the step\n}\n";
    let formatted = format_source(src).unwrap();
    assert_eq!(
        formatted,
        "runbook r { # on the brace\n  # alone\n  step s \"S\" {\n    manual \"x\" # beside\n  } # after the step\n}\n"
    );
}

#[test]
fn two_comments_never_share_a_line() {
    // A comment after the action and one after the comma: putting both after the arm would make
    // the second part of the first.
    let src = "runbook r {\n  param P: choice(\"a\")\n  step s \"S\" {\n    match P {\n      \"a\" => manual \"A\" # one\n      , # two\n    }\n  }\n}\n";
    let formatted = promises(src).unwrap();
    assert!(
        formatted.contains("      \"a\" => manual \"A\", # one\n      # two\n    }"),
        "{formatted}"
    );
}

#[test]
fn a_block_over_several_lines_moves_as_a_whole() {
    let src =
        "runbook r {\nstep s \"S\" {\nrun {\n$a = @'\n  kept\n'@\n    Write-Output $a\n}\n}\n}\n";
    let formatted = promises(src).unwrap();
    assert!(
        formatted.contains(
            "    run {\n      $a = @'\n        kept\n      '@\n          Write-Output $a\n    }\n"
        ),
        "{formatted}"
    );
}

#[test]
fn a_one_line_block_keeps_its_inner_spacing() {
    let src = "runbook r { step s \"S\" { run {   Install-CsDatabase -A <X>  -B   } } }";
    let src = src.replace("<X>", "x");
    let formatted = promises(&src).unwrap();
    assert!(
        formatted.contains("    run { Install-CsDatabase -A x  -B }\n"),
        "{formatted}"
    );
}

#[test]
fn an_empty_runbook_is_one_line() {
    assert_eq!(
        format_source("runbook   empty\n{\n\n}").unwrap(),
        "runbook empty {}\n"
    );
}

// --- mutated runbooks -----------------------------------------------------------------------

/// Fragments to insert: comments, line breaks and spacing in odd places, and tokens that change
/// the structure.
#[rustfmt::skip]
const SNIPPETS: &[&str] = &[
    "# c\n", " # c\n", "\n", "\n\n\n", "\r\n", "\t", "   ", "\u{FEFF}", "{", "}", "(", ")", "\"", "\"\"\"\n",
    "'", "@'\n", "\n'@", "#", "`", ",", "=>", " and ", " or ", " not ", "when A ", "else ",
    "manual \"m\" ", "run { x } ", "restart shell ", "step x \"X\" { }", "finally { } ",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: Index, len: usize },
    Insert { at: Index, text: &'static str },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Insertions are weighted up: most of them leave a runbook that still parses.
    prop_oneof![
        1 => (any::<Index>(), 1..16usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        3 => (any::<Index>(), proptest::sample::select(SNIPPETS))
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
    ]
}

/// Applies the edits at character boundaries, so the text stays UTF-8.
fn mutate(src: &str, mutations: &[Mutation]) -> String {
    let mut text = src.to_owned();
    for m in mutations {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        match m {
            Mutation::Delete { at, len } => {
                let start = at.index(boundaries.len());
                let end = (start + len).min(boundaries.len() - 1);
                text.replace_range(boundaries[start]..boundaries[end], "");
            }
            Mutation::Insert { at, text: new } => {
                let at = boundaries[at.index(boundaries.len())];
                text.insert_str(at, new);
            }
        }
    }
    text
}

fn seeds() -> Vec<String> {
    let root = repo_root();
    let mut files = runbooks_in(&root.join("runbooks"));
    files.extend(runbooks_in(&root.join("fixtures/parse/ok")));
    files.extend(fmt_inputs(&root.join("fixtures/fmt")));
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Integration tests have no lib.rs for the default location: keep failures beside this file.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// A mutated runbook that still parses formats idempotently to the same tree; one that does
    /// not parse is refused, never mangled.
    #[test]
    fn mutated_runbooks_format_or_are_refused(
        seed in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let src = mutate(&seeds[seed.index(seeds.len())], &mutations);
        if parse(&src).is_ok() {
            if let Err(why) = promises(&src) {
                prop_assert!(false, "{why}\n--- input ---\n{src}");
            }
        } else {
            prop_assert!(matches!(format_source(&src), Err(FormatError::Parse(_))));
        }
    }
}
