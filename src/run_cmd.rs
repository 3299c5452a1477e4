//! `tejun run FILE --param NAME=VALUE...`: runs a runbook through a hosted PowerShell.

use tejun_runtime::event::RunStatus;
use tejun_runtime::execute::{RunConfig, execute};
use tejun_runtime::host::HostConfig;
use tejun_runtime::plan;
use tejun_runtime::plan::Plan;

use crate::cli::{OutputMode, RunArgs};
use crate::console::{CliConsole, operator_name, print_summary};
use crate::exit;
use crate::input::{checked, inventory_for, load_or_exit, resolve_params};

pub(crate) fn run(args: &RunArgs, color: bool) -> u8 {
    let loaded = match load_or_exit(&args.file) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let runbook = match checked(&loaded, color, "run") {
        Ok(runbook) => runbook,
        Err(code) => return code,
    };
    let values = match resolve_params(runbook, &args.params, true) {
        Ok(values) => values,
        Err(code) => return code,
    };
    let plan = plan(runbook, &loaded.src, &values);
    let inventory = match inventory_for(args.inventory.as_deref(), &plan) {
        Ok(inventory) => inventory,
        Err(code) => return code,
    };
    let redactor = tejun_runtime::Redactor::new(&values.secrets(runbook));
    let (interrupt_tx, interrupt_rx) = tokio::sync::watch::channel(false);
    let config = RunConfig {
        host: HostConfig {
            shell: args.shell.clone(),
            module_paths: args.module_path.clone(),
            ..HostConfig::default()
        },
        root: args.state_dir.clone(),
        source: loaded.src.clone(),
        variables: Plan::variables(&values, runbook),
        redactor,
        runbook_path: args.file.clone(),
        interrupt: Some(interrupt_rx),
        inventory,
        pause_scale: args.pause_scale,
        inventory_path: args.inventory.clone(),
        done_steps: Default::default(),
    };
    if args.check {
        return check_only(&plan, &config, args.output == OutputMode::Json);
    }
    let by = args.by.clone().unwrap_or_else(operator_name);
    let mut console = CliConsole::new(args.output == OutputMode::Json, args.yes, by, &plan);
    finish(&config.redactor, &mut console, interrupt_tx, |console| {
        execute(&plan, &config, console)
    })
}

/// Runs the executor on a fresh async runtime, prints the summary and maps it to an exit code.
pub(crate) fn finish<'a, F, Fut>(
    redactor: &tejun_runtime::Redactor,
    console: &'a mut CliConsole,
    interrupt: tokio::sync::watch::Sender<bool>,
    start: F,
) -> u8
where
    F: FnOnce(&'a mut CliConsole) -> Fut,
    Fut: std::future::Future<
            Output = Result<tejun_runtime::execute::RunSummary, tejun_runtime::execute::RunError>,
        >,
{
    let json = console.json;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    // The first Ctrl-C stops the running command and ends the run cleanly (it can be resumed);
    // a second one exits at once.
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = interrupt.send(true);
            eprintln!(
                "\ninterrupted: stopping the current command (press Ctrl-C again to quit at once)"
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                // Exiting skips every destructor: end the sessions and what they started first.
                tejun_runtime::host::kill_all();
                std::process::exit(130);
            }
        }
    });
    let summary = match runtime.block_on(start(console)) {
        Ok(summary) => summary,
        Err(e) => {
            // Errors are masked like events: a host's last words could echo a secret.
            let report = format!("{:?}", miette::Report::new(e));
            eprintln!("{}", redactor.text(&report));
            return exit::USAGE;
        }
    };
    if !json {
        print_summary(&summary);
    }
    match summary.status {
        RunStatus::Succeeded => exit::OK,
        RunStatus::Failed | RunStatus::Interrupted => exit::FAILED,
        RunStatus::Paused => exit::PAUSED,
        RunStatus::FailedToStart => exit::USAGE,
    }
}

/// `tejun run --check`: conditions only, nothing runs.
fn check_only(plan: &Plan, config: &RunConfig, json: bool) -> u8 {
    let report = match tokio::runtime::Runtime::new()
        .map(|rt| rt.block_on(tejun_runtime::execute::check_only(plan, config)))
    {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => {
            eprintln!("{:?}", miette::Report::new(e));
            return exit::USAGE;
        }
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    let blocked = report.iter().filter(|r| r.verdict == "blocked").count();
    if json {
        println!(
            "{}",
            serde_json::json!({ "steps": report, "blocked": blocked })
        );
    } else {
        // Loops over expressions add their steps as the check reaches them.
        let total = report.iter().filter(|r| r.index > 0).count();
        println!(
            "checked {total} steps against this machine (and the targets they run on) now; nothing was run"
        );
        for r in &report {
            let verdict = match r.verdict {
                "skip" => "would be skipped: already done",
                "blocked" => "BLOCKED: a precondition does not hold now",
                _ => "would run",
            };
            let at = if r.index > 0 {
                format!("[{}/{total}] ", r.index)
            } else {
                String::new()
            };
            println!("\n{at}{}  [{}]  {verdict}", r.title, r.step);
            for (kind, code, held) in &r.checks {
                if *kind == "on" {
                    println!("  on       {code}");
                    continue;
                }
                println!(
                    "  {kind:<8} {code}  → {}",
                    if *held { "holds" } else { "does not hold" }
                );
            }
            if r.verdict != "skip" {
                for code in &r.would_run {
                    println!("  would run  {}", code.lines().next().unwrap_or(""));
                }
            }
        }
        println!(
            "\n{blocked} step(s) blocked (a precondition may hold once the earlier steps have run)"
        );
    }
    if blocked > 0 { exit::FAILED } else { exit::OK }
}
