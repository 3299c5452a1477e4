//! `tejun import DOC.md [-o FILE] [--lang ja|en]`.

use std::io::Write as _;
use std::path::Path;

use tejun_document::{Page, import::import};

use crate::cli::ImportArgs;
use crate::exit;
use crate::input::WIDTH;

pub(crate) fn run(args: &ImportArgs, color: bool) -> u8 {
    let page = match read_page(&args.doc) {
        Ok(page) => page,
        Err(code) => return code,
    };
    if let Some(out) = &args.output
        && out.exists()
        && !args.force
    {
        eprintln!(
            "error: `{}` exists: tejun import does not overwrite a file; choose another path or add `--force`",
            out.display()
        );
        return exit::USAGE;
    }
    let stem = args
        .doc
        .file_stem()
        .map_or("imported".to_owned(), |s| s.to_string_lossy().into_owned());
    let imported = match import(&page, &stem, args.lang.as_deref()) {
        Ok(imported) => imported,
        Err(e) => {
            eprint!(
                "{}",
                tejun_grammar::diagnostics::render(
                    &e.problems,
                    "imported.runbook",
                    &e.runbook,
                    WIDTH,
                    color
                )
            );
            eprintln!(
                "error: the runbook imported from `{}` does not check; this is a bug in tejun import (the text above is what it made)",
                args.doc.display()
            );
            return exit::USAGE;
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, &imported.runbook)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => std::io::stdout()
            .write_all(imported.runbook.as_bytes())
            .map_err(|e| format!("cannot write the runbook: {e}")),
    };
    if let Err(message) = written {
        eprintln!("error: {message}");
        return exit::USAGE;
    }
    let r = &imported.report;
    if args.report_json {
        match serde_json::to_string(r) {
            Ok(json) => eprintln!("{json}"),
            Err(e) => eprintln!("error: cannot write the figures as JSON: {e}"),
        }
    } else {
        eprintln!(
            "imported {} steps and {} commands ({} inferred from the text) from `{}`{}: {} placeholders as parameters, {} steps with alternatives, {} notes kept as comments, {} guesses and {} TODOs marked",
            r.steps,
            r.commands,
            r.inferred,
            args.doc.display(),
            args.output
                .as_ref()
                .map_or(String::new(), |o| format!(" into `{}`", o.display())),
            r.placeholders,
            r.branches,
            r.notes,
            r.guesses,
            r.todos
        );
    }
    exit::OK
}

/// Reads a procedure page, or the exit code after saying why it cannot be read.
pub(crate) fn read_page(path: &Path) -> Result<Page, u8> {
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        exit::USAGE
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        eprintln!(
            "error: {}:{line}:{column}: the page is not UTF-8 text from here on: save it as UTF-8",
            path.display()
        );
        exit::USAGE
    })?;
    Ok(Page::read(&text))
}
