//! Helpers the integration tests share: where the repository is and how a file's bytes become
//! the problems a user would see.

#![allow(dead_code)] // Each test binary uses its own subset of these helpers.

use std::path::{Path, PathBuf};

use tejun_grammar::{Problem, Runbook};

/// The repository root: the folder above the `grammar` crate.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the grammar crate sits in the repository")
        .to_path_buf()
}

/// `path` relative to the repository root with forward slashes, as a diagnostic names it.
pub fn display_name(path: &Path) -> String {
    let relative = path.strip_prefix(repo_root()).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The `*.runbook` files directly in `dir`, sorted by name.
pub fn runbooks_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "runbook"))
        .collect();
    files.sort();
    files
}

/// Decodes, parses and checks a file's bytes the way `tejun check` does.
pub fn compile_bytes(bytes: &[u8]) -> Result<Runbook, Vec<Problem>> {
    let src = tejun_grammar::parse::decode(bytes).map_err(|e| vec![Problem::from(e)])?;
    tejun_grammar::compile(src)
}

/// The text to show diagnostics against: the file itself, or for a file that is not UTF-8 text
/// the text `tejun` shows its problem against.
pub fn display_source(bytes: &[u8]) -> String {
    match tejun_grammar::parse::decode(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => tejun_grammar::parse::shown(bytes),
    }
}

/// Diagnostics rendered as the snapshots keep them: no colour, 100 columns.
pub fn render(problems: &[Problem], name: &str, src: &str) -> String {
    tejun_grammar::diagnostics::render(problems, name, src, 100, false)
}
