//! ## What it does
//! Finds a `foreach` loop whose steps change the system (a command TJ003 counts as a change:
//! `Stop-*`, `Install-*`, `net stop`, `msiexec`, ...) with nothing in the loop's body that must
//! hold or be confirmed before the next item starts: no `ensure` in the step of the first change
//! or a later step of the body, no `manual` after that change, and no `require` anywhere in the
//! body (a `require` is checked again for every item, so it stands between two items too), and
//! no `gate` on the loop.
//!
//! ## Why is this bad?
//! "One server at a time" means the next server is touched only once the previous one is back.
//! Without a gate, a loop takes the servers of a pool down one after the other as fast as the
//! commands return: a failover that has not finished, or a service that did not come back, is
//! not noticed until every server is down. An `ensure` stops the run at the server where things
//! went wrong, and `tejun resume` goes on at that server.
//!
//! ## Example
//! ```text
//! foreach server in Servers placeholder "<Front End Server>" {
//!   step patch "Patch the server" {
//!     run { Invoke-CsComputerFailOver -ComputerName <Front End Server> }
//!     run { Stop-CsWindowsService -ComputerName <Front End Server> }
//!   }
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! foreach server in Servers placeholder "<Front End Server>" {
//!   step patch "Patch the server" {
//!     run { Invoke-CsComputerFailOver -ComputerName <Front End Server> }
//!     run { Stop-CsWindowsService -ComputerName <Front End Server> }
//!     ensure { (Get-CsWindowsService -ComputerName <Front End Server> -Name RTCSRV).Status -eq 'Stopped' } within 10m every 15s
//!   }
//! }
//! ```

use super::state_change_without_postcondition::first_change;
use crate::ast::{Action, Item, Step};
use crate::lint::{Context, Finding};
use crate::span::Span;

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for f in &cx.loops {
        let mut steps = Vec::new();
        body_steps(&f.items, &mut steps);
        // The first change: its step's position in the body and the command.
        let change = steps
            .iter()
            .enumerate()
            .find_map(|(i, step)| first_change(cx, step).map(|c| (i, c.name, c.span)));
        let Some((at, name, span)) = change else {
            continue;
        };
        let required = steps
            .iter()
            .any(|step| cx.actions_of(step).any(|a| matches!(a, Action::Require(_))));
        let gated = f.gate.is_some()
            || required
            || steps[at..].iter().enumerate().any(|(k, step)| {
                cx.actions_of(step).any(|a| match a {
                    Action::Ensure(_) => true,
                    Action::Manual(m) => k > 0 || m.span.start > span.start,
                    _ => false,
                })
            });
        if !gated {
            out.push(Finding::new(
                "TJ014",
                Span::new(f.span.start, f.var.span.end),
                format!(
                    "`foreach {}` runs `{name}` for each item with nothing to hold before the next item",
                    f.var.value
                ),
                "no gate between iterations",
                "add an `ensure { ... }` after the change in the loop's body (or a `require` at its start, or a `manual` confirmation), so that the next item starts only once this one is back, such as `ensure { Test-CsPoolHealth } within 10m every 30s`",
            ));
        }
    }
}

/// The steps of a loop's body in source order, branches and nested loops included.
fn body_steps<'a>(items: &'a [Item], out: &mut Vec<&'a Step>) {
    for item in items {
        match item {
            Item::Step(step) => out.push(step),
            Item::Foreach(f) => body_steps(&f.items, out),
            Item::When(w) => {
                for arm in &w.arms {
                    body_steps(&arm.body.items, out);
                }
                if let Some(body) = &w.otherwise {
                    body_steps(&body.items, out);
                }
            }
            Item::Match(m) => {
                for arm in &m.arms {
                    body_steps(&arm.body.items, out);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    body_steps(&arm.body.items, out);
                }
                if let Some(body) = &i.otherwise {
                    body_steps(&body.items, out);
                }
            }
            _ => {}
        }
    }
}
