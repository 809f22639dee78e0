//! What the owner's operations panel (`GET /admin/health`) reads from the database besides
//! the health checks: each channel feed's last sync, the jobs given up on, and the webhook
//! deliveries that failed or were refused.
//!
//! Four small queries, for an authenticated owner only (the public `/healthz` never runs them).

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use super::{
    failed_jobs::{self, Page, Paged},
    ical_feeds::{self, Feed},
    webhook_monitor::{self, WebhookFilter, WebhookState},
};
use crate::{
    Result,
    entities::{failed_job, webhook_event},
    store::ical_feeds::FeedFilter,
};

/// How many of the latest failed jobs and failed webhook events are listed.
pub const LATEST: u64 = 5;
/// Feeds listed (a handful of cabins has a handful of feeds; more are left out).
const MAX_FEEDS: u64 = 200;
/// How far back refused webhook deliveries are counted.
pub const REFUSALS_SINCE: Duration = Duration::hours(24);

/// The panel's database part.
#[derive(Clone)]
pub struct OperationsSnapshot {
    /// Every channel feed with its sync health, by accommodation.
    pub feeds: Vec<Feed>,
    /// Jobs given up on: how many, and the latest [`LATEST`].
    pub failed_jobs: Paged<failed_job::Model>,
    /// Signed webhook deliveries whose processing failed: how many, and the latest.
    pub failed_webhooks: Paged<webhook_event::Model>,
    /// Refused deliveries (bad or missing signature) recorded in the last [`REFUSALS_SINCE`];
    /// refusals are sampled at most once per client and minute, so this counts attempts
    /// from distinct clients and minutes, not every request (the
    /// `webhook_signature_invalid_total` metric counts those).
    pub refused_webhooks: u64,
}

/// Reads the snapshot at `now`.
pub async fn snapshot(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<OperationsSnapshot> {
    let latest = Page {
        page: 1,
        per_page: LATEST,
    };
    let feeds = ical_feeds::list(
        db,
        FeedFilter::default(),
        Page {
            page: 1,
            per_page: MAX_FEEDS,
        },
        now,
    )
    .await?
    .items;
    let failed_jobs = failed_jobs::list_failed_jobs(db, None, latest).await?;
    let failed = WebhookFilter {
        state: Some(WebhookState::Failed),
        ..WebhookFilter::default()
    };
    let failed_webhooks = webhook_monitor::list_webhook_events(db, &failed, latest).await?;
    let refused = WebhookFilter {
        state: Some(WebhookState::Rejected),
        from: Some(now - REFUSALS_SINCE),
        ..WebhookFilter::default()
    };
    let refused_webhooks = webhook_monitor::list_webhook_events(
        db,
        &refused,
        Page {
            page: 1,
            per_page: 1,
        },
    )
    .await?
    .total;
    Ok(OperationsSnapshot {
        feeds,
        failed_jobs,
        failed_webhooks,
        refused_webhooks,
    })
}
