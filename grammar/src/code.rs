//! PowerShell code as a runbook holds it: the text of a `{ ... }` block and the document
//! placeholders in it.
//!
//! The code is kept exactly as written, with one layout rule: a one-line block is trimmed, and a
//! block over several lines loses its first and last line when they are blank and the common
//! indentation of the rest. Line breaks become `\n`. A placeholder becomes a reference to its
//! parameter's variable only in [`Code::render`]; the value itself never becomes code.

use std::borrow::Cow;

use crate::span::Span;

/// The PowerShell code of a `run`, `require`, `ensure` or `skip if` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The text between the braces, exactly as in the file.
    pub raw: String,
    /// The code as written, laid out as the module documentation describes.
    pub text: String,
    /// The document placeholders in the code, in order.
    pub placeholders: Vec<Placeholder>,
    /// The text between the braces in the file.
    pub span: Span,
}

/// A document placeholder, such as `<SQL Server FQDN>`, found in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The placeholder, angle brackets included.
    pub text: String,
    /// Where it is written in the file.
    pub span: Span,
    /// Whether it sits inside a double-quoted string, where only a declared placeholder counts.
    pub in_string: bool,
}

impl Code {
    /// Builds the code of a block whose text between the braces is `raw`, starting at byte
    /// `span.start` of the file. `placeholders` carry file spans inside `span`.
    pub fn new(raw: &str, span: Span, placeholders: Vec<Placeholder>) -> Code {
        Code {
            raw: raw.to_owned(),
            text: layout(raw),
            placeholders,
            span,
        }
    }

    /// The code with each placeholder replaced by `replace(placeholder)`, or left as written
    /// where it returns `None`. Laid out like [`Code::text`].
    pub fn render(&self, mut replace: impl FnMut(&Placeholder) -> Option<String>) -> String {
        let mut out = String::with_capacity(self.raw.len());
        let mut at = 0;
        for placeholder in &self.placeholders {
            let start = placeholder.span.start - self.span.start;
            let end = placeholder.span.end - self.span.start;
            if let Some(replacement) = replace(placeholder) {
                out.push_str(&self.raw[at..start]);
                out.push_str(&replacement);
                at = end;
            }
        }
        out.push_str(&self.raw[at..]);
        layout(&out)
    }
}

/// Lays out a block's text: trims a one-liner; for several lines drops a blank first and last
/// line and removes the indentation all non-blank lines share.
pub fn layout(raw: &str) -> String {
    // Bytes, not chars: a search for one byte is much faster than one for a set of chars.
    if !raw.bytes().any(|b| b == b'\n' || b == b'\r') {
        return raw.trim().to_owned();
    }
    let normalized: Cow<'_, str> = if raw.contains('\r') {
        Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(raw)
    };
    let mut lines: Vec<&str> = normalized.split('\n').collect();
    // The first line is the rest of the line holding `{`: keep it only when it has code.
    let first = lines.remove(0).trim();
    if lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = common_indent(&lines);
    let mut out = String::with_capacity(normalized.len());
    if !first.is_empty() {
        out.push_str(first);
        if !lines.is_empty() {
            out.push('\n');
        }
    }
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.trim().is_empty() {
            continue;
        }
        out.push_str(&line[indent..]);
    }
    out
}

/// The length in bytes of the leading whitespace that every non-blank line shares.
pub(crate) fn common_indent(lines: &[&str]) -> usize {
    let mut prefix: Option<&str> = None;
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        let ws = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        prefix = Some(match prefix {
            None => ws,
            Some(p) => {
                let shared = p
                    .bytes()
                    .zip(ws.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &p[..shared]
            }
        });
    }
    prefix.map_or(0, str::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_blocks_are_trimmed_and_inner_spaces_kept() {
        assert_eq!(
            layout(" Install-CsDatabase -A <X>  -B "),
            "Install-CsDatabase -A <X>  -B"
        );
    }

    #[test]
    fn multi_line_blocks_lose_common_indentation() {
        let raw =
            "\n      $x = @'\n      text\n        more\n      '@\n      Write-Output $x\n    ";
        assert_eq!(layout(raw), "$x = @'\ntext\n  more\n'@\nWrite-Output $x");
    }

    #[test]
    fn code_on_the_opening_line_is_kept() {
        assert_eq!(
            layout(" Get-Foo |\n      Select-Object Name\n  "),
            "Get-Foo |\nSelect-Object Name"
        );
    }

    #[test]
    fn blank_lines_inside_stay_and_crlf_becomes_lf() {
        assert_eq!(layout("\r\n  a\r\n\r\n  b\r\n"), "a\n\nb");
    }

    #[test]
    fn render_replaces_only_what_the_callback_names() {
        let raw = " Install-CsDatabase -SqlServerFqdn <SQL Server FQDN>  -ExcludeCollocatedStores ";
        let start = raw.find('<').unwrap();
        let ph = Placeholder {
            text: "<SQL Server FQDN>".into(),
            span: Span::new(100 + start, 100 + start + 17),
            in_string: false,
        };
        let code = Code::new(raw, Span::new(100, 100 + raw.len()), vec![ph]);
        assert_eq!(
            code.render(|_| Some("$SqlServerFqdn".into())),
            "Install-CsDatabase -SqlServerFqdn $SqlServerFqdn  -ExcludeCollocatedStores"
        );
        assert_eq!(code.render(|_| None), code.text);
    }
}
