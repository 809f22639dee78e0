//! The owner's management of imported channel calendars: add a feed, list and read feeds
//! with a health word, remove one (its blocks released and its conflicts closed in the same
//! transaction), and list the conflicts the import recorded.
//!
//! A feed URL carries the channel's secret (whoever has it reads the calendar), so it is
//! shown back only to admins and never logged or audited whole: logs and the audit trail
//! name its host ([`FeedUrl::host`], [`url_host`](crate::providers::ical_fetch::url_host)).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use super::{
    audit::{self, AuditContext, Change},
    retry,
};
use crate::{
    Error, FieldError, Result,
    clock::Clock,
    domain::{ConflictResolution, FeedSource},
    entities::ical_feed,
    error::ConflictKind,
    providers::ical_fetch::url_host,
    store::{
        accommodations, ical_conflicts,
        ical_feeds::{self, NewFeedRow},
        query::{Page, Paged},
    },
};

pub use crate::store::{
    ical_conflicts::{ConflictFilter, ConflictRecord, ConflictState},
    ical_feeds::FeedFilter,
};

/// A feed whose last success is older than this, with no failure since, is `stale`: the
/// sync is not running (a failing feed reads `failing`, whose error says more).
pub const STALE_AFTER: Duration = Duration::minutes(30);
/// Longest URL stored (the column's check).
pub const MAX_URL_CHARS: usize = 2048;
/// Shortest URL stored (the column's check).
const MIN_URL_CHARS: usize = 10;
/// Why a removed feed's blocks were cancelled (the reservation's `cancellation_reason`).
pub const FEED_REMOVED_REASON: &str = "feed removed";

/// The unique constraint of one URL per accommodation.
const DUPLICATE_URL_KEY: &str = "ical_feeds_accommodation_url_key";

/// A feed URL as the import fetches it: absolute `http(s)` with a host, no user name or
/// password (they would be shown back in every feed list), at most [`MAX_URL_CHARS`].
#[derive(Clone, PartialEq, Eq)]
pub struct FeedUrl(url::Url);

/// Shows the host only: the rest of the URL is the channel's secret.
impl std::fmt::Debug for FeedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FeedUrl({}/…)", self.host())
    }
}

impl FeedUrl {
    /// Checks `raw` (field `url`), as sent: no trimming, the scheme in lower case as the
    /// documented pattern says.
    pub fn parse(raw: &str) -> std::result::Result<Self, FieldError> {
        let invalid = |code: &str, message: &str| FieldError::new("url", code, message);
        if raw.chars().count() > MAX_URL_CHARS {
            return Err(invalid("too_long", "url must have at most 2048 characters"));
        }
        let url = url::Url::parse(raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
            .filter(|_| raw.starts_with("http://") || raw.starts_with("https://"))
            .ok_or_else(|| {
                invalid(
                    "invalid_url",
                    "url must be an http or https URL with a host",
                )
            })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "credentials_in_url",
                "url must not carry a user name or password: they would be shown back in the \
                 feed list; use the channel's export link as it gives it",
            ));
        }
        match url.as_str().len() {
            n if n > MAX_URL_CHARS => Err(invalid(
                "too_long",
                "url must have at most 2048 characters once normalised",
            )),
            n if n < MIN_URL_CHARS => Err(invalid("invalid_url", "url is too short")),
            _ => Ok(Self(url)),
        }
    }

    /// The host, what logs may show.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// The whole URL (a secret: never log it).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// How a feed's sync is doing, in one word for the owner's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedHealth {
    /// Never synced yet.
    Pending,
    /// The last sync succeeded, less than [`STALE_AFTER`] ago.
    Ok,
    /// The last sync failed (`last_error` says why).
    Failing,
    /// The last sync succeeded, but more than [`STALE_AFTER`] ago: the sync is not running.
    Stale,
}

