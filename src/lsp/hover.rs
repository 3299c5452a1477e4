//! Hover: what a parameter, step or window is, from its declaration, and where it is used.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use tejun_grammar::ast::{Requirement, TargetRef, TypeKind};

use super::document::Document;
use super::index::{Decl, Index, Written};

/// The hover at `position`: the declaration of the name under it, in markdown.
pub(crate) fn hover(doc: &Document, position: Position) -> Option<Hover> {
    let ast = tejun_grammar::parse(&doc.text).ok()?;
    let index = Index::new(&ast);
    let offset = doc.offset(position);
    let found = index.at(offset)?;
    let decl = index.decls[found.decl];
    let mut text = match decl {
        Decl::Param(p) => {
            let mut text = format!(
                "```tejun\nparam {}: {}",
                p.name.value,
                type_text(doc, &p.ty.kind)
            );
            if let Some(default) = &p.default {
                text.push_str(&format!(" = {}", source(doc, default.span)));
            }
            text.push_str("\n```\n");
            if let Some(d) = &p.doc {
                text.push_str(&format!("\n{}\n", d.value));
            }
            text.push_str(&format!("\n- {}", requirement(doc, p)));
            if let Some(ph) = &p.placeholder {
                text.push_str(&format!("\n- fills the placeholder `{}`", ph.value));
            }
            text
        }
        Decl::Step(s) => {
            let mut text = format!("```tejun\nstep {} \"{}\"", s.id.value, s.title.value);
            if let Some(d) = &s.doc {
                text.push_str(&format!(" doc {}", d.value));
            }
            text.push_str("\n```\n");
            if let Some(on) = &s.on {
                let target = match &on.target {
                    TargetRef::Named(t) => t.span,
                    TargetRef::Var(n) => n.span,
                };
                text.push_str(&format!("\n- runs on `{}`", source(doc, target)));
            }
            for w in index.decls.iter().filter_map(|d| match d {
                Decl::Window(w) => Some(*w),
                _ => None,
            }) {
                if w.from.value == s.id.value {
                    text.push_str(&format!("\n- opens window `{}`", w.name.value));
                }
                if w.to.value == s.id.value {
                    text.push_str(&format!("\n- closes window `{}`", w.name.value));
                }
            }
            text
        }
        Decl::Window(w) => {
            let mut text = format!(
                "```tejun\nwindow {} from {} to {} limit {}\n```\n",
                w.name.value,
                w.from.value,
                w.to.value,
                source(doc, w.limit.span)
            );
            text.push_str(&format!(
                "\nThe time from the start of step `{}` to the end of step `{}` may be at most {}.",
                w.from.value,
                w.to.value,
                source(doc, w.limit.span)
            ));
            if let Some(warn) = &w.warn {
                text.push_str(&format!("\n\nWhen it passes: {}", warn.value));
            }
            text
        }
    };
    let steps = used_in(&index, found.decl);
    if !steps.is_empty() {
        text.push_str(&format!("\n\nUsed in {steps}"));
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(doc.range(found.span)),
    })
}

/// Where a declaration is used: the steps, or "N places".
fn used_in(index: &Index, decl: usize) -> String {
    let uses: Vec<_> = index
        .uses_of(decl)
        .filter(|u| {
            u.written != Written::Declared
                && !(u.written == Written::Placeholder && u.step.is_none())
        })
        .collect();
    if uses.is_empty() {
        return String::new();
    }
    let mut steps: Vec<String> = Vec::new();
    let mut elsewhere = 0;
    for u in &uses {
        match u.step {
            Some(step) => {
                let id = format!("`{}`", index.decls[step].name().value);
                if !steps.contains(&id) {
                    steps.push(id);
                }
            }
            None => elsewhere += 1,
        }
    }
    let mut parts = Vec::new();
    if !steps.is_empty() {
        parts.push(format!(
            "{} {}",
            if steps.len() == 1 { "step" } else { "steps" },
            steps.join(", ")
        ));
    }
    if elsewhere > 0 {
        parts.push(format!(
            "{elsewhere} {} outside steps",
            if elsewhere == 1 { "place" } else { "places" }
        ));
    }
    format!("{} ({} uses)", parts.join(" and "), uses.len())
}

fn requirement(doc: &Document, p: &tejun_grammar::ast::Param) -> String {
    match &p.requirement {
        Requirement::Always(_) => "required".to_owned(),
        Requirement::Optional(_) => "optional".to_owned(),
        Requirement::When(cond, _) => format!("required when `{}`", source(doc, cond.span())),
        Requirement::Implicit if p.default.is_some() => "optional: has a default".to_owned(),
        Requirement::Implicit => "required".to_owned(),
    }
}

fn type_text(doc: &Document, kind: &TypeKind) -> String {
    match kind {
        TypeKind::Choice(options) => format!(
            "choice({})",
            options
                .iter()
                .map(|o| source(doc, o.span))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.name().to_owned(),
    }
}

/// The text of a span as written.
fn source(doc: &Document, span: tejun_grammar::Span) -> &str {
    doc.text.get(span.start..span.end).unwrap_or("")
}
