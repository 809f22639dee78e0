//! WhatsApp Cloud API (Graph API) client: send messages, mark inbound ones read, download
//! media (voice notes).
//!
//! Failures (see [`wire`] for the exact rules):
//! * no answer (timeout, refused, reset), 429, 5xx and Graph's throttling codes are retried
//!   inside the client a few times with exponential backoff and full jitter, within a total
//!   time budget ([`RetryPolicy`]); when that is spent the call returns
//!   `Error::Unavailable` (retry later);
//! * Graph error 131047 (the 24-hour window is closed) is [`SendError::WindowClosed`]: the
//!   caller sends the approved template ([`WhatsappClient::window_template`]) instead;
//! * any other refusal is permanent: `Error::Internal` (media not found: `NotFound`).
//!
//! Retrying a send after a timeout may deliver the message twice (Graph has no idempotency
//! key); a duplicate answer is better than a silent bot.
//!
//! A [`CircuitBreaker`] shared by the clones of one client fails calls fast while the API
//! keeps failing. Build the client once per process and clone it. The token goes only in the
//! `Authorization` header; `Debug` does not print it. Logs carry the wamid and the masked
//! phone, never message text.

mod breaker;
mod wire;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

pub use breaker::{BreakerPolicy, CircuitBreaker, CircuitState};
use rand::Rng;
use reqwest::{Method, RequestBuilder};
use serde_json::json;
pub use wire::{Failure, GraphError, MediaInfo, REENGAGEMENT, classify};

use crate::{
    Error, Result,
    clock::{SharedClock, SystemClock},
    config::{Secret, Settings},
    domain::whatsapp_outbound::OutboundMessage,
    mask,
};

const SEND: &str = "send";
const MARK_READ: &str = "mark_read";
const MEDIA_INFO: &str = "media_info";
const MEDIA_DOWNLOAD: &str = "media_download";

