//! A stand-in for the channels' calendar hosts: a poem server on 127.0.0.1:0 inside the test
//! process that serves `GET /feeds/{name}` as configured, honours `If-None-Match` with a
//! `304`, and records the conditional headers it received.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use poem::{
    EndpointExt, IntoResponse, Request, Response, Route, handler, http::StatusCode, web::Data,
};
use tokio::task::JoinHandle;

/// The Airbnb calendar export, as the fixture has it.
pub const AIRBNB_FIXTURE: &str = include_str!("../../fixtures/ical/airbnb.ics");
/// The Booking.com calendar export, as the fixture has it.
pub const BOOKING_FIXTURE: &str = include_str!("../../fixtures/ical/booking.ics");

/// How the host answers one feed.
#[derive(Clone, Debug)]
pub struct FeedReply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// The `ETag` sent (and matched against `If-None-Match`).
    pub etag: Option<String>,
}

impl FeedReply {
    /// A calendar body with an ETag derived from its content.
    pub fn calendar(body: impl Into<String>) -> Self {
        let body = body.into();
        Self {
            etag: Some(format!("\"{:x}\"", {
                let mut hasher = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(&body, &mut hasher);
                std::hash::Hasher::finish(&hasher)
            })),
            status: 200,
            content_type: "text/calendar; charset=utf-8",
            body,
        }
    }

    /// Any other answer (an error page, an HTML login page…), without an ETag.
    pub fn other(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            etag: None,
        }
    }
}

#[derive(Default)]
struct HostState {
    replies: HashMap<String, FeedReply>,
    conditional: Vec<(String, Option<String>)>,
}

type Shared = Arc<Mutex<HostState>>;

/// The running host; it stops when dropped.
pub struct FeedHost {
    url: String,
    state: Shared,
    task: JoinHandle<()>,
}

impl FeedHost {
    /// Starts a host on a free local port.
    pub async fn start() -> Self {
        let (acceptor, url) = super::local_http::bind("feed host").await;
        let state = Shared::default();
        let app = Route::new().at("/feeds/:name", serve).data(state.clone());
        let task = super::local_http::serve(acceptor, app);
        Self { url, state, task }
    }

    /// The URL of feed `name`.
    pub fn feed_url(&self, name: &str) -> String {
        format!("{}/feeds/{name}", self.url)
    }

    /// Sets what feed `name` answers from now on.
    pub fn serve(&self, name: &str, reply: FeedReply) {
        self.state
            .lock()
            .expect("host state")
            .replies
            .insert(name.to_owned(), reply);
    }

    /// The `If-None-Match` each request of feed `name` carried, in order.
    pub fn if_none_match(&self, name: &str) -> Vec<Option<String>> {
        self.state
            .lock()
            .expect("host state")
            .conditional
            .iter()
            .filter(|(feed, _)| feed == name)
            .map(|(_, etag)| etag.clone())
            .collect()
    }
}

impl Drop for FeedHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[handler]
async fn serve(req: &Request, Data(state): Data<&Shared>) -> Response {
    let name = req.uri().path().trim_start_matches("/feeds/").to_owned();
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let reply = {
        let mut state = state.lock().expect("host state");
        state
            .conditional
            .push((name.clone(), if_none_match.clone()));
        state.replies.get(&name).cloned()
    };
    let Some(reply) = reply else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if reply.etag.is_some() && reply.etag == if_none_match {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type(reply.content_type);
    if let Some(etag) = &reply.etag {
        response = response.header("etag", etag.as_str());
    }
    response.body(reply.body)
}
