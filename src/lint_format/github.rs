//! `--format github`: one GitHub Actions workflow command per finding, which the runner turns
//! into an annotation on the file and line of the pull request (docs/lint-output.md).
//!
//! Lines and columns are the ones the human and JSON formats print (columns in characters), so
//! an annotation and the log beside it agree.

use tejun_grammar::diagnostics::visible;
use tejun_grammar::lint::{Finding, Level};

use crate::lint_cmd::{FileReport, Report};

/// Renders every finding as `::error ...::message` or `::warning ...::message`, one a line.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    for file in &report.files {
        for finding in &file.findings {
            out.push_str(&command(file, finding));
            out.push('\n');
        }
    }
    out
}

/// One finding as a workflow command: its help follows the message on a line of its own.
fn command(file: &FileReport, finding: &Finding) -> String {
    let (line, col) = file.line_col(finding.span.start);
    let (end_line, end_col) = file.line_col(finding.span.end);
    let kind = match finding.level {
        Level::Error => "error",
        Level::Warning => "warning",
        // Findings turned off never reach a report; a notice would still show one that did.
        Level::Off => "notice",
    };
    let title = match finding.rule_name() {
        "" => finding.code.clone(),
        name => format!("{} ({name})", finding.code),
    };
    let mut message = finding.message.clone();
    if !finding.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&finding.help);
    }
    format!(
        "::{kind} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        property(&file.path),
        property(&title),
        data(&message)
    )
}

/// A command's message, escaped the way the Actions runner unescapes it: `%` first, so that
/// the escapes themselves survive, then the line breaks that would end the command. Other
/// control characters, which the runner would pass on to the log as they are (an escape
/// sequence would act on the viewer's terminal), are shown [`visible`].
fn data(text: &str) -> String {
    visible(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as [`data`], and `:` and `,`, which would end the value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_first_and_line_breaks() {
        assert_eq!(data("100%\r\nnext: a, b"), "100%25%0D%0Anext: a, b");
        assert_eq!(data("%0A"), "%250A");
    }

    #[test]
    fn data_shows_other_control_characters() {
        assert_eq!(data("found `\x1b[2J`\0\ra"), "found `␛[2J`␀␍a");
        assert_eq!(data("a\r\nb\tc"), "a%0D%0Ab\tc");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }
}
