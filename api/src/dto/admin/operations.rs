//! Views of the operator's monitors: webhook deliveries and jobs given up on.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use shared::entities::{failed_job, webhook_event};

/// One webhook delivery as received.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookEventView {
    /// Internal id (use it to replay).
    pub id: i64,
    /// `whatsapp` or `mercadopago`.
    pub provider: String,
    /// The provider's id of the event, when it has one.
    pub provider_event_id: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Whether the signature was valid.
    pub signature_valid: bool,
    /// The status we answered.
    pub status_returned: i16,
    /// How long we took to answer, in milliseconds.
    pub latency_ms: i32,
    /// pending, processed, failed or rejected.
    pub state: String,
    /// Why processing failed last.
    pub last_error: Option<String>,
    /// Times its jobs were enqueued.
    pub attempts: i32,
    /// When its jobs all completed.
    pub processed_at: Option<DateTime<Utc>>,
    /// The raw body as received (until the retention purge).
    pub raw_payload: Option<String>,
}

impl From<webhook_event::Model> for WebhookEventView {
    fn from(e: webhook_event::Model) -> Self {
        Self {
            id: e.id,
            provider: e.provider,
            provider_event_id: e.provider_event_id,
            received_at: e.received_at.with_timezone(&Utc),
            signature_valid: e.signature_valid,
            status_returned: e.status_returned,
            latency_ms: e.latency_ms,
            state: e.state.as_str().into(),
            last_error: e.last_error,
            attempts: e.attempts,
            processed_at: e.processed_at.map(|t| t.with_timezone(&Utc)),
            raw_payload: e.raw_payload,
        }
    }
}

/// A job the worker gave up on.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FailedJobView {
    /// Internal id (use it to retry).
    pub id: i64,
    /// Versioned job name, e.g. `payment_reconcile.v1`.
    pub job_name: String,
    /// The job's payload (ids, not personal data).
    pub payload: serde_json::Value,
    /// The last error.
    pub error: String,
    /// Attempts made.
    pub attempts: i32,
    /// When it was given up on.
    pub failed_at: DateTime<Utc>,
    /// When the owner last put it back on its queue.
    pub retried_at: Option<DateTime<Utc>>,
}

impl From<failed_job::Model> for FailedJobView {
    fn from(j: failed_job::Model) -> Self {
        Self {
            id: j.id,
            job_name: j.job_name,
            payload: j.payload,
            error: j.error,
            attempts: j.attempts,
            failed_at: j.failed_at.with_timezone(&Utc),
            retried_at: j.retried_at.map(|t| t.with_timezone(&Utc)),
        }
    }
}
