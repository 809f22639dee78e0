//! The owner's operations panel (`GET /admin/health`).

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use shared::service::{ical_feeds::Feed, operations_health::OperationsSnapshot};

use super::{
    ical_feed::{IcalFeedSource, IcalFeedStatus},
    operations::{FailedJobView, WebhookEventView},
};
use crate::{
    dto::health::HealthView,
    middleware::request_window::{RequestSummary, WINDOW},
};

/// This API process's recent requests.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RequestStatsView {
    /// How far back these figures reach, in seconds (the error-rate alert's window).
    pub window_seconds: u64,
    /// Requests answered in the window (by this API process: each machine has its own).
    pub requests: u64,
    /// Of those, answered with a 5xx status.
    pub server_errors: u64,
    /// `server_errors / requests` (0 without requests); the alerts fire above 0.01 and 0.05.
    pub error_rate: f64,
    /// 95th percentile of the latency in milliseconds (absent without requests); the alerts
    /// fire above 3000 and 6000.
    pub p95_ms: Option<f64>,
}

impl From<RequestSummary> for RequestStatsView {
    fn from(s: RequestSummary) -> Self {
        Self {
            window_seconds: WINDOW.as_secs(),
            requests: s.requests,
            server_errors: s.server_errors,
            error_rate: s.error_rate,
            p95_ms: s.p95_seconds.map(|seconds| seconds * 1000.0),
        }
    }
}

/// The last sync of one channel feed (its URL, a secret, is not repeated here).
#[derive(Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FeedSyncView {
    /// The feed's id.
    pub id: i64,
    /// The accommodation whose nights it blocks.
    pub accommodation_id: i32,
    /// The channel.
    pub source: IcalFeedSource,
    /// `pending`, `ok`, `failing` or `stale`.
    pub status: IcalFeedStatus,
    /// The last sync attempt.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last successful sync.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
}

impl From<Feed> for FeedSyncView {
    fn from(feed: Feed) -> Self {
        let row = feed.row;
        Self {
            id: row.id,
            accommodation_id: row.accommodation_id,
            source: row.source.into(),
            status: feed.health.into(),
            last_attempt_at: row.last_attempt_at.map(|t| t.with_timezone(&Utc)),
            last_success_at: row.last_success_at.map(|t| t.with_timezone(&Utc)),
            last_error: row.last_error,
            consecutive_failures: row.consecutive_failures,
        }
    }
}

/// Jobs the worker gave up on.
#[derive(Debug, Clone, Object)]
pub struct FailedJobsView {
    /// How many there are (`GET /admin/jobs/failed` lists and retries them).
    pub total: u64,
    /// The latest few, newest first.
    pub latest: Vec<FailedJobView>,
}

/// Webhook deliveries that went wrong.
#[derive(Debug, Clone, Object)]
pub struct WebhookFailuresView {
    /// Signed deliveries whose processing failed (`GET /admin/webhooks?state=failed`).
    pub failed_total: u64,
    /// The latest few of those, newest first, without their payload.
    pub latest_failed: Vec<WebhookEventView>,
    /// Refused deliveries (bad or missing signature) recorded in the last 24 hours, sampled
    /// at most once per client and minute.
    pub refused_last_24h: u64,
}

/// The owner's operations panel.
#[derive(Clone, Object)]
pub struct AdminHealthView {
    /// The health checks, as `GET /healthz` answers them.
    pub checks: HealthView,
    /// Latency and error rate of this API process's recent requests.
    pub requests: RequestStatsView,
    /// The last sync of every channel feed.
    pub ical_feeds: Vec<FeedSyncView>,
    /// Jobs given up on.
    pub failed_jobs: FailedJobsView,
    /// Webhook failures.
    pub webhooks: WebhookFailuresView,
}

impl AdminHealthView {
    /// The panel from its parts.
    pub fn new(checks: HealthView, requests: RequestSummary, db: OperationsSnapshot) -> Self {
        Self {
            checks,
            requests: requests.into(),
            ical_feeds: db.feeds.into_iter().map(Into::into).collect(),
            failed_jobs: FailedJobsView {
                total: db.failed_jobs.total,
                latest: db.failed_jobs.items.into_iter().map(Into::into).collect(),
            },
            webhooks: WebhookFailuresView {
                failed_total: db.failed_webhooks.total,
                latest_failed: db
                    .failed_webhooks
                    .items
                    .into_iter()
                    .map(|event| WebhookEventView {
                        raw_payload: None,
                        ..event.into()
                    })
                    .collect(),
                refused_last_24h: db.refused_webhooks,
            },
        }
    }
}
