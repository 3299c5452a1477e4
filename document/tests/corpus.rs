//! Every page of the corpus (`fixtures/docs/`, real Microsoft procedure pages, their sources in
//! `SOURCES.md`) imports as a runbook that checks, and the import is kept as a snapshot reviewed
//! by eye.

use std::path::{Path, PathBuf};

use tejun_document::{Page, import::import};

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
fn every_page_imports_as_a_runbook_that_checks() {
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        let page = Page::read(&text);
        let stem = path.file_stem().unwrap().to_string_lossy();
        let imported = import(&page, &stem, None).unwrap_or_else(|e| {
            panic!(
                "{}: the import does not check: {:?}\n{}",
                path.display(),
                e.problems,
                e.runbook
            )
        });
        println!("{stem}: {:?}", imported.report);
    }
}
