//! `tejun lsp` driven over standard input and output as an editor drives it: JSON-RPC messages
//! framed by `Content-Length`, each answer waited for with a timeout so that a broken server
//! fails the test instead of hanging it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take. Lint on save starts PowerShell, which takes a few seconds.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A runbook that checks, is formatted, and has Japanese text before a later column.
const RUNBOOK: &str = r#"runbook demo {
  title "デモ"

  param Role: choice("Web", "Db")
    doc "the server's role"
  param SqlServer: string required when Role == "Db"
    placeholder "<SQL Server FQDN>"
    doc "FQDN of the SQL Server"

  window down from stop to start limit 30m

  # 日本語のコメント
  step stop "停止" doc 1 {
    run { net stop w3svc }
    ensure { (Get-Service w3svc).Status -eq 'Stopped' }
  }

  when Role == "Db" {
    step db "Update the database" doc 2 {
      run { Install-CsDatabase -SqlServerFqdn <SQL Server FQDN> } timeout 1h
      ensure { $SqlServer -ne '' }
    }
  }

  step start "開始" doc 3 {
    run { net start w3svc }
    ensure { (Get-Service w3svc).Status -eq 'Running' }
  }
}
"#;

/// A running `tejun lsp` and what it has sent that nobody has asked for yet.
struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    pending: Vec<Value>,
    next_id: i64,
}

impl Server {
    /// Starts `tejun lsp` and initializes it.
    fn start() -> Server {
        Server::start_with(|_| {})
    }

