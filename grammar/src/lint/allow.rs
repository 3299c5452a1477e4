//! Inline allows: `# tejun: allow(TJ003) the installer checks this itself`.
//!
//! An allow covers the line it is written on and the next line; written on the line before a
//! `step` (or on the `step` line itself) it covers the whole step. It names rules by code or name,
//! separated by commas, and should give a reason after the parenthesis. The comment may be a
//! runbook comment or a PowerShell comment inside code: both are `#` comments.

use std::cell::Cell;

use super::Finding;
use super::rules::{Rule, rule};
use crate::span::Span;

const MARK: &str = "# tejun: allow(";

/// The allows of one file.
pub(crate) struct Allows {
    entries: Vec<Allow>,
}

struct Allow {
    /// The rule codes it names (unknown names are reported, not kept).
    codes: Vec<&'static str>,
    /// The byte ranges it covers.
    covers: Vec<Span>,
    /// The comment itself.
    span: Span,
    reason: bool,
    used: Cell<bool>,
    unknown: Vec<String>,
}

impl Allows {
    /// Finds the allows in `src`; `steps` are the spans of the file's steps.
    pub(crate) fn scan(src: &str, steps: &[Span]) -> Allows {
        let mut entries = Vec::new();
        let mut line_start = 0;
        let lines: Vec<(usize, &str)> = src
            .split_inclusive('\n')
            .map(|line| {
                let at = line_start;
                line_start += line.len();
                (at, line)
            })
            .collect();
        for (i, (at, line)) in lines.iter().enumerate() {
            let Some(pos) = line.find(MARK) else {
                continue;
            };
            let rest = &line[pos + MARK.len()..];
            let Some(close) = rest.find(')') else {
                continue;
            };
            let mut codes = Vec::new();
            let mut unknown = Vec::new();
            for name in rest[..close]
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                match rule(name) {
                    Some(r) => codes.push(r.code),
                    None => unknown.push(name.to_owned()),
                }
            }
            let reason = !rest[close + 1..].trim().is_empty();
            let this = Span::new(*at, at + line.len());
            let mut covers = vec![this];
            if let Some((next_at, next)) = lines.get(i + 1) {
                covers.push(Span::new(*next_at, next_at + next.len()));
            }
            // An allow just above a step, or on its first line, covers all of it.
            for step in steps {
                if covers
                    .iter()
                    .any(|c| c.start <= step.start && step.start < c.end)
                {
                    covers.push(*step);
                }
            }
            entries.push(Allow {
                codes,
                covers,
                span: Span::new(at + pos, at + line.trim_end().len()),
                reason,
                used: Cell::new(false),
                unknown,
            });
        }
        Allows { entries }
    }

    /// Whether an allow covers a finding of `rule` at `span` (and marks that allow used).
    pub(crate) fn allows(&self, rule: &Rule, span: Span) -> bool {
        let mut allowed = false;
        for a in &self.entries {
            if a.codes.contains(&rule.code)
                && a.covers
                    .iter()
                    .any(|c| c.start <= span.start && span.start < c.end.max(c.start + 1))
            {
                a.used.set(true);
                allowed = true;
            }
        }
        allowed
    }

    /// What is wrong with the allows themselves: unknown rules, missing reasons, allows that
    /// allowed nothing. Call after every finding went through [`Allows::allows`].
    pub(crate) fn problems(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for a in &self.entries {
            for name in &a.unknown {
                out.push(Finding::new(
                    "TJ013",
                    a.span,
                    format!("`{name}` is not a rule, so this allow has no effect"),
                    "unknown rule",
                    "name a rule by its code or name: `tejun lint --list-rules` lists them",
                ));
            }
            if a.codes.is_empty() {
                continue;
            }
            if !a.reason {
                out.push(Finding::new(
                    "TJ013",
                    a.span,
                    "an allow without a reason",
                    "why?",
                    "say why the rule does not apply here, after the parenthesis: `# tejun: allow(TJ003) the installer verifies itself`",
                ));
            }
            if !a.used.get() {
                out.push(Finding::new(
                    "TJ013",
                    a.span,
                    format!(
                        "this allow of {} allows nothing here",
                        a.codes
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "unused",
                    "remove it, or move it to the line above the finding (or above its step)",
                ));
            }
        }
        out
    }
}
