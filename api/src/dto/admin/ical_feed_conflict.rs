//! The owner's view of calendar conflicts: an event a channel's feed sent for nights one of
//! our stays already holds. Against a guest's reservation it is a double booking made on the
//! other channel; nothing is cancelled automatically, the owner decides.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Enum, Object};
use shared::{
    domain::{ConflictResolution, ReservationStatus},
    service::ical_feeds::{ConflictRecord, ConflictState},
};

use super::ical_feed::IcalFeedSource;

/// `state` query values.
pub const CONFLICT_STATES: &[(&str, ConflictState)] = &[
    ("open", ConflictState::Open),
    ("resolved", ConflictState::Resolved),
    ("all", ConflictState::All),
];

/// How a conflict ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ConflictResolutionView {
    /// The nights came free and the channel's block was stored.
    Placed,
    /// The channel moved the event to other dates.
    Changed,
    /// The event left the channel's calendar.
    Gone,
    /// The owner removed the feed.
    FeedDeleted,
}

impl From<ConflictResolution> for ConflictResolutionView {
    fn from(resolution: ConflictResolution) -> Self {
        match resolution {
            ConflictResolution::Placed => Self::Placed,
            ConflictResolution::Changed => Self::Changed,
            ConflictResolution::Gone => Self::Gone,
            ConflictResolution::FeedDeleted => Self::FeedDeleted,
        }
    }
}

/// What holds the nights a conflict's event wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum HolderKind {
    /// One of our reservations: the same nights were sold twice; contact one of the guests.
    Reservation,
    /// A block (the owner's, or imported from another channel's feed).
    Block,
}

/// The stay holding the nights.
#[derive(Clone, Debug, Object)]
pub struct ConflictHolderView {
    /// Its reservation code (open it in the reservation list).
    pub code: String,
    /// Its status (pre_reserved, confirmed, blocked, ...).
    pub status: String,
    /// Where it was booked (whatsapp, web, airbnb, ...).
    pub channel: String,
    /// Its first night.
    pub check_in: NaiveDate,
    /// Its departure day.
    pub check_out: NaiveDate,
    /// A reservation of ours (a double booking) or a block.
    pub kind: HolderKind,
}

/// An imported event that could not be placed because a stay already holds (some of) its
/// nights.
#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IcalConflictView {
    /// Internal id.
    pub id: i64,
    /// The feed that sent the event (absent once the feed is removed).
    pub feed_id: Option<i64>,
    /// The accommodation.
    pub accommodation_id: i32,
    /// The channel of that feed (absent once the feed is removed).
    pub source: Option<IcalFeedSource>,
    /// The event's UID in the channel's calendar.
    pub external_uid: String,
    /// First night the channel booked.
    pub check_in: NaiveDate,
    /// Day after the last night the channel booked.
    pub check_out: NaiveDate,
    /// When the collision was first seen.
    pub detected_at: DateTime<Utc>,
    /// When the event was last seen in the feed.
    pub last_seen_at: DateTime<Utc>,
    /// When it stopped being a conflict (absent while open).
    pub resolved_at: Option<DateTime<Utc>>,
    /// How it stopped being a conflict (absent while open).
    pub resolution: Option<ConflictResolutionView>,
    /// The stay already holding the nights.
    pub holder: ConflictHolderView,
}

impl From<ConflictRecord> for IcalConflictView {
    fn from(record: ConflictRecord) -> Self {
        let ConflictRecord {
            conflict,
            source,
            holder,
        } = record;
        let kind = if holder.status == ReservationStatus::Blocked {
            HolderKind::Block
        } else {
            HolderKind::Reservation
        };
        Self {
            id: conflict.id,
            feed_id: conflict.ical_feed_id,
            accommodation_id: conflict.accommodation_id,
            source: source.map(Into::into),
            external_uid: conflict.external_uid,
            check_in: conflict.check_in,
            check_out: conflict.check_out,
            detected_at: conflict.detected_at.with_timezone(&Utc),
            last_seen_at: conflict.last_seen_at.with_timezone(&Utc),
            resolved_at: conflict.resolved_at.map(|t| t.with_timezone(&Utc)),
            resolution: conflict.resolution.map(Into::into),
            holder: ConflictHolderView {
                code: holder.code.to_string(),
                status: holder.status.as_str().into(),
                channel: holder.channel.as_str().into(),
                check_in: holder.check_in,
                check_out: holder.check_out,
                kind,
            },
        }
    }
}

/// The `state` filter: open, resolved or all (spaces around it allowed, empty = open).
pub struct ConflictStateName;

impl crate::dto::constraints::Rule for ConflictStateName {
    fn apply(schema: &mut poem_openapi::registry::MetaSchema) {
        let names: Vec<&str> = CONFLICT_STATES.iter().map(|(name, _)| *name).collect();
        schema.pattern = Some(format!("^\\s*({})?\\s*$", names.join("|")));
    }
}

/// Reads the `state` filter (absent or empty: open).
pub fn conflict_state(raw: Option<&str>) -> Result<ConflictState, shared::FieldError> {
    let wanted = raw.unwrap_or_default().trim();
    if wanted.is_empty() {
        return Ok(ConflictState::Open);
    }
    CONFLICT_STATES
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, state)| *state)
        .ok_or_else(|| {
            shared::FieldError::new(
                "state",
                "unknown_value",
                format!("`{wanted}` is not a valid state; allowed: open, resolved, all"),
            )
        })
}
