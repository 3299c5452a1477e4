//! What "means the same" is for [`same_meaning`](super::same_meaning): the tree without its
//! positions.

use crate::ast::*;
use crate::code::Code;
use crate::cond::Cond;
use crate::span::Span;

/// A copy of the tree with every span zeroed and every block's raw text dropped.
pub(super) fn erased(ast: &Ast) -> Ast {
    let mut ast = ast.clone();
    ast.span = Span::default();
    ast.name.span = Span::default();
    for comment in &mut ast.comments {
        comment.span = Span::default();
    }
    erase_items(&mut ast.items);
    ast
}

fn erase_items(items: &mut [Item]) {
    let zero = Span::default();
    for item in items {
        match item {
            Item::Title(t) | Item::Description(t) => t.span = zero,
            Item::Source(s) => {
                s.span = zero;
                s.id.span = zero;
                if let Some(url) = &mut s.url {
                    url.span = zero;
                }
                if let Some(date) = &mut s.updated {
                    date.span = zero;
                }
            }
            Item::Param(p) => {
                p.span = zero;
                p.name.span = zero;
                p.ty.span = zero;
                if let TypeKind::Choice(values) = &mut p.ty.kind {
                    values.iter_mut().for_each(|v| v.span = zero);
                }
                if let Some(default) = &mut p.default {
                    default.span = zero;
                }
                match &mut p.requirement {
                    Requirement::Implicit => {}
                    Requirement::Always(s) | Requirement::Optional(s) => *s = zero,
                    Requirement::When(cond, s) => {
                        *s = zero;
                        erase_cond(cond);
                    }
                }
                for text in [&mut p.placeholder, &mut p.doc].into_iter().flatten() {
                    text.span = zero;
                }
            }
            Item::Window(w) => {
                w.span = zero;
                w.name.span = zero;
                w.from.span = zero;
                w.to.span = zero;
                w.limit.span = zero;
                if let Some(warn) = &mut w.warn {
                    warn.span = zero;
                }
            }
            Item::Finally(f) => {
                f.span = zero;
                erase_items(&mut f.items);
            }
            Item::Foreach(f) => {
                f.span = zero;
                f.var.span = zero;
                match &mut f.source {
                    LoopSource::Param(name) => name.span = zero,
                    LoopSource::Run(code) => erase_code(code),
                }
                if let Some(placeholder) = &mut f.placeholder {
                    placeholder.span = zero;
                }
                if let Some(on) = &mut f.on {
                    erase_on(on);
                }
                if let Some(gate) = &mut f.gate {
                    gate.span = zero;
                    erase_code(&mut gate.code);
                    if let Some(poll) = &mut gate.poll {
                        erase_poll(poll);
                    }
                    if let Some(message) = &mut gate.message {
                        message.span = zero;
                    }
                }
                if let Some(budget) = &mut f.budget {
                    budget.span = zero;
                }
                erase_items(&mut f.items);
            }
            Item::Step(s) => {
                s.span = zero;
                s.id.span = zero;
                s.title.span = zero;
                if let Some(doc) = &mut s.doc {
                    doc.span = zero;
                }
                if let Some(on) = &mut s.on {
                    erase_on(on);
                }
                erase_items(&mut s.items);
            }
            Item::Quote(q) => {
                q.span = zero;
                q.text.span = zero;
                if let Some(lang) = &mut q.lang {
                    lang.span = zero;
                }
            }
            Item::Action(a) => erase_action(a),
            Item::When(w) => {
                w.span = zero;
                for arm in &mut w.arms {
                    arm.span = zero;
                    erase_cond(&mut arm.cond);
                    erase_body(&mut arm.body);
                }
                if let Some(body) = &mut w.otherwise {
                    erase_body(body);
                }
            }
            Item::If(i) => {
                i.span = zero;
                for arm in &mut i.arms {
                    arm.span = zero;
                    erase_code(&mut arm.code);
                    erase_body(&mut arm.body);
                }
                if let Some(body) = &mut i.otherwise {
                    erase_body(body);
                }
            }
            Item::Match(m) => {
                m.span = zero;
                m.param.span = zero;
                for arm in &mut m.arms {
                    arm.span = zero;
                    match &mut arm.pattern {
                        Pattern::Wildcard(s) => *s = zero,
                        Pattern::Values(values) => values.iter_mut().for_each(|v| v.span = zero),
                    }
                    if let Some(guard) = &mut arm.guard {
                        erase_cond(guard);
                    }
                    erase_body(&mut arm.body);
                }
            }
        }
    }
}

fn erase_body(body: &mut Body) {
    body.span = Span::default();
    erase_items(&mut body.items);
}

fn erase_action(action: &mut Action) {
    let zero = Span::default();
    match action {
        Action::Run(run) => {
            run.span = zero;
            erase_code(&mut run.code);
            if let Some(timeout) = &mut run.timeout {
                timeout.span = zero;
            }
            if let Some(retries) = &mut run.retries {
                retries.span = zero;
                if let Some(every) = &mut retries.every {
                    every.span = zero;
                }
            }
            if let Some(accept) = &mut run.accept_exit {
                accept.span = zero;
            }
        }
        Action::Wait(wait) => {
            wait.span = zero;
            erase_code(&mut wait.code);
            erase_code(&mut wait.until);
            for d in [&mut wait.every, &mut wait.timeout].into_iter().flatten() {
                d.span = zero;
            }
            if let Some(attempts) = &mut wait.attempts {
                attempts.span = zero;
            }
            for g in &mut wait.give_up {
                g.span = zero;
                g.name.span = zero;
                erase_code(&mut g.code);
            }
            if let Some(message) = &mut wait.message {
                message.span = zero;
            }
        }
        Action::Manual(manual) => {
            manual.span = zero;
            manual.instruction.span = zero;
        }
        Action::Require(check) | Action::Ensure(check) => {
            check.span = zero;
            erase_code(&mut check.code);
            if let Some(poll) = &mut check.poll {
                erase_poll(poll);
            }
            if let Some(message) = &mut check.message {
                message.span = zero;
            }
        }
        Action::SkipIf(skip) => {
            skip.span = zero;
            erase_code(&mut skip.code);
        }
        Action::RestartShell(span) => *span = zero,
    }
}

fn erase_poll(poll: &mut Poll) {
    poll.span = Span::default();
    poll.within.span = Span::default();
    if let Some(every) = &mut poll.every {
        every.span = Span::default();
    }
}

fn erase_on(on: &mut OnTarget) {
    on.span = Span::default();
    match &mut on.target {
        TargetRef::Named(text) => text.span = Span::default(),
        TargetRef::Var(name) => name.span = Span::default(),
    }
}

fn erase_code(code: &mut Code) {
    code.raw.clear();
    code.span = Span::default();
    for placeholder in &mut code.placeholders {
        placeholder.span = Span::default();
    }
}

fn erase_cond(cond: &mut Cond) {
    let zero = Span::default();
    match cond {
        Cond::Or(parts, span) | Cond::And(parts, span) => {
            *span = zero;
            parts.iter_mut().for_each(erase_cond);
        }
        Cond::Not(inner, span) => {
            *span = zero;
            erase_cond(inner);
        }
        Cond::Compare {
            param, value, span, ..
        } => {
            *span = zero;
            param.span = zero;
            value.span = zero;
        }
        Cond::In {
            param,
            values,
            span,
            ..
        } => {
            *span = zero;
            param.span = zero;
            values.iter_mut().for_each(|v| v.span = zero);
        }
        Cond::IsSet { param, span, .. } | Cond::Flag { param, span } => {
            *span = zero;
            param.span = zero;
        }
    }
}