    fn start_with(configure: impl FnOnce(&mut Command)) -> Server {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("tejun"));
        command
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command);
        let mut child = command.spawn().expect("tejun lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(body) = read_frame(&mut reader) {
                let value: Value = serde_json::from_slice(&body)
                    .unwrap_or_else(|e| panic!("the server sent something that is not JSON: {e}"));
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            messages,
            pending: Vec::new(),
            next_id: 1,
        };
        let init = server.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        let capabilities = &init["result"]["capabilities"];
        for provider in [
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "documentSymbolProvider",
            "documentFormattingProvider",
            "completionProvider",
            "codeActionProvider",
        ] {
            assert!(!capabilities[provider].is_null(), "{provider} in {init}");
        }
        server.notify("initialized", json!({}));
        server
    }

    fn send_raw(&mut self, body: &[u8]) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        self.send_raw(message.to_string().as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(&format!("the answer to `{method}`"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    /// The first message (already received or still to come) that `matches`.
    fn wait(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&matches) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if matches(&m) => return m,
                Ok(m) => self.pending.push(m),
                Err(_) => panic!(
                    "no {what} within {TIMEOUT:?}; received meanwhile: {:#?}",
                    self.pending
                ),
            }
        }
    }

    /// The next diagnostics published for `uri` whose list satisfies `matches`.
    fn diagnostics(&mut self, uri: &str, matches: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let found = self.wait(&format!("diagnostics for {uri}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && matches(m["params"]["diagnostics"].as_array().unwrap())
        });
        found["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "tejun", "version": 1, "text": text } }),
        );
    }

    /// `shutdown`, `exit`, and the exit status.
    fn shut_down(mut self) -> std::process::ExitStatus {
        let answer = self.request("shutdown", Value::Null);
        assert!(answer.get("error").is_none(), "{answer}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "tejun lsp did not exit after `exit`"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frame(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// The LSP position (line, UTF-16 column) of the first `needle` in `text`, plus `delta` bytes.
fn position(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` in the text"))
        + delta;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": before[line_start..].encode_utf16().count() })
}

fn at(uri: &str, text: &str, needle: &str, delta: usize) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position(text, needle, delta) })
}

#[test]
fn diagnostics_follow_the_text_with_utf16_columns() {
    let mut server = Server::start();
    let uri = "file:///tmp/edit.runbook";
    // `rnu` after Japanese text on its line: the column counts UTF-16 units, not bytes.
    let broken = RUNBOOK.replace(
        "  step stop \"停止\" doc 1 {\n    run",
        "  step stop \"停止\" doc 1 { rnu { x } }\n  step other \"y\" {\n    run",
    );
    server.open(uri, &broken);
    let found = server.diagnostics(uri, |d| !d.is_empty());
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d["code"], "tejun::parse::syntax");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"]["start"], position(&broken, "rnu", 0));
    assert_eq!(d["range"]["start"]["character"], 25);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("help: did you mean `run`?"),
        "{d}"
    );

    // The quick fix for the misspelled keyword.
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": position(&broken, "rnu", 0), "end": position(&broken, "rnu", 3) },
            "context": { "diagnostics": [] },
        }),
    );
    let action = &actions["result"][0];
    assert_eq!(action["kind"], "quickfix", "{actions}");
    let edit = &action["edit"]["changes"][uri][0];
    assert_eq!(edit["newText"], "run");
    assert_eq!(edit["range"]["start"], position(&broken, "rnu", 0));
    assert_eq!(edit["range"]["end"], position(&broken, "rnu", 3));

    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": RUNBOOK }],
        }),
    );
    let fixed = server.wait("diagnostics of version 2", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2
    });
    assert_eq!(fixed["params"]["diagnostics"], json!([]), "{fixed}");

    // A misspelled parameter: a check error with a did-you-mean, and its quick fix.
    let misspelled = RUNBOOK.replace("when Role == \"Db\" {", "when Rloe == \"Db\" {");
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": misspelled }],
        }),
    );
    let found = server.diagnostics(uri, |d| !d.is_empty());
    assert_eq!(found[0]["code"], "tejun::check::unknown_name", "{found:#?}");
    assert_eq!(found[0]["range"]["start"], position(&misspelled, "Rloe", 0));
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": position(&misspelled, "Rloe", 1), "end": position(&misspelled, "Rloe", 1) },
            "context": { "diagnostics": [] },
        }),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "Replace `Rloe` with `Role`", "{actions}");
    assert_eq!(action["edit"]["changes"][uri][0]["newText"], "Role");

    assert!(server.shut_down().success());
}

#[test]
fn hover_definition_references_outline_completion() {
    let mut server = Server::start();
    let uri = "file:///tmp/nav.runbook";
    server.open(uri, RUNBOOK);
    assert_eq!(server.diagnostics(uri, |_| true), Vec::<Value>::new());

    // Hover on a parameter used in a condition: its declaration, doc and uses.
    let hover = server.request("textDocument/hover", at(uri, RUNBOOK, "when Role", 6));
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("param Role: choice(\"Web\", \"Db\")"),
        "{hover}"
    );
    assert!(text.contains("the server's role"), "{hover}");
    // On a placeholder in code: the parameter that fills it.
    let hover = server.request(
        "textDocument/hover",
        at(uri, RUNBOOK, "<SQL Server FQDN> }", 3),
    );
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("param SqlServer: string"), "{hover}");
    assert!(text.contains("required when `Role == \"Db\"`"), "{hover}");
    assert!(text.contains("Used in step `db`"), "{hover}");
    // On a window: its steps and limit.
    let hover = server.request("textDocument/hover", at(uri, RUNBOOK, "window down", 8));
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("window down from stop to start limit 30m"),
        "{hover}"
    );
    // Nothing under the cursor: no hover.
    let hover = server.request("textDocument/hover", at(uri, RUNBOOK, "title", 2));
    assert_eq!(hover["result"], Value::Null, "{hover}");

    // The step a window names: its declaration.
    let definition = server.request("textDocument/definition", at(uri, RUNBOOK, "to start", 4));
    assert_eq!(definition["result"]["uri"], uri, "{definition}");
    assert_eq!(
        definition["result"]["range"]["start"],
        position(RUNBOOK, "step start", 5)
    );
    // A `$Name` in code: the parameter.
    let definition = server.request("textDocument/definition", at(uri, RUNBOOK, "$SqlServer", 2));
    assert_eq!(
        definition["result"]["range"]["start"],
        position(RUNBOOK, "param SqlServer", 6),
        "{definition}"
    );

    // Every use of `SqlServer`: its declaration, its placeholder, the placeholder in code, `$SqlServer`.
    let references = server.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": uri },
            "position": position(RUNBOOK, "param SqlServer", 7),
            "context": { "includeDeclaration": true },
        }),
    );
    let starts: Vec<Value> = references["result"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|l| l["range"]["start"].clone())
        .collect();
    assert_eq!(
        starts,
        vec![
            position(RUNBOOK, "SqlServer:", 0),
            position(RUNBOOK, "\"<SQL Server FQDN>\"", 0),
            position(RUNBOOK, "<SQL Server FQDN> }", 0),
            position(RUNBOOK, "$SqlServer", 0),
        ],
        "{references}"
    );

    // The outline: the runbook, its parameters, window and steps, the `when` arm with its step.
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let runbook = &symbols["result"][0];
    assert_eq!(runbook["name"], "runbook demo", "{symbols}");
    let names: Vec<&str> = runbook["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Role",
            "SqlServer",
            "down",
            "stop",
            "when Role == \"Db\"",
            "start"
        ]
    );
    assert_eq!(runbook["children"][3]["detail"], "doc 1: 停止");
    assert_eq!(runbook["children"][4]["children"][0]["name"], "db");

    // Completion after `from` in a window: the step ids.
    let completion = server.request("textDocument/completion", at(uri, RUNBOOK, "from stop", 5));
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["stop", "db", "start"], "{completion}");
    // At the start of a line in a step: keywords and names.
    let completion = server.request(
        "textDocument/completion",
        at(
            uri,
            RUNBOOK,
            "    ensure { (Get-Service w3svc).Status -eq 'Running'",
            4,
        ),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    for word in [
        "run",
        "ensure",
        "skip if",
        "restart shell",
        "foreach",
        "Role",
        "stop",
    ] {
        assert!(labels.contains(&word), "{word} in {labels:?}");
    }
    // In code: parameters as variables.
    let completion = server.request("textDocument/completion", at(uri, RUNBOOK, "$SqlServer", 1));
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"$SqlServer") && labels.contains(&"<SQL Server FQDN>"),
        "{labels:?}"
    );

    assert!(server.shut_down().success());
}

