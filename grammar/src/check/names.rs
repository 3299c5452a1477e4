//! Small facts and phrasings the checks share: reserved names, type fit, suggestions.

use crate::ast::{TypeKind, Value};

/// Words of the language that a condition could not tell from a parameter.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "set", "true", "false", "when", "else",
];

/// PowerShell's automatic and preference variables. A parameter reaches PowerShell as the variable
/// of its name, so it must not shadow one of these (PowerShell ignores case).
const POWERSHELL_VARIABLES: &[&str] = &[
    "_",
    "args",
    "ConfirmPreference",
    "ConsoleFileName",
    "DebugPreference",
    "Env",
    "EnabledExperimentalFeatures",
    "Error",
    "ErrorActionPreference",
    "ErrorView",
    "Event",
    "EventArgs",
    "EventSubscriber",
    "ExecutionContext",
    "false",
    "foreach",
    "FormatEnumerationLimit",
    "HOME",
    "Host",
    "InformationPreference",
    "input",
    "IsCoreCLR",
    "IsLinux",
    "IsMacOS",
    "IsWindows",
    "LASTEXITCODE",
    "Matches",
    "MaximumHistoryCount",
    "MyInvocation",
    "NestedPromptLevel",
    "null",
    "OFS",
    "OutputEncoding",
    "PID",
    "PROFILE",
    "ProgressPreference",
    "PSBoundParameters",
    "PSCmdlet",
    "PSCommandPath",
    "PSCulture",
    "PSDebugContext",
    "PSDefaultParameterValues",
    "PSEdition",
    "PSEmailServer",
    "PSHOME",
    "PSItem",
    "PSModuleAutoLoadingPreference",
    "PSNativeCommandArgumentPassing",
    "PSNativeCommandUseErrorActionPreference",
    "PSScriptRoot",
    "PSSenderInfo",
    "PSSessionApplicationName",
    "PSSessionConfigurationName",
    "PSSessionOption",
    "PSStyle",
    "PSUICulture",
    "PSVersionTable",
    "PWD",
    "Sender",
    "ShellId",
    "StackTrace",
    "switch",
    "this",
    "true",
    "VerbosePreference",
    "WarningPreference",
    "WhatIfPreference",
];

/// Why `name` cannot name a parameter, if it cannot.
pub fn reserved(name: &str) -> Option<&'static str> {
    if KEYWORDS.contains(&name) {
        return Some("it is a word of the runbook language");
    }
    if POWERSHELL_VARIABLES
        .iter()
        .any(|v| v.eq_ignore_ascii_case(name))
    {
        return Some("PowerShell already has a variable of that name");
    }
    if name.to_ascii_lowercase().starts_with("tejun") {
        return Some("names starting with `tejun` are kept for tejun's own variables");
    }
    None
}

/// Whether `text` has the form of a document placeholder, `<` a letter ... `>`, as the grammar
/// finds them in code.
pub fn is_placeholder(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
        return false;
    };
    let mut chars = inner.chars();
    chars.next().is_some_and(char::is_alphabetic)
        && chars.all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-' | '/'))
}

/// Whether a literal fits a parameter type.
pub fn fits(kind: &TypeKind, value: &Value) -> bool {
    matches!(
        (kind, value),
        (
            TypeKind::String | TypeKind::Path | TypeKind::Secret | TypeKind::Choice(_),
            Value::Str(_)
        ) | (TypeKind::Int, Value::Int(_))
            | (TypeKind::List, Value::List(_))
            | (TypeKind::Bool, Value::Bool(_))
    )
}

/// The kind of a literal, for messages.
pub fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Str(_) => "string",
        Value::Int(_) => "number",
        Value::Bool(_) => "bool",
        Value::List(_) => "list",
    }
}

/// How to write a value of a type.
pub fn example(kind: &TypeKind) -> String {
    match kind {
        TypeKind::String | TypeKind::Secret => {
            "write text in double quotes, such as \"sql01.contoso.local\"".into()
        }
        TypeKind::Path => "write a path in double quotes, such as \"C:\\\\Updates\"".into(),
        TypeKind::Int => "write a whole number, such as 30".into(),
        TypeKind::Bool => "write `true` or `false`".into(),
        TypeKind::List => "write a list of texts in brackets, such as [\"fe01\", \"fe02\"]".into(),
        TypeKind::Choice(options) => format!(
            "write one of {}",
            quoted_list(options.iter().map(|o| o.value.as_str()))
        ),
    }
}

/// How to test a parameter that is not a bool.
pub fn compare_example(name: &str, kind: &TypeKind) -> String {
    match kind {
        TypeKind::Choice(options) => {
            let first = options.first().map_or("value", |o| o.value.as_str());
            format!("compare it: `{name} == \"{first}\"`, or test `{name} is set`")
        }
        TypeKind::Int => format!("compare it: `{name} == 1`, or test `{name} is set`"),
        _ => format!("compare it: `{name} == \"...\"`, or test `{name} is set`"),
    }
}

/// `"a", "b" and "c"`.
pub fn quoted_list<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let values: Vec<String> = values.map(|v| format!("\"{v}\"")).collect();
    match values.len() {
        0 => String::new(),
        1 => values[0].clone(),
        n => format!("{} and {}", values[..n - 1].join(", "), values[n - 1]),
    }
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                *c,
            )
        })
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min()
        .map(|(_, c)| c)
}

/// `a bool`, `an int`.
pub fn a(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}
