//! `tejun plan FILE --param NAME=VALUE...`.

use tejun_runtime::{ParamValues, plan};

use crate::cli::{Format, PlanArgs};
use crate::exit;
use crate::input::{count, load, plural};
use crate::plan_text;

pub(crate) fn run(args: &PlanArgs, color: bool) -> u8 {
    let loaded = match load(&args.file) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let runbook = match &loaded.result {
        Ok(runbook) => runbook,
        Err(problems) => {
            eprint!("{}", loaded.render(problems, color));
            let (e, w) = count(problems);
            eprintln!(
                "cannot plan `{}`: {}, {}",
                loaded.name,
                plural(e, "error"),
                plural(w, "warning")
            );
            return exit::FAILED;
        }
    };
    if !runbook.warnings.is_empty() {
        eprint!("{}", loaded.render(&runbook.warnings, color));
    }
    let secret_env = |name: &str| std::env::var(format!("TEJUN_SECRET_{name}")).ok();
    let values = match ParamValues::resolve(runbook, &args.params, secret_env) {
        Ok(values) => values,
        Err(errors) => {
            for error in errors {
                eprintln!("{:?}", miette::Report::new(error));
            }
            return exit::USAGE;
        }
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