#[test]
fn formatting_lays_out_the_whole_document() {
    let mut server = Server::start();
    let uri = "file:///tmp/fmt.runbook";
    let messy = "runbook demo {step hello \"こんにちは\" {run {Write-Output 'hello'}}}";
    server.open(uri, messy);
    let options = json!({ "tabSize": 2, "insertSpaces": true });
    let edits = server.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": options }),
    );
    assert_eq!(
        edits["result"],
        json!([{
            "range": { "start": { "line": 0, "character": 0 }, "end": position(messy, "}}}", 3) },
            "newText": "runbook demo {\n  step hello \"こんにちは\" {\n    run { Write-Output 'hello' }\n  }\n}\n",
        }]),
    );
    // Already formatted: no edit. Not parsing: no edit, and the server goes on.
    server.open("file:///tmp/ok.runbook", RUNBOOK);
    let edits = server.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": "file:///tmp/ok.runbook" }, "options": options }),
    );
    assert_eq!(edits["result"], json!([]));
    server.open("file:///tmp/bad.runbook", "runbook {{{");
    let edits = server.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": "file:///tmp/bad.runbook" }, "options": options }),
    );
    assert_eq!(edits["result"], json!([]));
    assert!(server.shut_down().success());
}

#[test]
fn malformed_messages_are_answered_and_the_server_goes_on() {
    let mut server = Server::start();
    // Not JSON: a parse error with a null id.
    server.send_raw(b"{ this is not json");
    let error = server.wait("a parse error", |m| {
        m["id"].is_null() && m.get("error").is_some()
    });
    assert_eq!(error["error"]["code"], -32700, "{error}");
    // JSON, but not a request: an invalid request under its id.
    server.send(json!({ "jsonrpc": "2.0", "id": 77, "params": {} }));
    let error = server.wait("an invalid request error", |m| m["id"] == 77);
    assert_eq!(error["error"]["code"], -32600, "{error}");
    // A method nobody knows: method not found; an unknown notification: nothing.
    server.notify("$/somethingElse", json!({}));
    let error = server.request("tejun/unknown", json!({}));
    assert_eq!(error["error"]["code"], -32601, "{error}");
    // Wrong parameters: invalid params.
    let error = server.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(error["error"]["code"], -32602, "{error}");
    // Still serving: a request on a document that is not open has an empty answer.
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.runbook" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(hover["result"], Value::Null, "{hover}");
    // Arbitrary text as a runbook, positions past the end: answers, no crash.
    let uri = "file:///tmp/noise.runbook";
    let noise = "runbook x { step \u{0}😀 \"\" { run { '\n}}}}}} ((( 手順 <a> $";
    server.open(uri, noise);
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        for (line, character) in [(0, 0), (0, 15), (1, 3), (9, 99)] {
            let answer = server.request(
                method,
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
            );
            assert!(answer.get("error").is_none(), "{method}: {answer}");
        }
    }
    assert!(server.shut_down().success());
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let mut server = Server::start();
    server.notify("exit", Value::Null);
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "tejun lsp did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
}

