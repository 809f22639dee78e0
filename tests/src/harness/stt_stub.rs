//! A stand-in for an OpenAI-compatible speech-to-text API: a poem server on 127.0.0.1:0 inside
//! the test process that parses the real multipart request and answers in OpenAI's formats.
//!
//! `POST /v1/audio/transcriptions` with the form fields `file`, `model`, `language` and
//! `response_format` → 200 with `verbose_json` (`task`, `language`, `duration`, `text`,
//! `segments[]` with `avg_logprob`, `no_speech_prob`, `compression_ratio`, …), `json`
//! (`{"text"}`) or `text`; without `file` or `model` → 400 with OpenAI's error body.
//! The duration is the one the audio's Ogg container gives (0 for other formats).
//!
//! It can be told what was said ([`SttStub::set_reply`]), to answer like Whisper on silence
//! ([`SttStub::set_unsure`]: "Gracias." with a high `no_speech_prob`), to fail the next
//! requests or all of them with 503 ([`SttStub::fail_next`], [`SttStub::fail_all`]) and to
//! answer late ([`SttStub::set_latency`]). [`SttStub::requests`] reads back what it received.

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use poem::{
    EndpointExt, IntoResponse, Request, Response, Route, handler,
    http::StatusCode,
    post,
    web::{Data, Json, Multipart},
};
use serde_json::{Value, json};
use shared::domain::ogg::{self, OggProbe};
use tokio::task::JoinHandle;

/// What the stub hears when told nothing else.
pub const DEFAULT_TEXT: &str =
    "Hola, quiero reservar una cabaña del 15 al 17 de enero para 4 personas.";

/// One transcription request the stub received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SttRequest {
    /// The bearer token sent, if any.
    pub bearer: Option<String>,
    /// The `model` field.
    pub model: Option<String>,
    /// The `language` field.
    pub language: Option<String>,
    /// The `response_format` field.
    pub response_format: Option<String>,
    /// The `file` part's file name.
    pub file_name: Option<String>,
    /// The `file` part's content type, without parameters (`audio/ogg`).
    pub content_type: Option<String>,
    /// The `file` part's length in bytes (0 without a file).
    pub file_len: usize,
}

#[derive(Default)]
struct StubState {
    requests: Vec<SttRequest>,
    text: Option<String>,
    unsure: bool,
    fail_next: usize,
    fail_all: bool,
    latency: Duration,
}

type Shared = Arc<Mutex<StubState>>;

/// The running stand-in; the server stops when this is dropped.
pub struct SttStub {
    url: String,
    state: Shared,
    task: JoinHandle<()>,
}

impl SttStub {
    /// Starts a stub on a free local port.
    pub async fn start() -> Self {
        let (acceptor, url) = super::local_http::bind("speech-to-text stub").await;
        let state = Shared::default();
        let app = Route::new()
            .at("/v1/audio/transcriptions", post(transcribe))
            .data(state.clone());
        let task = super::local_http::serve(acceptor, app);
        Self { url, state, task }
    }

    /// Base URL to put in `STT_BASE_URL` (without `/v1`).
    pub fn base_url(&self) -> String {
        self.url.clone()
    }

    fn lock(&self) -> MutexGuard<'_, StubState> {
        self.state.lock().expect("stub state")
    }

    /// Hears `text` in every audio from now on.
    pub fn set_reply(&self, text: &str) {
        let mut state = self.lock();
        state.text = Some(text.to_owned());
        state.unsure = false;
    }

    /// Answers like Whisper on silence or noise from now on.
    pub fn set_unsure(&self) {
        self.lock().unsure = true;
    }

    /// Answers the next `n` requests with 503.
    pub fn fail_next(&self, n: usize) {
        self.lock().fail_next = n;
    }

    /// Answers every request with 503 (`false`: answer normally again).
    pub fn fail_all(&self, on: bool) {
        self.lock().fail_all = on;
    }

    /// Waits this long before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<SttRequest> {
        self.lock().requests.clone()
    }
}

impl Drop for SttStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn openai_error(status: StatusCode, message: &str, kind: &str) -> Response {
    Json(json!({"error": {"message": message, "type": kind, "param": null, "code": null}}))
        .with_status(status)
        .into_response()
}

#[handler]
async fn transcribe(req: &Request, mut form: Multipart, Data(state): Data<&Shared>) -> Response {
    let mut request = SttRequest {
        bearer: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned),
        ..SttRequest::default()
    };
    let mut audio = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "file" => {
                request.file_name = field.file_name().map(str::to_owned);
                request.content_type = field.content_type().map(str::to_owned);
                audio = field.bytes().await.unwrap_or_default();
                request.file_len = audio.len();
            }
            "model" => request.model = field.text().await.ok(),
            "language" => request.language = field.text().await.ok(),
            "response_format" => request.response_format = field.text().await.ok(),
            _ => {}
        }
    }
    let (fail, latency, text, unsure) = {
        let mut state = state.lock().expect("stub state");
        state.requests.push(request.clone());
        let fail = state.fail_all || state.fail_next > 0;
        state.fail_next = state.fail_next.saturating_sub(1);
        (fail, state.latency, state.text.clone(), state.unsure)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if fail {
        return openai_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is overloaded or not ready yet.",
            "server_error",
        );
    }
    if request.file_len == 0 || request.model.is_none() {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "you must provide a model parameter and a file",
            "invalid_request_error",
        );
    }
    let duration = match ogg::probe(&audio) {
        Ok(OggProbe::Opus { duration }) => duration.as_secs_f64(),
        _ => 0.0,
    };
    let (text, avg_logprob, no_speech_prob) = if unsure {
        (" Gracias.".to_owned(), -1.25, 0.92)
    } else {
        (
            format!(" {}", text.as_deref().unwrap_or(DEFAULT_TEXT)),
            -0.21,
            0.01,
        )
    };
    match request.response_format.as_deref() {
        Some("text") => text.trim().to_owned().into_response(),
        Some("json") | None => Json(json!({"text": text.trim()})).into_response(),
        _ => Json(verbose_json(&text, duration, avg_logprob, no_speech_prob)).into_response(),
    }
}

/// OpenAI's `verbose_json` answer with one segment.
fn verbose_json(text: &str, duration: f64, avg_logprob: f64, no_speech_prob: f64) -> Value {
    json!({
        "task": "transcribe",
        "language": "spanish",
        "duration": duration,
        "text": text.trim(),
        "segments": [{
            "id": 0, "seek": 0, "start": 0.0, "end": duration,
            "text": text,
            "tokens": [50364, 2425, 11, 50414],
            "temperature": 0.0,
            "avg_logprob": avg_logprob,
            "compression_ratio": 1.1,
            "no_speech_prob": no_speech_prob,
        }],
    })
}
