//! `tejun render RUNBOOK [-p NAME=VALUE...] [--lang LANG] [--format md|html] [-o FILE]`.

use std::collections::HashMap;
use std::io::Write as _;

use tejun_document::render::{Options, html, markdown};
use tejun_grammar::ast::TypeKind;

use crate::cli::{DocFormat, RenderArgs};
use crate::exit;
use crate::input::{checked, load_or_exit, resolve_params};

pub(crate) fn run(args: &RenderArgs, color: bool) -> u8 {
    let loaded = match load_or_exit(&args.runbook) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let runbook = match checked(&loaded, color, "render") {
        Ok(runbook) => runbook,
        Err(code) => return code,
    };
    let secrets: Vec<String> = runbook
        .params()
        .filter(|p| p.ty.kind == TypeKind::Secret)
        .map(|p| p.name.value.clone())
        .collect();
    // With any `-p`, every parameter must resolve, as for `plan`: branches are then decided.
    let values = if args.params.is_empty() {
        None
    } else {
        match resolve_params(runbook, &args.params, false) {
            Ok(values) => Some(
                tejun_runtime::Plan::variables(&values, runbook)
                    .into_iter()
                    .collect::<HashMap<_, _>>(),
            ),
            Err(code) => return code,
        }
    };
    let options = Options {
        lang: args.lang.clone(),
        values,
        secrets,
    };
    let text = match args.format {
        DocFormat::Md => markdown(runbook, &options),
        DocFormat::Html => html(runbook, &options),
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the document: {e}")),
    };
    match written {
        Ok(()) => exit::OK,
        Err(message) => {
            eprintln!("error: {message}");
            exit::USAGE
        }
    }
}