#[test]
fn lint_on_save_adds_the_rules_and_powershell_syntax() {
    common::require_pwsh();
    let mut server = Server::start();
    let uri = "file:///tmp/lint.runbook";
    // `start` loses its postcondition (TJ003); `db`'s block does not parse (TJ001).
    let text = RUNBOOK
        .replace(
            "    ensure { (Get-Service w3svc).Status -eq 'Running' }\n",
            "",
        )
        .replace("ensure { $SqlServer -ne '' }", "ensure { $SqlServer -ne }");
    server.open(uri, &text);
    assert_eq!(server.diagnostics(uri, |_| true), Vec::<Value>::new());
    server.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri }, "text": text }),
    );
    let found = server.diagnostics(uri, |d| !d.is_empty());
    let codes: Vec<&str> = found.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["TJ001", "TJ003"], "{found:#?}");
    assert_eq!(
        found[0]["range"]["start"]["line"],
        position(&text, "-ne }", 0)["line"]
    );
    assert!(
        found[1]["message"]
            .as_str()
            .unwrap()
            .contains("help: add an `ensure"),
        "{found:#?}"
    );

    // A save whose text the editor changed before the result came: the result is dropped, and
    // the diagnostics are those of the new text.
    server.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri }, "text": text }),
    );
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 5 }, "contentChanges": [{ "text": RUNBOOK }] }),
    );
    let version_5 =
        |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 5;
    let fresh = server.wait("check diagnostics of version 5", version_5);
    assert_eq!(fresh["params"]["diagnostics"], json!([]), "{fresh}");
    // Saved again: the clean text lints clean (PowerShell is warm by now).
    server.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri }, "text": RUNBOOK }),
    );
    let clean = server.wait("lint diagnostics of version 5", version_5);
    assert_eq!(clean["params"]["diagnostics"], json!([]), "{clean}");
    assert!(server.shut_down().success());
}

#[test]
fn without_pwsh_lint_on_save_runs_the_other_rules_and_says_so_once() {
    let home = tempfile::tempdir().unwrap();
    // No pwsh on PATH, nor in `~/.dotnet/tools`.
    let mut server = Server::start_with(|command| {
        command
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home.path());
    });
    let uri = "file:///tmp/nopwsh.runbook";
    let text = RUNBOOK.replace(
        "    ensure { (Get-Service w3svc).Status -eq 'Running' }\n",
        "",
    );
    server.open(uri, &text);
    assert_eq!(server.diagnostics(uri, |_| true), Vec::<Value>::new());
    for _ in 0..2 {
        server.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": uri }, "text": text }),
        );
        let found = server.diagnostics(uri, |d| !d.is_empty());
        let codes: Vec<&str> = found.iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["TJ003"], "{found:#?}");
    }
    let said = server.wait("a message about PowerShell", |m| {
        m["method"] == "window/showMessage"
    });
    let message = said["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("TJ001")
            && message.contains("dotnet tool install --global PowerShell --version 7.6.9"),
        "{message}"
    );
    assert!(
        !server
            .pending
            .iter()
            .any(|m| m["method"] == "window/showMessage"),
        "said more than once: {:#?}",
        server.pending
    );
    assert!(server.shut_down().success());
}
