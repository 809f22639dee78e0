//! A stand-in for the WhatsApp Cloud (Graph) API: a poem server on 127.0.0.1:0 inside the
//! test process that records every request and answers in Graph's real formats.
//!
//! * `POST /v21.0/{phone-id}/messages` with a message → 200
//!   `{"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],"messages":[{"id":"wamid.…"}]}`;
//!   with `{"status":"read"}` → 200 `{"success":true}`;
//! * `GET /v21.0/{media-id}` → the media's description with a `url` on this stub (media added
//!   with [`GraphStub::add_media`]), else Graph's error 100 (404);
//! * `GET /media-files/{media-id}` → the media's bytes.
//!
//! It can be told to fail the next requests ([`GraphStub::fail_next`]: a status and Graph
//! error body such as 131047, or a hang), to fail every request until told otherwise
//! ([`GraphStub::fail_all`]), and to answer after a delay ([`GraphStub::set_latency`], e.g.
//! 50 ms for the benchmark). [`GraphStub::sent`] reads the sent messages back in order for
//! exact assertions in conversation tests.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use poem::{
    Body, EndpointExt, IntoResponse, Request, Response, Route, handler, http::StatusCode, web::Data,
};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// The Graph API version in the stub's base URL.
pub const VERSION: &str = "v21.0";
/// The phone number id tests send from.
pub const PHONE_ID: &str = "106540352242922";
/// The bearer token tests use.
pub const TOKEN: &str = "EAAG-test-token";

/// How the stub answers a request it was told to fail.
#[derive(Clone, Debug)]
pub enum Reply {
    /// This status and JSON body.
    Json(u16, Value),
    /// This status, content type and raw body.
    Bytes(u16, String, Vec<u8>),
    /// Never answer (the client's timeout fires).
    Hang,
}

impl Reply {
    /// Graph's error body with this status and code, e.g. `Reply::graph(400, 131047)`.
    pub fn graph(status: u16, code: i64) -> Self {
        let (message, details) = match code {
            131_047 => (
                "(#131047) Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            ),
            130_429 => (
                "(#130429) Rate limit hit",
                "Cloud API message throughput has been reached.",
            ),
            131_000 => ("(#131000) Something went wrong", "Something went wrong"),
            190 => ("Invalid OAuth access token - Cannot parse access token", ""),
            _ => ("(#100) Invalid parameter", "Invalid parameter"),
        };
        Self::Json(
            status,
            json!({"error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": details},
                "fbtrace_id": "AazvMxL5bWm2sUGd5JY4IXq",
            }}),
        )
    }
}

/// One request the stub received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The bearer token sent (`None` without an `Authorization: Bearer` header).
    pub bearer: Option<String>,
    /// The JSON body (`Null` when there was none or it was not JSON).
    pub body: Value,
}

/// One message sent through the stub (answered with a wamid), read back for assertions.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    /// The wamid the stub answered with.
    pub wamid: String,
    /// The recipient (`to`).
    pub to: String,
    /// `text`, `buttons`, `list`, `image` or `template`.
    pub kind: String,
    /// The text: a text's body, an interactive body, an image caption.
    pub text: String,
    /// Reply-button titles, in order.
    pub buttons: Vec<String>,
    /// Reply-button ids, in order.
    pub button_ids: Vec<String>,
    /// List row titles, in order.
    pub rows: Vec<String>,
    /// List row ids, in order.
    pub row_ids: Vec<String>,
    /// The template's name.
    pub template: Option<String>,
    /// The template's body parameters.
    pub parameters: Vec<String>,
    /// The whole request body.
    pub body: Value,
    /// When the request reached the stub (before any [`GraphStub::set_latency`] delay).
    pub received: Instant,
}

#[derive(Default)]
struct StubState {
    requests: Vec<RecordedRequest>,
    sent: Vec<SentMessage>,
    failures: VecDeque<Reply>,
    fail_all: Option<Reply>,
    latency: Duration,
    media: HashMap<String, (String, Vec<u8>)>,
}

type Shared = Arc<Mutex<StubState>>;

struct Context {
    state: Shared,
    url: String,
    counter: AtomicU64,
}

/// The running stand-in; the server stops when this is dropped.
pub struct GraphStub {
    url: String,
    state: Shared,
    task: JoinHandle<()>,
}

impl GraphStub {
    /// Starts a stub on a free local port.
    pub async fn start() -> Self {
        let (acceptor, url) = super::local_http::bind("Graph stub").await;
        let state = Shared::default();
        let context = Arc::new(Context {
            state: state.clone(),
            url: url.clone(),
            counter: AtomicU64::new(0),
        });
        let app = Route::new().at("/*path", serve).data(context);
        let task = super::local_http::serve(acceptor, app);
        Self { url, state, task }
    }

    /// Base URL to put in `WHATSAPP_API_BASE` (with the version).
    pub fn base_url(&self) -> String {
        format!("{}/{VERSION}", self.url)
    }

