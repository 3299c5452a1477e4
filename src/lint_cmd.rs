//! `tejun lint PATH...`.

use crate::cli::LintArgs;
use crate::exit;

pub(crate) fn run(_args: &LintArgs, _color: bool) -> u8 {
    eprintln!("error: `tejun lint` is not built yet");
    exit::USAGE
}
