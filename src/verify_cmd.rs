//! `tejun verify RUNBOOK DOC.md [--format text|json]`.

use tejun_document::verify::verify;

use crate::cli::{Format, VerifyArgs};
use crate::exit;
use crate::import_cmd::read_page;
use crate::input::load_or_exit;

pub(crate) fn run(args: &VerifyArgs, color: bool) -> u8 {
    let loaded = match load_or_exit(&args.runbook) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    // A runbook that does not parse cannot be held against anything: unreadable input.
    let ast = match &loaded.result {
        Ok(runbook) => &runbook.ast,
        Err(problems) => {
            eprint!("{}", loaded.render(problems, color));
            eprintln!(
                "error: cannot verify `{}`: it has errors (see `tejun check`)",
                loaded.name
            );
            return exit::USAGE;
        }
    };
    let page = match read_page(&args.doc) {
        Ok(page) => page,
        Err(code) => return code,
    };
    let verification = verify(
        ast,
        &loaded.src,
        &loaded.name,
        &page,
        &args.doc.display().to_string(),
    );
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&verification) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: cannot write the verification as JSON: {e}");
                return exit::USAGE;
            }
        },
        Format::Text => print!("{}", verification.text()),
    }
    if verification.verbatim {
        exit::OK
    } else {
        exit::FAILED
    }
}
