//! The iCal export: the busy nights of one accommodation for one consuming channel.
//!
//! A feed holds every active stay — a hold that has not lapsed, a confirmed booking — with a
//! night in the last [`PAST_DAYS`] days or later (departure less than `PAST_DAYS` days ago),
//! except the stays that came from the consumer itself (see [`FeedConsumer::echoed_channel`]). A wrong token and an unknown
//! accommodation are the same `NotFound`, so the answer never tells which one was wrong.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::{
    Error, Result,
    clock::Clock,
    domain::{
        FeedConsumer, ReservationStatus,
        ical_calendar::{self, ExportedStay, FeedCalendar},
    },
    store::{self, ical_export::StayRow},
};

/// How many days back a feed reaches: stays that ended more recently still show, so a
/// channel polling late never sees last week's nights flicker free.
pub const PAST_DAYS: u64 = 30;

/// How a request names a feed.
#[derive(Clone, Copy, Debug)]
pub enum FeedAddress<'a> {
    /// The accommodation's id and one of its tokens (the path of the system this replaces).
    Accommodation {
        /// The accommodation's numeric id.
        id: i32,
        /// The token presented.
        token: &'a str,
    },
    /// A token alone: it finds its accommodation.
    Token(&'a str),
}

/// One rendered feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    /// The calendar text.
    pub body: String,
    /// SHA-256 of the body, hex: changes exactly when the bytes do.
    pub digest: String,
    /// The last moment the feed's content could have changed (a stay added, moved, cancelled
    /// or lapsed, the accommodation renamed, the window moved at midnight), whole seconds.
    pub last_modified: DateTime<Utc>,
    /// Whose feed it is.
    pub consumer: FeedConsumer,
}

/// The feed `address` names, as of `clock`'s now; `uid_host` is the host part of event UIDs.
pub async fn feed(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    timezone: Tz,
    uid_host: &str,
    address: FeedAddress<'_>,
) -> Result<Feed> {
    let not_found = || Error::NotFound("calendar");
    let (cabin, token) = match address {
        FeedAddress::Accommodation { id, token } => match store::accommodations::find(db, id).await
        {
            Err(Error::NotFound(_)) => (None, token),
            found => (Some(found?), token),
        },
        FeedAddress::Token(token) => (store::ical_export::find_by_token(db, token).await?, token),
    };
    let cabin = cabin.ok_or_else(not_found)?;
    let consumer = cabin.export_consumer(token).ok_or_else(not_found)?;

    let now = clock.now();
    let today = clock.today(timezone);
    let since = today
        .checked_sub_days(Days::new(PAST_DAYS))
        .unwrap_or(today);
    let rows = store::ical_export::stays_ending_after(db, cabin.id, since).await?;

    let midnight = today
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(timezone).earliest())
        .map_or(now, |t| t.with_timezone(&Utc));
    let mut last_modified = midnight.max(cabin.updated_at.with_timezone(&Utc));
    let mut stays = Vec::new();
    for row in &rows {
        last_modified = last_modified.max(changed_at(row, now));
        if is_busy(row, now) && consumer.echoed_channel() != Some(row.channel) {
            stays.push(ExportedStay {
                uuid: row.uuid,
                check_in: row.check_in,
                check_out: row.check_out,
                changed_at: row.updated_at.with_timezone(&Utc),
            });
        }
    }
    let body = ical_calendar::render(&FeedCalendar {
        name: &cabin.name,
        uid_host,
        stays: &stays,
    });
    Ok(Feed {
        digest: hex::encode(Sha256::digest(body.as_bytes())),
        body,
        last_modified: whole_seconds(last_modified),
        consumer,
    })
}

/// Whether the row holds its nights now: confirmed or blocked, or a hold that has not lapsed (the sweep
/// may not have marked a lapsed hold `expired` yet).
fn is_busy(row: &StayRow, now: DateTime<Utc>) -> bool {
    match row.status {
        ReservationStatus::Confirmed | ReservationStatus::Blocked => true,
        ReservationStatus::PreReserved => row.expires_at.is_none_or(|at| at > now),
        _ => false,
    }
}

/// When the row last changed what the feed shows: its last update, or the moment its hold
/// lapsed, if that is later and already past.
fn changed_at(row: &StayRow, now: DateTime<Utc>) -> DateTime<Utc> {
    let updated = row.updated_at.with_timezone(&Utc);
    match row.expires_at.map(|at| at.with_timezone(&Utc)) {
        Some(lapsed) if row.status == ReservationStatus::PreReserved && lapsed <= now => {
            updated.max(lapsed)
        }
        _ => updated,
    }
}

/// HTTP dates have whole seconds (a second change within the second of an answer keeps its
/// date; the digest still changes).
fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::seconds(1)).unwrap_or(at)
}
