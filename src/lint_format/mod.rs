//! The output formats of `tejun lint`, one file each, all reading the same [`Report`].

mod github;
mod human;
mod json;
mod junit;
mod sarif;

use std::io::Write;

use crate::cli::LintFormat;
use crate::lint_cmd::Report;

/// Writes `report` to stdout in `format`.
pub(crate) fn write(format: LintFormat, report: &Report, color: bool) -> std::io::Result<()> {
    let text = match format {
        LintFormat::Human => human::render(report, color),
        LintFormat::Json => json::render(report),
        LintFormat::Sarif => sarif::render(report),
        LintFormat::Github => github::render(report),
        LintFormat::Junit => junit::render(report),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
