//! Where everything a run says goes: masked by the run's [`Redactor`], then shown by the
//! [`Console`] and recorded in the [`Journal`]. Nothing reaches the console, the journal or the
//! transcript any other way.

use std::cell::RefCell;
use std::future::Future;

use crate::event::RunEvent;
use crate::execute::{Console, RunError};
use crate::host::StreamLine;
use crate::journal::Journal;
use crate::redact::Redactor;
use crate::window::Windows;

/// The console and the journal of a run, behind its redactor.
pub(crate) struct Sink<'a> {
    console: &'a mut dyn Console,
    journal: Journal,
    redactor: &'a Redactor,
    /// A transcript write that failed inside an output callback, reported afterwards.
    failed: Option<std::io::Error>,
    /// The end of a part of a long line, held back until the next part so that a secret cut in
    /// two by the split is masked whole.
    carry: Option<StreamLine>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(
        console: &'a mut dyn Console,
        journal: Journal,
        redactor: &'a Redactor,
    ) -> Sink<'a> {
        Sink {
            console,
            journal,
            redactor,
            failed: None,
            carry: None,
        }
    }

    /// Masks secrets in an event, then shows and records it; returns what was recorded.
    pub(crate) fn emit(&mut self, event: RunEvent) -> Result<RunEvent, RunError> {
        let event = self
            .redactor
            .value(event)
            .map_err(|reason| RunError::Redaction { reason })?;
        self.console.event(&event);
        self.journal
            .record(&event)
            .map_err(|source| self.error(source))?;
        Ok(event)
    }

    /// Emits each event in turn.
    pub(crate) fn emit_all(&mut self, events: Vec<RunEvent>) -> Result<(), RunError> {
        for event in events {
            self.emit(event)?;
        }
        Ok(())
    }

    /// A line a command printed: masked, shown and written to the transcript. A transcript
    /// failure is kept and reported by [`Sink::check`].
    ///
    /// A part of a line too long to hold whole (`partial`) is masked together with what was held
    /// back of the part before it, and its last characters (as many as the longest secret, less
    /// one) are held back in turn: a secret that the split cut in two is masked all the same.
    pub(crate) fn line(&mut self, step: &str, mut line: StreamLine) {
        if let Some(held) = self.carry.take() {
            if held.stream == line.stream {
                line.text.insert_str(0, &held.text);
            } else {
                self.show(step, held);
            }
        }
        if let std::borrow::Cow::Owned(masked) = self.redactor.text(&line.text) {
            line.text = masked;
        }
        let keep = self.redactor.longest().saturating_sub(1);
        if line.partial && keep > 0 {
            let chars = line.text.chars().count();
            let cut = line
                .text
                .char_indices()
                .nth(chars.saturating_sub(keep))
                .map_or(line.text.len(), |(i, _)| i);
            let held = StreamLine {
                text: line.text.split_off(cut),
                ..line.clone()
            };
            self.carry = Some(held);
            if line.text.is_empty() {
                return;
            }
        }
        self.show(step, line);
    }

    fn show(&mut self, step: &str, line: StreamLine) {
        self.console.line(step, &line);
        if let Err(e) = self
            .journal
            .transcript(step, line.stream.name(), &line.text, line.partial)
        {
            self.failed.get_or_insert(e);
        }
    }

    /// Shows what is held back of a long line (a command ended in the middle of one), then fails
    /// with a transcript write that failed since the last call.
    pub(crate) fn check(&mut self, step: &str) -> Result<(), RunError> {
        if let Some(held) = self.carry.take() {
            self.show(step, held);
        }
        match self.failed.take() {
            Some(source) => Err(self.error(source)),
            None => Ok(()),
        }
    }

    /// Hands everything recorded so far to the OS, and has it put on the disk in the background.
    pub(crate) fn sync(&mut self) -> Result<(), RunError> {
        self.journal.sync().map_err(|source| self.error(source))
    }

    /// Puts everything recorded so far on the disk, and waits for it.
    pub(crate) fn sync_wait(&mut self) -> Result<(), RunError> {
        self.journal
            .sync_wait()
            .map_err(|source| self.error(source))
    }

    /// Hands the transcript's buffered lines to the OS: at the end of each command.
    pub(crate) fn flush(&mut self) -> Result<(), RunError> {
        self.journal.flush().map_err(|source| self.error(source))
    }

    /// The run's folder.
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.journal.dir
    }

    /// The console, for questions to the operator.
    pub(crate) fn console(&mut self) -> &mut dyn Console {
        &mut *self.console
    }

    fn error(&self, source: std::io::Error) -> RunError {
        RunError::journal(&self.journal.dir, source)
    }
}

/// Awaits `work` and, meanwhile, warns about every window whose limit passes: a window's warning
/// comes when its limit passes, not when the command that was running ends. `sink` is shared with
/// `work` (whose output callback writes through it); it is borrowed only between polls of `work`.
pub(crate) async fn watch<F: Future>(
    windows: &mut Windows<'_>,
    sink: &RefCell<&mut Sink<'_>>,
    work: F,
) -> Result<F::Output, RunError> {
    let mut work = std::pin::pin!(work);
    loop {
        let deadline = windows.next_deadline();
        tokio::select! {
            out = &mut work => return Ok(out),
            _ = sleep_until(deadline) => {
                let due = windows.due();
                sink.borrow_mut().emit_all(due)?;
            }
        }
    }
}

async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