/// How failed calls are retried inside the client.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub attempts: u32,
    /// Delay before the first retry; doubles each time (full jitter: a random delay between
    /// half of it and all of it).
    pub base_delay: Duration,
    /// The longest single delay.
    pub max_delay: Duration,
    /// No retry starts once this much time has gone since the first attempt.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            budget: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, retry: u32) -> Duration {
        let full = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        let half = full / 2;
        half + rand::rng().random_range(Duration::ZERO..=full - half)
    }
}

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The 24-hour customer-service window is closed (Graph error 131047): only an approved
    /// template may be sent to this guest now.
    #[error("the WhatsApp 24-hour window is closed")]
    WindowClosed(#[source] GraphError),
    /// Anything else: `Unavailable` (retry later), `Invalid` (bad recipient) or `Internal`.
    #[error(transparent)]
    Failed(#[from] Error),
}

impl From<SendError> for Error {
    fn from(error: SendError) -> Self {
        match error {
            SendError::WindowClosed(source) => Error::Internal(Box::new(source)),
            SendError::Failed(error) => error,
        }
    }
}

/// A downloaded media file.
#[derive(Clone, Debug)]
pub struct Media {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its type as Meta reports it (e.g. `audio/ogg; codecs=opus`).
    pub mime_type: String,
}

/// A failed attempt, classified.
struct Failed {
    failure: Failure,
    error: GraphError,
}

impl Failed {
    fn retryable(error: GraphError) -> Self {
        Self {
            failure: Failure::Retryable,
            error,
        }
    }
    fn permanent(error: GraphError) -> Self {
        Self {
            failure: Failure::Permanent,
            error,
        }
    }
    fn into_error(self) -> Error {
        match (&self.failure, &self.error) {
            (Failure::Retryable, _) => Error::Unavailable(Box::new(self.error)),
            (_, GraphError::Status { status: 404, .. }) => Error::NotFound("whatsapp media"),
            (_, GraphError::MediaTooLarge { .. }) => {
                Error::invalid("media", "media_too_large", self.error.to_string())
            }
            _ => Error::Internal(Box::new(self.error)),
        }
    }
}

/// A Graph API client (cheap to clone: the HTTP pool and the breaker are shared).
#[derive(Clone)]
pub struct WhatsappClient {
    http: reqwest::Client,
    base: String,
    phone_id: String,
    token: Secret,
    template: Option<(String, String)>,
    max_media_bytes: usize,
    retry: RetryPolicy,
    breaker: Arc<CircuitBreaker>,
}

impl std::fmt::Debug for WhatsappClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsappClient")
            .field("base", &self.base)
            .field("phone_id", &self.phone_id)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl WhatsappClient {
    /// A client of the API at `base` (e.g. `https://graph.facebook.com/v21.0`) sending from
    /// `phone_id`; each request gives up after `timeout`. Default retries and breaker, no
    /// template, 16 MiB media limit.
    pub fn new(base: &str, phone_id: &str, token: Secret, timeout: Duration) -> Result<Self> {
        let http = super::http_client(timeout)?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            phone_id: phone_id.to_owned(),
            token,
            template: None,
            max_media_bytes: 16 * 1024 * 1024,
            retry: RetryPolicy::default(),
            breaker: Arc::new(CircuitBreaker::new(
                BreakerPolicy::default(),
                Arc::new(SystemClock),
            )),
        })
    }

    /// The client the settings describe (`WHATSAPP_*`).
    pub fn from_settings(settings: &Settings) -> Result<Self> {
        let client = Self::new(
            &settings.whatsapp_api_base,
            &settings.whatsapp_phone_id,
            settings.whatsapp_access_token.clone(),
            Duration::from_secs(settings.whatsapp_timeout_seconds),
        )?
        .with_max_media_bytes(settings.whatsapp_max_media_bytes);
        Ok(if settings.whatsapp_template_name.is_empty() {
            client
        } else {
            client.with_template(
                &settings.whatsapp_template_name,
                &settings.whatsapp_template_language,
            )
        })
    }

    /// Uses this retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            attempts: retry.attempts.max(1),
            ..retry
        };
        self
    }

    /// Uses a new breaker with this policy and clock (tests pass an `OffsetClock`).
    pub fn with_breaker(mut self, policy: BreakerPolicy, clock: SharedClock) -> Self {
        self.breaker = Arc::new(CircuitBreaker::new(policy, clock));
        self
    }

    /// The approved template sent outside the 24-hour window.
    pub fn with_template(mut self, name: &str, language: &str) -> Self {
        self.template = Some((name.to_owned(), language.to_owned()));
        self
    }

    /// The largest media file downloaded.
    pub fn with_max_media_bytes(mut self, limit: usize) -> Self {
        self.max_media_bytes = limit;
        self
    }

    /// Whether a sending phone and a token are configured: without them nothing can be sent,
    /// and the concierge leaves every message to the owner.
    pub fn is_configured(&self) -> bool {
        !self.phone_id.is_empty() && !self.token.expose().is_empty()
    }

    /// The breaker's state.
    pub fn circuit_state(&self) -> CircuitState {
        self.breaker.state()
    }

    /// The configured window template with these body parameters; `None` when no template
    /// is configured (or its name is unusable): then nothing can be sent outside the window.
    pub fn window_template(&self, parameters: &[&str]) -> Option<OutboundMessage> {
        let (name, language) = self.template.as_ref()?;
        OutboundMessage::template(name, language, parameters).ok()
    }

    /// Sends `message` to the guest `to` (a wa_id or E.164 number) and returns its wamid.
    pub async fn send(
        &self,
        to: &str,
        message: &OutboundMessage,
    ) -> std::result::Result<String, SendError> {
        let kind = message.kind();
        let Some(to) = wa_id(to) else {
            return Err(
                Error::invalid("to", "invalid_phone", "a WhatsApp id is 7 to 15 digits").into(),
            );
        };
        let body = message.to_graph_json(&to);
        let path = format!("/{}/messages", self.phone_id);
        let (path, body) = (&path, &body);
        let result = self
            .call(SEND, || async move {
                let bytes = self.post(SEND, path, body).await?;
                wire::SendAnswer::wamid(&bytes).map_err(|reason| {
                    Failed::permanent(GraphError::Decode {
                        operation: SEND,
                        reason,
                    })
                })
            })
            .await;
        let masked = mask::phone(&to);
        match result {
            Ok(wamid) => {
                metrics::counter!("whatsapp_send_total", "kind" => kind, "outcome" => "ok")
                    .increment(1);
                tracing::info!(wamid = %wamid, to = %masked, kind, "WhatsApp message sent");
                Ok(wamid)
            }
            Err(failed) => {
                let outcome = match (&failed.failure, &failed.error) {
                    (_, GraphError::CircuitOpen { .. }) => "circuit_open",
                    (Failure::WindowClosed, _) => "window_closed",
                    (Failure::Retryable, _) => "unavailable",
                    (Failure::Permanent, _) => "rejected",
                };
                metrics::counter!("whatsapp_send_total", "kind" => kind, "outcome" => outcome)
                    .increment(1);
                tracing::warn!(to = %masked, kind, outcome, error = %failed.error, "WhatsApp message not sent");
                if failed.failure == Failure::WindowClosed {
                    Err(SendError::WindowClosed(failed.error))
                } else {
                    Err(failed.into_error().into())
                }
            }
        }
    }

    /// Marks the inbound message `wamid` as read (the guest sees blue ticks).
    pub async fn mark_read(&self, wamid: &str) -> Result<()> {
        if wamid.is_empty() || wamid.len() > 256 || wamid.chars().any(char::is_control) {
            return Err(Error::invalid("message_id", "invalid_wamid", "not a wamid"));
        }
        let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid});
        let path = format!("/{}/messages", self.phone_id);
        let (path, body) = (&path, &body);
        let result = self
            .call(MARK_READ, || async move {
                self.post(MARK_READ, path, body).await.map(drop)
            })
            .await;
        self.finish(MARK_READ, result)
    }

    /// Downloads the media `media_id` (a voice note): asks Graph where it is, then fetches
    /// it, both with the bearer token. Larger than the limit → `Invalid` (`media_too_large`)
    /// without reading it all; unknown or expired → `NotFound`.
    pub async fn download_media(&self, media_id: &str) -> Result<Media> {
        let id_ok = !media_id.is_empty()
            && media_id.len() <= 64
            && media_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(Error::invalid(
                "media_id",
                "invalid_media_id",
                "not a media id",
            ));
        }
        let path = format!("/{media_id}");
        let url = format!("{}{path}", self.base);
        let url = &url;
        let info = self
            .call(MEDIA_INFO, || async move {
                let bytes = self.get(MEDIA_INFO, url, None).await?;
                serde_json::from_slice::<MediaInfo>(&bytes).map_err(|e| {
                    Failed::permanent(GraphError::Decode {
                        operation: MEDIA_INFO,
                        reason: e.to_string(),
                    })
                })
            })
            .await;
        let info = self.finish(MEDIA_INFO, info)?;
        let limit = self.max_media_bytes;
        if let Some(size) = info.file_size.filter(|size| *size > limit as u64) {
            return Err(Failed::permanent(GraphError::MediaTooLarge { size, limit }).into_error());
        }
        if !self.may_receive_token(&info.url) {
            return Err(Error::Internal(Box::new(GraphError::Decode {
                operation: MEDIA_INFO,
                reason: "the media URL is not https".into(),
            })));
        }
        let media_url = &info.url;
        let bytes = self
            .call(MEDIA_DOWNLOAD, || async move {
                self.get(MEDIA_DOWNLOAD, media_url, Some(limit)).await
            })
            .await;
        let bytes = self.finish(MEDIA_DOWNLOAD, bytes)?;
        Ok(Media {
            bytes,
            mime_type: info.mime_type,
        })
    }

    /// The bearer token goes only to https URLs or to the configured API's own origin (the
    /// stand-in in tests).
    fn may_receive_token(&self, url: &str) -> bool {
        let origin = |u: &str| -> Option<String> {
            let parsed = url::Url::parse(u).ok()?;
            Some(
                format!("{}://{}", parsed.scheme(), parsed.host_str()?)
                    + &parsed.port().map(|p| format!(":{p}")).unwrap_or_default(),
            )
        };
        url.starts_with("https://") || (origin(url).is_some() && origin(url) == origin(&self.base))
    }

    fn finish<T>(
        &self,
        operation: &'static str,
        result: std::result::Result<T, Failed>,
    ) -> Result<T> {
        let outcome = match &result {
            Ok(_) => "ok",
            Err(Failed {
                error: GraphError::CircuitOpen { .. },
                ..
            }) => "circuit_open",
            Err(Failed {
                failure: Failure::Retryable,
                ..
            }) => "unavailable",
            Err(_) => "rejected",
        };
        metrics::counter!("whatsapp_request_total", "operation" => operation, "outcome" => outcome)
            .increment(1);
        result.map_err(|failed| {
            tracing::warn!(operation, error = %failed.error, "Graph API call failed");
            failed.into_error()
        })
    }

    /// Runs `attempt` under the breaker and the retry policy.
    async fn call<T, F>(
        &self,
        operation: &'static str,
        attempt: impl Fn() -> F,
    ) -> std::result::Result<T, Failed>
    where
        F: Future<Output = std::result::Result<T, Failed>>,
    {
        let started = Instant::now();
        let mut retry = 0;
        loop {
            if let Err(wait) = self.breaker.admit() {
                let remaining_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                return Err(Failed::retryable(GraphError::CircuitOpen { remaining_ms }));
            }
            let failed = match attempt().await {
                Ok(value) => {
                    self.breaker.record_success();
                    return Ok(value);
                }
                Err(failed) => failed,
            };
            if failed.failure != Failure::Retryable {
                // Meta answered: the API is up, whatever it thought of the request.
                self.breaker.record_success();
                return Err(failed);
            }
            self.breaker.record_failure();
            retry += 1;
            let delay = self.retry.delay(retry - 1);
            if retry >= self.retry.attempts || started.elapsed() + delay > self.retry.budget {
                return Err(failed);
            }
            tracing::debug!(operation, retry, delay_ms = delay.as_millis() as u64, error = %failed.error, "retrying Graph API call");
            tokio::time::sleep(delay).await;
        }
    }

    async fn post(
        &self,
        operation: &'static str,
        path: &str,
        body: &serde_json::Value,
    ) -> std::result::Result<Vec<u8>, Failed> {
        let request = self
            .authorized(Method::POST, &format!("{}{path}", self.base))
            .json(body);
        self.execute(operation, request, None).await
    }

    async fn get(
        &self,
        operation: &'static str,
        url: &str,
        limit: Option<usize>,
    ) -> std::result::Result<Vec<u8>, Failed> {
        self.execute(operation, self.authorized(Method::GET, url), limit)
            .await
    }

    fn authorized(&self, method: Method, url: &str) -> RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(self.token.expose())
    }

    /// One request: the body read whole (at most `limit` bytes when given), an error status
    /// classified.
    async fn execute(
        &self,
        operation: &'static str,
        request: RequestBuilder,
        limit: Option<usize>,
    ) -> std::result::Result<Vec<u8>, Failed> {
        let transport = |source| Failed::retryable(GraphError::Transport { operation, source });
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let limit = limit.unwrap_or(1024 * 1024);
        let too_large = |size: u64| Failed::permanent(GraphError::MediaTooLarge { size, limit });
        if let Some(length) = response.content_length().filter(|l| *l > limit as u64)
            && (200..300).contains(&status)
        {
            return Err(too_large(length));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                if (200..300).contains(&status) {
                    return Err(too_large((body.len() + chunk.len()) as u64));
                }
                break; // an error body: its start is enough
            }
            body.extend_from_slice(&chunk);
        }
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let (failure, error) = classify(operation, status, &body);
        Err(Failed { failure, error })
    }
}

