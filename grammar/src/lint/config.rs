//! `tejun.toml`: rule levels for the whole project and per path.
//!
//! ```toml
//! [lint]
//! rules = { TJ012 = "off", "state-change-without-postcondition" = "error" }
//!
//! [[lint.overrides]]
//! paths = ["legacy/**"]          # globs, relative to the folder of tejun.toml
//! rules = { TJ003 = "off" }
//! ```
//!
//! A rule is named by its code or its name; levels are `error`, `warning` and `off`. Later
//! overrides win over earlier ones, and any override over `[lint] rules`.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::rules::{RULES, Rule, rule};
use crate::span::Span;

/// How a rule's findings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Off,
    /// Reported; fails the lint only with `--deny-warnings`.
    Warning,
    /// Reported and fails the lint.
    Error,
}

impl Level {
    /// `error`, `warning` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// The lint configuration: rule levels, overall and per path.
#[derive(Debug, Default)]
pub struct Config {
    levels: BTreeMap<&'static str, Level>,
    overrides: Vec<Override>,
}

#[derive(Debug)]
struct Override {
    paths: GlobSet,
    levels: BTreeMap<&'static str, Level>,
}

/// A configuration file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong and what to write instead.
    pub message: String,
    /// Where, in the configuration text.
    pub span: Span,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    lint: Option<LintTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LintTable {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    overrides: Vec<OverrideTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideTable {
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl Config {
    /// Reads the text of a `tejun.toml`. Every problem names its place in `text`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError {
            message: e.message().trim_end().to_owned(),
            span: e
                .span()
                .map_or(Span::default(), |r| Span::new(r.start, r.end)),
        })?;
        let Some(lint) = file.lint else {
            return Ok(Config::default());
        };
        let mut config = Config {
            levels: levels(&lint.rules)?,
            overrides: Vec::new(),
        };
        for table in &lint.overrides {
            let mut builder = GlobSetBuilder::new();
            for path in &table.paths {
                let glob = Glob::new(path.get_ref()).map_err(|e| ConfigError {
                    message: format!("`{}` is not a valid glob: {}", path.get_ref(), e.kind()),
                    span: span_of(path),
                })?;
                builder.add(glob);
            }
            let paths = builder.build().map_err(|e| ConfigError {
                message: format!("invalid globs: {e}"),
                span: table.paths.first().map(span_of).unwrap_or_default(),
            })?;
            config.overrides.push(Override {
                paths,
                levels: levels(&table.rules)?,
            });
        }
        Ok(config)
    }

    /// The level configured for `rule` in the file at `path` (relative to the configuration's
    /// folder, `/`-separated), or `None` to keep each finding's own level.
    pub fn configured(&self, rule: &Rule, path: &str) -> Option<Level> {
        let mut level = self.levels.get(rule.code).copied();
        for o in &self.overrides {
            if o.paths.is_match(path)
                && let Some(l) = o.levels.get(rule.code)
            {
                level = Some(*l);
            }
        }
        level
    }
}

fn levels(
    table: &BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<BTreeMap<&'static str, Level>, ConfigError> {
    let mut out = BTreeMap::new();
    for (key, value) in table {
        let Some(r) = rule(key.get_ref()) else {
            let help = match suggest(key.get_ref()) {
                Some(k) => format!("did you mean `{k}`?"),
                None => "`tejun lint --list-rules` lists the rules".to_owned(),
            };
            return Err(ConfigError {
                message: format!("unknown rule `{}`: {help}", key.get_ref()),
                span: span_of(key),
            });
        };
        let level = match value.get_ref().as_str() {
            "error" => Level::Error,
            "warning" | "warn" => Level::Warning,
            "off" | "allow" => Level::Off,
            other => {
                return Err(ConfigError {
                    message: format!(
                        "unknown level `{other}` for `{}`: write \"error\", \"warning\" or \"off\"",
                        key.get_ref()
                    ),
                    span: span_of(value),
                });
            }
        };
        out.insert(r.code, level);
    }
    Ok(out)
}

/// The rule a mistyped code or name most likely meant: `TJ0012` and `tj12` mean `TJ012`.
fn suggest(key: &str) -> Option<&'static str> {
    let digits = key
        .get(2..)
        .filter(|_| key.len() > 2 && key[..2].eq_ignore_ascii_case("tj"));
    if let Some(n) = digits.and_then(|d| d.parse::<u32>().ok())
        && let Some(r) = rule(&format!("TJ{n:03}"))
    {
        return Some(r.code);
    }
    RULES
        .iter()
        .flat_map(|r| [r.code, r.name])
        .map(|k| (strsim::jaro_winkler(k, key), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn span_of<T>(spanned: &Spanned<T>) -> Span {
    let r = spanned.span();
    Span::new(r.start, r.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_apply_by_code_or_name_and_overrides_win_for_their_paths() {
        let config = Config::parse(
            "[lint]\nrules = { TJ012 = \"off\", \"duplicate-step-title\" = \"error\" }\n\n[[lint.overrides]]\npaths = [\"legacy/**\"]\nrules = { TJ012 = \"warning\" }\n",
        )
        .unwrap();
        let alias = rule("TJ012").unwrap();
        let dup = rule("TJ011").unwrap();
        assert_eq!(config.configured(alias, "new/a.runbook"), Some(Level::Off));
        assert_eq!(
            config.configured(alias, "legacy/old/a.runbook"),
            Some(Level::Warning)
        );
        assert_eq!(config.configured(dup, "x.runbook"), Some(Level::Error));
        assert_eq!(config.configured(rule("TJ003").unwrap(), "x.runbook"), None);
    }

    #[test]
    fn an_unknown_rule_is_named_with_its_place_and_a_suggestion() {
        let text = "[lint]\nrules = { TJ0012 = \"off\" }\n";
        let err = Config::parse(text).unwrap_err();
        assert!(
            err.message.contains("unknown rule `TJ0012`"),
            "{}",
            err.message
        );
        assert!(err.message.contains("did you mean"), "{}", err.message);
        assert_eq!(&text[err.span.start..err.span.end], "TJ0012");
    }

    #[test]
    fn a_bad_level_or_key_is_refused() {
        let err = Config::parse("[lint]\nrules = { TJ012 = \"loud\" }\n").unwrap_err();
        assert!(
            err.message.contains("unknown level `loud`"),
            "{}",
            err.message
        );
        let err = Config::parse("[lint]\nrule = {}\n").unwrap_err();
        assert!(err.message.contains("unknown field"), "{}", err.message);
        let err = Config::parse("[lint\n").unwrap_err();
        assert!(err.span.start > 0 || err.span.end > 0, "{err:?}");
    }
}
