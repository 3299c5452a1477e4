//! Parameter values given on the command line, checked against a runbook's declarations.

use std::collections::BTreeMap;

use miette::Diagnostic;
use thiserror::Error;

use tejun_grammar::Runbook;
use tejun_grammar::ast::{Param, Requirement, TypeKind, Value};

/// A parameter value that cannot be used.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum ParamError {
    /// `--param` without `=`.
    #[error("`--param {given}` has no value")]
    #[diagnostic(code(tejun::param::syntax), help("write `--param NAME=VALUE`"))]
    Syntax {
        /// What was given.
        given: String,
    },
    /// A parameter the runbook does not declare.
    #[error("the runbook has no parameter `{name}`")]
    #[diagnostic(code(tejun::param::unknown))]
    Unknown {
        /// The name given.
        name: String,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// The same parameter given twice.
    #[error("`{name}` is given twice")]
    #[diagnostic(code(tejun::param::duplicate), help("give each parameter once"))]
    Duplicate {
        /// The name.
        name: String,
    },
    /// A value that does not fit the parameter's type.
    #[error("`{name}` cannot be `{value}`: {reason}")]
    #[diagnostic(code(tejun::param::invalid))]
    Invalid {
        /// The parameter.
        name: String,
        /// The value given (`***` for a secret).
        value: String,
        /// Why not.
        reason: String,
        /// The values allowed.
        #[help]
        help: String,
    },
    /// A secret whose value cannot be read.
    #[error("cannot read the secret `{name}`: {reason}")]
    #[diagnostic(
        code(tejun::param::secret),
        help(
            "set the environment variable `TEJUN_SECRET_{name}` once, or run on a terminal to be asked"
        )
    )]
    Secret {
        /// The parameter.
        name: String,
        /// Why.
        reason: String,
    },
    /// A required parameter not given.
    #[error("`{name}` is required{when}")]
    #[diagnostic(code(tejun::param::missing))]
    Missing {
        /// The parameter.
        name: String,
        /// ` when ...` for a conditionally required parameter.
        when: String,
        /// How to give it, and its allowed values.
        #[help]
        help: String,
    },
}

/// The values of a runbook's parameters for one plan or run: given, or taken from defaults.
#[derive(Debug, Clone, Default)]
pub struct ParamValues {
    values: BTreeMap<String, (Value, Origin)>,
}

/// Where a parameter's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// `--param` or the environment.
    Given,
    /// The runbook's default.
    Default,
}

impl ParamValues {
    /// Checks `NAME=VALUE` pairs against the runbook and fills in defaults. Secrets not given
    /// are looked up with `secret_env` (the CLI reads `TEJUN_SECRET_<NAME>`, or asks on a
    /// terminal); it says why a secret cannot be had with `Err`. Reports every problem at once.
    pub fn resolve(
        runbook: &Runbook,
        given: &[String],
        mut secret_env: impl FnMut(&Param) -> Result<Option<String>, String>,
    ) -> Result<ParamValues, Vec<ParamError>> {
        let mut errors = Vec::new();
        let mut values = BTreeMap::new();
        // Parameters given, even with a bad value: those are reported as invalid, not missing.
        let mut named: Vec<String> = Vec::new();
        for pair in given {
            let Some((name, raw)) = pair.split_once('=') else {
                errors.push(ParamError::Syntax {
                    given: pair.clone(),
                });
                continue;
            };
            let name = name.trim();
            let Some(param) = runbook
                .params()
                .find(|p| p.name.value.eq_ignore_ascii_case(name))
            else {
                errors.push(ParamError::Unknown {
                    name: name.to_owned(),
                    help: unknown_help(runbook, name),
                });
                continue;
            };
            let key = param.name.value.clone();
            named.push(key.clone());
            // A list may be given in pieces: `-p Servers=a -p Servers=b,c`.
            if param.ty.kind == TypeKind::List {
                match convert(param, raw) {
                    Ok(Value::List(more)) => match values.get_mut(&key) {
                        Some((Value::List(items), _)) => items.extend(more),
                        _ => {
                            values.insert(key, (Value::List(more), Origin::Given));
                        }
                    },
                    Ok(_) => {}
                    Err(e) => errors.push(e),
                }
                continue;
            }
            if values.contains_key(&key) {
                errors.push(ParamError::Duplicate { name: key });
                continue;
            }
            match convert(param, raw) {
                Ok(value) => {
                    values.insert(key, (value, Origin::Given));
                }
                Err(e) => errors.push(e),
            }
        }
        for param in runbook.params() {
            let key = &param.name.value;
            if values.contains_key(key) {
                continue;
            }
            if param.ty.kind == TypeKind::Secret {
                match secret_env(param) {
                    Ok(Some(raw)) => {
                        match convert(param, &raw) {
                            Ok(v) => {
                                values.insert(key.clone(), (v, Origin::Given));
                            }
                            Err(e) => errors.push(e),
                        }
                        continue;
                    }
                    Ok(None) => {}
                    Err(reason) => {
                        named.push(key.clone());
                        errors.push(ParamError::Secret {
                            name: key.clone(),
                            reason,
                        });
                        continue;
                    }
                }
            }
            if let Some(default) = &param.default {
                values.insert(key.clone(), (default.value.clone(), Origin::Default));
            }
        }
        for param in runbook.params() {
            if let Some((Value::List(items), _)) = values.get(&param.name.value)
                && let Some(twice) = items
                    .iter()
                    .enumerate()
                    .find(|(i, item)| items[..*i].contains(item))
                    .map(|(_, item)| item)
            {
                errors.push(ParamError::Invalid {
                    name: param.name.value.clone(),
                    value: twice.clone(),
                    reason: "it is listed twice".into(),
                    help: "list each item once: a loop runs its steps once per item, and the journal tells iterations apart by their item".into(),
                });
            }
        }
        let resolved = ParamValues { values };
        for param in runbook.params() {
            if resolved.get(&param.name.value).is_some() || named.contains(&param.name.value) {
                continue;
            }
            let when = match &param.requirement {
                Requirement::Optional(_) => continue,
                Requirement::When(cond, _) => {
                    if !cond.eval(&|n| resolved.get(n)) {
                        continue;
                    }
                    format!(" when `{cond}`")
                }
                Requirement::Implicit | Requirement::Always(_) => String::new(),
            };
            errors.push(ParamError::Missing {
                name: param.name.value.clone(),
                when,
                help: missing_help(param),
            });
        }
        if errors.is_empty() {
            Ok(resolved)
        } else {
            Err(errors)
        }
    }

