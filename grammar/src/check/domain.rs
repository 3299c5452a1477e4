//! Which parameter values can meet on a branch: the analysis behind "may have no value here"
//! and "this branch can never be taken".
//!
//! Every parameter gets a finite domain: a choice's values, `true`/`false`, or for text and
//! numbers the literals the runbook compares it with plus one value equal to none of them; and
//! "no value" when the parameter may be left out. A question about a branch enumerates the
//! assignments of the parameters involved, keeping those that satisfy the branch's path and the
//! runbook's `required when` rules. Enumeration stops at [`MAX_WORLDS`] assignments: past that
//! the answer is unknown and the checker says so instead of guessing.

use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

use crate::ast::{Param, Requirement, TypeKind, Value};
use crate::cond::Cond;

/// The most assignments one question may enumerate.
pub const MAX_WORLDS: usize = 1 << 14;

/// The most condition evaluations one question may cost (assignments times conditions).
pub const MAX_WORK: usize = 1 << 16;

/// The most condition evaluations the analysis of one runbook may cost. Past it every answer is
/// unknown: a runbook with thousands of chained branches is still checked in well under a second.
pub const MAX_TOTAL_WORK: usize = 1 << 25;

/// One condition on the way to a branch, and whether it holds (`true`) or fails there.
pub type PathLit = (Cond, bool);

/// The parameter domains of one runbook.
pub struct Domains<'a> {
    params: HashMap<&'a str, &'a Param>,
    domains: HashMap<&'a str, Vec<Option<Value>>>,
    spent: std::cell::Cell<usize>,
}

