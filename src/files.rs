//! Finding runbooks: files as given, folders searched for `*.runbook`.

use std::path::{Path, PathBuf};

/// The runbook files under `paths`, in a stable order. A file named on the command line is taken
/// whatever its extension; a folder is searched recursively for `*.runbook`, skipping what
/// `.gitignore` (and `.ignore`, and git's global excludes) leave out, and hidden folders.
/// `Err` names a path that does not exist or cannot be searched.
pub(crate) fn runbook_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            return Err(format!(
                "`{}` does not exist; give a runbook file or a folder of runbooks",
                path.display()
            ));
        }
        let mut found = Vec::new();
        let walk = ignore::WalkBuilder::new(path)
            // Respect .gitignore even outside a git repository (a fresh checkout, a tarball).
            .require_git(false)
            .build();
        for entry in walk {
            let entry = entry.map_err(|e| format!("cannot search `{}`: {e}", path.display()))?;
            if entry.file_type().is_some_and(|t| t.is_file()) && is_runbook(entry.path()) {
                found.push(entry.into_path());
            }
        }
        found.sort();
        files.extend(found);
    }
    files.dedup();
    Ok(files)
}

fn is_runbook(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "runbook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_searched_for_runbooks_and_gitignore_is_respected() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        for f in [
            "one.runbook",
            "a/two.runbook",
            "a/b/three.runbook",
            "build/gen.runbook",
            "a/notes.txt",
        ] {
            std::fs::write(root.join(f), "").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let files = runbook_files(&[root.to_path_buf()]).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a/b/three.runbook", "a/two.runbook", "one.runbook"]);
    }

    #[test]
    fn a_missing_path_is_an_error_that_names_it() {
        let err = runbook_files(&[PathBuf::from("no/such/place")]).unwrap_err();
        assert!(err.contains("no/such/place"), "{err}");
    }

    #[test]
    fn a_file_given_by_name_is_taken_whatever_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("procedure.txt");
        std::fs::write(&file, "").unwrap();
        assert_eq!(runbook_files(std::slice::from_ref(&file)).unwrap(), [file]);
    }
}
