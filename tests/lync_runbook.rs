//! The Lync runbook replays Microsoft's document verbatim: every command in the document's code
//! blocks is in the runbook byte for byte, in the document's order, with its step number.

use tejun_grammar::ast::{Action, Item};

const SEED: &str = "../shared/seeds/000_a90e74dc91a9d0bd.txt";
const LYNC: &str = "runbooks/lync2013-backend-upgrade.runbook";

/// The document's code blocks: lines indented by eight or more spaces, with the step number of
/// the numbered item they belong to.
fn document_commands() -> Vec<(String, String)> {
    let seed = std::fs::read_to_string(SEED).unwrap_or_else(|e| {
        panic!("cannot read {SEED} (shared/ must sit beside the checkout): {e}")
    });
    let mut step = String::new();
    let mut out = Vec::new();
    for line in seed.lines() {
        if let Some((number, _)) = line.split_once(".  ").or_else(|| line.split_once(". "))
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
        {
            step = number.to_owned();
        }
        if line.starts_with("        ")
            && !line.trim().is_empty()
            && !line.trim_start().starts_with('-')
        {
            out.push((step.clone(), line.trim_start().to_owned()));
        }
    }
    out
}

fn runbook_commands(items: &[Item], doc: &str, out: &mut Vec<(String, String)>) {
    for item in items {
        match item {
            Item::Step(step) => {
                let doc = step.doc.as_ref().map_or(String::new(), |d| d.value.clone());
                runbook_commands(&step.items, &doc, out);
            }
            Item::Action(Action::Run(run)) => out.push((doc.to_owned(), run.code.text.clone())),
            Item::When(w) => {
                for arm in &w.arms {
                    runbook_commands(&arm.body.items, doc, out);
                }
                if let Some(body) = &w.otherwise {
                    runbook_commands(&body.items, doc, out);
                }
            }
            Item::Match(m) => m
                .arms
                .iter()
                .for_each(|arm| runbook_commands(&arm.body.items, doc, out)),
            _ => {}
        }
    }
}

#[test]
fn every_document_command_is_in_the_runbook_verbatim_at_its_step() {
    let expected = document_commands();
    assert_eq!(
        expected.len(),
        7,
        "the document has seven code blocks: {expected:?}"
    );
    assert!(expected.contains(&(
        "11".to_owned(),
        "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN>  -ExcludeCollocatedStores".to_owned()
    )));
    let src = std::fs::read_to_string(LYNC).unwrap();
    let runbook = tejun_grammar::compile(&src).expect("the Lync runbook compiles");
    let mut actual = Vec::new();
    runbook_commands(&runbook.ast.items, "", &mut actual);
    // In order: each document command appears after the previous one.
    let mut from = 0;
    for (doc, command) in &expected {
        let found = actual[from..]
            .iter()
            .position(|(d, c)| d == doc && c == command)
            .unwrap_or_else(|| {
                panic!(
                    "step {doc}: `{command}` is not in the runbook verbatim (after command {from})"
                )
            });
        from += found + 1;
    }
}

#[test]
fn the_runbook_has_the_documents_eleven_steps_in_order() {
    let src = std::fs::read_to_string(LYNC).unwrap();
    let runbook = tejun_grammar::compile(&src).unwrap();
    let docs: Vec<String> = runbook
        .ast
        .items
        .iter()
        .filter_map(|i| {
            if let Item::Step(s) = i {
                s.doc.as_ref().map(|d| d.value.clone())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(docs, (1..=11).map(|n| n.to_string()).collect::<Vec<_>>());
}
