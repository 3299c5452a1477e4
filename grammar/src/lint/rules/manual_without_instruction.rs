//! ## What it does
//! Finds `manual` actions whose instruction is empty or blank, and steps that have nothing to
//! do: no command, no check and no manual instruction.
//!
//! ## Why is this bad?
//! A manual step stops the run until a person confirms it is done. Without an instruction they
//! cannot know what to do, so they confirm without doing it, or they cannot go on at all. A step
//! with only quotes from the document looks done in the journal while nothing happened.
//!
//! ## Example
//! ```text
//! step close-shells "Close all Lync Server Management Shell windows" doc 6 {
//!   quote en "Close all Lync Server Management Shell windows."
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! step close-shells "Close all Lync Server Management Shell windows" doc 6 {
//!   quote en "Close all Lync Server Management Shell windows."
//!   manual "Close every other Lync Server Management Shell window open on this server."
//! }
//! ```

use crate::ast::Item;
use crate::lint::{Context, Finding};

/// An empty `manual ""` is a `tejun check` error, filed under this rule by `lint`; this finds
/// the steps with nothing to do.
pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for step in &cx.steps {
        let nested_steps = step.items.iter().any(|i| matches!(i, Item::Step(_)));
        if !nested_steps && cx.actions_of(step).next().is_none() {
            out.push(Finding::new(
                "TJ010",
                step.id.span,
                format!("step `{}` has nothing to do", step.id.value),
                "no action",
                "add what the step does: a `run { ... }` command, or a `manual \"...\"` instruction for the operator",
            ));
        }
    }
}
