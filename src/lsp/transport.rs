//! JSON-RPC over standard input and output, framed by `Content-Length` headers.
//!
//! `lsp_server::Connection::stdio` ends its reader thread at the first malformed message; an
//! editor's typo would then end the server. This reader answers what it cannot read (a parse
//! error, or an invalid request with its id) and goes on with the next message.

use std::io::{self, BufRead, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, ErrorCode, Message, RequestId, Response};
use serde_json::Value;

/// The server's end of the connection, and the threads that read and write standard input and
/// output.
pub(crate) struct Stdio {
    /// Messages from the client; messages to it.
    pub connection: Connection,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Stdio {
    /// Starts reading standard input and writing standard output.
    pub fn start() -> Stdio {
        let (server, client) = Connection::memory();
        let Connection {
            sender: to_server,
            receiver: from_server,
        } = client;
        let writer = std::thread::spawn(move || {
            for message in from_server {
                let mut out = io::stdout().lock();
                if message.write(&mut out).is_err() {
                    break;
                }
            }
        });
        let reader = std::thread::spawn(move || {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            loop {
                match read_frame(&mut input) {
                    Ok(None) => break,
                    Ok(Some(body)) => match decode(&body) {
                        Ok(message) => {
                            let exit =
                                matches!(&message, Message::Notification(n) if n.method == "exit");
                            if to_server.send(message).is_err() || exit {
                                break;
                            }
                        }
                        Err(Some(Ok(reply))) => {
                            // The whole frame under standard output's lock, as the writer
                            // writes each of its messages: frames never interleave.
                            let _ = reply.write(&mut io::stdout().lock());
                        }
                        Err(None) => write_raw(&error_reply(
                            ErrorCode::ParseError,
                            "the message is not JSON",
                        )),
                        Err(Some(Err(why))) => {
                            write_raw(&error_reply(ErrorCode::InvalidRequest, &why))
                        }
                    },
                    Err(Frame::Bad(why)) => write_raw(&error_reply(ErrorCode::ParseError, &why)),
                    Err(Frame::Closed) => break,
                }
            }
        });
        Stdio {
            connection: server,
            reader,
            writer,
        }
    }

    /// Waits for the writer to send what is queued. The reader is not waited for: it may sit
    /// in a read of standard input that only the client can end.
    pub fn finish(self) {
        let Stdio {
            connection,
            reader,
            writer,
        } = self;
        drop(connection);
        drop(reader);
        let _ = writer.join();
    }
}

/// Why a frame could not be read.
enum Frame {
    /// The headers were not `Content-Length` framing; the reader skipped to the next blank line.
    Bad(String),
    /// Standard input ended or failed in the middle of a frame.
    Closed,
}

/// Reads one frame's body; `None` at the end of the input.
fn read_frame(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, Frame> {
    let mut length: Option<Result<usize, String>> = None;
    let mut line = String::new();
    let mut any = false;
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) if !any => return Ok(None),
            Ok(0) | Err(_) => return Err(Frame::Closed),
            Ok(_) => {}
        }
        any = true;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("Content-Length")
        {
            length = Some(
                value
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad Content-Length `{}`", value.trim())),
            );
        }
    }
    let length = match length {
        Some(Ok(n)) => n,
        Some(Err(why)) => return Err(Frame::Bad(why)),
        None => return Err(Frame::Bad("a message without Content-Length".to_owned())),
    };
    let mut body = vec![0; length];
    input.read_exact(&mut body).map_err(|_| Frame::Closed)?;
    Ok(Some(body))
}

/// What a frame's body could not be read as.
type Unreadable = Option<Result<Box<Message>, String>>;

/// A message from a frame's body; otherwise what is owed for it: `None`, a parse error (not
/// JSON); `Some(Ok(reply))`, the invalid request's error under its id; `Some(Err(why))`, an
/// invalid request whose id could not be read.
fn decode(body: &[u8]) -> Result<Message, Unreadable> {
    let value: Value = serde_json::from_slice(body).map_err(|_| None)?;
    let id = value.get("id").cloned();
    // Without a method, a message is a response, and a response has a result or an error;
    // `Message` would take an object with neither for a response.
    let shaped = value.get("method").is_some_and(Value::is_string)
        || value.get("method").is_none()
            && (value.get("result").is_some() || value.get("error").is_some());
    let parsed = if shaped {
        serde_json::from_value::<Message>(value).map_err(|e| e.to_string())
    } else {
        Err("no method, result or error".to_owned())
    };
    match parsed {
        Ok(message) => Ok(message),
        Err(e) => {
            let why = format!("not a JSON-RPC request or notification: {e}");
            match id.and_then(|id| serde_json::from_value::<RequestId>(id).ok()) {
                Some(id) => Err(Some(Ok(Box::new(Message::Response(Response::new_err(
                    id,
                    ErrorCode::InvalidRequest as i32,
                    why,
                )))))),
                None => Err(Some(Err(why))),
            }
        }
    }
}

/// A JSON-RPC error with a `null` id, which `lsp_server::RequestId` cannot hold.
fn error_reply(code: ErrorCode, why: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code as i32, "message": why },
    })
    .to_string()
}

/// Writes one framed message, holding standard output's lock for the whole frame.
fn write_raw(body: &str) {
    let mut out = io::stdout().lock();
    let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = out.flush();
}
