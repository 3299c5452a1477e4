//! The examples in the documentation are real: every ```` ```tejun ```` block in `docs/` and the
//! README compiles without errors, so the reference cannot drift from the language.

mod common;

use common::{compile_bytes, render, repo_root};

/// The ```` ```tejun ```` blocks of a Markdown file, with the line each starts on.
fn examples(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```tejun" => current = Some((i + 2, String::new())),
            None => {}
            Some(_) if line.trim_start() == "```" => out.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    out
}

#[test]
fn every_tejun_example_in_the_docs_compiles() {
    let root = repo_root();
    let mut files: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(root.join("README.md"));
    files.sort();
    let mut seen = 0;
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, example) in examples(&text) {
            seen += 1;
            let name = format!("{}:{line}", file.strip_prefix(&root).unwrap().display());
            if let Err(problems) = compile_bytes(example.as_bytes()) {
                broken.push(render(&problems, &name, &example));
            }
        }
    }
    assert!(
        seen >= 17,
        "only {seen} examples found: is the ```tejun fence still used?"
    );
    assert!(
        broken.is_empty(),
        "examples that do not compile:\n{}",
        broken.join("\n")
    );
}
