//! Admin inputs and views of imported channel calendars (iCal feeds).
//!
//! A feed URL carries the channel's secret: these types have no `Debug`, so it cannot reach
//! a log through them.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object, registry::MetaSchema};
use sea_orm::Iterable;
use shared::{
    domain::FeedSource,
    service::{
        ical_feeds::{Feed, FeedHealth, MAX_URL_CHARS, NewFeed},
        ical_reconcile::Changes,
        ical_sync::SyncOutcome,
    },
};

use crate::dto::constraints::{Doc, Rule};

/// A feed source name as `FeedSource::from_str` reads it: any case, surrounding spaces
/// allowed (a plain `enum` would be stricter than the service).
pub struct FeedSourceName;

impl Rule for FeedSourceName {
    fn apply(schema: &mut MetaSchema) {
        let names: Vec<String> = FeedSource::iter()
            .map(|source| {
                source
                    .as_str()
                    .chars()
                    .map(|c| format!("[{}{}]", c, c.to_ascii_uppercase()))
                    .collect()
            })
            .collect();
        schema.pattern = Some(format!("^\\s*({})\\s*$", names.join("|")));
    }
}

/// A channel's calendar export URL: `http(s)`, 10 to 2048 characters (the service also
/// refuses a URL without a host or with a user name or password in it).
pub struct FeedUrlRule;

impl Rule for FeedUrlRule {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some("^https?://".into());
        schema.min_length = Some(10);
        schema.max_length = Some(MAX_URL_CHARS);
    }
}

/// A channel calendar to import into an accommodation.
#[derive(Clone, Object)]
pub struct CreateIcalFeedBody {
    /// The accommodation whose nights the feed blocks.
    pub accommodation_id: i32,
    /// The channel that publishes it: airbnb, booking, vrbo or other.
    pub source: Doc<String, FeedSourceName>,
    /// The channel's calendar export URL, as the channel gives it (it contains a secret:
    /// only admins see it back).
    pub url: Doc<String, FeedUrlRule>,
}

impl From<CreateIcalFeedBody> for NewFeed {
    fn from(body: CreateIcalFeedBody) -> Self {
        Self {
            accommodation_id: body.accommodation_id,
            source: body.source.0,
            url: body.url.0,
        }
    }
}

/// The channel publishing a feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum IcalFeedSource {
    /// Airbnb.
    Airbnb,
    /// Booking.com.
    Booking,
    /// Vrbo.
    Vrbo,
    /// Any other iCal calendar.
    Other,
}

impl From<FeedSource> for IcalFeedSource {
    fn from(source: FeedSource) -> Self {
        match source {
            FeedSource::Airbnb => Self::Airbnb,
            FeedSource::Booking => Self::Booking,
            FeedSource::Vrbo => Self::Vrbo,
            FeedSource::Other => Self::Other,
        }
    }
}

/// How a feed's sync is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum IcalFeedStatus {
    /// Not synced yet (the next sync run picks it up).
    Pending,
    /// The last sync succeeded, less than 30 minutes ago.
    Ok,
    /// The last sync failed: `last_error` says why.
    Failing,
    /// No sync for more than 30 minutes, though none failed: the sync is not running.
    Stale,
}

impl From<FeedHealth> for IcalFeedStatus {
    fn from(health: FeedHealth) -> Self {
        match health {
            FeedHealth::Pending => Self::Pending,
            FeedHealth::Ok => Self::Ok,
            FeedHealth::Failing => Self::Failing,
            FeedHealth::Stale => Self::Stale,
        }
    }
}

