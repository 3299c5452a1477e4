//! Every page of the corpus (`fixtures/docs/`: real Microsoft procedure pages, their sources in
//! `SOURCES.md`) imports as a runbook that checks and that `verify` finds verbatim against the
//! page. Each import is kept as a snapshot, reviewed by eye, and the figures per page (steps,
//! commands, guesses) as one more.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tejun_document::render::{Options, markdown};
use tejun_document::{Page, import::import, verify::verify};
use tejun_grammar::ast::{Action, Item};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/docs");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "SOURCES.md")
        })
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "the corpus has at least ten pages");
    pages
}

#[test]
fn every_page_imports_checks_and_verifies() {
    let mut figures = String::from(
        "page | lang | steps | commands | inferred | placeholders | alternatives | notes | guesses | TODOs\n",
    );
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        let page = Page::read(&text);
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let imported = import(&page, &stem, None).unwrap_or_else(|e| {
            panic!(
                "{}: the import does not check: {:?}\n{}",
                path.display(),
                e.problems,
                e.runbook
            )
        });
        let runbook = tejun_grammar::compile(&imported.runbook).unwrap();
        let verification = verify(&runbook.ast, &imported.runbook, "imported", &page, &stem);
        assert!(
            verification.verbatim,
            "{stem}: the import does not replay the page:\n{}",
            verification.text()
        );
        // The import rendered and imported again gives back its numbered steps and commands.
        let rendered = markdown(&runbook, &Options::default());
        let again = import(&Page::read(&rendered), &stem, None).unwrap_or_else(|e| {
            panic!(
                "{stem}: the rendered import does not import: {:?}",
                e.problems
            )
        });
        let again = tejun_grammar::compile(&again.runbook).unwrap();
        assert_eq!(
            numbered(&again.ast.items),
            numbered(&runbook.ast.items),
            "{stem}: import(render(import(page)))"
        );
        let r = &imported.report;
        writeln!(
            figures,
            "{stem} | {} | {} | {} | {} | {} | {} | {} | {} | {}",
            page.lang,
            r.steps,
            r.commands,
            r.inferred,
            r.placeholders,
            r.branches,
            r.notes,
            r.guesses,
            r.todos
        )
        .unwrap();
        insta::assert_snapshot!(stem.clone(), imported.runbook);
    }
    insta::assert_snapshot!("figures", figures);
}

/// Each step with a number: its number, title and commands, branches included.
fn numbered(items: &[Item]) -> Vec<(String, String, Vec<String>)> {
    fn commands(items: &[Item], out: &mut Vec<String>) {
        for item in items {
            match item {
                Item::Action(Action::Run(r)) => out.push(r.code.text.clone()),
                Item::Match(m) => m.arms.iter().for_each(|a| commands(&a.body.items, out)),
                _ => {}
            }
        }
    }
    items
        .iter()
        .filter_map(|item| match item {
            Item::Step(s) => s.doc.as_ref().map(|doc| {
                let mut c = Vec::new();
                commands(&s.items, &mut c);
                (doc.value.clone(), s.title.value.clone(), c)
            }),
            _ => None,
        })
        .collect()
}
