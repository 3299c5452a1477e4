//! Go to definition and find references for parameters, steps, windows and placeholders.

use lsp_types::{Location, Position};

use super::document::Document;
use super::index::{Index, Written};

/// Where the name under `position` is declared: a placeholder goes to the parameter's
/// `placeholder "..."`, anything else to the declared name.
pub(crate) fn definition(doc: &Document, position: Position) -> Option<Location> {
    let ast = tejun_grammar::parse(&doc.text).ok()?;
    let index = Index::new(&ast);
    let found = index.at(doc.offset(position))?;
    let target = if found.written == Written::Placeholder {
        index
            .uses_of(found.decl)
            .find(|u| {
                u.written == Written::Placeholder
                    && u.step.is_none()
                    && !index.in_code(u.span.start)
            })
            .map(|u| u.span)
    } else {
        None
    };
    let span = target.unwrap_or(index.decls[found.decl].name().span);
    Some(Location::new(doc.uri.clone(), doc.range(span)))
}

/// Every place the name under `position` is written: as a name, a `$Name` variable or a
/// placeholder; its declaration too when `declaration` is set.
pub(crate) fn references(doc: &Document, position: Position, declaration: bool) -> Vec<Location> {
    let Ok(ast) = tejun_grammar::parse(&doc.text) else {
        return Vec::new();
    };
    let index = Index::new(&ast);
    let Some(found) = index.at(doc.offset(position)) else {
        return Vec::new();
    };
    index
        .uses_of(found.decl)
        .filter(|u| declaration || u.written != Written::Declared)
        .map(|u| Location::new(doc.uri.clone(), doc.range(u.span)))
        .collect()
}
