//! The messages between tejun and `driver.ps1`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use tejun_grammar::ast::Value;

/// Something that arrived from the child.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A protocol message.
    Message(serde_json::Value),
    /// A line (or part of one) the child wrote to its stdout or stderr.
    Stray(StreamLine),
    /// The channel ended.
    Closed,
}

/// A request to the driver.
pub(crate) enum Request<'a> {
    Vars(&'a [(String, Value)]),
    Invoke {
        id: u64,
        code: &'a str,
        evaluate: bool,
    },
    Cancel {
        id: u64,
    },
    Exit,
}

impl Request<'_> {
    /// One line of tab-separated words (see `runtime/driver.ps1`); code and values travel
    /// base64-encoded, and parameter names are identifiers, so no word contains a tab.
    pub(crate) fn to_line(&self) -> String {
        match self {
            Request::Vars(vars) => {
                let mut line = String::from("vars");
                for (name, value) in *vars {
                    let (ty, text) = match value {
                        Value::Str(s) => ("string", s.clone()),
                        Value::Int(i) => ("int", i.to_string()),
                        Value::Bool(b) => ("bool", b.to_string()),
                        // The count, then each item base64-encoded on its own (base64 has no
                        // comma), so an empty item and an empty list stay apart.
                        Value::List(items) => {
                            let mut word = items.len().to_string();
                            for item in items {
                                word.push(',');
                                word.push_str(&STANDARD.encode(item));
                            }
                            line.push_str(&format!("\t{name}\tlist\t{word}"));
                            continue;
                        }
                    };
                    line.push_str(&format!("\t{name}\t{ty}\t{}", STANDARD.encode(text)));
                }
                line
            }
            Request::Invoke { id, code, evaluate } => format!(
                "{}\t{id}\t{}",
                if *evaluate { "eval" } else { "run" },
                STANDARD.encode(code)
            ),
            Request::Cancel { id } => format!("cancel\t{id}"),
            Request::Exit => "exit".to_string(),
        }
    }
}

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// The pipeline's output, formatted as text.
    Output,
    /// An error record.
    Error,
    /// `Write-Warning`.
    Warning,
    /// `Write-Verbose`.
    Verbose,
    /// `Write-Debug`.
    Debug,
    /// `Write-Information` and `Write-Host`.
    Information,
    /// Written straight to the process's stdout (a native command writing to the console).
    Stdout,
    /// Written straight to the process's stderr.
    Stderr,
}

impl Stream {
    /// The stream's name, as the journal and the transcript write it.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Output => "output",
            Stream::Error => "error",
            Stream::Warning => "warning",
            Stream::Verbose => "verbose",
            Stream::Debug => "debug",
            Stream::Information => "information",
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// One line of a command's streams, or one part of a line longer than [`CHUNK`](super::CHUNK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamLine {
    /// The stream.
    pub stream: Stream,
    /// The text.
    pub text: String,
    /// For an error record, its fully qualified error id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fqid: Option<String>,
    /// The line goes on in the next part of the same stream: it was too long to hold whole, so it
    /// comes in parts, every one marked but the last. Parts are never joined back in memory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl StreamLine {
    /// A whole line.
    pub fn new(stream: Stream, text: impl Into<String>) -> StreamLine {
        StreamLine {
            stream,
            text: text.into(),
            fqid: None,
            partial: false,
        }
    }
}

/// How an invocation ended, as PowerShell reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// It ran to the end.
    Completed,
    /// A terminating error or `exit` ended it.
    Failed,
    /// It was stopped (a timeout or Ctrl-C).
    Stopped,
    /// It did not stop when asked, and the process was killed.
    Killed,
}

/// The result of one command or condition.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// How it ended.
    pub state: RunState,
    /// The argument of `exit N`, if the code called `exit`.
    pub exit: Option<i64>,
    /// `$LASTEXITCODE` after the command: the last native command's exit code, or `None` when
    /// no native command ran (it is reset before every command).
    pub last_exit_code: Option<i64>,
    /// Whether any error record was written.
    pub had_errors: bool,
    /// How many error records were written, apart from native stderr: all of them, not only
    /// those still in `tail`.
    pub errors_written: usize,
    /// The terminating error, with its position.
    pub failure: Option<String>,
    /// Its fully qualified error id.
    pub failure_fqid: Option<String>,
    /// For a condition: whether it held.
    pub value: Option<bool>,
    /// Whether the command overran its timeout.
    pub timed_out: bool,
    /// Whether it was stopped by an interrupt (Ctrl-C).
    pub interrupted: bool,
    /// The last lines of its streams, each cut to [`TAIL_LINE_BYTES`](super::TAIL_LINE_BYTES)
    /// (the full text goes to the transcript).
    pub tail: Vec<StreamLine>,
}

