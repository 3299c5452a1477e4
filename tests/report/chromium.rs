//! A page loaded in Debian's Chromium, headless, driven over the DevTools protocol through
//! `--remote-debugging-pipe` (file descriptors 3 and 4, messages ended by a NUL byte): no port,
//! no extra crate, nothing left listening. Unix only.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// What the page did while loading, and what it holds.
pub struct Loaded {
    /// Console messages and log entries of level error, and uncaught exceptions.
    pub errors: Vec<String>,
    /// Every URL the page requested, in order (the page itself first).
    pub requests: Vec<String>,
    /// The JSON the DOM probe returned.
    pub dom: String,
    /// A full-page PNG.
    pub screenshot: Vec<u8>,
}

/// Chromium's path; fails the test, saying how to install it, when there is none.
pub fn find() -> PathBuf {
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    if let Ok(path) = which("chromium") {
        return path;
    }
    panic!(
        "Chromium is not installed: the report's browser test needs it. Install it with \
         `apt-get install -y chromium` (or run tests/report/setup)"
    );
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

/// The DOM facts the test checks, computed in the page.
const PROBE: &str = r#"JSON.stringify({
  title: document.querySelector('#title')?.textContent,
  status: document.querySelector('#status')?.textContent,
  steps: document.querySelectorAll('li.step').length,
  finally: document.querySelectorAll('li.step.finally').length,
  failedCommands: document.querySelectorAll('.command.failed').length,
  windows: document.querySelectorAll('.window').length,
  details: document.querySelectorAll('details.output').length,
  confirmer: document.querySelector('td.by')?.textContent,
  scripts: document.scripts.length,
  barWidth: document.querySelector('.bar')?.getBoundingClientRect().width,
  failedBorder: getComputedStyle(document.querySelector('.command.failed')).borderTopColor
})"#;

struct Browser {
    child: Child,
    to: std::io::PipeWriter,
    from: mpsc::Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for answers.
    events: Vec<Value>,
}

impl Drop for Browser {
    /// Asks Chromium to close (its helper processes end with it), and kills it when it does not
    /// within a few seconds.
    fn drop(&mut self) {
        let _ = self
            .to
            .write_all(b"{\"id\":999999,\"method\":\"Browser.close\"}\0");
        let give_up = Instant::now() + Duration::from_secs(5);
        while Instant::now() < give_up {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn start(chromium: &Path, profile: &Path) -> Browser {
        let (to_read, to_write) = std::io::pipe().unwrap();
        let (from_read, from_write) = std::io::pipe().unwrap();
        let (r, w) = (to_read.as_raw_fd(), from_write.as_raw_fd());
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-pipe",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("Chromium starts");
        drop(to_read);
        drop(from_write);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_read);
            let mut message = Vec::new();
            loop {
                message.clear();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        message.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&message)
                            && tx.send(v).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to: to_write,
            from: rx,
            next_id: 0,
            events: Vec::new(),
        }
    }

    /// Sends a command and waits for its answer, keeping the events that come meanwhile.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("Chromium reads its pipe");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer from Chromium to `{method}`"));
            if v["id"] == id {
                assert!(v["error"].is_null(), "`{method}` failed: {v}");
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    /// Waits for an event of `method`, keeping every event.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("Chromium never sent `{method}`"));
            let found = v["method"] == method;
            self.events.push(v);
            if found {
                return;
            }
        }
    }

    /// Keeps events that arrive within `quiet`.
    fn drain(&mut self, quiet: Duration) {
        while let Ok(v) = self.from.recv_timeout(quiet) {
            self.events.push(v);
        }
    }
}

/// Loads `page` (a file) in a fresh headless Chromium whose profile lives under `scratch`.
pub fn load(chromium: &Path, page: &Path, scratch: &Path) -> Loaded {
    let profile = scratch.join("chromium-profile");
    let mut b = Browser::start(chromium, &profile);
    let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let target_id = target["targetId"].as_str().unwrap().to_owned();
    let attached = b.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target_id, "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_owned();
    let s = Some(session.as_str());
    for domain in [
        "Page.enable",
        "Runtime.enable",
        "Log.enable",
        "Network.enable",
    ] {
        b.call(s, domain, json!({}));
    }
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    b.call(s, "Page.navigate", json!({"url": url}));
    b.wait_for("Page.loadEventFired");
    b.drain(Duration::from_millis(500));
    let dom = b.call(
        s,
        "Runtime.evaluate",
        json!({"expression": PROBE, "returnByValue": true}),
    );
    let dom = dom["result"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("the probe failed: {dom}"))
        .to_owned();
    let shot = b.call(
        s,
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
    );
    let screenshot = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    b.drain(Duration::from_millis(200));
    let mut errors = Vec::new();
    let mut requests = Vec::new();
    for e in b
        .events
        .iter()
        .filter(|e| e["sessionId"] == session.as_str())
    {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                requests.push(p["request"]["url"].as_str().unwrap_or_default().to_owned())
            }
            "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "warning" => {
                errors.push(format!("console.{}: {}", p["type"], p["args"]))
            }
            "Runtime.exceptionThrown" => errors.push(format!("exception: {p}")),
            "Log.entryAdded" if p["entry"]["level"] == "error" => {
                errors.push(format!("log: {}", p["entry"]["text"]))
            }
            _ => {}
        }
    }
    Loaded {
        errors,
        requests,
        dom,
        screenshot,
    }
}

/// A PNG's width and height, from its header; fails on anything that is not a PNG.
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.len() > 24 && png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR",
        "not a PNG"
    );
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}
