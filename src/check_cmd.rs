//! `tejun check FILE...`.

use crate::cli::CheckArgs;
use crate::exit;
use crate::input::{count, load, plural};

pub(crate) fn run(args: &CheckArgs, color: bool) -> u8 {
    let (mut errors, mut warnings, mut unreadable) = (0, 0, 0);
    for path in &args.files {
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
    let files = plural(args.files.len(), "file");
    eprintln!(
        "checked {files}: {}, {}",
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
