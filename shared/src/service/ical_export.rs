//! The iCal export: the busy nights of one accommodation for one consuming channel.
//!
//! A feed holds every active stay — a hold that has not lapsed, a confirmed booking, a block —
//! with a night in the last [`PAST_DAYS`] days or later (departure less than `PAST_DAYS` days
//! ago), except the stays that came from the consumer itself (see
//! [`FeedConsumer::echoed_channel`]). A wrong token and an unknown accommodation are the same
//! `NotFound`, so the answer never tells which one was wrong.
//!
//! Channels poll an unchanged calendar almost every time, so [`FeedExporter`] keeps each
//! rendered feed in process memory and revalidates it on every request with the one statement
//! that also finds the accommodation ([`store::ical_export::feed_head`]); what that statement
//! cannot see (a hold lapsing unswept, midnight moving the window) bounds how long the copy is
//! fresh. ADR 0082 has the rules.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, prelude::DateTimeWithTimeZone};
use sha2::{Digest, Sha256};

use crate::{
    Error, Result,
    clock::Clock,
    domain::{
        FeedConsumer, ReservationStatus,
        ical_calendar::{self, Busy, ExportedStay, FeedCalendar},
    },
    store::{
        self,
        ical_export::{FeedHead, FeedLookup, StayRow},
    },
};

/// How many days back a feed reaches: stays that ended more recently still show, so a
/// channel polling late never sees last week's nights flicker free.
pub const PAST_DAYS: u64 = 30;

/// How many rendered feeds a process keeps: the three feeds of a hundred accommodations. A
/// feed of 1,000 stays is about 180 KB, so the bound is tens of megabytes at worst; past it
/// the least recently served feed is dropped (and rendered again when next asked for).
pub const CACHED_FEEDS: usize = 300;

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

/// Renders feeds and keeps the rendered ones; one per process, shared by every request.
#[derive(Debug)]
pub struct FeedExporter {
    timezone: Tz,
    uid_host: String,
    cache: FeedCache,
}

impl FeedExporter {
    /// An exporter whose days are `timezone`'s, whose event UIDs end in `@uid_host`, keeping
    /// at most `capacity` rendered feeds (0 keeps none).
    pub fn new(timezone: Tz, uid_host: impl Into<String>, capacity: usize) -> Self {
        Self {
            timezone,
            uid_host: uid_host.into(),
            cache: FeedCache::new(capacity),
        }
    }

    /// The feed `address` names, as of `clock`'s now: the kept copy if one statement shows
    /// nothing it depends on has changed, else a fresh rendering (which is then kept).
    pub async fn feed(
        &self,
        db: &impl ConnectionTrait,
        clock: &dyn Clock,
        address: FeedAddress<'_>,
    ) -> Result<Arc<Feed>> {
        let not_found = || Error::NotFound("calendar");
        let now = clock.now();
        let today = clock.today(self.timezone);
        let since = today
            .checked_sub_days(Days::new(PAST_DAYS))
            .unwrap_or(today);
        let (lookup, token) = match address {
            FeedAddress::Accommodation { id, token } => (FeedLookup::Id(id), token),
            FeedAddress::Token(token) => (FeedLookup::Token(token), token),
        };
        let head = store::ical_export::feed_head(db, lookup, since)
            .await?
            .ok_or_else(not_found)?;
        let consumer = FeedConsumer::owning(token, |c| head.token(c)).ok_or_else(not_found)?;
        let key = (head.id, consumer);
        let stamp = Stamp::new(head, since);
        if let Some(feed) = self.cache.get(key, &stamp, now) {
            metrics::counter!("ical_export_feeds_total", "cache" => "hit").increment(1);
            return Ok(feed);
        }
        metrics::counter!("ical_export_feeds_total", "cache" => "miss").increment(1);
        // Read after the stamp: the rows are at least as new as it says, so a change made in
        // between is rendered now and seen as a change again by the next request (a second
        // rendering, never a stale copy).
        let rows = store::ical_export::stays_ending_after(db, key.0, since).await?;
        let (feed, fresh_until) = self.render(&stamp, consumer, &rows, now, today);
        let feed = Arc::new(feed);
        self.cache.put(
            key,
            Kept {
                stamp,
                rendered_at: now,
                fresh_until,
                feed: Arc::clone(&feed),
                last_used: 0,
            },
        );
        Ok(feed)
    }

