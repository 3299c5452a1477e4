//! `--format json`: one document with every file and finding (docs/lint-output.md).

use serde_json::json;
use tejun_grammar::lint::Level;

use crate::lint_cmd::Report;

pub(crate) fn render(report: &Report) -> String {
    let files: Vec<serde_json::Value> = report
        .files
        .iter()
        .map(|file| {
            let findings: Vec<serde_json::Value> = file
                .findings
                .iter()
                .map(|f| {
                    let (line, column) = file.line_col(f.span.start);
                    let (end_line, end_column) = file.line_col(f.span.end);
                    let mut value = json!({
                        "code": f.code,
                        "rule": f.rule_name(),
                        "level": f.level,
                        "message": f.message,
                        "label": f.label,
                        "help": f.help,
                        "line": line,
                        "column": column,
                        "end_line": end_line,
                        "end_column": end_column,
                        "offset": f.span.start,
                        "length": f.span.len(),
                    });
                    if let Some(check) = &f.check_code {
                        value["check_code"] = json!(check);
                    }
                    value
                })
                .collect();
            json!({ "path": file.path, "findings": findings })
        })
        .collect();
    let doc = json!({
        "format": "tejun-lint/1",
        "files": files,
        "summary": {
            "files": report.files.len(),
            "errors": report.count(Level::Error),
            "warnings": report.count(Level::Warning),
            "powershell_syntax_checked": report.pwsh_skipped.is_none(),
            "powershell_syntax_skipped_because": report.pwsh_skipped,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