/// An imported channel calendar and the state of its sync.
#[derive(Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IcalFeedView {
    /// Internal id (use it to remove the feed).
    pub id: i64,
    /// The accommodation whose nights it blocks.
    pub accommodation_id: i32,
    /// The channel that publishes it.
    pub source: IcalFeedSource,
    /// The calendar URL (contains the channel's secret).
    pub url: String,
    /// `ETag` of the last calendar fetched.
    pub etag: Option<String>,
    /// `Last-Modified` of the last calendar fetched.
    pub last_modified: Option<String>,
    /// When a sync last ran.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a sync last succeeded (an unchanged calendar counts).
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last sync failed (absent after a success).
    pub last_error: Option<String>,
    /// Failed syncs since the last success.
    pub consecutive_failures: i32,
    /// Events in the last calendar accepted.
    pub event_count: i32,
    /// When the feed was added.
    pub created_at: DateTime<Utc>,
    /// pending (never synced), ok, failing (last sync failed) or stale (no success for 30
    /// minutes).
    pub status: IcalFeedStatus,
}

impl From<Feed> for IcalFeedView {
    fn from(feed: Feed) -> Self {
        let utc = |t: chrono::DateTime<chrono::FixedOffset>| t.with_timezone(&Utc);
        let row = feed.row;
        Self {
            id: row.id,
            accommodation_id: row.accommodation_id,
            source: row.source.into(),
            url: row.url,
            etag: row.etag,
            last_modified: row.last_modified,
            last_attempt_at: row.last_attempt_at.map(utc),
            last_success_at: row.last_success_at.map(utc),
            last_error: row.last_error,
            consecutive_failures: row.consecutive_failures,
            event_count: row.event_count,
            created_at: utc(row.created_at),
            status: feed.health.into(),
        }
    }
}

/// How a sync ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum IcalSyncOutcome {
    /// A new calendar was accepted and applied.
    Updated,
    /// The channel said the calendar had not changed; open conflicts were retried.
    NotModified,
    /// Nothing was applied; the previous blocks stand (`reason` and `detail` say why).
    Failed,
}

/// The outcome of syncing one feed now.
#[derive(Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IcalSyncView {
    /// updated, not_modified or failed.
    pub outcome: IcalSyncOutcome,
    /// Why it failed, in one word: http_status, timeout, unreachable, too_large, empty,
    /// not_calendar, truncated, malformed or dropped_to_zero.
    pub reason: Option<String>,
    /// Why it failed, for the owner.
    pub detail: Option<String>,
    /// Blocks added.
    pub imported: u64,
    /// Blocks moved to new dates.
    pub moved: u64,
    /// Blocks released (gone from the channel's calendar).
    pub released: u64,
    /// Bookings found this time for nights one of our stays holds (see `/admin/ical-conflicts`).
    pub new_conflicts: u64,
    /// Conflicts still open for this feed.
    pub open_conflicts: u64,
    /// The feed after the sync.
    pub feed: IcalFeedView,
}

impl From<(SyncOutcome, Feed)> for IcalSyncView {
    fn from((outcome, feed): (SyncOutcome, Feed)) -> Self {
        let (kind, changes, failed) = match outcome {
            SyncOutcome::Updated(c) => (IcalSyncOutcome::Updated, c, None),
            SyncOutcome::NotModified(c) => (IcalSyncOutcome::NotModified, c, None),
            SyncOutcome::Failed(f) => (IcalSyncOutcome::Failed, Changes::default(), Some(f)),
        };
        Self {
            outcome: kind,
            reason: failed.as_ref().map(|f| f.reason.to_owned()),
            detail: failed.map(|f| f.detail),
            imported: changes.imported,
            moved: changes.moved,
            released: changes.released,
            new_conflicts: changes.new_conflicts,
            open_conflicts: changes.open_conflicts,
            feed: feed.into(),
        }
    }
}

/// A channel calendar to import now (the body of the import route kept from the system this
/// replaces).
#[derive(Clone, Object)]
pub struct LegacyIcalImportBody {
    /// The accommodation whose nights the calendar blocks.
    pub accommodation_id: i32,
    /// The channel's calendar export URL.
    pub url: Doc<String, FeedUrlRule>,
    /// airbnb, booking, vrbo or other; by default the URL's host decides.
    pub source: Option<Doc<String, FeedSourceName>>,
}

impl LegacyIcalImportBody {
    /// The feed it names (the source guessed from the URL's host when not given).
    pub fn feed(self) -> NewFeed {
        NewFeed::new(self.accommodation_id, self.url.0, self.source.map(|s| s.0))
    }
}
