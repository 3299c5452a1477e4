//! Turns pest's errors into messages a runbook author can act on.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use super::{ParseError, Rule};
use crate::span::Span;
use crate::suggestion::Suggestion;

/// Keywords that may start an item, for "did you mean" suggestions.
const ITEM_KEYWORDS: &[&str] = &[
    "title",
    "source",
    "description",
    "param",
    "window",
    "finally",
    "step",
    "quote",
    "run",
    "manual",
    "require",
    "ensure",
    "skip",
    "restart",
    "when",
    "else",
    "match",
    "timeout",
    "retries",
    "accept",
    "within",
    "message",
    "required",
    "optional",
    "placeholder",
    "doc",
    "warn",
    "url",
    "updated",
];

/// Converts a pest error into a [`ParseError::Syntax`].
pub(super) fn convert(error: &Error<Rule>, src: &str) -> ParseError {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let ErrorVariant::CustomError { message } = &error.variant {
        return syntax(
            src,
            pos,
            message.clone(),
            "here".into(),
            Some(limit_help(message)),
        );
    }

    let mut expected = BTreeSet::new();
    let mut in_powershell = false;
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            in_powershell |= is_powershell(*rule);
            if let Some(name) = describe_rule(*rule) {
                expected.insert(name.to_owned());
            }
        }
    }
    let mut pos = pos;
    if let Some(attempts) = error.parse_attempts() {
        pos = pos.max(attempts.max_position);
        for stack in attempts.call_stacks() {
            let rules = [stack.deepest.get_rule().copied(), stack.parent];
            in_powershell |= rules.iter().flatten().any(|r| is_powershell(*r));
            for rule in rules.into_iter().flatten() {
                if let Some(name) = describe_rule(rule) {
                    expected.insert(name.to_owned());
                }
            }
        }
        for token in attempts.expected_tokens() {
            if let Some(name) = describe_token(&token.to_string()) {
                expected.insert(name);
            }
        }
    }
    let pos = pos.min(src.len());
    if in_powershell {
        // Inside PowerShell code nearly any character could come next; the useful news is that
        // the block has not been closed.
        expected = BTreeSet::from(["`}` closing the PowerShell block".to_owned()]);
    }
    let found = describe_found(src, pos);
    let list = join_or(&expected.iter().cloned().collect::<Vec<_>>());
    let message = if list.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {list}, found {found}")
    };
    let label = if list.is_empty() {
        "not expected here".to_owned()
    } else {
        format!("expected {list}")
    };
    let help = suggest(src, pos, &expected, in_powershell);
    let keyword = keyword_suggestion(src, pos, &expected, help.as_deref());
    let mut error = syntax(src, pos, message, label, help);
    if let ParseError::Syntax { suggestion, .. } = &mut error {
        *suggestion = keyword.map(Box::new);
    }
    error
}

fn syntax(
    src: &str,
    pos: usize,
    message: String,
    label: String,
    help: Option<String>,
) -> ParseError {
    let end = src[pos..]
        .chars()
        .next()
        .map_or(pos, |c| pos + c.len_utf8());
    ParseError::Syntax {
        message,
        span: Span::new(pos, end),
        label,
        help,
        suggestion: None,
    }
}

fn limit_help(message: &str) -> String {
    if message.contains("limit") {
        "the runbook is too deeply nested or too complex to read; split it into smaller steps"
            .into()
    } else {
        "check the syntax near this point against docs/language.md".into()
    }
}

/// The keyword a misspelled word at `pos` stands for, as a replacement of the word: the
/// did-you-mean of [`suggest`], for tools that apply it.
fn keyword_suggestion(
    src: &str,
    pos: usize,
    expected: &BTreeSet<String>,
    help: Option<&str>,
) -> Option<Suggestion> {
    if !help?.starts_with("did you mean") {
        return None;
    }
    let word = keyword_word(&src[pos..]);
    let keyword = misspelled_keyword(word, expected)?;
    Some(Suggestion::new(Span::new(pos, pos + word.len()), keyword))
}

/// The word at the start of `rest`, as [`suggest`] reads it.
fn keyword_word(rest: &str) -> &str {
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The expected keyword closest to `word`, when it is close enough to be a typo.
fn misspelled_keyword(word: &str, expected: &BTreeSet<String>) -> Option<&'static str> {
    if word.is_empty() {
        return None;
    }
    ITEM_KEYWORDS
        .iter()
        .copied()
        .filter(|k| expected.contains(&format!("`{k}`")))
        .map(|k| (strsim::damerau_levenshtein(word, k), k))
        .filter(|(d, k)| *d <= 2 && *d < k.len())
        .min()
        .map(|(_, k)| k)
}

