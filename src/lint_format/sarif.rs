//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it (docs/lint-output.md).
//!
//! One run of the tool `tejun` that lists every rule of the table, not only the rules that found
//! something: a result's `ruleIndex` is then the rule's place in the table, the same in every
//! log, and code scanning has every rule's documentation to show.
//!
//! Columns are counted in UTF-16 code units, SARIF's default, and the run says so in
//! `columnKind` so that no reader has to guess. The other formats count characters; the two
//! differ only after a character outside the Basic Multilingual Plane on the same line (`𠮷` in
//! a Japanese name, an emoji), which is one character but two UTF-16 code units.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    ReportingDescriptorReference, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};
use tejun_grammar::lint::{Finding, Level, RULES, Rule};

use crate::lint_cmd::{FileReport, Report};

/// The schema URL GitHub's documentation for code scanning gives.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key code scanning matches alerts across commits with. When it is
/// present, GitHub's upload action keeps it instead of computing its own from the checkout.
const FINGERPRINT_KEY: &str = "primaryLocationLineHash";

/// Renders `report` as one SARIF log, pretty-printed, ending with a newline.
pub(crate) fn render(report: &Report) -> String {
    let results: Vec<SarifResult> = report.files.iter().flat_map(file_results).collect();
    let mut driver = ToolComponent::builder()
        .name("tejun")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(RULES.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    driver.information_uri = information_uri();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .column_kind(json!("utf16CodeUnits"))
        .invocations(vec![invocation(report)])
        .results(results)
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    match serde_json::to_string_pretty(&log) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Serialising structs of strings and numbers into memory does not fail; should it ever,
        // a log whose one run says so is still something code scanning can read.
        Err(e) => {
            let failed = json!({
                "$schema": SCHEMA,
                "version": "2.1.0",
                "runs": [{
                    "tool": { "driver": { "name": "tejun", "version": env!("CARGO_PKG_VERSION") } },
                    "invocations": [{
                        "executionSuccessful": false,
                        "toolExecutionNotifications": [
                            { "level": "error", "message": { "text": format!("cannot write the SARIF log: {e}") } }
                        ],
                    }],
                    "results": [],
                }],
            });
            format!("{failed}\n")
        }
    }
}

/// The project's home page, when the package declares one. tejun has no public home yet, and
/// an invented address would send readers of code scanning alerts nowhere.
fn information_uri() -> Option<String> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
        .map(str::to_owned)
}

/// A rule as code scanning shows it: the summary as the short description, the rule's
/// "What it does" as the full description and its whole explanation as help.
fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let explanation = rule.explanation();
    let what = what_it_does(&explanation);
    ReportingDescriptor::builder()
        .id(rule.code)
        .name(rule.name)
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.summary.replace('`', ""))
                .markdown(rule.summary)
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(what.replace('`', ""))
                .markdown(what)
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(explanation.clone())
                .markdown(explanation)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(rule.level)))
                .build(),
        )
        .build()
}

/// The paragraph under `## What it does`, on one line.
fn what_it_does(explanation: &str) -> String {
    explanation
        .lines()
        .skip_while(|line| line.trim() != "## What it does")
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// SARIF's name for a level. `Off` never reaches a report (such findings are dropped), and
/// SARIF's `none` says the same should it ever.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Off => "none",
    }
}

/// The run's one invocation: unsuccessful when a file could not be read or PowerShell failed
/// for TJ001 (tejun exits 2 then); a rule that could not run is a notification, so that code
/// scanning's tool status shows the gap.
fn invocation(report: &Report) -> Invocation {
    let mut invocation = Invocation::builder()
        .execution_successful(!report.tool_failed)
        .build();
    if let Some(why) = &report.pwsh_skipped {
        let tj001 = RULES.iter().position(|r| r.code == "TJ001");
        let mut rule = ReportingDescriptorReference::builder().id("TJ001").build();
        rule.index = tj001.and_then(|i| i64::try_from(i).ok());
        let mut notification = Notification::builder()
            .message(text(format!(
                "rule TJ001 (powershell-syntax) did not run: {why}"
            )))
            .level(json!("warning"))
            .build();
        notification.associated_rule = Some(rule);
        invocation.tool_execution_notifications = Some(vec![notification]);
    }
    invocation
}

/// The results of one file, each with a fingerprint that stays put when lines move.
fn file_results(file: &FileReport) -> Vec<SarifResult> {
    let (uri, base) = artifact_uri(&file.path);
    // The same rule can flag two identical lines of one file; numbering the repeats keeps
    // their fingerprints apart, as GitHub's own fingerprints do.
    let mut seen: HashMap<u64, usize> = HashMap::new();
    file.findings
        .iter()
        .map(|finding| {
            let hash = line_hash(
                &finding.code,
                &file.path,
                line_text(&file.src, finding.span.start),
            );
            let nth = seen.entry(hash).or_insert(0);
            *nth += 1;
            let fingerprint = format!("{hash:016x}:{nth}");
            result(file, finding, &uri, base, fingerprint)
        })
        .collect()
}

