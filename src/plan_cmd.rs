//! `tejun plan FILE --param NAME=VALUE...`.

use tejun_runtime::plan;

use crate::cli::{Format, PlanArgs};
use crate::exit;
use crate::input::{checked, load_or_exit, resolve_params};
use crate::plan_text;

pub(crate) fn run(args: &PlanArgs, color: bool) -> u8 {
    let loaded = match load_or_exit(&args.file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let runbook = match checked(&loaded, color, "plan") {
        Ok(runbook) => runbook,
        Err(code) => return code,
    };
    let values = match resolve_params(runbook, &args.params, false) {
        Ok(values) => values,
        Err(code) => return code,
    };
    let plan = plan(runbook, &loaded.src, &values);
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&plan) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: cannot write the plan as JSON: {e}");
                return exit::USAGE;
            }
        },
        Format::Text => print!("{}", plan_text::render(&plan, args.quotes)),
    }
    exit::OK
}
