//! For people: each finding as a source snippet with the problem marked, the way `tejun check`
//! prints problems.

use tejun_grammar::diagnostics::render_all;

use crate::input::WIDTH;
use crate::lint_cmd::Report;

pub(crate) fn render(report: &Report, color: bool) -> String {
    report
        .files
        .iter()
        .map(|file| render_all(&file.findings, &file.path, &file.src, WIDTH, color))
        .collect()
}