impl<'a> Domains<'a> {
    /// Builds the domains from the declared parameters and every condition in the runbook.
    pub fn new(params: &[&'a Param], conds: &[&Cond]) -> Domains<'a> {
        let mut mentioned: HashMap<&str, Vec<Value>> = HashMap::new();
        for cond in conds {
            collect_literals(cond, &mut mentioned);
        }
        let mut domains = HashMap::new();
        let mut by_name = HashMap::new();
        for param in params {
            let name = param.name.value.as_str();
            by_name.insert(name, *param);
            let mut values: Vec<Option<Value>> = match &param.ty.kind {
                TypeKind::Choice(options) => options
                    .iter()
                    .map(|o| Some(Value::Str(o.value.clone())))
                    .collect(),
                TypeKind::Bool => vec![Some(Value::Bool(true)), Some(Value::Bool(false))],
                TypeKind::Secret => vec![Some(Value::Str(String::new()))],
                TypeKind::List => vec![Some(Value::List(Vec::new()))],
                TypeKind::Int => {
                    let mut ints: Vec<i64> = mentioned
                        .get(name)
                        .into_iter()
                        .flatten()
                        .filter_map(|v| {
                            if let Value::Int(i) = v {
                                Some(*i)
                            } else {
                                None
                            }
                        })
                        .collect();
                    ints.sort_unstable();
                    ints.dedup();
                    let fresh = (0..).find(|i| !ints.contains(i)).unwrap_or(0);
                    ints.push(fresh);
                    ints.into_iter().map(|i| Some(Value::Int(i))).collect()
                }
                TypeKind::String | TypeKind::Path => {
                    let mut strs: Vec<String> = mentioned
                        .get(name)
                        .into_iter()
                        .flatten()
                        .filter_map(|v| {
                            if let Value::Str(s) = v {
                                Some(s.clone())
                            } else {
                                None
                            }
                        })
                        .collect();
                    strs.sort_unstable();
                    strs.dedup();
                    let fresh = (0..)
                        .map(|i| format!("other{i}"))
                        .find(|s| !strs.contains(s))
                        .unwrap_or_default();
                    strs.push(fresh);
                    strs.into_iter().map(|s| Some(Value::Str(s))).collect()
                }
            };
            if may_be_unset(param) {
                values.push(None);
            }
            domains.insert(name, values);
        }
        Domains {
            params: by_name,
            domains,
            spent: std::cell::Cell::new(0),
        }
    }

    /// Whether `param` has a value in every assignment that reaches the end of `path`.
    /// `None` when there are too many assignments to tell.
    pub fn available(&self, param: &str, path: &[PathLit]) -> Option<bool> {
        let Some(p) = self.params.get(param) else {
            return Some(true);
        };
        if !may_be_unset(p) {
            return Some(true);
        }
        let exists = self.exists(path, Some(param), |world| world.get(param).is_none())?;
        Some(!exists)
    }

    /// Whether some assignment of values reaches the end of `path`. `None` when there are too
    /// many assignments to tell.
    pub fn satisfiable(&self, path: &[PathLit]) -> Option<bool> {
        self.exists(path, None, |_| true)
    }

    fn exists(
        &self,
        path: &[PathLit],
        extra: Option<&str>,
        goal: impl Fn(&World<'_>) -> bool,
    ) -> Option<bool> {
        let vars = self.variables(path, extra);
        let total = vars
            .iter()
            .try_fold(1usize, |acc, v| acc.checked_mul(self.domains[v].len()))?;
        let work = total.saturating_mul(path.len() + vars.len() + 1);
        if total > MAX_WORLDS
            || work > MAX_WORK
            || self.spent.get().saturating_add(work) > MAX_TOTAL_WORK
        {
            return None;
        }
        self.spent.set(self.spent.get() + work);
        let constraints: Vec<(&str, &Cond)> = vars
            .iter()
            .filter_map(|v| match &self.params[v].requirement {
                Requirement::When(cond, _) if self.params[v].default.is_none() => Some((*v, cond)),
                _ => None,
            })
            .collect();
        // Each variable's domain, looked up once rather than once per assignment.
        let domains: Vec<&Vec<Option<Value>>> = vars.iter().map(|v| &self.domains[v]).collect();
        let mut index = vec![0usize; vars.len()];
        // One buffer for every assignment's values, rather than one allocation each.
        let mut values: Vec<&Option<Value>> = Vec::with_capacity(vars.len());
        for _ in 0..total {
            values.clear();
            values.extend(index.iter().zip(&domains).map(|(i, domain)| &domain[*i]));
            let world = World {
                vars: &vars,
                values: &values,
            };
            let lookup = |name: &str| world.get(name);
            let required_ok = constraints
                .iter()
                .all(|(v, cond)| !cond.eval(&lookup) || world.get(v).is_some());
            if required_ok
                && path
                    .iter()
                    .all(|(cond, holds)| cond.eval(&lookup) == *holds)
                && goal(&world)
            {
                return Some(true);
            }
            // Advance the mixed-radix counter.
            for (slot, domain) in index.iter_mut().zip(&domains) {
                *slot += 1;
                if *slot < domain.len() {
                    break;
                }
                *slot = 0;
            }
        }
        Some(false)
    }

    /// The parameters that matter for a question: those the path names, `extra`, and those the
    /// `required when` rules of these name, transitively.
    fn variables(&self, path: &[PathLit], extra: Option<&str>) -> Vec<&'a str> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&str> = Vec::new();
        for (cond, _) in path {
            cond.for_each_param(&mut |n| todo.push(n.value.as_str()));
        }
        todo.extend(extra);
        let mut vars = Vec::new();
        while let Some(name) = todo.pop() {
            let Some((key, param)) = self.params.get_key_value(name) else {
                continue;
            };
            if !seen.insert(key) {
                continue;
            }
            vars.push(*key);
            if let Requirement::When(cond, _) = &param.requirement {
                cond.for_each_param(&mut |n| todo.push(n.value.as_str()));
            }
        }
        vars.sort_unstable();
        vars
    }
}

/// Whether a parameter can end up without a value.
pub fn may_be_unset(param: &Param) -> bool {
    param.default.is_none()
        && matches!(
            param.requirement,
            Requirement::Optional(_) | Requirement::When(..)
        )
}

struct World<'w> {
    vars: &'w [&'w str],
    values: &'w [&'w Option<Value>],
}

impl World<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        let i = self.vars.iter().position(|v| *v == name)?;
        self.values[i].as_ref()
    }
}

fn collect_literals<'c>(cond: &'c Cond, out: &mut HashMap<&'c str, Vec<Value>>) {
    match cond {
        Cond::Or(parts, _) | Cond::And(parts, _) => {
            parts.iter().for_each(|p| collect_literals(p, out))
        }
        Cond::Not(inner, _) => collect_literals(inner, out),
        Cond::Compare { param, value, .. } => out
            .entry(&param.value)
            .or_default()
            .push(value.value.clone()),
        Cond::In { param, values, .. } => out
            .entry(&param.value)
            .or_default()
            .extend(values.iter().map(|l| l.value.clone())),
        Cond::IsSet { .. } | Cond::Flag { .. } => {}
    }
}
