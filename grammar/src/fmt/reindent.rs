//! Moving a block of lines (PowerShell code, a `"""` string) to a new indentation without
//! changing what [`layout`](crate::code::layout) makes of it.

use crate::code::common_indent;

/// One level of indentation.
pub(super) const INDENT: &str = "  ";

/// Moves the text between a block's braces (or a `"""` string's quotes) over several lines under
/// the line at `depth`: the rest of the opening line trimmed, each following line at `depth + 1`
/// plus what it had beyond the indentation all of them share, blank lines empty, and a blank last
/// line replaced by the indentation of the closing brace or quotes.
pub(super) fn reindent(inner: &str, depth: usize) -> String {
    let lines = split_lines(inner);
    let (first, mut rest) = match lines.split_first() {
        Some((first, rest)) => (first.trim_matches([' ', '\t']), rest),
        None => ("", &[][..]),
    };
    let closing_alone = rest.last().is_some_and(|l| is_blank(l));
    if closing_alone {
        rest = &rest[..rest.len() - 1];
    }
    let shared = common_indent(rest);
    let mut out = String::with_capacity(inner.len() + 16 * rest.len());
    if !first.is_empty() {
        out.push(' ');
        out.push_str(first);
    }
    for line in rest {
        out.push('\n');
        if is_blank(line) {
            continue;
        }
        match line.get(shared..) {
            Some(own) if !line.trim().is_empty() => {
                for _ in 0..=depth {
                    out.push_str(INDENT);
                }
                out.push_str(own);
            }
            // A line of other whitespace (such as U+3000) is kept as written.
            _ => out.push_str(line),
        }
    }
    if closing_alone {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(INDENT);
        }
    }
    out
}

/// Whether a line holds only spaces and tabs.
fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ' || b == b'\t')
}

/// The lines of `text`, split at `\r\n`, `\n` and `\r` as [`layout`](crate::code::layout) splits
/// them.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    lines
}

/// `text` with every line break as `\n`.
pub(super) fn normalize_breaks(text: &str) -> String {
    split_lines(text).join("\n")
}
