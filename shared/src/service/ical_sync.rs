//! The calendar sync: fetch each channel feed, check it, and make its blocks match.
//!
//! A suspicious answer is a failed sync that keeps the previous blocks: a transport failure or
//! a non-2xx status, a body that is not a calendar (an HTML page), one cut short, one over the
//! size limit, or a feed that suddenly drops from many events to none. A `304` is a success
//! that only retries the feed's open conflicts. Each feed is reconciled in one transaction
//! that holds the feed row's lock, so two syncs of one feed (the cron slot on two machines, or
//! the owner's "sync now") never interleave. A cycle syncs every feed, a bounded number at a
//! time; one feed's failure never stops the others.

use std::time::{Duration, Instant};

use chrono::Utc;
use chrono_tz::Tz;
use futures::StreamExt;
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::ical_reconcile::{self, Changes, SyncTime};
use crate::{
    Result,
    clock::SharedClock,
    config::Settings,
    domain::{FeedEvent, FeedRejected, looks_truncated_drop, parse_feed},
    entities::ical_feed,
    providers::{
        FeedFetcher,
        ical_fetch::{FetchFailed, Fetched, Validators, url_host},
    },
    store::{self, ical_feeds, ical_sync},
};

pub use super::ical_feeds::STALE_AFTER;

/// What syncing needs: the fetcher, the business timezone, the clock and the bound on feeds
/// fetched at once.
#[derive(Clone, Debug)]
pub struct Syncer {
    fetcher: FeedFetcher,
    timezone: Tz,
    clock: SharedClock,
    concurrency: usize,
}

impl Syncer {
    /// The syncer the settings describe (`ICAL_*`).
    pub fn from_settings(settings: &Settings, clock: SharedClock) -> Result<Self> {
        Ok(Self {
            fetcher: FeedFetcher::new(
                Duration::from_secs(settings.ical_fetch_timeout_seconds),
                settings.ical_max_feed_bytes,
            )?,
            timezone: settings.timezone(),
            clock,
            concurrency: usize::try_from(settings.ical_sync_concurrency)
                .unwrap_or(1)
                .max(1),
        })
    }

    fn time(&self) -> SyncTime {
        SyncTime {
            now: self.clock.now(),
            today: self.clock.today(self.timezone),
        }
    }
}

/// How a feed's sync ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// A new body was accepted and applied.
    Updated(Changes),
    /// The channel answered `304`; open conflicts were retried.
    NotModified(Changes),
    /// Nothing was applied; the previous blocks stand.
    Failed(FetchFailed),
}

impl SyncOutcome {
    /// A bounded word for metrics and the admin view (`updated`, `not_modified`, `failed`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Updated(_) => "updated",
            Self::NotModified(_) => "not_modified",
            Self::Failed(_) => "failed",
        }
    }
}

/// One feed's sync.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncReport {
    /// The feed, as it is after the sync.
    pub feed: ical_feed::Model,
    /// What happened.
    pub outcome: SyncOutcome,
}

/// One cycle over every feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Feeds synced.
    pub feeds: usize,
    /// Feeds that failed (including database errors).
    pub failed: usize,
}

/// Syncs one feed now (the owner's "sync now").
pub async fn sync_feed(db: &DatabaseConnection, syncer: &Syncer, id: i64) -> Result<SyncReport> {
    let feed = ical_feeds::find(db, id).await?;
    sync_one(db, syncer, feed).await
}

/// Syncs every feed, `Syncer::concurrency` at a time.
pub async fn sync_all(db: &DatabaseConnection, syncer: &Syncer) -> Result<CycleReport> {
    let feeds = ical_sync::all_feeds(db).await?;
    let mut report = CycleReport {
        feeds: feeds.len(),
        failed: 0,
    };
    let mut syncs = futures::stream::iter(feeds)
        .map(|feed| async move {
            let id = feed.id;
            (id, sync_one(db, syncer, feed).await)
        })
        .buffer_unordered(syncer.concurrency);
    while let Some((id, result)) = syncs.next().await {
        match result {
            Ok(SyncReport {
                outcome: SyncOutcome::Failed(_),
                ..
            }) => report.failed += 1,
            Ok(_) => {}
            Err(e) => {
                report.failed += 1;
                tracing::error!(feed_id = id, error = %e, "feed sync failed on our side");
            }
        }
    }
    Ok(report)
}

async fn sync_one(
    db: &DatabaseConnection,
    syncer: &Syncer,
    feed: ical_feed::Model,
) -> Result<SyncReport> {
    let started = Instant::now();
    let known = Validators {
        etag: feed.etag.clone(),
        last_modified: feed.last_modified.clone(),
    };
    let fetched = syncer.fetcher.fetch(&feed.url, &known).await;
    let outcome = match fetched {
        Err(failed) => SyncOutcome::Failed(failed),
        Ok(Fetched::NotModified) => SyncOutcome::NotModified(apply(db, syncer, &feed, None).await?),
        Ok(Fetched::Body { body, validators }) => match checked(&body, syncer, feed.event_count) {
            Err(failed) => SyncOutcome::Failed(failed),
            Ok(events) => {
                SyncOutcome::Updated(apply(db, syncer, &feed, Some((&events, &validators))).await?)
            }
        },
    };
    if let SyncOutcome::Failed(failed) = &outcome {
        ical_sync::record_failure(db, feed.id, &failed.detail, syncer.clock.now()).await?;
    }
    let feed = ical_feeds::find(db, feed.id).await?;
    observe(&feed, &outcome, started.elapsed(), syncer.clock.now());
    Ok(SyncReport { feed, outcome })
}