impl Outcome {
    pub(crate) fn from_done(msg: &serde_json::Value, seen: Seen) -> Outcome {
        let Seen {
            mut tail,
            errors_written,
        } = seen;
        if tail.len() > super::TAIL_LINES {
            tail.drain(..tail.len() - super::TAIL_LINES);
        }
        let state = match msg.get("state").and_then(|v| v.as_str()) {
            Some("Completed") => RunState::Completed,
            Some("Stopped") => RunState::Stopped,
            _ => RunState::Failed,
        };
        let text = |key: &str| msg.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        Outcome {
            state,
            exit: msg.get("exit").and_then(|v| v.as_i64()),
            last_exit_code: msg.get("last_exit_code").and_then(|v| v.as_i64()),
            had_errors: msg
                .get("had_errors")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            failure: text("failure"),
            failure_fqid: text("failure_fqid"),
            value: msg.get("value").and_then(|v| v.as_bool()),
            timed_out: false,
            interrupted: false,
            tail,
            errors_written,
        }
    }

    pub(crate) fn killed(seen: Seen) -> Outcome {
        let Seen {
            tail,
            errors_written,
        } = seen;
        Outcome {
            state: RunState::Killed,
            exit: None,
            last_exit_code: None,
            had_errors: errors_written > 0,
            errors_written,
            failure: Some("the command did not stop when asked; PowerShell and everything it started were killed".into()),
            failure_fqid: None,
            value: None,
            timed_out: true,
            interrupted: false,
            tail,
        }
    }

    /// The error records still in `tail`, apart from text native commands wrote to stderr (which
    /// many tools use for progress, not failure).
    pub fn errors(&self) -> impl Iterator<Item = &StreamLine> {
        self.tail.iter().filter(|l| counts_as_error(l))
    }

    /// Whether the command succeeded: it completed, wrote no error records (native stderr
    /// aside), and its exit code — from `exit N`, or else the last native command — is accepted.
    pub fn succeeded(&self, accept_exit: &[i64]) -> bool {
        let exit_ok = |code: i64| accept_exit.contains(&code);
        match self.state {
            RunState::Completed => {
                self.errors_written == 0 && self.last_exit_code.is_none_or(exit_ok)
            }
            RunState::Failed => self.failure.is_none() && self.exit.is_some_and(exit_ok),
            RunState::Stopped | RunState::Killed => false,
        }
    }
}

/// Whether a line is (the last part of) an error record that makes a command fail.
/// Whether a line is an error record that fails a command. PowerShell 7 files a native command's
/// first stderr line as `NativeCommandError` and every further line as
/// `NativeCommandErrorMessage`: those are a program's stderr, not a failure.
pub(crate) fn counts_as_error(line: &StreamLine) -> bool {
    line.stream == Stream::Error
        && !line
            .fqid
            .as_deref()
            .is_some_and(|id| id.starts_with("NativeCommandError"))
}

/// What a command's streams left behind: the last lines, and how many error records there were.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) tail: Vec<StreamLine>,
    pub(crate) errors_written: usize,
}

impl Seen {
    /// Counts an error record and keeps the last [`TAIL_LINES`](super::TAIL_LINES) lines, each
    /// cut to [`TAIL_LINE_BYTES`](super::TAIL_LINE_BYTES): 200 lines of 1 MB must not become
    /// 200 MB.
    pub(crate) fn keep(&mut self, line: &StreamLine) {
        if !line.partial && counts_as_error(line) {
            self.errors_written += 1;
        }
        if self.tail.len() >= 2 * super::TAIL_LINES {
            self.tail.drain(..self.tail.len() - super::TAIL_LINES);
        }
        let limit = super::TAIL_LINE_BYTES;
        let text = if line.text.len() > limit {
            let mut cut = limit;
            while !line.text.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…", &line.text[..cut])
        } else {
            line.text.clone()
        };
        self.tail.push(StreamLine {
            stream: line.stream,
            text,
            fqid: line.fqid.clone(),
            partial: line.partial,
        });
    }
}

/// The lines of a stream event, or `None` for a request's `done` (or a message that is no
/// stream event). An output event holds lines joined by line feeds; `cont` says its last line
/// goes on in the next event.
pub(crate) fn event(msg: &serde_json::Value) -> Option<Vec<StreamLine>> {
    let stream = match msg.get("ev").and_then(|v| v.as_str())? {
        "output" => Stream::Output,
        "error" => Stream::Error,
        "warning" => Stream::Warning,
        "verbose" => Stream::Verbose,
        "debug" => Stream::Debug,
        "information" => Stream::Information,
        _ => return None,
    };
    let encoded = msg
        .get("text64")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let bytes = STANDARD.decode(encoded).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let cont = msg.get("cont").and_then(|v| v.as_bool()).unwrap_or(false);
    let fqid = msg.get("fqid").and_then(|v| v.as_str()).map(str::to_owned);
    if stream != Stream::Output {
        return Some(vec![StreamLine {
            stream,
            text: text.into_owned(),
            fqid,
            partial: cont,
        }]);
    }
    // A string with Windows line ends is split on its line feeds; the carriage return before
    // each belongs to the line end, not the text.
    let mut lines: Vec<StreamLine> = text
        .split('\n')
        .map(|line| StreamLine::new(stream, line.strip_suffix('\r').unwrap_or(line)))
        .collect();
    if let Some(last) = lines.last_mut() {
        last.partial = cont;
    }
    Some(lines)
}
