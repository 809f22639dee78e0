//! `ical_feeds`: the channel calendars each accommodation imports, with the state of their
//! last sync.

use sea_orm::entity::prelude::*;

use crate::domain::FeedSource;

/// One imported calendar.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ical_feeds")]
pub struct Model {
    /// Internal id (what the admin routes name).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The accommodation whose nights the feed blocks.
    pub accommodation_id: i32,
    /// The channel that publishes it.
    pub source: FeedSource,
    /// Where it is fetched (an http(s) URL; channels put a secret in it, so logs show its
    /// host only).
    pub url: String,
    /// The `ETag` of the last body fetched, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` of the last body fetched, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// When a sync last ran.
    pub last_attempt_at: Option<DateTimeWithTimeZone>,
    /// When a sync last succeeded (a 304 counts).
    pub last_success_at: Option<DateTimeWithTimeZone>,
    /// Why the last sync failed (`None` after a success).
    pub last_error: Option<String>,
    /// Failed syncs since the last success.
    pub consecutive_failures: i32,
    /// Events in the last body accepted.
    pub event_count: i32,
    /// Row creation.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations of `ical_feeds` (none navigated).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
