//! `tejun fmt [--check] PATH...`: lay runbooks out the canonical way (`grammar::fmt`).
//!
//! Without `--check` a file that changes is rewritten atomically: the new text goes to a temporary
//! file in the same folder, which gets the original's permissions and then replaces it, so a
//! reader (or a crash) sees the old file or the new one, never half of one. A symbolic link is
//! followed and its target rewritten, so the link stays a link. The file keeps its byte order
//! mark and its CR LF line endings, if it had them.
//!
//! With `--check` nothing is written: a unified diff of each file that would change goes to
//! stdout, and the exit status says whether any would.

use std::io::Write as _;
use std::path::Path;

use similar::{ChangeTag, TextDiff};
use tejun_grammar::Problem;
use tejun_grammar::diagnostics::render;
use tejun_grammar::fmt::{FormatError, format_source};

use crate::cli::FmtArgs;
use crate::exit;
use crate::files::runbook_files;
use crate::input::{WIDTH, plural};
use crate::style::{Paint, Tone};

/// What became of one file.
enum Outcome {
    /// Already in the canonical layout.
    Unchanged,
    /// Rewritten, or with `--check` would be.
    Changed,
    /// Unreadable, unparsable or unwritable; the message has been printed.
    Failed,
}

pub(crate) fn run(args: &FmtArgs, color: bool) -> u8 {
    let files = match runbook_files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let paint = Paint::stdout();
    let (mut changed, mut unchanged, mut failed) = (0, 0, 0);
    for path in &files {
        match file(path, args.check, color, paint) {
            Outcome::Unchanged => unchanged += 1,
            Outcome::Changed => changed += 1,
            Outcome::Failed => failed += 1,
        }
    }
    let mut summary = if args.check {
        format!(
            "{} would be reformatted, {} already formatted",
            plural(changed, "file"),
            unchanged
        )
    } else {
        format!(
            "{} reformatted, {} already formatted",
            plural(changed, "file"),
            unchanged
        )
    };
    if failed > 0 {
        summary += &format!(", {} could not be formatted", plural(failed, "file"));
    }
    eprintln!("{summary}");
    if failed > 0 {
        exit::USAGE
    } else if args.check && changed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// Formats one file: prints its diff with `check`, rewrites it otherwise.
fn file(path: &Path, check: bool, color: bool, paint: Paint) -> Outcome {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("error: cannot read `{name}`: {e}");
            return Outcome::Failed;
        }
    };
    let src = match tejun_grammar::parse::decode(&bytes) {
        Ok(src) => src,
        Err(e) => {
            let shown = tejun_grammar::parse::shown(&bytes);
            eprint!(
                "{}",
                render(&[Problem::from(e)], &name, &shown, WIDTH, color)
            );
            eprintln!("cannot format `{name}`: it is not UTF-8 text");
            return Outcome::Failed;
        }
    };
    let formatted = match format_source(src) {
        Ok(formatted) => formatted,
        Err(FormatError::Parse(errors)) => {
            let problems: Vec<Problem> = errors.into_iter().map(Problem::from).collect();
            eprint!("{}", render(&problems, &name, src, WIDTH, color));
            eprintln!(
                "cannot format `{name}`: {}",
                plural(problems.len(), "error")
            );
            return Outcome::Failed;
        }
        Err(e @ FormatError::Unstable) => {
            eprintln!("error: `{name}`: {e}");
            eprintln!("  help: this is a bug in `tejun fmt`: please report it with the file");
            return Outcome::Failed;
        }
    };
    if formatted == src {
        return Outcome::Unchanged;
    }
    if check {
        print!("{}", diff(&name, src, &formatted, Some(paint)));
        return Outcome::Changed;
    }
    match write_atomically(path, formatted.as_bytes()) {
        Ok(()) => Outcome::Changed,
        Err(e) => {
            eprintln!("error: cannot write `{name}`: {e}");
            Outcome::Failed
        }
    }
}

/// A unified diff from `old` to `new` with `a/NAME` and `b/NAME` headers, as `git diff` prints
/// one: a leading `./` or `/` of the path is dropped after `a/` and `b/`, as git drops them.
/// `paint` colours the lines; `None` leaves them plain.
fn diff(name: &str, old: &str, new: &str, paint: Option<Paint>) -> String {
    let tone = |tone: Tone, text: &str| match paint {
        Some(paint) => paint.paint(tone, text),
        None => text.to_owned(),
    };
    let shown = name.trim_start_matches("./").trim_start_matches('/');
    let text_diff = TextDiff::from_lines(old, new);
    let mut unified = text_diff.unified_diff();
    unified.context_radius(3);
    let mut out = String::new();
    out += &tone(Tone::Heading, &format!("--- a/{shown}"));
    out.push('\n');
    out += &tone(Tone::Heading, &format!("+++ b/{shown}"));
    out.push('\n');
    for hunk in unified.iter_hunks() {
        out += &tone(Tone::Dim, &hunk.header().to_string());
        out.push('\n');
        for change in hunk.iter_changes() {
            let value = change.value();
            let line = value.strip_suffix('\n').unwrap_or(value);
            match change.tag() {
                ChangeTag::Delete => out += &tone(Tone::Bad, &format!("-{line}")),
                ChangeTag::Insert => out += &tone(Tone::Good, &format!("+{line}")),
                ChangeTag::Equal => out += &format!(" {line}"),
            }
            out.push('\n');
            if change.missing_newline() {
                out += "\\ No newline at end of file\n";
            }
        }
    }
    out
}

/// Replaces the file at `path` with `contents` in one step: a temporary file in the same folder,
/// given the original's permissions, renamed over it.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let folder = target.parent().unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(&target)?.permissions();
    let mut temp = tempfile::NamedTempFile::new_in(folder)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    temp.as_file().set_permissions(permissions)?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_names_both_sides_and_marks_a_missing_final_newline() {
        let out = diff("dir/a.runbook", "one\ntwo", "one\n2\n", None);
        assert_eq!(
            out,
            "--- a/dir/a.runbook\n+++ b/dir/a.runbook\n@@ -1,2 +1,2 @@\n one\n-two\n\\ No newline at end of file\n+2\n"
        );
    }

    #[test]
    fn a_leading_slash_or_dot_slash_is_dropped_after_a_and_b() {
        let out = diff("./x.runbook", "a\n", "b\n", None);
        assert!(
            out.starts_with("--- a/x.runbook\n+++ b/x.runbook\n"),
            "{out}"
        );
        let out = diff("/tmp/x.runbook", "a\n", "b\n", None);
        assert!(
            out.starts_with("--- a/tmp/x.runbook\n+++ b/tmp/x.runbook\n"),
            "{out}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_atomic_write_keeps_permissions_and_follows_links() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.runbook");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.runbook");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // Nothing is left behind in the folder but the file and the link.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
