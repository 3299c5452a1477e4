//! `--format junit` (being built).

use crate::lint_cmd::Report;

pub(crate) fn render(report: &Report) -> String {
    super::json::render(report)
}
