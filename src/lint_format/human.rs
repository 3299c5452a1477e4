//! For people: each finding as a source snippet with the problem marked, the way `tejun check`
//! prints problems.

use miette::{GraphicalReportHandler, GraphicalTheme};
use tejun_grammar::diagnostics::{MAX_RENDERED, Source};

use crate::input::WIDTH;
use crate::lint_cmd::Report;

pub(crate) fn render(report: &Report, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let mut out = String::new();
    for file in &report.files {
        let source = Source::new(&file.path, &file.src);
        for finding in file.findings.iter().take(MAX_RENDERED) {
            let report = miette::Report::new(finding.clone()).with_source_code(source.clone());
            if handler.render_report(&mut out, report.as_ref()).is_err() {
                let (line, col) = file.line_col(finding.span.start);
                out.push_str(&format!(
                    "{}:{line}:{col}: {}\n",
                    file.path, finding.message
                ));
            }
            out.push('\n');
        }
        if file.findings.len() > MAX_RENDERED {
            out.push_str(&format!(
                "{}: {} more findings not shown\n\n",
                file.path,
                file.findings.len() - MAX_RENDERED
            ));
        }
    }
    out
}