impl FeedHealth {
    /// The health of `feed` at `now`. A failure is reported as `failing` however long it has
    /// lasted, since its error is what the owner must read; `stale` is the quiet case, where
    /// nothing failed but nothing ran either.
    pub fn of(feed: &ical_feed::Model, now: DateTime<Utc>) -> Self {
        if feed.last_attempt_at.is_none() && feed.last_success_at.is_none() {
            return Self::Pending;
        }
        if feed.consecutive_failures > 0 || feed.last_error.is_some() {
            return Self::Failing;
        }
        match feed.last_success_at {
            Some(at) if now - at.with_timezone(&Utc) <= STALE_AFTER => Self::Ok,
            _ => Self::Stale,
        }
    }
}

/// A feed and its health when read (no `Debug`: the row holds the URL's secret).
#[derive(Clone)]
pub struct Feed {
    /// The stored row (its `url` is a secret: never log it).
    pub row: ical_feed::Model,
    /// Its health at the time of reading.
    pub health: FeedHealth,
}

impl Feed {
    /// The feed `row` as it reads at `now`.
    pub fn at(row: ical_feed::Model, now: DateTime<Utc>) -> Self {
        let health = FeedHealth::of(&row, now);
        Self { row, health }
    }
}

/// A feed as the owner adds it, unchecked.
#[derive(Clone)]
pub struct NewFeed {
    /// The accommodation whose nights it blocks.
    pub accommodation_id: i32,
    /// A [`FeedSource`] name.
    pub source: String,
    /// The channel's export URL.
    pub url: String,
}

impl NewFeed {
    /// A feed of `url` for `accommodation_id`, its source named by `source` or, when `None`,
    /// guessed from the URL's host (Airbnb, Booking.com, Vrbo, else other).
    pub fn new(accommodation_id: i32, url: String, source: Option<String>) -> Self {
        let source = source.unwrap_or_else(|| {
            crate::domain::FeedSource::from_host(&crate::providers::ical_fetch::url_host(&url))
                .as_str()
                .to_owned()
        });
        Self {
            accommodation_id,
            source,
            url,
        }
    }
}

/// What removing a feed did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedRemoved {
    /// Blocks cancelled (their nights came free).
    pub released_blocks: u64,
    /// Open conflicts closed as `feed_deleted`.
    pub resolved_conflicts: u64,
}

fn parse(input: &NewFeed) -> Result<(FeedSource, FeedUrl)> {
    let source = input
        .source
        .parse::<FeedSource>()
        .map_err(|message| FieldError::new("source", "invalid_source", message));
    let url = FeedUrl::parse(&input.url);
    match (source, url) {
        (Ok(source), Ok(url)) => Ok((source, url)),
        (source, url) => Err(Error::Invalid(
            [source.err(), url.err()].into_iter().flatten().collect(),
        )),
    }
}

/// Adds a feed to an accommodation (`NotFound` if there is none; `Conflict` if it already
/// imports that URL). It is synced by the next run of the sync.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    input: &NewFeed,
) -> Result<Feed> {
    let (source, url) = parse(input)?;
    let now = clock.now();
    let txn = db.begin().await?;
    accommodations::find(&txn, input.accommodation_id).await?;
    let row = NewFeedRow {
        accommodation_id: input.accommodation_id,
        source,
        url: url.as_str().to_owned(),
    };
    let created = ical_feeds::insert(&txn, row, now)
        .await
        .map_err(duplicate_url)?;
    let change = Change {
        action: "ical_feed.create",
        entity_kind: "ical_feed",
        entity_id: created.id.to_string(),
        reservation_id: None,
        before: None,
        after: Some(json!({
            "accommodation_id": created.accommodation_id,
            "source": source.as_str(),
            "url_host": url.host(),
        })),
    };
    audit::record(&txn, ctx, now, change).await?;
    txn.commit().await?;
    tracing::info!(
        feed_id = created.id,
        accommodation_id = created.accommodation_id,
        source = %source,
        url_host = url.host(),
        "iCal feed added"
    );
    Ok(Feed::at(created, now))
}

