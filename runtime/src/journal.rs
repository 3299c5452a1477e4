//! A run's record on disk: `.tejun/runs/<run-id>/journal.jsonl` (append-only JSON Lines) and
//! `transcript.log` (every line every command printed; a line too long to hold whole is written in
//! parts, `[step] stream+: part` for every part but the last).
//!
//! What is on disk when (docs/run-events.md#durability):
//! - every event is handed to the OS with one `write` before tejun goes on, so a killed tejun has
//!   lost none of it (a last line cut short by a full disk or a crash is left out when read);
//! - transcript lines are handed to the OS at least every [`TRANSCRIPT_FLUSH`], at the end of each
//!   command and at every sync point;
//! - the OS puts both on the disk itself (`fdatasync`) in the background after each event that
//!   records progress ([`Journal::sync`]: an action done, a step's end), coalescing requests that
//!   come while one is under way, and tejun waits for it after a person's decision and at the
//!   end of a run ([`Journal::sync_wait`]).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::event::RunEvent;

/// The longest a transcript line waits in memory before it is handed to the OS.
pub const TRANSCRIPT_FLUSH: Duration = Duration::from_millis(50);

/// The files of one run.
pub struct Journal {
    /// The run's folder.
    pub dir: PathBuf,
    journal: File,
    transcript: BufWriter<File>,
    /// When the transcript was last handed to the OS.
    flushed: Instant,
    syncer: Syncer,
}

/// The thread that puts the files on the disk (`fdatasync`), so that tejun does not wait for the
/// disk after every step.
struct Syncer {
    requests: Option<mpsc::Sender<u64>>,
    /// The last request sent.
    asked: u64,
    /// The last request done, and the first error met, shared with the thread.
    done: Arc<(Mutex<Synced>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The last sync request done, and the first error met.
type Synced = (u64, Option<std::io::Error>);

impl Syncer {
    fn start(files: Vec<File>) -> Syncer {
        let (tx, rx) = mpsc::channel::<u64>();
        let done = Arc::new((Mutex::new((0, None)), Condvar::new()));
        let shared = done.clone();
        let thread = std::thread::Builder::new()
            .name("tejun-journal-sync".into())
            .spawn(move || {
                while let Ok(mut generation) = rx.recv() {
                    // Requests that came meanwhile are covered by this one sync.
                    while let Ok(later) = rx.try_recv() {
                        generation = later;
                    }
                    let result = files.iter().try_for_each(File::sync_data);
                    let (lock, ready) = &*shared;
                    let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
                    state.0 = generation;
                    if let Err(e) = result {
                        state.1.get_or_insert(e);
                    }
                    ready.notify_all();
                }
            })
            .ok();
        Syncer {
            requests: Some(tx),
            asked: 0,
            done,
            thread,
        }
    }

    /// Asks for a sync of everything written so far; an earlier sync's error, if any.
    fn request(&mut self) -> std::io::Result<()> {
        self.asked += 1;
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|tx| tx.send(self.asked).is_ok());
        if !sent {
            return Err(std::io::Error::other("the journal's sync thread is gone"));
        }
        self.error()
    }

    /// Waits until every request so far is done.
    fn wait(&mut self) -> std::io::Result<()> {
        let (lock, ready) = &*self.done;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        while state.0 < self.asked && self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            state = ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        drop(state);
        self.error()
    }

    fn error(&self) -> std::io::Result<()> {
        let (lock, _) = &*self.done;
        match lock.lock().unwrap_or_else(|e| e.into_inner()).1.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        // The thread ends once its channel closes, after the syncs asked for.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
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
        let transcript = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(dir.join("transcript.log"))?;
        Journal::with(dir, journal, transcript)
    }

    fn with(dir: PathBuf, journal: File, transcript: File) -> std::io::Result<Journal> {
        let syncer = Syncer::start(vec![journal.try_clone()?, transcript.try_clone()?]);
        Ok(Journal {
            dir,
            journal,
            transcript: BufWriter::new(transcript),
            flushed: Instant::now(),
            syncer,
        })
    }

    /// Opens an existing run's files to append to them (`tejun resume`).
    pub fn open(dir: &Path) -> std::io::Result<Journal> {
        let journal = OpenOptions::new()
            .append(true)
            .open(dir.join("journal.jsonl"))?;
        let transcript = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("transcript.log"))?;
        Journal::with(dir.to_path_buf(), journal, transcript)
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
        writeln!(self.transcript, "[{step}] {stream}{mark}: {text}")?;
        if self.flushed.elapsed() >= TRANSCRIPT_FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands what the transcript holds in memory to the OS (no wait for the disk).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.flushed = Instant::now();
        self.transcript.flush()
    }

    /// Hands everything to the OS and has it put on the disk in the background: called after
    /// every event that records progress. Returns the error of an earlier sync, if any.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.flush()?;
        self.syncer.request()
    }

    /// As [`Journal::sync`], and waits until everything recorded so far is on the disk: after a
    /// person's decision and at the end of a run.
    pub fn sync_wait(&mut self) -> std::io::Result<()> {
        self.sync()?;
        self.syncer.wait()
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
