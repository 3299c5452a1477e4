//! A run's record on disk: `.tejun/runs/<run-id>/journal.jsonl` (append-only JSON Lines, synced at
//! step boundaries) and `transcript.log` (every line every command printed; a line too long to hold
//! whole is written in parts, `[step] stream+: part` for every part but the last).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::event::RunEvent;

/// The files of one run.
pub struct Journal {
    /// The run's folder.
    pub dir: PathBuf,
    journal: File,
    transcript: BufWriter<File>,
}

impl Journal {
    /// Creates `<root>/runs/<run_id>/` with an empty journal and transcript.
    pub fn create(root: &Path, run_id: &str) -> std::io::Result<Journal> {
        let dir = root.join("runs").join(run_id);
        std::fs::create_dir_all(&dir)?;
        let journal = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(dir.join("journal.jsonl"))?;
        let transcript = BufWriter::new(
            OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(dir.join("transcript.log"))?,
        );
        Ok(Journal {
            dir,
            journal,
            transcript,
        })
    }

    /// Opens an existing run's files to append to them (`tejun resume`).
    pub fn open(dir: &Path) -> std::io::Result<Journal> {
        let journal = OpenOptions::new()
            .append(true)
            .open(dir.join("journal.jsonl"))?;
        let transcript = BufWriter::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("transcript.log"))?,
        );
        Ok(Journal {
            dir: dir.to_path_buf(),
            journal,
            transcript,
        })
    }

    /// Reads every entry of a run's journal. A last line cut short by a crash is left out.
    pub fn read(dir: &Path) -> std::io::Result<Vec<serde_json::Value>> {
        let text = std::fs::read_to_string(dir.join("journal.jsonl"))?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }

    /// Appends one event as a line of JSON, with the time it was recorded.
    pub fn record(&mut self, event: &RunEvent) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Entry<'a> {
            at: String,
            #[serde(flatten)]
            event: &'a RunEvent,
        }
        let mut line = serde_json::to_string(&Entry {
            at: jiff::Timestamp::now().to_string(),
            event,
        })
        .map_err(std::io::Error::other)?;
        line.push('\n');
        self.journal.write_all(line.as_bytes())
    }

    /// Appends a line to the transcript. A part of a long line that goes on in the next part is
    /// written `[step] stream+: text`: joining it to the next line without a line break gives the
    /// line back.
    pub fn transcript(
        &mut self,
        step: &str,
        stream: &str,
        text: &str,
        partial: bool,
    ) -> std::io::Result<()> {
        let mark = if partial { "+" } else { "" };
        writeln!(self.transcript, "[{step}] {stream}{mark}: {text}")
    }

    /// Flushes both files to disk: called at every step boundary, so a crash loses at most the
    /// step that was running.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.transcript.flush()?;
        self.transcript.get_ref().sync_data()?;
        self.journal.sync_data()
    }
}

/// A new run id: the UTC time and a random suffix, sortable by start time.
pub fn new_run_id() -> String {
    let now = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut bytes = [0u8; 3];
    let _ = getrandom::fill(&mut bytes);
    format!("{now}-{}", hex::encode(bytes))
}
