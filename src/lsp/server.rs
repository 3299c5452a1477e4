//! The server's state and the dispatch of each message to its handler.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Exit,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Initialize, References, Request as _, Shutdown,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, HoverParams, HoverProviderCapability, InitializeResult, OneOf,
    PublishDiagnosticsParams, ReferenceParams, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::document::Document;
use super::lint::{Linter, Versions};
use super::{actions, completion, diagnostics, format, hover, navigate, outline};

/// Where the conversation with the client stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before `initialize`: only `initialize` is answered.
    Starting,
    /// Serving.
    Running,
    /// After `shutdown`: only `exit` is expected.
    ShutDown,
}

/// The language server.
pub(crate) struct Server {
    out: Sender<Message>,
    docs: HashMap<String, Document>,
    versions: Versions,
    linter: Option<Linter>,
    phase: Phase,
}

impl Server {
    /// A server that writes to `out`.
    pub fn new(out: Sender<Message>) -> Server {
        Server {
            out,
            docs: HashMap::new(),
            versions: Arc::new(Mutex::new(HashMap::new())),
            linter: None,
            phase: Phase::Starting,
        }
    }

    /// Serves until `exit` (or the end of the input): whether a `shutdown` came first.
    pub fn serve(mut self, connection: &Connection) -> bool {
        for message in &connection.receiver {
            match message {
                Message::Request(request) => self.request(request),
                Message::Notification(n) if n.method == Exit::METHOD => break,
                Message::Notification(n) => self.notification(n),
                // The server sends no requests, so no response is awaited.
                Message::Response(_) => {}
            }
        }
        if let Some(linter) = self.linter.take() {
            linter.stop();
        }
        self.phase == Phase::ShutDown
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let response = match (self.phase, request.method.as_str()) {
            (Phase::Starting, Initialize::METHOD) => {
                self.phase = Phase::Running;
                self.linter = Some(Linter::start(self.out.clone(), self.versions.clone()));
                Response::new_ok(id, initialize_result())
            }
            (Phase::Starting, _) => Response::new_err(
                id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized yet".to_owned(),
            ),
            (Phase::Running, Shutdown::METHOD) => {
                self.phase = Phase::ShutDown;
                Response::new_ok(id, ())
            }
            (Phase::ShutDown, _) => Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shut down".to_owned(),
            ),
            (Phase::Running, _) => {
                // A handler that panics answers with an error instead of ending the server.
                match catch_unwind(AssertUnwindSafe(|| self.handle(request))) {
                    Ok(response) => response,
                    Err(_) => Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        "tejun lsp failed on this request".to_owned(),
                    ),
                }
            }
        };
        let _ = self.out.send(Message::Response(response));
    }

    fn handle(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            HoverRequest::METHOD => self.with_doc::<HoverParams, _>(request, |doc, p| {
                hover::hover(doc, p.text_document_position_params.position)
            }),
            GotoDefinition::METHOD => {
                self.with_doc::<GotoDefinitionParams, _>(request, |doc, p| {
                    navigate::definition(doc, p.text_document_position_params.position)
                        .map(GotoDefinitionResponse::Scalar)
                })
            }
            References::METHOD => self.with_doc::<ReferenceParams, _>(request, |doc, p| {
                navigate::references(
                    doc,
                    p.text_document_position.position,
                    p.context.include_declaration,
                )
            }),
            DocumentSymbolRequest::METHOD => self
                .with_doc::<DocumentSymbolParams, _>(request, |doc, _| {
                    DocumentSymbolResponse::Nested(outline::outline(doc))
                }),
            Formatting::METHOD => {
                self.with_doc::<DocumentFormattingParams, _>(request, |doc, _| format::format(doc))
            }
            Completion::METHOD => self.with_doc::<CompletionParams, _>(request, |doc, p| {
                CompletionResponse::Array(completion::complete(
                    doc,
                    p.text_document_position.position,
                ))
            }),
            CodeActionRequest::METHOD => self.with_doc::<CodeActionParams, _>(request, |doc, p| {
                actions::quick_fixes(doc, p.range)
            }),
            other => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("`{other}` is not a method tejun lsp knows"),
            ),
        }
    }

    /// Reads the parameters, finds their document and answers with `answer`'s result (`null`
    /// for a document that is not open).
    fn with_doc<P, R>(&self, request: Request, answer: impl FnOnce(&Document, P) -> R) -> Response
    where
        P: DeserializeOwned + HasDocument,
        R: Serialize,
    {
        let params: P = match serde_json::from_value(request.params) {
            Ok(p) => p,
            Err(e) => {
                return Response::new_err(
                    request.id,
                    ErrorCode::InvalidParams as i32,
                    format!("invalid parameters: {e}"),
                );
            }
        };
        match self.docs.get(params.uri().as_str()) {
            Some(doc) => Response::new_ok(request.id, answer(doc, params)),
            None => Response::new_ok(request.id, serde_json::Value::Null),
        }
    }

    fn notification(&mut self, n: Notification) {
        if self.phase != Phase::Running {
            return;
        }
        // A notification has no answer: a malformed one is dropped, as the protocol wants.
        let _ = catch_unwind(AssertUnwindSafe(|| self.notify(n)));
    }

    fn notify(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    self.open(Document::new(doc.uri, doc.text, doc.version));
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params)
                    // Full sync: the last change holds the whole text.
                    && let Some(change) = p.content_changes.into_iter().next_back()
                {
                    let uri = p.text_document.uri;
                    let doc = match self.docs.remove(uri.as_str()) {
                        Some(mut doc) => {
                            doc.set_text(change.text, p.text_document.version);
                            doc
                        }
                        None => Document::new(uri, change.text, p.text_document.version),
                    };
                    self.open(doc);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_owned();
                    if let Some(text) = p.text
                        && let Some(doc) = self.docs.get(&key)
                        && doc.text != text
                    {
                        let doc = Document::new(doc.uri.clone(), text, doc.version + 1);
                        self.open(doc);
                    }
                    if let (Some(doc), Some(linter)) = (self.docs.get(&key), &self.linter) {
                        linter.lint(doc.clone());
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_owned();
                    self.docs.remove(&key);
                    if let Ok(mut versions) = self.versions.lock() {
                        versions.remove(&key);
                    }
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    /// Keeps a document's new text and publishes its `check` diagnostics.
    fn open(&mut self, doc: Document) {
        let key = doc.uri.as_str().to_owned();
        let found = diagnostics::check(&doc);
        // Under the lock the linter publishes with: its result for an older text cannot come
        // after these diagnostics.
        if let Ok(mut versions) = self.versions.lock() {
            versions.insert(key.clone(), doc.version);
            self.publish(doc.uri.clone(), found, Some(doc.version));
        }
        self.docs.insert(key, doc);
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, version);
        let _ = self.out.send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_owned(),
            params,
        )));
    }
}

/// Parameters that name a document.
trait HasDocument {
    fn uri(&self) -> &Uri;
}

macro_rules! has_document {
    ($($ty:ty => |$p:ident| $uri:expr),* $(,)?) => {
        $(impl HasDocument for $ty {
            fn uri(&self) -> &Uri {
                let $p = self;
                &$uri
            }
        })*
    };
}

has_document! {
    HoverParams => |p| p.text_document_position_params.text_document.uri,
    GotoDefinitionParams => |p| p.text_document_position_params.text_document.uri,
    ReferenceParams => |p| p.text_document_position.text_document.uri,
    DocumentSymbolParams => |p| p.text_document.uri,
    DocumentFormattingParams => |p| p.text_document.uri,
    CompletionParams => |p| p.text_document_position.text_document.uri,
    CodeActionParams => |p| p.text_document.uri,
}

/// What the server can do.
fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::FULL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(true),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            document_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec!["$".to_owned(), "<".to_owned()]),
                ..CompletionOptions::default()
            }),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "tejun".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    }
}
