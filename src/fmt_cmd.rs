//! `tejun fmt [--check] PATH...`.

use crate::cli::FmtArgs;
use crate::exit;

pub(crate) fn run(_args: &FmtArgs, _color: bool) -> u8 {
    eprintln!("error: `tejun fmt` is not built yet");
    exit::USAGE
}