/// One finding as a SARIF result.
fn result(
    file: &FileReport,
    finding: &Finding,
    uri: &str,
    base: Option<&str>,
    fingerprint: String,
) -> SarifResult {
    let (start_line, start_column) = file.line_col_utf16(finding.span.start);
    let (end_line, end_column) = file.line_col_utf16(finding.span.end);
    let mut artifact = ArtifactLocation::builder().uri(uri).build();
    artifact.uri_base_id = base.map(str::to_owned);
    let region = Region::builder()
        .start_line(count(start_line))
        .start_column(count(start_column))
        .end_line(count(end_line))
        .end_column(count(end_column))
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build();
    let mut message = finding.message.clone();
    if !finding.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&finding.help);
    }
    let level = match finding.level {
        Level::Error => ResultLevel::Error,
        Level::Warning => ResultLevel::Warning,
        Level::Off => ResultLevel::None,
    };
    let mut result = SarifResult::builder()
        .rule_id(finding.code.clone())
        .level(level)
        .message(text(message))
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_owned(), fingerprint)]))
        .build();
    result.rule_index = RULES
        .iter()
        .position(|r| r.code == finding.code)
        .and_then(|i| i64::try_from(i).ok());
    if let Some(check) = &finding.check_code {
        result.properties = Some(
            PropertyBag::builder()
                .additional_properties(BTreeMap::from([("checkCode".to_owned(), json!(check))]))
                .build(),
        );
    }
    result
}

/// A plain-text message.
fn text(text: String) -> Message {
    Message::builder().text(text).build()
}

/// A line or column as SARIF's integer; no file has more than `i64::MAX` of either.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The text of the line holding `offset`, without its indentation and line ending, so that
/// re-indenting a step does not change a finding's fingerprint.
fn line_text(src: &str, offset: usize) -> &str {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = src
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = src
        .get(offset..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| offset + i);
    src.get(start..end).unwrap_or("").trim()
}

/// FNV-1a (64 bits) of the rule, the path and the line's text. It leaves the line number out,
/// so an alert survives lines added above it, and needs no hashing crate: it identifies
/// findings, it does not protect anything.
fn line_hash(code: &str, path: &str, line: &str) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET_BASIS;
    for part in [code, path, line] {
        // A zero byte between the parts keeps ("ab", "c") and ("a", "bc") apart.
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// The artifact's URI and its base: a relative path is relative to the checkout
/// (`%SRCROOT%`, which code scanning resolves to the repository root); an absolute one becomes
/// a `file:` URI.
fn artifact_uri(path: &str) -> (String, Option<&'static str>) {
    let bytes = path.as_bytes();
    let has_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if has_drive {
        let (drive, rest) = path.split_at(2);
        (format!("file:///{drive}{}", percent_encode(rest)), None)
    } else if path.starts_with('/') {
        (format!("file://{}", percent_encode(path)), None)
    } else {
        (percent_encode(path), Some("%SRCROOT%"))
    }
}

/// `path` as a URI path: every byte but unreserved characters and `/` percent-encoded, so that
/// spaces, `#`, `?`, `%` and non-ASCII names stay part of the path.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_line_numbers_and_indentation() {
        let a = "x\n  run { gci }\n";
        let b = "x\ny\n\trun { gci }\n";
        let hash = |src: &str| {
            line_hash(
                "TJ012",
                "a.runbook",
                line_text(src, src.find("gci").unwrap()),
            )
        };
        assert_eq!(hash(a), hash(b));
        assert_ne!(
            line_hash("TJ012", "a.runbook", "run { gci }"),
            line_hash("TJ003", "a.runbook", "run { gci }")
        );
        assert_ne!(line_hash("ab", "c", ""), line_hash("a", "bc", ""));
    }

    #[test]
    fn uris_are_relative_to_the_checkout_unless_absolute() {
        assert_eq!(
            artifact_uri("runbooks/a b#1.runbook"),
            ("runbooks/a%20b%231.runbook".to_owned(), Some("%SRCROOT%"))
        );
        assert_eq!(artifact_uri("手順.runbook").0, "%E6%89%8B%E9%A0%86.runbook");
        assert_eq!(
            artifact_uri("/tmp/x.runbook"),
            ("file:///tmp/x.runbook".to_owned(), None)
        );
        assert_eq!(
            artifact_uri("C:/ops/x.runbook"),
            ("file:///C:/ops/x.runbook".to_owned(), None)
        );
    }

    #[test]
    fn the_full_description_is_what_the_rule_does() {
        let rule = tejun_grammar::lint::rule("TJ012").unwrap();
        let what = what_it_does(&rule.explanation());
        assert!(what.starts_with("Finds aliases in runbook code"), "{what}");
        assert!(!what.contains('\n') && !what.contains("##"), "{what}");
    }
}
