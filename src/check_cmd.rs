//! `tejun check FILE...`.

use crate::cli::CheckArgs;
use crate::exit;
use crate::input::{count, load, plural};

pub(crate) fn run(args: &CheckArgs, color: bool) -> u8 {
    // Folders are searched; a file that cannot be read is reported below with the others.
    let mut files = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            match crate::files::runbook_files(std::slice::from_ref(path)) {
                Ok(found) => files.extend(found),
                Err(message) => {
                    eprintln!("error: {message}");
                    return exit::USAGE;
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    let (mut errors, mut warnings, mut unreadable) = (0, 0, 0);
    for path in &files {
        let loaded = match load(path) {
            Ok(loaded) => loaded,
            Err(message) => {
                eprintln!("error: {message}");
                unreadable += 1;
                continue;
            }
        };
        let problems = match &loaded.result {
            Ok(runbook) => &runbook.warnings,
            Err(problems) => problems,
        };
        let (e, w) = count(problems);
        errors += e;
        warnings += w;
        eprint!("{}", loaded.render(problems, color));
    }
    eprintln!(
        "checked {}: {}, {}",
        plural(files.len(), "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    if unreadable > 0 {
        exit::USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FAILED
    } else {
        exit::OK
    }
}
