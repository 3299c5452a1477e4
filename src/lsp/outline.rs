//! Document symbols: the runbook's outline of parameters, windows, steps, loops and branches.

use lsp_types::{DocumentSymbol, SymbolKind};
use tejun_grammar::Span;
use tejun_grammar::ast::{Ast, Body, Item, LoopSource, Pattern};

use super::document::Document;

/// The outline: the runbook, and under it its parameters, windows, steps (with their document
/// numbers), `foreach` loops and the arms of `when`, `match` and `if`, nested as written.
pub(crate) fn outline(doc: &Document) -> Vec<DocumentSymbol> {
    let Ok(ast) = tejun_grammar::parse(&doc.text) else {
        return Vec::new();
    };
    vec![runbook(doc, &ast)]
}

fn runbook(doc: &Document, ast: &Ast) -> DocumentSymbol {
    symbol(
        doc,
        format!("runbook {}", ast.name.value),
        None,
        SymbolKind::MODULE,
        ast.span,
        ast.name.span,
        items(doc, &ast.items),
    )
}

fn items(doc: &Document, list: &[Item]) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    for item in list {
        match item {
            Item::Param(p) => out.push(symbol(
                doc,
                p.name.value.clone(),
                Some(format!("param: {}", p.ty.kind.name())),
                SymbolKind::VARIABLE,
                p.span,
                p.name.span,
                Vec::new(),
            )),
            Item::Window(w) => out.push(symbol(
                doc,
                w.name.value.clone(),
                Some(format!("window from {} to {}", w.from.value, w.to.value)),
                SymbolKind::EVENT,
                w.span,
                w.name.span,
                Vec::new(),
            )),
            Item::Step(s) => {
                let detail = match &s.doc {
                    Some(d) => format!("doc {}: {}", d.value, s.title.value),
                    None => s.title.value.clone(),
                };
                out.push(symbol(
                    doc,
                    s.id.value.clone(),
                    Some(detail),
                    SymbolKind::FUNCTION,
                    s.span,
                    s.id.span,
                    items(doc, &s.items),
                ));
            }
            Item::Foreach(f) => {
                let over = match &f.source {
                    LoopSource::Param(name) => name.value.clone(),
                    LoopSource::Run(_) => "run { ... }".to_owned(),
                };
                out.push(symbol(
                    doc,
                    format!("foreach {} in {over}", f.var.value),
                    None,
                    SymbolKind::ARRAY,
                    f.span,
                    f.var.span,
                    items(doc, &f.items),
                ));
            }
            Item::Finally(f) => out.push(symbol(
                doc,
                "finally".to_owned(),
                None,
                SymbolKind::NAMESPACE,
                f.span,
                f.span,
                items(doc, &f.items),
            )),
            Item::When(w) => {
                for (i, arm) in w.arms.iter().enumerate() {
                    let keyword = if i == 0 { "when" } else { "else when" };
                    out.push(arm_symbol(
                        doc,
                        format!("{keyword} {}", one_line(source(doc, arm.cond.span()))),
                        arm.span,
                        arm.cond.span(),
                        &arm.body,
                    ));
                }
                if let Some(body) = &w.otherwise {
                    out.push(arm_symbol(
                        doc,
                        "else".to_owned(),
                        body.span,
                        body.span,
                        body,
                    ));
                }
            }
            Item::Match(m) => {
                let arms = m
                    .arms
                    .iter()
                    .map(|arm| {
                        let pattern = match &arm.pattern {
                            Pattern::Wildcard(_) => "_".to_owned(),
                            Pattern::Values(values) => values
                                .iter()
                                .map(|v| source(doc, v.span))
                                .collect::<Vec<_>>()
                                .join(" | "),
                        };
                        let at = match &arm.pattern {
                            Pattern::Wildcard(span) => *span,
                            Pattern::Values(values) => values.first().map_or(arm.span, |v| v.span),
                        };
                        arm_symbol(doc, pattern, arm.span, at, &arm.body)
                    })
                    .collect();
                out.push(symbol(
                    doc,
                    format!("match {}", m.param.value),
                    None,
                    SymbolKind::ENUM,
                    m.span,
                    m.param.span,
                    arms,
                ));
            }
            Item::If(branch) => {
                for (i, arm) in branch.arms.iter().enumerate() {
                    let keyword = if i == 0 { "if" } else { "else if" };
                    out.push(arm_symbol(
                        doc,
                        format!("{keyword} {{ {} }}", one_line(&arm.code.text)),
                        arm.span,
                        arm.code.span,
                        &arm.body,
                    ));
                }
                if let Some(body) = &branch.otherwise {
                    out.push(arm_symbol(
                        doc,
                        "else".to_owned(),
                        body.span,
                        body.span,
                        body,
                    ));
                }
            }
            Item::Title(_)
            | Item::Source(_)
            | Item::Description(_)
            | Item::Quote(_)
            | Item::Action(_) => {}
        }
    }
    out
}

fn arm_symbol(doc: &Document, name: String, span: Span, at: Span, body: &Body) -> DocumentSymbol {
    symbol(
        doc,
        name,
        None,
        SymbolKind::ENUM_MEMBER,
        span,
        at,
        items(doc, &body.items),
    )
}

fn symbol(
    doc: &Document,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    at: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    // The selection must lie inside the range.
    let at = if span.start <= at.start && at.end <= span.end {
        at
    } else {
        span
    };
    #[allow(deprecated)] // `deprecated` is a field every client still expects to be settable.
    DocumentSymbol {
        name: if name.is_empty() {
            "?".to_owned()
        } else {
            name
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(span),
        selection_range: doc.range(at),
        children: (!children.is_empty()).then_some(children),
    }
}

fn source(doc: &Document, span: Span) -> &str {
    doc.text.get(span.start..span.end).unwrap_or("")
}

/// Text on one line, shortened for an outline.
fn one_line(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(59).collect::<String>())
    } else {
        line
    }
}