/// The digits of a wa_id or E.164 number (`+54 9 11 5555-0000` → `5491155550000`), 7 to 15.
fn wa_id(to: &str) -> Option<String> {
    let trimmed = to.trim();
    let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if rest.len() > 32
        || !rest
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (7..=15).contains(&digits.len()).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_reduced_to_digits_and_checked() {
        assert_eq!(
            wa_id("+54 9 11 5555-0000").as_deref(),
            Some("5491155550000")
        );
        assert_eq!(wa_id("5491155550000").as_deref(), Some("5491155550000"));
        assert_eq!(wa_id("12345"), None);
        assert_eq!(wa_id("54911abc"), None);
        assert_eq!(wa_id(""), None);
    }

    #[test]
    fn backoff_grows_within_its_bounds() {
        let policy = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            budget: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let first = policy.delay(0);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let third = policy.delay(2);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
            assert!(policy.delay(30) <= Duration::from_millis(500));
        }
    }

    #[test]
    fn debug_never_prints_the_token() {
        let client = WhatsappClient::new(
            "http://127.0.0.1:1/",
            "106540352242922",
            Secret::new("EAAG-very-secret"),
            Duration::from_secs(1),
        )
        .expect("client");
        let debug = format!("{client:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
    }

    #[test]
    fn the_token_goes_only_to_https_or_the_apis_own_origin() {
        let client = WhatsappClient::new(
            "http://127.0.0.1:8000/v21.0",
            "1",
            Secret::new("t"),
            Duration::from_secs(1),
        )
        .expect("client");
        assert!(
            client.may_receive_token(
                "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"
            )
        );
        assert!(client.may_receive_token("http://127.0.0.1:8000/media/1"));
        assert!(!client.may_receive_token("http://127.0.0.1:9000/media/1"));
        assert!(!client.may_receive_token("http://evil.example/media/1"));
    }

    #[test]
    fn the_window_template_is_built_from_the_settings() {
        let settings = Settings {
            whatsapp_template_name: "seguimiento_reserva".into(),
            ..Settings::default()
        };
        let client = WhatsappClient::from_settings(&settings).expect("client");
        let template = client.window_template(&["Ana"]).expect("template");
        assert_eq!(
            template.to_graph_json("1")["template"]["language"]["code"],
            json!("es_AR")
        );
        let none = WhatsappClient::from_settings(&Settings::default()).expect("client");
        assert!(none.window_template(&[]).is_none());
    }
}
