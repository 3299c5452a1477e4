//! Conditions on parameters, as in `when ServerRole == "EnterpriseBackEnd" and not Collocated`.
//!
//! A parameter that has no value makes `==`, `in`, a bool test and `is set` false, and their
//! negations true. The checker makes sure a runbook never compares a parameter that may have no
//! value, so this matters only for the analysis of which branches are reachable.

use crate::ast::{Literal, Name, Value};
use crate::span::Span;

/// A condition on parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `A or B or ...`.
    Or(Vec<Cond>, Span),
    /// `A and B and ...`.
    And(Vec<Cond>, Span),
    /// `not A`.
    Not(Box<Cond>, Span),
    /// `PARAM == VALUE` (or `!=` when `negated`).
    Compare {
        /// The parameter.
        param: Name,
        /// Whether it is `!=`.
        negated: bool,
        /// The value compared with.
        value: Literal,
        /// The whole comparison.
        span: Span,
    },
    /// `PARAM in (...)` (or `not in` when `negated`).
    In {
        /// The parameter.
        param: Name,
        /// Whether it is `not in`.
        negated: bool,
        /// The values.
        values: Vec<Literal>,
        /// The whole test.
        span: Span,
    },
    /// `PARAM is set` (or `is not set` when `negated`).
    IsSet {
        /// The parameter.
        param: Name,
        /// Whether it is `is not set`.
        negated: bool,
        /// The whole test.
        span: Span,
    },
    /// A bool parameter on its own.
    Flag {
        /// The parameter.
        param: Name,
        /// Where it is written.
        span: Span,
    },
}

impl Cond {
    /// The condition's span.
    pub fn span(&self) -> Span {
        match self {
            Cond::Or(_, span) | Cond::And(_, span) | Cond::Not(_, span) => *span,
            Cond::Compare { span, .. }
            | Cond::In { span, .. }
            | Cond::IsSet { span, .. }
            | Cond::Flag { span, .. } => *span,
        }
    }

    /// Calls `f` for every parameter the condition names, in order.
    pub fn for_each_param<'a>(&'a self, f: &mut impl FnMut(&'a Name)) {
        match self {
            Cond::Or(parts, _) | Cond::And(parts, _) => {
                parts.iter().for_each(|p| p.for_each_param(f))
            }
            Cond::Not(inner, _) => inner.for_each_param(f),
            Cond::Compare { param, .. }
            | Cond::In { param, .. }
            | Cond::IsSet { param, .. }
            | Cond::Flag { param, .. } => f(param),
        }
    }

    /// Evaluates the condition, looking each parameter's value up with `value_of`.
    pub fn eval<'v>(&self, value_of: &impl Fn(&str) -> Option<&'v Value>) -> bool {
        match self {
            Cond::Or(parts, _) => parts.iter().any(|p| p.eval(value_of)),
            Cond::And(parts, _) => parts.iter().all(|p| p.eval(value_of)),
            Cond::Not(inner, _) => !inner.eval(value_of),
            Cond::Compare {
                param,
                negated,
                value,
                ..
            } => negated ^ (value_of(&param.value) == Some(&value.value)),
            Cond::In {
                param,
                negated,
                values,
                ..
            } => {
                let found =
                    value_of(&param.value).is_some_and(|v| values.iter().any(|l| &l.value == v));
                negated ^ found
            }
            Cond::IsSet { param, negated, .. } => negated ^ value_of(&param.value).is_some(),
            Cond::Flag { param, .. } => value_of(&param.value) == Some(&Value::Bool(true)),
        }
    }
}

impl std::fmt::Display for Cond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn list(f: &mut std::fmt::Formatter<'_>, parts: &[Cond], sep: &str) -> std::fmt::Result {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {sep} ")?;
                }
                match part {
                    Cond::Or(..) | Cond::And(..) => write!(f, "({part})")?,
                    _ => write!(f, "{part}")?,
                }
            }
            Ok(())
        }
        match self {
            Cond::Or(parts, _) => list(f, parts, "or"),
            Cond::And(parts, _) => list(f, parts, "and"),
            Cond::Not(inner, _) => match **inner {
                Cond::Or(..) | Cond::And(..) => write!(f, "not ({inner})"),
                _ => write!(f, "not {inner}"),
            },
            Cond::Compare {
                param,
                negated,
                value,
                ..
            } => {
                write!(
                    f,
                    "{} {} {}",
                    param.value,
                    if *negated { "!=" } else { "==" },
                    value.value
                )
            }
            Cond::In {
                param,
                negated,
                values,
                ..
            } => {
                write!(
                    f,
                    "{} {}in (",
                    param.value,
                    if *negated { "not " } else { "" }
                )?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", v.value)?;
                }
                write!(f, ")")
            }
            Cond::IsSet { param, negated, .. } => {
                write!(
                    f,
                    "{} is {}set",
                    param.value,
                    if *negated { "not " } else { "" }
                )
            }
            Cond::Flag { param, .. } => write!(f, "{}", param.value),
        }
    }
}
