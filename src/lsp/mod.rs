//! `tejun lsp`: a language server over standard input and output.
//!
//! Diagnostics from `check` as the text changes and from `lint` on save, hover, go to
//! definition, references, the outline, formatting, completion and quick fixes. Standard output
//! carries protocol messages only; nothing here prints.

mod actions;
mod completion;
mod diagnostics;
mod document;
mod format;
mod hover;
mod index;
mod lint;
mod navigate;
mod outline;
mod position;
#[cfg(test)]
mod robustness;
mod server;
mod transport;

use crate::exit;

/// Serves one client until it says `exit`: 0 after a `shutdown`, 1 without one (as the protocol
/// asks).
pub(crate) fn run() -> u8 {
    let stdio = transport::Stdio::start();
    let clean = server::Server::new(stdio.connection.sender.clone()).serve(&stdio.connection);
    stdio.finish();
    if clean { exit::OK } else { exit::FAILED }
}