/// The feed importing `input.url` into the accommodation, added first when there is none (the
/// import route kept from the system this replaces, which names a URL rather than a feed).
/// With no source given, the URL's host decides (`FeedSource::from_host`).
pub async fn find_or_create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    input: &NewFeed,
) -> Result<Feed> {
    let (_, url) = parse(&NewFeed {
        source: FeedSource::Other.as_str().to_owned(),
        ..input.clone()
    })?;
    let existing = ical_feeds::find_by_url(db, input.accommodation_id, url.as_str()).await?;
    match existing {
        Some(row) => Ok(Feed::at(row, clock.now())),
        None => create(db, clock, ctx, input).await,
    }
}

/// Says which conflict a unique violation of the insert is, in the owner's words.
fn duplicate_url(err: Error) -> Error {
    match err {
        Error::Conflict {
            kind: ConflictKind::Duplicate,
            message,
        } if message.contains(DUPLICATE_URL_KEY) => Error::conflict(
            ConflictKind::Duplicate,
            "this accommodation already imports that calendar URL",
        ),
        other => other,
    }
}

/// One page of feeds (optionally of one accommodation), by accommodation then id.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: FeedFilter,
    page: Page,
    now: DateTime<Utc>,
) -> Result<Paged<Feed>> {
    let paged = ical_feeds::page(db, filter, page).await?;
    Ok(Paged {
        items: paged.items.into_iter().map(|r| Feed::at(r, now)).collect(),
        total: paged.total,
    })
}

/// One feed, or `NotFound`.
pub async fn get(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<Feed> {
    Ok(Feed::at(ical_feeds::find(db, id).await?, now))
}

/// Removes a feed in one transaction: its standing blocks are cancelled (reason
/// [`FEED_REMOVED_REASON`]; their nights come free), its open conflicts are resolved as
/// `feed_deleted`, the row is deleted and the change audited. `NotFound` if there is none.
///
/// The feed row is locked first, so a sync of the same feed either finished before (its
/// blocks are released here) or waits and then fails on the missing feed: no block of a
/// removed feed is left standing.
pub async fn remove<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    id: i64,
) -> Result<FeedRemoved> {
    retry::once("ical_feed_remove", || async {
        let now = clock.now();
        let txn = db.begin().await?;
        let feed = ical_feeds::find_locked(&txn, id).await?;
        let released_blocks =
            ical_feeds::release_blocks(&txn, id, FEED_REMOVED_REASON, now).await?;
        let resolved_conflicts =
            ical_conflicts::resolve_open(&txn, id, ConflictResolution::FeedDeleted, now).await?;
        ical_feeds::delete(&txn, id).await?;
        let change = Change {
            action: "ical_feed.delete",
            entity_kind: "ical_feed",
            entity_id: id.to_string(),
            reservation_id: None,
            before: Some(json!({
                "accommodation_id": feed.accommodation_id,
                "source": feed.source.as_str(),
                "url_host": url_host(&feed.url),
            })),
            after: Some(json!({
                "released_blocks": released_blocks,
                "resolved_conflicts": resolved_conflicts,
            })),
        };
        audit::record(&txn, ctx, now, change).await?;
        txn.commit().await?;
        tracing::info!(
            feed_id = id,
            accommodation_id = feed.accommodation_id,
            released_blocks,
            resolved_conflicts,
            "iCal feed removed"
        );
        Ok(FeedRemoved {
            released_blocks,
            resolved_conflicts,
        })
    })
    .await
}

/// One page of recorded conflicts, newest first, each with the stay holding its nights.
pub async fn list_conflicts(
    db: &impl ConnectionTrait,
    filter: ConflictFilter,
    page: Page,
) -> Result<Paged<ConflictRecord>> {
    ical_conflicts::page(db, filter, page).await
}

#[cfg(test)]
#[path = "ical_feeds_tests.rs"]
mod tests;
