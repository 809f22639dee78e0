//! `ical_conflicts`: imported events whose nights another stay already holds. A collision
//! with one of our guests' reservations is a double booking made on the other channel: the
//! owner must act, nothing is cancelled automatically.

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;

use crate::domain::ConflictResolution;

/// One collision record (open while `resolved_at` is empty; one open per feed and UID).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ical_conflicts")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The feed that sent the event (`None` once the feed is deleted).
    pub ical_feed_id: Option<i64>,
    /// The accommodation.
    pub accommodation_id: i32,
    /// The event's UID in the feed.
    pub external_uid: String,
    /// First night the feed blocks.
    pub check_in: NaiveDate,
    /// Day after the last night the feed blocks.
    pub check_out: NaiveDate,
    /// The stay holding the nights (a reservation of ours or another block).
    pub reservation_id: i64,
    /// When first seen.
    pub detected_at: DateTimeWithTimeZone,
    /// When last seen in the feed.
    pub last_seen_at: DateTimeWithTimeZone,
    /// When it stopped being a conflict.
    pub resolved_at: Option<DateTimeWithTimeZone>,
    /// How it stopped being a conflict.
    pub resolution: Option<ConflictResolution>,
}

/// Relations of `ical_conflicts` (none navigated).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
