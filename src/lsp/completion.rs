//! Completion: keywords, parameter names, step ids; inside PowerShell code, parameters as
//! variables and placeholders.

use lsp_types::{CompletionItem, CompletionItemKind, Position};

use super::document::Document;
use super::index::Index;

/// Words of the language, with what each starts.
const KEYWORDS: &[(&str, &str)] = &[
    ("runbook", "runbook NAME { ... }"),
    ("title", "title \"...\""),
    ("source", "source \"ID\" url \"...\" updated DATE"),
    ("description", "description \"...\""),
    ("param", "param NAME: TYPE"),
    ("window", "window NAME from STEP to STEP limit D"),
    ("from", "the step that opens a window"),
    ("to", "the step that closes a window"),
    ("limit", "how long a window may stay open"),
    ("warn", "what to say when a window's limit passes"),
    ("step", "step ID \"Title\" { ... }"),
    ("doc", "the step's number in the source document"),
    ("quote", "quote LANG \"...\""),
    ("run", "run { ... }"),
    ("ensure", "ensure { ... }: a postcondition"),
    ("require", "require { ... }: a precondition"),
    ("skip if", "skip if { ... }: the step is already done"),
    ("manual", "manual \"...\": a step a person does"),
    ("wait", "wait { ... } until { ... }"),
    ("until", "the condition that ends a wait"),
    ("give up", "give up \"NAME\" { ... }"),
    ("attempts", "how many times a wait runs its command"),
    ("restart shell", "a fresh PowerShell session"),
    ("when", "when CONDITION { ... }"),
    ("else", "else { ... }"),
    ("match", "match PARAM { ... }"),
    ("if", "if { CONDITION } { ... }: decided at run time"),
    ("foreach", "foreach VAR in LIST { ... }"),
    ("in", "foreach VAR in LIST"),
    ("on", "on TARGET: where commands run"),
    (
        "gate",
        "gate { ... }: the health gate between a loop's items",
    ),
    ("budget", "budget N: how many items may fail"),
    ("finally", "finally { ... }: after a failed or aborted run"),
    ("timeout", "timeout D"),
    ("retries", "retries N every D"),
    ("every", "every D"),
    ("within", "within D"),
    ("accept exit", "accept exit N, ..."),
    ("message", "message \"...\""),
    ("placeholder", "placeholder \"<...>\""),
    ("required", "required, or required when CONDITION"),
    ("optional", "may be left out"),
    ("is set", "PARAM is set"),
    ("not", "not CONDITION"),
    ("and", "A and B"),
    ("or", "A or B"),
    ("string", "a parameter type"),
    ("int", "a parameter type"),
    ("bool", "a parameter type"),
    ("path", "a parameter type"),
    ("secret", "a parameter type"),
    ("choice", "choice(\"a\", \"b\")"),
    ("list(string)", "a parameter type"),
];

/// What may be written at `position`.
pub(crate) fn complete(doc: &Document, position: Position) -> Vec<CompletionItem> {
    let offset = doc.offset(position);
    let line_start = doc.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &doc.text[line_start..offset];
    // The word being written is replaced by the client; what matters is the word before it.
    let head = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '-' || c == '_');
    let previous = head.split_whitespace().next_back().unwrap_or("");
    let ast = tejun_grammar::parse(&doc.text).ok();
    let index = ast.as_ref().map(Index::new);
    let mut steps: Vec<(String, String)> = Vec::new();
    let mut params: Vec<(String, String, Option<String>)> = Vec::new();
    if let Some(index) = &index {
        steps = index
            .steps()
            .map(|s| (s.id.value.clone(), s.title.value.clone()))
            .collect();
        params = index
            .params()
            .map(|p| {
                (
                    p.name.value.clone(),
                    p.ty.kind.name().to_owned(),
                    p.placeholder.as_ref().map(|t| t.value.clone()),
                )
            })
            .collect();
    } else {
        // A text that does not parse still has its names: read them from the lines.
        for line in doc.text.lines() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("step") => {
                    if let Some(id) = words.next() {
                        steps.push((id.to_owned(), String::new()));
                    }
                }
                Some("param") => {
                    if let Some(name) = words.next() {
                        let name = name.trim_end_matches(':');
                        params.push((name.to_owned(), String::new(), None));
                    }
                }
                _ => {}
            }
        }
    }
    let step_items = || {
        steps.iter().map(|(id, title)| CompletionItem {
            label: id.clone(),
            kind: Some(CompletionItemKind::REFERENCE),
            detail: Some(format!("step {title}")),
            ..CompletionItem::default()
        })
    };
    if matches!(previous, "from" | "to") {
        return step_items().collect();
    }
    if index.as_ref().is_some_and(|i| i.in_code(offset)) {
        let mut out: Vec<CompletionItem> = params
            .iter()
            .map(|(name, ty, _)| CompletionItem {
                label: format!("${name}"),
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(format!("param {name}: {ty}")),
                filter_text: Some(name.clone()),
                insert_text: Some(if before.ends_with('$') {
                    name.clone()
                } else {
                    format!("${name}")
                }),
                ..CompletionItem::default()
            })
            .collect();
        out.extend(params.iter().filter_map(|(name, _, placeholder)| {
            let placeholder = placeholder.as_ref()?;
            Some(CompletionItem {
                label: placeholder.clone(),
                kind: Some(CompletionItemKind::CONSTANT),
                detail: Some(format!("placeholder filled by `{name}`")),
                ..CompletionItem::default()
            })
        }));
        return out;
    }
    let mut out: Vec<CompletionItem> = KEYWORDS
        .iter()
        .map(|(word, detail)| CompletionItem {
            label: (*word).to_owned(),
            kind: Some(CompletionItemKind::KEYWORD),
            detail: Some((*detail).to_owned()),
            ..CompletionItem::default()
        })
        .collect();
    out.extend(params.iter().map(|(name, ty, _)| CompletionItem {
        label: name.clone(),
        kind: Some(CompletionItemKind::VARIABLE),
        detail: Some(format!("param {name}: {ty}")),
        ..CompletionItem::default()
    }));
    out.extend(step_items());
    out
}