/// The events of a body, or why it is refused.
fn checked(
    body: &[u8],
    syncer: &Syncer,
    previous_count: i32,
) -> std::result::Result<Vec<FeedEvent>, FetchFailed> {
    let feed =
        parse_feed(body, syncer.timezone, syncer.fetcher.max_bytes()).map_err(|r| FetchFailed {
            reason: r.as_str(),
            detail: rejection_detail(r).into(),
        })?;
    let previous = usize::try_from(previous_count).unwrap_or(0);
    if looks_truncated_drop(previous, feed.events.len()) {
        return Err(FetchFailed {
            reason: "dropped_to_zero",
            detail: format!(
                "the feed went from {previous} events to none; the blocks are kept until the channel's calendar is checked"
            ),
        });
    }
    Ok(feed.events)
}

fn rejection_detail(rejected: FeedRejected) -> &'static str {
    match rejected {
        FeedRejected::TooLarge => "the feed is larger than the size limit",
        FeedRejected::Empty => "the channel sent an empty answer",
        FeedRejected::NotCalendar => {
            "the channel sent something that is not a calendar (an HTML page?)"
        }
        FeedRejected::Truncated => "the feed is cut short (no END:VCALENDAR)",
        FeedRejected::Malformed => "the feed is not valid iCalendar",
    }
}

/// Applies a feed (or, after a `304`, retries its open conflicts) in one transaction holding
/// the feed's lock, recording the success in the same transaction.
async fn apply(
    db: &DatabaseConnection,
    syncer: &Syncer,
    feed: &ical_feed::Model,
    accepted: Option<(&[FeedEvent], &Validators)>,
) -> Result<Changes> {
    if accepted.is_none() && !ical_sync::has_open_conflicts(db, feed.id).await? {
        // A 304 with nothing to retry: only the success to record.
        ical_sync::record_success(db, feed.id, None, syncer.clock.now()).await?;
        return Ok(Changes::default());
    }
    let txn = db.begin().await?;
    let feed = ical_feeds::find_locked(&txn, feed.id).await?;
    // The lock order of every path that creates or moves nights (docs/ARCHITECTURE.md).
    store::reservations::lock_accommodation(&txn, feed.accommodation_id).await?;
    let at = syncer.time();
    let changes =
        ical_reconcile::apply(&txn, &feed, accepted.map(|(events, _)| events), at).await?;
    let stored = accepted
        .map(|(events, validators)| (validators, i32::try_from(events.len()).unwrap_or(i32::MAX)));
    ical_sync::record_success(&txn, feed.id, stored, at.now).await?;
    txn.commit().await?;
    Ok(changes)
}

/// Logs and counts one feed's sync (the URL's host only: the rest is the channel's secret).
fn observe(
    feed: &ical_feed::Model,
    outcome: &SyncOutcome,
    took: Duration,
    now: chrono::DateTime<Utc>,
) {
    let source = feed.source.as_str();
    metrics::histogram!("ical_sync_duration_seconds", "outcome" => outcome.as_str())
        .record(took.as_secs_f64());
    if let Some(success) = feed.last_success_at {
        let age = now.signed_duration_since(success).num_seconds().max(0);
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!(
            "ical_last_sync_age_minutes",
            "accommodation" => feed.accommodation_id.to_string(),
            "source" => source
        )
        .set(age as f64 / 60.0);
    }
    match outcome {
        SyncOutcome::Failed(failed) => {
            metrics::counter!("ical_sync_failures_total", "reason" => failed.reason).increment(1);
            tracing::warn!(
                feed_id = feed.id,
                source,
                host = %url_host(&feed.url),
                reason = failed.reason,
                detail = %failed.detail,
                failures = feed.consecutive_failures,
                "feed sync failed; previous blocks kept"
            );
        }
        SyncOutcome::Updated(changes) | SyncOutcome::NotModified(changes) => {
            metrics::counter!("ical_events_imported_total", "source" => source)
                .increment(changes.imported);
            metrics::counter!("ical_events_released_total", "source" => source)
                .increment(changes.released);
            metrics::counter!("ical_events_moved_total", "source" => source)
                .increment(changes.moved);
            metrics::counter!("ical_conflicts_total", "source" => source)
                .increment(changes.new_guest_conflicts);
            tracing::info!(
                feed_id = feed.id,
                source,
                host = %url_host(&feed.url),
                outcome = outcome.as_str(),
                imported = changes.imported,
                moved = changes.moved,
                released = changes.released,
                new_conflicts = changes.new_conflicts,
                open_conflicts = changes.open_conflicts,
                "feed synced"
            );
        }
    }
}

/// How many feeds have not synced successfully for [`STALE_AFTER`] (`/healthz` says
/// `degraded` then).
pub async fn stale_feeds(db: &DatabaseConnection, clock: &SharedClock) -> Result<u64> {
    ical_sync::stale_count(db, clock.now() - STALE_AFTER).await
}
