//! ## What it does
//! Finds steps whose titles are the same (ignoring case and surrounding spaces).
//!
//! ## Why is this bad?
//! Operators follow a runbook by its titles: in the progress line, the journal and a paused
//! run's message. Two steps called "Stop the services" make "it failed at Stop the services"
//! ambiguous, and usually one of them was copied and not renamed.
//!
//! ## Example
//! ```text
//! step stop-services "Stop the Lync Server services" { ... }
//! step stop-services-again "Stop the Lync Server services" { ... }
//! ```
//!
//! ## Use instead
//! ```text
//! step stop-services "Stop the Lync Server services" { ... }
//! step stop-services-again "Stop the Lync Server services again to pick up the new assemblies" { ... }
//! ```

use std::collections::HashMap;

use crate::lint::{Context, Finding};

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen: HashMap<String, &crate::ast::Step> = HashMap::new();
    for step in &cx.steps {
        let key = step.title.value.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        match seen.get(&key) {
            Some(first) => {
                let (line, _) = first.title.span.line_col(cx.src);
                out.push(Finding::new(
                    "TJ011",
                    step.title.span,
                    format!(
                        "step `{}` has the same title as step `{}` (line {line})",
                        step.id.value, first.id.value
                    ),
                    "duplicate title",
                    "give each step a title that says what sets it apart",
                ));
            }
            None => {
                seen.insert(key, step);
            }
        }
    }
}
