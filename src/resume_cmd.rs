//! `tejun resume RUN [--confirm STEP --by NAME] [--force]`: goes on with a paused, failed or
//! interrupted run, in the same journal.

use std::collections::HashMap;
use std::path::PathBuf;

use tejun_grammar::ast::TypeKind;
use tejun_runtime::execute::{Resume, RunConfig, resume, runbook_hash};
use tejun_runtime::history::History;
use tejun_runtime::host::HostConfig;
use tejun_runtime::journal::Journal;
use tejun_runtime::plan;
use tejun_runtime::plan::Plan;

use crate::cli::{OutputMode, ResumeArgs};
use crate::console::{CliConsole, operator_name};
use crate::exit;
use crate::input::{checked, load, resolve_params};
use crate::run_cmd::finish;

pub(crate) fn run(args: &ResumeArgs, color: bool) -> u8 {
    match prepare(args, color) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            exit::USAGE
        }
    }
}

fn prepare(args: &ResumeArgs, color: bool) -> Result<u8, String> {
    let dir = args.state_dir.join("runs").join(&args.run);
    let entries = Journal::read(&dir)
        .map_err(|e| format!("cannot read run `{}` in {}: {e}", args.run, dir.display()))?;
    let start = entries
        .iter()
        .find(|e| e["event"] == "run_start")
        .ok_or_else(|| format!("the journal of `{}` has no run start", args.run))?;
    let history = History::read(&entries);
    match history
        .resumable
        .as_ref()
        .map(|(status, _)| status.as_str())
    {
        Some("succeeded") => {
            return Err(format!(
                "run `{}` already succeeded: there is nothing to resume",
                args.run
            ));
        }
        None => {
            return Err(format!(
                "run `{}` failed to start: PowerShell never started and nothing ran; fix what `tejun show {}` reports and start a new run",
                args.run, args.run
            ));
        }
        Some(_) => {}
    }
    let paused_at = history.paused_at().map(str::to_owned);

    let path = PathBuf::from(start["runbook_path"].as_str().unwrap_or_default());
    let loaded = load(&path).map_err(|e| format!("{e} (the run was started from it)"))?;
    let forced = runbook_hash(&loaded.src) != start["runbook_hash"].as_str().unwrap_or_default();
    if forced && !args.force {
        return Err(format!(
            "`{}` changed since run `{}` started; resuming could run steps that differ from the ones already done. \
             Start a new run, or pass --force to resume anyway",
            path.display(),
            args.run
        ));
    }
    let runbook = match checked(&loaded, color, "resume with") {
        Ok(runbook) => runbook,
        Err(code) => return Ok(code),
    };

    // The run's own parameter values; secrets were never written down and come from the
    // environment again.
    let recorded = start["params"].as_object().cloned().unwrap_or_default();
    let given: Vec<String> = runbook
        .params()
        .filter(|p| p.ty.kind != TypeKind::Secret)
        .filter_map(|p| {
            recorded.get(&p.name.value).map(|v| match v {
                serde_json::Value::String(s) => format!("{}={s}", p.name.value),
                // A list's items hold no comma (`-p` splits on commas), so they join back.
                serde_json::Value::Array(items) => format!(
                    "{}={}",
                    p.name.value,
                    items
                        .iter()
                        .filter_map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                other => format!("{}={other}", p.name.value),
            })
        })
        .collect();
    let values = match resolve_params(runbook, &given, true) {
        Ok(values) => values,
        Err(code) => return Ok(code),
    };
    let mut plan = plan(runbook, &loaded.src, &values);
    // Loops over expressions go over the items the run recorded, not what the expression
    // would return now: the steps already done are those of these items.
    for index in 0..plan.loops.len() {
        let (line, var) = (plan.loops[index].line, plan.loops[index].var.clone());
        if plan.loops[index].decided {
            continue;
        }
        let recorded = entries.iter().find(|e| {
            e["event"] == "loop_start"
                && e["line"].as_u64() == Some(line as u64)
                && e["var"].as_str() == Some(var.as_str())
                && !e["code"].is_null()
        });
        if let Some(items) = recorded.and_then(|e| e["items"].as_array()) {
            let items = items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect();
            plan.expand(index, items);
        }
    }

    // Where to go on: the paused step, or the first step not done or skipped.
    let finished: HashMap<&str, &str> = history
        .steps
        .iter()
        .map(|(step, status)| (step.as_str(), status.as_str()))
        .collect();
    let from = match &paused_at {
        Some(step) => plan
            .steps
            .iter()
            .position(|s| &s.id == step)
            .ok_or_else(|| format!("the paused step `{step}` is not in the runbook any more"))?,
        None => plan
            .steps
            .iter()
            .position(|s| {
                !matches!(
                    finished.get(s.id.as_str()),
                    Some(&"done") | Some(&"skipped")
                )
            })
            .unwrap_or(plan.steps.len()),
    };
    let confirmed = match (&args.confirm, &paused_at) {
        (Some(step), Some(paused)) if step == paused => {
            Some((step.clone(), args.by.clone().unwrap_or_else(operator_name)))
        }
        (Some(step), Some(paused)) => {
            return Err(format!(
                "run `{}` is paused at `{paused}`, not `{step}`: pass --confirm {paused}",
                args.run
            ));
        }
        (Some(step), None) => {
            return Err(format!(
                "run `{}` is not paused at a manual step; --confirm {step} has nothing to confirm",
                args.run
            ));
        }
        (None, _) => None,
    };
    let recheck = from
        .checked_sub(1)
        .filter(|i| finished.get(plan.steps[*i].id.as_str()) == Some(&"done"));

    let inventory_path = args
        .inventory
        .clone()
        .or_else(|| start["inventory"].as_str().map(PathBuf::from));
    let inventory = crate::input::inventory_for(inventory_path.as_deref(), &plan)
        .map_err(|_| "the inventory cannot be used (see above)".to_owned())?;
    let redactor = tejun_runtime::Redactor::new(&values.secrets(runbook));
    let (interrupt_tx, interrupt_rx) = tokio::sync::watch::channel(false);
    let config = RunConfig {
        host: HostConfig {
            shell: start["shell"].as_str().unwrap_or("pwsh").to_owned(),
            module_paths: start["module_paths"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str().map(PathBuf::from))
                        .collect()
                })
                .unwrap_or_default(),
            ..HostConfig::default()
        },
        root: args.state_dir.clone(),
        source: loaded.src.clone(),
        variables: Plan::variables(&values, runbook),
        redactor,
        runbook_path: path,
        interrupt: Some(interrupt_rx),
        inventory,
        pause_scale: args.pause_scale,
        inventory_path,
        // A rollout with a failure budget went on past a failed item: what it did after stays done.
        done_steps: plan
            .steps
            .iter()
            .skip(from)
            .filter(|s| finished.get(s.id.as_str()) == Some(&"done"))
            .map(|s| s.id.clone())
            .collect(),
    };
    // The step goes on at its first unfinished action. A forced resume of a changed runbook
    // cannot trust action positions, so it repeats the step from its start.
    let done_actions = match plan.steps.get(from) {
        Some(step) if !forced => history
            .done_actions
            .get(&step.id)
            .cloned()
            .unwrap_or_default(),
        _ => Default::default(),
    };
    let point = Resume {
        run_id: args.run.clone(),
        dir,
        from,
        entries: entries.len(),
        recheck,
        confirmed,
        forced,
        done_actions,
        // Branches decided at run time keep the arm they took; a changed runbook's branches
        // may be numbered differently, so a forced resume decides them again.
        decisions: if forced {
            Default::default()
        } else {
            history.decisions.clone()
        },
    };
    let by = args.by.clone().unwrap_or_else(operator_name);
    let mut console = CliConsole::new(args.output == OutputMode::Json, args.yes, by, &plan);
    Ok(finish(
        &config.redactor,
        &mut console,
        interrupt_tx,
        |console| resume(&plan, &config, console, point),
    ))
}
