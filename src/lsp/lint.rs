//! Lint on save, in the background: every rule, and TJ001 through a PowerShell kept warm between
//! saves. A result for a text the editor has changed since is dropped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::Sender;
use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics, ShowMessage};
use lsp_types::{MessageType, PublishDiagnosticsParams, ShowMessageParams, Uri};
use tejun_grammar::lint::{self, Config};
use tejun_runtime::host::{Host, HostConfig, find_shell};
use tejun_runtime::syntax::{self, Prepared};

use super::diagnostics::from_finding;
use super::document::Document;

/// How long PowerShell may take to parse one document's blocks.
const PARSE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the editor is told, once, when there is no PowerShell for TJ001.
const NO_PWSH: &str = "tejun lsp: PowerShell 7 (`pwsh`) was not found, so lint on save checks every rule but TJ001 (powershell-syntax). Install it with `dotnet tool install --global PowerShell --version 7.6.9`.";

/// The editor's current version of each open document, shared with the worker so that it can
/// tell an outdated request or result.
pub(crate) type Versions = Arc<Mutex<HashMap<String, i32>>>;

/// The background linter.
pub(crate) struct Linter {
    jobs: Option<mpsc::Sender<Document>>,
    thread: Option<JoinHandle<()>>,
}

impl Linter {
    /// Starts the worker; it publishes through `out`.
    pub fn start(out: Sender<Message>, versions: Versions) -> Linter {
        let (jobs, receiver) = mpsc::channel::<Document>();
        let thread = std::thread::Builder::new()
            .name("tejun-lsp-lint".to_owned())
            .spawn(move || Worker::new(out, versions).serve(receiver))
            .ok();
        Linter {
            jobs: Some(jobs),
            thread,
        }
    }

    /// Lints `doc` as saved.
    pub fn lint(&self, doc: Document) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(doc);
        }
    }

    /// Stops the worker and its PowerShell.
    pub fn stop(mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Worker {
    out: Sender<Message>,
    versions: Versions,
    host: Option<Host>,
    /// Whether the editor was told that PowerShell is missing.
    told: bool,
}

impl Worker {
    fn new(out: Sender<Message>, versions: Versions) -> Worker {
        Worker {
            out,
            versions,
            host: None,
            told: false,
        }
    }

    fn serve(mut self, jobs: mpsc::Receiver<Document>) {
        let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            // Warm: PowerShell starts before the first save.
            self.host = start_host().await;
            while let Ok(first) = jobs.recv() {
                // Saves that came in meanwhile: only the last of each document counts.
                let mut latest: Vec<Document> = vec![first];
                while let Ok(more) = jobs.try_recv() {
                    latest.retain(|d| d.uri != more.uri);
                    latest.push(more);
                }
                for doc in latest {
                    if self.current(&doc) {
                        self.lint(doc).await;
                    }
                }
            }
            if let Some(host) = self.host.take() {
                host.shutdown().await;
            }
        });
    }

    fn current(&self, doc: &Document) -> bool {
        self.versions
            .lock()
            .map(|v| v.get(doc.uri.as_str()) == Some(&doc.version))
            .unwrap_or(false)
    }

    async fn lint(&mut self, doc: Document) {
        let result = tejun_grammar::compile(&doc.text);
        let path = file_path(&doc.uri);
        let (config, relative) = config_for(path.as_deref());
        let mut findings = lint::lint(&doc.text, &result, &config, &relative);
        if let Ok(runbook) = &result {
            let prepared = Prepared::new(&[(doc.text.as_str(), runbook)]);
            if !prepared.blocks().is_empty() {
                if self.host.is_none() {
                    self.host = start_host().await;
                }
                match &mut self.host {
                    Some(host) => {
                        match syntax::parse_blocks(host, prepared.blocks(), PARSE_TIMEOUT).await {
                            Ok(errors) => {
                                findings.extend(prepared.findings(errors).into_iter().flatten())
                            }
                            Err(e) => {
                                // A session that failed is not used again; the next save starts
                                // another.
                                if let Some(host) = self.host.take() {
                                    host.shutdown().await;
                                }
                                self.say(
                                    MessageType::WARNING,
                                    format!("tejun lsp: rule TJ001 did not run: {e}"),
                                );
                            }
                        }
                    }
                    None if !self.told => {
                        self.told = true;
                        self.say(MessageType::WARNING, NO_PWSH.to_owned());
                    }
                    None => {}
                }
            }
        }
        let findings = lint::finish(findings, &doc.text, &result, &config, &relative);
        let diagnostics = findings.iter().map(|f| from_finding(&doc, f)).collect();
        let params = PublishDiagnosticsParams::new(doc.uri.clone(), diagnostics, Some(doc.version));
        // Checked and sent under the lock the server takes to change a version and publish
        // its diagnostics: a result never lands after the diagnostics of a newer text.
        let Ok(versions) = self.versions.lock() else {
            return;
        };
        // The editor's text moved on while this ran: its own save brings a fresh result.
        if versions.get(doc.uri.as_str()) != Some(&doc.version) {
            return;
        }
        let _ = self.out.send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_owned(),
            params,
        )));
    }

    fn say(&self, typ: MessageType, message: String) {
        let _ = self.out.send(Message::Notification(Notification::new(
            ShowMessage::METHOD.to_owned(),
            ShowMessageParams { typ, message },
        )));
    }
}

/// PowerShell for TJ001, when there is one.
async fn start_host() -> Option<Host> {
    find_shell("pwsh").ok()?;
    Host::start(&HostConfig::default()).await.ok()
}

/// The configuration for a file: the nearest `tejun.toml` above it (defaults when there is none
/// or it does not read), and the file's path relative to the configuration's folder.
fn config_for(path: Option<&Path>) -> (Config, String) {
    let Some(path) = path else {
        return (Config::default(), String::new());
    };
    let found = path.ancestors().skip(1).find_map(|dir| {
        let file = dir.join("tejun.toml");
        let text = std::fs::read_to_string(&file).ok()?;
        Some((Config::parse(&text).ok()?, dir.to_path_buf()))
    });
    match found {
        Some((config, dir)) => {
            let relative = path
                .strip_prefix(&dir)
                .unwrap_or(path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (config, relative)
        }
        None => (Config::default(), String::new()),
    }
}

/// The path of a `file:` URI.
fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let path = percent_decode(rest)?;
    // `file:///C:/x` on Windows: the path is `C:/x`.
    let path = match path.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() && cfg!(windows) => {
            path[1..].to_owned()
        }
        _ => path,
    };
    Some(PathBuf::from(path))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