    /// The feed of `rows` for `consumer` at `now`, and the moment it stops being right even if
    /// no row changes: the first unswept lapse of a hold it shows, or the next midnight.
    fn render(
        &self,
        stamp: &Stamp,
        consumer: FeedConsumer,
        rows: &[StayRow],
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> (Feed, DateTime<Utc>) {
        let midnight = start_of(today, self.timezone).unwrap_or(now);
        let mut fresh_until = today
            .checked_add_days(Days::new(1))
            .and_then(|tomorrow| start_of(tomorrow, self.timezone))
            .unwrap_or(now);
        let mut last_modified = midnight.max(stamp.updated_at.with_timezone(&Utc));
        let mut stays = Vec::new();
        for row in rows {
            last_modified = last_modified.max(changed_at(row, now));
            if let Some(lapse) = pending_lapse(row, now) {
                fresh_until = fresh_until.min(lapse);
            }
            if is_busy(row, now) && consumer.echoed_channel() != Some(row.channel) {
                stays.push(ExportedStay {
                    uuid: row.uuid,
                    check_in: row.check_in,
                    check_out: row.check_out,
                    changed_at: row.updated_at.with_timezone(&Utc),
                    busy: if row.status == ReservationStatus::Blocked {
                        Busy::Blocked
                    } else {
                        Busy::Reserved
                    },
                });
            }
        }
        let body = ical_calendar::render(&FeedCalendar {
            name: &stamp.name,
            uid_host: &self.uid_host,
            stays: &stays,
        });
        let feed = Feed {
            digest: hex::encode(Sha256::digest(body.as_bytes())),
            body,
            last_modified: whole_seconds(last_modified),
            consumer,
        };
        (feed, fresh_until)
    }
}

/// Everything a feed is rendered from that the database can change, as [`FeedHead`] reads
/// it: equal stamps (and the same day, which `since` pins) mean equal feeds, up to the lapses
/// [`Kept::fresh_until`] covers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    since: NaiveDate,
    name: String,
    updated_at: DateTimeWithTimeZone,
    stays: i64,
    fingerprint: i64,
}

impl Stamp {
    fn new(head: FeedHead, since: NaiveDate) -> Self {
        Self {
            since,
            name: head.name,
            updated_at: head.updated_at,
            stays: head.stays,
            fingerprint: head.fingerprint,
        }
    }
}

/// A kept feed and what it was rendered from.
#[derive(Debug)]
struct Kept {
    stamp: Stamp,
    rendered_at: DateTime<Utc>,
    /// The first moment the feed could differ with no row changed (see [`FeedExporter::render`]).
    fresh_until: DateTime<Utc>,
    feed: Arc<Feed>,
    /// [`Entries::tick`] when last served: the smallest goes first when the cache is full.
    last_used: u64,
}

/// The rendered feeds by (accommodation, consumer), at most `capacity` of them.
///
/// One mutex: it is held for a hash lookup and a comparison, never across an await or a
/// rendering. Two requests that miss at once both render, and the later `put` wins; as each
/// kept feed is at least as new as its stamp, either copy is replaced by the next request
/// that finds the stamp changed.
#[derive(Debug)]
struct FeedCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    feeds: HashMap<(i32, FeedConsumer), Kept>,
    tick: u64,
}

impl FeedCache {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::default(),
        }
    }

    /// The kept feed of `key` if it was rendered from `stamp` and is fresh at `now` (a clock
    /// that stepped back before its rendering renders again).
    fn get(
        &self,
        key: (i32, FeedConsumer),
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Option<Arc<Feed>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.tick += 1;
        let tick = entries.tick;
        let kept = entries.feeds.get_mut(&key)?;
        let current = kept.stamp == *stamp && kept.rendered_at <= now && now < kept.fresh_until;
        current.then(|| {
            kept.last_used = tick;
            Arc::clone(&kept.feed)
        })
    }

    /// Keeps `kept` as `key`'s feed, dropping the least recently served other feed if full.
    fn put(&self, key: (i32, FeedConsumer), mut kept: Kept) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.tick += 1;
        kept.last_used = entries.tick;
        if !entries.feeds.contains_key(&key) && entries.feeds.len() >= self.capacity {
            let oldest = entries
                .feeds
                .iter()
                .min_by_key(|(_, kept)| kept.last_used)
                .map(|(key, _)| *key);
            if let Some(oldest) = oldest {
                entries.feeds.remove(&oldest);
            }
        }
        entries.feeds.insert(key, kept);
    }
}