    fn lock(&self) -> MutexGuard<'_, StubState> {
        self.state.lock().expect("stub state")
    }

    /// Answers the next requests (any path) with these replies, one each, in order.
    pub fn fail_next(&self, replies: impl IntoIterator<Item = Reply>) {
        self.lock().failures.extend(replies);
    }

    /// Answers every request with `reply` (`None`: answer normally again).
    pub fn fail_all(&self, reply: Option<Reply>) {
        self.lock().fail_all = reply;
    }

    /// Waits this long before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Serves `bytes` as media `id` of type `mime_type`.
    pub fn add_media(&self, id: &str, mime_type: &str, bytes: Vec<u8>) {
        self.lock()
            .media
            .insert(id.to_owned(), (mime_type.to_owned(), bytes));
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Every message sent (answered with a wamid), in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.lock().sent.clone()
    }

    /// How many messages were sent (cheaper than [`GraphStub::sent`] for polling).
    pub fn sent_count(&self) -> usize {
        self.lock().sent.len()
    }

    /// The messages sent to `to`, in order.
    pub fn sent_to(&self, to: &str) -> Vec<SentMessage> {
        let to = to.trim_start_matches('+');
        self.sent().into_iter().filter(|m| m.to == to).collect()
    }

    /// The texts sent to `to`, in order (bodies of every kind; template names in brackets).
    pub fn texts_to(&self, to: &str) -> Vec<String> {
        self.sent_to(to)
            .into_iter()
            .map(|m| match m.template {
                Some(name) => format!("[{name}]"),
                None => m.text,
            })
            .collect()
    }

    /// The wamids marked read, in order.
    pub fn read_receipts(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.body["status"] == "read")
            .filter_map(|r| r.body["message_id"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for GraphStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[handler]
async fn serve(req: &Request, body: Body, Data(context): Data<&Arc<Context>>) -> Response {
    let received = Instant::now();
    let bytes = body.into_vec().await.unwrap_or_default();
    let recorded = RecordedRequest {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        bearer: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    };
    let (failure, latency) = {
        let mut state = context.state.lock().expect("stub state");
        state.requests.push(recorded.clone());
        let failure = state
            .failures
            .pop_front()
            .or_else(|| state.fail_all.clone());
        (failure, state.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let reply = match failure {
        Some(reply) => reply,
        None => answer(context, &recorded, received),
    };
    match reply {
        Reply::Json(status, body) => poem::web::Json(body)
            .with_status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .into_response(),
        Reply::Bytes(status, content_type, bytes) => Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .content_type(content_type)
            .body(bytes),
        Reply::Hang => {
            std::future::pending::<()>().await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

fn answer(context: &Context, request: &RecordedRequest, received: Instant) -> Reply {
    if request.bearer.is_none() {
        return Reply::graph(401, 190);
    }
    let messages_path = format!("/{VERSION}/{PHONE_ID}/messages");
    let mut state = context.state.lock().expect("stub state");
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", path) if path == messages_path => {
            if request.body["status"] == "read" {
                return Reply::Json(200, json!({"success": true}));
            }
            let n = context.counter.fetch_add(1, Ordering::SeqCst);
            let wamid = format!("wamid.HBgNNTQ5MTE1NTU1MDAwMBUCABEYEkJ{n:012}QA==");
            let sent = read_sent(&wamid, &request.body, received);
            let to = sent.to.clone();
            state.sent.push(sent);
            Reply::Json(
                200,
                json!({
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}],
                }),
            )
        }
        ("GET", path) if path.starts_with("/media-files/") => {
            match state.media.get(&path["/media-files/".len()..]) {
                Some((mime, bytes)) => Reply::Bytes(200, mime.clone(), bytes.clone()),
                None => Reply::Json(404, json!({"error": "URL expired"})),
            }
        }
        ("GET", path) if path.starts_with(&format!("/{VERSION}/")) => {
            let id = &path[VERSION.len() + 2..];
            match state.media.get(id) {
                Some((mime, bytes)) => Reply::Json(
                    200,
                    json!({
                        "messaging_product": "whatsapp",
                        "url": format!("{}/media-files/{id}", context.url),
                        "mime_type": mime,
                        "sha256": "0ba5a5e8c1e5b6c2c5d8e3b5b9f1d1c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7",
                        "file_size": bytes.len(),
                        "id": id,
                    }),
                ),
                None => Reply::graph(404, 100),
            }
        }
        _ => Reply::graph(400, 100),
    }
}

/// A sent message's parts, as the assertions read them.
fn read_sent(wamid: &str, body: &Value, received: Instant) -> SentMessage {
    let strings = |items: &Value, key: &str| -> Vec<String> {
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.pointer(key).and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let interactive = &body["interactive"];
    let buttons = &interactive["action"]["buttons"];
    let rows = &interactive["action"]["sections"][0]["rows"];
    let kind = match (body["type"].as_str(), interactive["type"].as_str()) {
        (Some("interactive"), Some("button")) => "buttons",
        (Some("interactive"), Some("list")) => "list",
        (Some(other), _) => other,
        (None, _) => "unknown",
    };
    let text = body["text"]["body"]
        .as_str()
        .or_else(|| interactive["body"]["text"].as_str())
        .or_else(|| body["image"]["caption"].as_str())
        .unwrap_or_default();
    let template = &body["template"];
    SentMessage {
        wamid: wamid.to_owned(),
        to: body["to"].as_str().unwrap_or_default().to_owned(),
        kind: kind.to_owned(),
        text: text.to_owned(),
        buttons: strings(buttons, "/reply/title"),
        button_ids: strings(buttons, "/reply/id"),
        rows: strings(rows, "/title"),
        row_ids: strings(rows, "/id"),
        template: template["name"].as_str().map(str::to_owned),
        parameters: strings(&template["components"][0]["parameters"], "/text"),
        body: body.clone(),
        received,
    }
}