/// What to write instead, from what was expected and what was found.
fn suggest(
    src: &str,
    pos: usize,
    expected: &BTreeSet<String>,
    in_powershell: bool,
) -> Option<String> {
    let rest = &src[pos..];
    if src
        .trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n'])
        .is_empty()
        || (pos == 0 && !rest.trim_start().starts_with("runbook"))
    {
        return Some("a runbook file starts with `runbook NAME {` and ends with `}`".into());
    }
    if rest.trim().is_empty() {
        if in_powershell {
            return Some(
                "a PowerShell block is not closed: add its `}`. PowerShell code ends at the matching `}`; \
                 a `#` comment runs to the end of its line (a `}` on that line is part of the comment) \
                 and every quote must be closed"
                    .into(),
            );
        }
        if let Some(line) = comment_swallowing_brace(src) {
            return Some(format!(
                "the file ends early: a `{{` is not closed. Line {line} has a `}}` after a `#`: in PowerShell code a `#` \
                 comment runs to the end of the line, so that `}}` is part of the comment; put the `}}` on its own line"
            ));
        }
        return Some("the file ends early: close every `{` with a `}`".into());
    }
    let first = rest.chars().next().unwrap_or(' ');
    if in_powershell && matches!(first, '\'' | '"' | '\u{2018}'..='\u{201E}') {
        return Some("this quote is never closed: close the string, or double the quote to write it literally".into());
    }
    if in_powershell && first == ')' {
        return Some("this `)` closes nothing: remove it or add the `(` it belongs to".into());
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if rest.starts_with('=') && !rest.starts_with("==") && expected.contains("`==`") {
        return Some(
            "compare with `==` (or `!=`); a single `=` gives a parameter its default".into(),
        );
    }
    if ITEM_KEYWORDS.contains(&word.as_str()) && !expected.contains(&format!("`{word}`")) {
        let line_start = src[..pos].rfind('\n').map_or(0, |i| i + 1);
        let head: String = src[line_start..pos]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        return Some(misplaced_keyword(&word, &head));
    }
    if let Some(keyword) = misspelled_keyword(&word, expected) {
        return Some(format!("did you mean `{keyword}`?"));
    }
    if expected.contains("a string") && first.is_alphabetic() {
        return Some("put the text in double quotes: \"...\"".into());
    }
    if expected.contains("`{`") && first == '"' {
        return Some("write PowerShell between braces, `{ ... }`, not in quotes".into());
    }
    if !expected.is_empty() && expected.len() <= 3 {
        return Some(format!(
            "write {} here",
            join_or(&expected.iter().cloned().collect::<Vec<_>>())
        ));
    }
    None
}

/// The first line (1-based) that opens a block and then has a `}` after a `#`, the usual way a
/// comment in one-line PowerShell swallows the closing brace.
fn comment_swallowing_brace(src: &str) -> Option<usize> {
    src.lines()
        .position(|line| {
            line.find('{')
                .and_then(|open| line[open..].find(" #").map(|hash| open + hash))
                .is_some_and(|hash| line[hash..].contains('}'))
        })
        .map(|i| i + 1)
}

/// What to say about a keyword that is valid somewhere, but not here. `head` is the first word
/// of the line it is on, such as the action it follows.
fn misplaced_keyword(word: &str, head: &str) -> String {
    let owner = match word {
        "timeout" | "retries" | "accept" => Some(("run", &["run"][..])),
        "within" => Some(("ensure", &["ensure"][..])),
        "message" => Some(("require` and `ensure", &["require", "ensure"][..])),
        _ => None,
    };
    if let Some((owners, heads)) = owner
        && matches!(head, "run" | "manual" | "require" | "ensure" | "skip")
        && !heads.contains(&head)
    {
        return format!(
            "`{word}` is an option of `{owners}`, not of `{}`: remove it, or move it to the action it belongs to",
            if head == "skip" { "skip if" } else { head }
        );
    }
    match word {
        "title" | "source" | "description" | "param" | "window" | "finally" => format!(
            "`{word}` belongs at the top level of the runbook, outside every step; if a step should end before it, add the step's `}}`"
        ),
        "run" | "manual" | "require" | "ensure" | "skip" | "restart" | "quote" => {
            format!(
                "`{word}` must sit inside a step: `step some-id \"What it does\" {{ {word} ... }}`"
            )
        }
        "else" => "`else` must directly follow the `}` of a `when` block".into(),
        "step" => {
            "a step cannot start here: is the `}` of the previous step or branch missing?".into()
        }
        _ => format!(
            "`{word}` cannot come at this point: options go in the order the language reference gives, \
             such as `ensure {{ ... }} within 5m every 10s message \"...\"`"
        ),
    }
}

fn describe_found(src: &str, pos: usize) -> String {
    let rest = &src[pos..];
    let Some(first) = rest.chars().next() else {
        return "the end of the file".into();
    };
    if first.is_whitespace() {
        return if first == '\n' || first == '\r' {
            "the end of the line".into()
        } else {
            "a space".into()
        };
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    if word.is_empty() {
        format!("`{first}`")
    } else {
        format!("`{word}`")
    }
}

fn join_or(items: &[String]) -> String {
    const MAX: usize = 8;
    let shown: Vec<&String> = items.iter().take(MAX).collect();
    let mut out = String::new();
    for (i, item) in shown.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == shown.len() && items.len() <= MAX {
                " or "
            } else {
                ", "
            });
        }
        out.push_str(item);
    }
    if items.len() > MAX {
        out.push_str(", …");
    }
    out
}