/// The first instant of `day` in `timezone` (its midnight, or the end of a DST gap that
/// swallows midnight); `None` only for a day without a representable start.
fn start_of(day: NaiveDate, timezone: Tz) -> Option<DateTime<Utc>> {
    (0..3)
        .filter_map(|hour| day.and_hms_opt(hour, 0, 0))
        .find_map(|t| t.and_local_timezone(timezone).earliest())
        .map(|t| t.with_timezone(&Utc))
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

/// When the row's hold lapses, if it is a hold that has not lapsed by `now`: the feed changes
/// then without any write.
fn pending_lapse(row: &StayRow, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lapse = row.expires_at?.with_timezone(&Utc);
    (row.status == ReservationStatus::PreReserved && lapse > now).then_some(lapse)
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

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn stamp(fingerprint: i64) -> Stamp {
        Stamp {
            since: NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
            name: "Cabaña".into(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap().into(),
            stays: 1,
            fingerprint,
        }
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn kept(fingerprint: i64, fresh_for: Duration) -> Kept {
        Kept {
            stamp: stamp(fingerprint),
            rendered_at: noon(),
            fresh_until: noon() + fresh_for,
            feed: Arc::new(Feed {
                body: format!("feed {fingerprint}"),
                digest: String::new(),
                last_modified: noon(),
                consumer: FeedConsumer::Generic,
            }),
            last_used: 0,
        }
    }

    const KEY: (i32, FeedConsumer) = (1, FeedConsumer::Generic);

    #[test]
    fn a_kept_feed_is_served_only_for_its_stamp_and_while_fresh() {
        let cache = FeedCache::new(3);
        cache.put(KEY, kept(7, Duration::hours(1)));

        assert!(cache.get(KEY, &stamp(7), noon()).is_some());
        assert!(cache.get(KEY, &stamp(8), noon()).is_none(), "a row changed");
        let renamed = Stamp {
            name: "Domo".into(),
            ..stamp(7)
        };
        assert!(cache.get(KEY, &renamed, noon()).is_none());
        assert!(
            cache
                .get(KEY, &stamp(7), noon() + Duration::hours(1))
                .is_none(),
            "a hold lapsed or the day ended"
        );
        assert!(
            cache
                .get(KEY, &stamp(7), noon() - Duration::seconds(1))
                .is_none(),
            "the clock stepped back"
        );
        assert!(
            cache
                .get((1, FeedConsumer::Airbnb), &stamp(7), noon())
                .is_none()
        );
    }

    #[test]
    fn a_full_cache_drops_the_least_recently_served_feed() {
        let cache = FeedCache::new(2);
        let key = |id| (id, FeedConsumer::Airbnb);
        cache.put(key(1), kept(1, Duration::hours(1)));
        cache.put(key(2), kept(2, Duration::hours(1)));
        assert!(cache.get(key(1), &stamp(1), noon()).is_some());

        cache.put(key(3), kept(3, Duration::hours(1)));

        assert!(cache.get(key(1), &stamp(1), noon()).is_some());
        assert!(cache.get(key(2), &stamp(2), noon()).is_none(), "dropped");
        assert!(cache.get(key(3), &stamp(3), noon()).is_some());
        cache.put(key(3), kept(4, Duration::hours(1)));
        assert_eq!(
            cache.entries.lock().expect("lock").feeds.len(),
            2,
            "replaced"
        );
    }

    #[test]
    fn a_cache_of_capacity_zero_keeps_nothing() {
        let cache = FeedCache::new(0);
        cache.put(KEY, kept(7, Duration::hours(1)));
        assert!(cache.get(KEY, &stamp(7), noon()).is_none());
    }

    #[test]
    fn a_day_starts_at_midnight_or_when_a_dst_gap_ends() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        assert_eq!(
            start_of(day, chrono_tz::America::Argentina::Buenos_Aires),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap())
        );
        // Santiago skipped from 00:00 to 01:00 on 2024-09-08.
        let gap = NaiveDate::from_ymd_opt(2024, 9, 8).expect("date");
        assert_eq!(
            start_of(gap, chrono_tz::America::Santiago),
            Some(Utc.with_ymd_and_hms(2024, 9, 8, 4, 0, 0).unwrap())
        );
    }
}