    /// The value of a parameter, if it has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).map(|(v, _)| v)
    }

    /// The values of the runbook's secret parameters, exactly as given: what must be masked
    /// wherever output is shown or recorded.
    pub fn secrets(&self, runbook: &Runbook) -> Vec<String> {
        runbook
            .params()
            .filter(|p| p.ty.kind == TypeKind::Secret)
            .filter_map(|p| match self.get(&p.name.value) {
                Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// Where a parameter's value came from, if it has one.
    pub fn origin(&self, name: &str) -> Option<Origin> {
        self.values.get(name).map(|(_, o)| *o)
    }
}

/// The prefix of the environment variables that carry secret parameters: `TEJUN_SECRET_<NAME>`.
pub const SECRET_PREFIX: &str = "TEJUN_SECRET_";

/// Whether an environment variable carries a secret (`TEJUN_SECRET_...`, in any case): tejun reads
/// it and never passes it on to PowerShell.
pub fn is_secret_variable(key: &std::ffi::OsStr) -> bool {
    key.to_str().is_some_and(|k| {
        k.len() > SECRET_PREFIX.len()
            && k.is_char_boundary(SECRET_PREFIX.len())
            && k[..SECRET_PREFIX.len()].eq_ignore_ascii_case(SECRET_PREFIX)
    })
}

/// The value of the secret parameter `name` in `vars` (the process environment): the variable
/// `TEJUN_SECRET_<name>` matched case-insensitively, as Windows does. An exact match wins; two
/// variables that differ only in case and hold different values are an error.
pub fn secret_from_env(
    name: &str,
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Result<Option<String>, String> {
    let wanted = format!("{SECRET_PREFIX}{name}");
    let mut exact = None;
    let mut found: Vec<(String, String)> = Vec::new();
    for (key, value) in vars {
        let Some(key) = key.to_str() else { continue };
        if !key.eq_ignore_ascii_case(&wanted) {
            continue;
        }
        let Ok(value) = value.into_string() else {
            return Err(format!("`{key}` is not valid Unicode"));
        };
        if key == wanted {
            exact = Some(value.clone());
        }
        found.push((key.to_owned(), value));
    }
    if exact.is_some() {
        return Ok(exact);
    }
    match found.as_slice() {
        [] => Ok(None),
        [(_, value)] => Ok(Some(value.clone())),
        [(first, value), rest @ ..] => {
            if rest.iter().all(|(_, v)| v == value) {
                Ok(Some(value.clone()))
            } else {
                let names: Vec<&str> = std::iter::once(first.as_str())
                    .chain(rest.iter().map(|(k, _)| k.as_str()))
                    .collect();
                Err(format!(
                    "{} are set with different values; set only `{wanted}`",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ))
            }
        }
    }
}

fn convert(param: &Param, raw: &str) -> Result<Value, ParamError> {
    let name = &param.name.value;
    let secret = param.ty.kind == TypeKind::Secret;
    let invalid = |reason: &str, help: String| ParamError::Invalid {
        name: name.clone(),
        value: if secret { "***".into() } else { raw.to_owned() },
        reason: reason.into(),
        help,
    };
    match &param.ty.kind {
        TypeKind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "$true" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "$false" => Ok(Value::Bool(false)),
            _ => Err(invalid(
                "it is a bool",
                format!("write `{name}=true` or `{name}=false`"),
            )),
        },
        TypeKind::Int => raw.trim().parse().map(Value::Int).map_err(|_| {
            invalid(
                "it is a whole number",
                format!("write a whole number, such as `{name}=30`"),
            )
        }),
        TypeKind::Choice(options) => options
            .iter()
            .find(|o| o.value == raw)
            .or_else(|| options.iter().find(|o| o.value.eq_ignore_ascii_case(raw)))
            .map(|o| Value::Str(o.value.clone()))
            .ok_or_else(|| {
                invalid(
                    "it is not one of the choices",
                    format!("allowed values: {}", choices(param)),
                )
            }),
        TypeKind::List => {
            if raw.contains('\0') {
                return Err(invalid(
                    "it contains a NUL character",
                    "remove the NUL character".into(),
                ));
            }
            if raw.trim().is_empty() {
                return Ok(Value::List(Vec::new()));
            }
            let items: Vec<String> = raw.split(',').map(|i| i.trim().to_owned()).collect();
            if items.iter().any(String::is_empty) {
                return Err(invalid(
                    "it has an empty item",
                    format!("separate items with single commas, such as `{name}=fe01,fe02`"),
                ));
            }
            Ok(Value::List(items))
        }
        TypeKind::String | TypeKind::Path | TypeKind::Secret => {
            if raw.contains('\0') {
                Err(invalid(
                    "it contains a NUL character",
                    "remove the NUL character".into(),
                ))
            } else {
                Ok(Value::Str(raw.to_owned()))
            }
        }
    }
}

fn choices(param: &Param) -> String {
    match &param.ty.kind {
        TypeKind::Choice(options) => options
            .iter()
            .map(|o| o.value.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

fn missing_help(param: &Param) -> String {
    let name = &param.name.value;
    let mut help = match &param.ty.kind {
        TypeKind::Choice(_) => format!(
            "give it with `--param {name}=VALUE`; allowed values: {}",
            choices(param)
        ),
        TypeKind::Bool => format!("give it with `--param {name}=true` or `--param {name}=false`"),
        TypeKind::Secret => format!(
            "give it in the environment variable `TEJUN_SECRET_{name}` (or with `--param {name}=...`, which other users of the machine may see)"
        ),
        kind => format!("give it with `--param {name}=VALUE` (a {})", kind.name()),
    };
    if let Some(doc) = &param.doc {
        help.push_str(&format!("; {name}: {}", doc.value));
    }
    help
}

fn unknown_help(runbook: &Runbook, name: &str) -> String {
    let names: Vec<&str> = runbook.params().map(|p| p.name.value.as_str()).collect();
    let near = names
        .iter()
        .map(|n| {
            (
                strsim::damerau_levenshtein(&n.to_lowercase(), &name.to_lowercase()),
                *n,
            )
        })
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min();
    match (near, names.is_empty()) {
        (_, true) => "this runbook takes no parameters".into(),
        (Some((_, n)), _) => format!(
            "did you mean `{n}`? The parameters are: {}",
            names.join(", ")
        ),
        (None, _) => format!("the parameters are: {}", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn secret_variables_match_the_parameter_in_any_case() {
        assert_eq!(
            secret_from_env("Pw", vars(&[("TEJUN_SECRET_PW", "x")])),
            Ok(Some("x".into()))
        );
        assert_eq!(
            secret_from_env("Pw", vars(&[("tejun_secret_pw", "y")])),
            Ok(Some("y".into()))
        );
        assert_eq!(
            secret_from_env("Pw", vars(&[("TEJUN_SECRET_P", "x")])),
            Ok(None)
        );
    }

    #[test]
    fn an_exact_match_wins_and_conflicting_spellings_are_an_error() {
        let both = vars(&[("TEJUN_SECRET_PW", "a"), ("TEJUN_SECRET_Pw", "b")]);
        assert_eq!(secret_from_env("Pw", both), Ok(Some("b".into())));
        let clash = vars(&[("TEJUN_SECRET_PW", "a"), ("tejun_secret_pw", "b")]);
        let err = secret_from_env("Pw", clash).unwrap_err();
        assert!(
            err.contains("`TEJUN_SECRET_PW` and `tejun_secret_pw`"),
            "{err}"
        );
    }

    #[test]
    fn only_tejun_secret_variables_are_withheld_from_powershell() {
        assert!(is_secret_variable("TEJUN_SECRET_Pw".as_ref()));
        assert!(is_secret_variable("tejun_secret_x".as_ref()));
        assert!(!is_secret_variable("TEJUN_SECRET_".as_ref()));
        assert!(!is_secret_variable("TEJUN_TOKEN".as_ref()));
        assert!(!is_secret_variable("PATH".as_ref()));
    }
}
