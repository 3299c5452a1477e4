//! Secret values masked in everything a run shows or stores.
//!
//! A [`Redactor`] is the one point every event, output line and error passes through before it
//! reaches the console, the journal, the transcript or `--output json`: the executor builds its
//! events and lines, hands them to the redactor, and only the redacted copies go on. Events are
//! redacted as a whole (every string field, at any depth, through their JSON form), so a field
//! added later is masked without anyone having to remember it.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// The shortest line of a multi-line secret that is masked on its own. Output arrives line by
/// line, so a multi-line secret is never seen whole in one line: each of its lines is masked
/// separately, except lines so short that masking them would blank ordinary text (a secret line
/// `a` would hide every `a`).
pub const MIN_FRAGMENT: usize = 4;

/// Fields of an event that are never masked: fixed vocabulary (an event's name, a status) and
/// identifiers that come from the runbook file or the command line in clear, which `tejun resume`
/// needs to read back (a step id, the run id, the runbook's path and hash, the shell).
const KEPT_FIELDS: &[&str] = &[
    "event",
    "status",
    "kind",
    "decision",
    "outcome",
    "state",
    "stream",
    "step",
    "from_step",
    "run_id",
    "runbook_hash",
    "runbook_path",
    "shell",
    "module_paths",
];

/// Masks the values of a run's secret parameters.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// What to mask, longest first so that a secret containing another is masked whole.
    needles: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values. Empty values are ignored; a multi-line value is also
    /// masked line by line (lines of at least [`MIN_FRAGMENT`] characters).
    pub fn new(secrets: &[String]) -> Redactor {
        let mut needles: Vec<String> = Vec::new();
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            needles.push(secret.clone());
            if secret.contains(['\n', '\r']) {
                needles.extend(
                    secret
                        .split(['\n', '\r'])
                        .filter(|l| l.chars().count() >= MIN_FRAGMENT)
                        .map(str::to_owned),
                );
            }
        }
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Redactor { needles }
    }

    /// The length in characters of the longest text masked: a line cut into parts must keep this
    /// many characters less one back from each part, so that a secret across two parts is seen
    /// whole.
    pub fn longest(&self) -> usize {
        self.needles
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every secret replaced by [`MASK`].
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = Cow::Owned(out.replace(needle.as_str(), MASK));
            }
        }
        out
    }

    /// A copy of `value` with every string in it masked, apart from [`KEPT_FIELDS`].
    ///
    /// `value` goes through its JSON form. A value that cannot make the round trip (a bug in its
    /// serde derive, which a test of every event guards against) is an error, never passed on
    /// unmasked.
    pub fn value<T: Serialize + DeserializeOwned>(&self, value: T) -> Result<T, String> {
        if self.is_empty() {
            return Ok(value);
        }
        let mut json = serde_json::to_value(&value).map_err(|e| e.to_string())?;
        self.mask_json(&mut json, None);
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    fn mask_json(&self, json: &mut serde_json::Value, key: Option<&str>) {
        match json {
            serde_json::Value::String(s) => {
                if key.is_none_or(|k| !KEPT_FIELDS.contains(&k))
                    && let Cow::Owned(masked) = self.text(s)
                {
                    *s = masked;
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    self.mask_json(item, key);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    self.mask_json(v, Some(k));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_is_masked_even_inside_words() {
        let r = Redactor::new(&["zebra".into()]);
        assert_eq!(
            r.text("zebras and a zebra-crossing"),
            "***s and a ***-crossing"
        );
        assert!(matches!(r.text("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_longer_secret_containing_a_shorter_one_is_masked_whole() {
        let r = Redactor::new(&["abc".into(), "xxabcxx".into()]);
        assert_eq!(r.text("1 xxabcxx 2 abc"), "1 *** 2 ***");
    }

    #[test]
    fn a_multi_line_secret_is_masked_whole_and_line_by_line() {
        let r = Redactor::new(&["first-Xy7\r\nsecond-Qw8\nab".into()]);
        assert_eq!(r.text("a first-Xy7\r\nsecond-Qw8\nab b"), "a *** b");
        assert_eq!(r.text("out first-Xy7"), "out ***");
        assert_eq!(r.text("second-Qw8"), "***");
        // Too short to mask alone.
        assert_eq!(r.text("ab"), "ab");
    }

    #[test]
    fn empty_secrets_mask_nothing() {
        let r = Redactor::new(&[String::new()]);
        assert!(r.is_empty());
        assert_eq!(r.text("text"), "text");
    }

    #[test]
    fn values_are_masked_at_any_depth_but_kept_fields_are_not() {
        let r = Redactor::new(&["done".into()]);
        let v = serde_json::json!({
            "event": "step_end", "status": "done", "step": "done",
            "error": "it was done", "tail": [{"stream": "output", "text": "done!"}],
        });
        let masked = r.value(v).unwrap();
        assert_eq!(masked["status"], "done");
        assert_eq!(masked["step"], "done");
        assert_eq!(masked["error"], "it was ***");
        assert_eq!(masked["tail"][0]["text"], "***!");
    }
}