fn is_powershell(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::ps_block | Rule::ps_code | Rule::ps_placeholder | Rule::ps_string_placeholder
    )
}

fn describe_token(token: &str) -> Option<String> {
    match token {
        "\u{FEFF}" | " " | "\t" | "\r" | "\n" | "#" | "BUILTIN_RULE" => None,
        t if t.contains("..") => None,
        t if t.starts_with('\u{2018}') || t.starts_with('\u{201C}') => None,
        t if t.len() > 12 => None,
        t => Some(format!("`{t}`")),
    }
}

/// A rule's name as an author would say it, or `None` for rules not worth naming.
fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::kw_runbook => "`runbook`",
        Rule::name => "a name",
        Rule::ident | Rule::cond_ident => "a parameter name",
        Rule::string | Rule::quoted_string | Rule::raw_string => "a string",
        Rule::integer => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::literal => "a value",
        Rule::duration => "a duration such as `30m`",
        Rule::date => "a date such as `2012-11-01`",
        Rule::doc_ref => "a document step number such as `4`",
        Rule::lang => "a language tag such as `ja`",
        Rule::title_decl | Rule::kw_title => "`title`",
        Rule::source_decl | Rule::kw_source => "`source`",
        Rule::source_url | Rule::kw_url => "`url`",
        Rule::source_updated | Rule::kw_updated => "`updated`",
        Rule::description_decl | Rule::kw_description => "`description`",
        Rule::param_decl | Rule::kw_param => "`param`",
        Rule::param_type | Rule::type_name => "a type",
        Rule::choice_type | Rule::kw_choice => "`choice(...)`",
        Rule::list_type | Rule::kw_list => "`list(string)`",
        Rule::list_literal => "a list such as `[\"a\", \"b\"]`",
        Rule::foreach_block | Rule::kw_foreach => "`foreach`",
        Rule::loop_source => "a list parameter or `run { ... }`",
        Rule::loop_run => "`run`",
        Rule::on_target | Rule::kw_on => "`on`",
        Rule::gate_option | Rule::kw_gate => "`gate`",
        Rule::budget_option | Rule::kw_budget => "`budget`",
        Rule::param_default => "`=`",
        Rule::required_option | Rule::kw_required => "`required`",
        Rule::optional_option | Rule::kw_optional => "`optional`",
        Rule::placeholder_option | Rule::kw_placeholder => "`placeholder`",
        Rule::doc_option | Rule::step_doc | Rule::kw_doc => "`doc`",
        Rule::window_decl | Rule::kw_window => "`window`",
        Rule::kw_from => "`from`",
        Rule::kw_to => "`to`",
        Rule::kw_limit => "`limit`",
        Rule::window_warn | Rule::kw_warn => "`warn`",
        Rule::finally_decl | Rule::kw_finally => "`finally`",
        Rule::step | Rule::kw_step => "`step`",
        Rule::quote | Rule::kw_quote => "`quote`",
        Rule::run_action | Rule::kw_run => "`run`",
        Rule::timeout_option | Rule::kw_timeout => "`timeout`",
        Rule::retries_option | Rule::kw_retries => "`retries`",
        Rule::kw_every => "`every`",
        Rule::accept_option | Rule::kw_accept => "`accept`",
        Rule::kw_exit => "`exit`",
        Rule::manual_action | Rule::kw_manual => "`manual`",
        Rule::require_action | Rule::kw_require => "`require`",
        Rule::ensure_action | Rule::kw_ensure => "`ensure`",
        Rule::poll_option | Rule::kw_within => "`within`",
        Rule::message_option | Rule::kw_message => "`message`",
        Rule::skip_action | Rule::kw_skip => "`skip`",
        Rule::kw_if | Rule::if_branch | Rule::if_arm => "`if`",
        Rule::else_if_arm => "`else`",
        Rule::wait_action | Rule::kw_wait => "`wait`",
        Rule::wait_until | Rule::kw_until => "`until`",
        Rule::every_option => "`every`",
        Rule::attempts_option | Rule::kw_attempts => "`attempts`",
        Rule::give_up_option | Rule::kw_give => "`give up`",
        Rule::kw_up => "`up`",
        Rule::restart_action | Rule::kw_restart => "`restart`",
        Rule::kw_shell => "`shell`",
        Rule::when_branch | Rule::when_arm | Rule::kw_when => "`when`",
        Rule::else_when_arm | Rule::else_arm | Rule::kw_else => "`else`",
        Rule::match_branch | Rule::kw_match => "`match`",
        Rule::match_arm | Rule::match_pattern => "a match arm such as `\"value\" => ...`",
        Rule::wildcard => "`_`",
        Rule::body | Rule::ps_block => "`{`",
        Rule::condition | Rule::cond_or | Rule::cond_and | Rule::cond_not | Rule::cond_group => {
            "a condition"
        }
        Rule::cond_is_set | Rule::cond_in | Rule::cond_cmp | Rule::cond_bool => "a condition",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        Rule::kw_is => "`is`",
        Rule::kw_set => "`set`",
        Rule::cmp_op => return None,
        Rule::ps_code => "PowerShell code",
        _ => return None,
    })
}
