//! A channel's iCal feed (Airbnb, Booking.com, ...) read as the stays it blocks.
//!
//! Pure: bytes in, stays out; fetching, storing and scheduling live elsewhere. The parsing
//! itself is the `icalendar` crate's; this module decides what to trust.
//!
//! **Refused as a whole** ([`FeedRejected`]) — the caller must keep the blocks it already has,
//! because each of these is what a broken channel, proxy or captive portal sends, and reading
//! it as "no bookings" would release nights that are sold:
//! - a body over the caller's size limit (checked before anything is decoded);
//! - an empty body, or one that does not start with `BEGIN:VCALENDAR` (an HTML error page);
//! - a body whose last line is not `END:VCALENDAR` (a connection cut mid-transfer);
//! - a calendar the parser cannot read, more than one calendar (the second one's events would
//!   be lost), or components nested deeper than any channel nests them (the parser recurses
//!   per level: thousands of levels overflow the stack and abort the process).
//!
//! **Accepted**: a UTF-8 BOM, LF or CRLF line ends, folded lines, escaped text, unknown
//! properties and components (`VTIMEZONE`, `VTODO`, `X-...`: ignored), bytes that are not UTF-8
//! (replaced; they can only spoil text, never dates). Each `VEVENT` becomes the nights
//! `[check_in, check_out)`:
//! - `VALUE=DATE` dates and floating date-times are taken as written (their wall-clock date);
//! - UTC (`Z`) and `TZID` date-times are converted to the local date in the business timezone
//!   the caller passes; a `TZID` chrono-tz does not know is read as floating (a wrong zone moves
//!   a date by at most one day, dropping the event would free every night of it);
//! - no `DTEND`: `DURATION` when given in days, weeks or hours, else one night;
//! - recurrence rules are ignored (channels send one event per stay);
//! - property names are matched in upper case, as every channel writes them.
//!
//! **Skipped one by one**, counted by [`SkipReason`] so a sync can report them: events without
//! `UID` (they cannot be followed from one sync to the next), without a readable `DTSTART` or
//! outside the supported years, with `DTEND` not after `DTSTART` once reduced to dates,
//! `STATUS:CANCELLED`, and every earlier event of a repeated `UID` — **the last one wins**: it
//! is the channel's latest word, and one UID must map to one block.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use icalendar::{
    Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, Event, parser,
};

use crate::domain::{Stay, date};

/// The size limit callers use unless they have a reason not to: a busy Airbnb feed with
/// years of history is a few hundred KiB. Parsing takes about 0.4 s per MB in a debug build
/// (5,000 Airbnb-shaped events, 1.4 MB: 0.5 s on one core of the dev machine).
pub const DEFAULT_MAX_FEED_BYTES: usize = 5 * 1024 * 1024;

/// A feed with at least this many events that comes back with none is suspicious
/// (see [`looks_truncated_drop`]).
pub const SUSPICIOUS_DROP_FROM: usize = 5;

/// The deepest component nesting accepted. Channels send three levels at most
/// (`VCALENDAR` > `VEVENT` > `VALARM`, `VCALENDAR` > `VTIMEZONE` > `STANDARD`).
const MAX_NESTING: usize = 16;

/// Why a whole feed was refused. A closed set, so it can label a failure metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
pub enum FeedRejected {
    /// The body is longer than the caller's limit.
    #[error("the feed is larger than the size limit")]
    TooLarge,
    /// Nothing but whitespace.
    #[error("the feed is empty")]
    Empty,
    /// Not an iCalendar document (typically an HTML page).
    #[error("the feed is not an iCalendar document")]
    NotCalendar,
    /// Starts as a calendar but does not end with `END:VCALENDAR`.
    #[error("the feed is cut short (no END:VCALENDAR)")]
    Truncated,
    /// Shaped like a calendar, but the parser cannot read it.
    #[error("the feed is not valid iCalendar")]
    Malformed,
}

impl FeedRejected {
    /// The stable label (`not_calendar`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Empty => "empty",
            Self::NotCalendar => "not_calendar",
            Self::Truncated => "truncated",
            Self::Malformed => "malformed",
        }
    }
}

/// Why one event of an accepted feed was left out. A closed set, so it can label a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// No `UID`.
    NoUid,
    /// No readable `DTSTART`, an unreadable `DTEND`/`DURATION`, or a year outside the
    /// supported range.
    BadDates,
    /// `DTEND` is not after `DTSTART` once both are dates.
    NoNights,
    /// `STATUS:CANCELLED`.
    Cancelled,
    /// A later event has the same `UID`.
    DuplicateUid,
}

impl SkipReason {
    /// The stable label (`no_uid`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoUid => "no_uid",
            Self::BadDates => "bad_dates",
            Self::NoNights => "no_nights",
            Self::Cancelled => "cancelled",
            Self::DuplicateUid => "duplicate_uid",
        }
    }
}

/// One stay a channel holds, as its feed says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEvent {
    /// The channel's identifier, stable across syncs: the key that moves or releases a block.
    pub uid: String,
    /// The nights held.
    pub stay: Stay,
    /// The channel's label (`Reserved`, `CLOSED - Not available`). Some channels put a guest
    /// name here: store it if needed, never log it.
    pub summary: Option<String>,
}

/// An accepted feed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feed {
    /// One event per UID, in the order of first appearance.
    pub events: Vec<FeedEvent>,
    /// How many events were left out, by reason (reasons that did not occur are absent).
    pub skipped: BTreeMap<SkipReason, usize>,
}

/// Reads a feed body, converting date-times to local dates in `timezone` (the business
/// timezone, `Settings::timezone`). Bodies over `max_bytes` are refused unread.
pub fn parse_feed(body: &[u8], timezone: Tz, max_bytes: usize) -> Result<Feed, FeedRejected> {
    if body.len() > max_bytes {
        return Err(FeedRejected::TooLarge);
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return Err(FeedRejected::Empty);
    }
    let first_line = text.lines().next().unwrap_or_default().trim();
    if !first_line.eq_ignore_ascii_case("BEGIN:VCALENDAR") {
        return Err(FeedRejected::NotCalendar);
    }
    let last_line = text.lines().next_back().unwrap_or_default().trim();
    if !last_line.eq_ignore_ascii_case("END:VCALENDAR") {
        return Err(FeedRejected::Truncated);
    }
    let unfolded = parser::unfold(text);
    if nesting(&unfolded) > MAX_NESTING {
        return Err(FeedRejected::Malformed);
    }
    let mut roots = parser::read_components(&unfolded).map_err(|_| FeedRejected::Malformed)?;
    // One calendar, or the events of a second one would be dropped without a word.
    let (Some(root), None) = (roots.pop(), roots.pop()) else {
        return Err(FeedRejected::Malformed);
    };
    let calendar = Calendar::from(parser::Calendar {
        properties: root.properties,
        components: root.components,
    });
    Ok(collect(&calendar, timezone))
}

/// Whether a feed that had `previous_count` events and now has `new_count` looks cut off
/// rather than emptied: many events, then none at all. Channels list past stays for months,
/// so a real calendar rarely empties at once. The caller compares with the last *accepted*
/// count, so a feed that truly emptied stays refused until someone looks: that is the point.
pub fn looks_truncated_drop(previous_count: usize, new_count: usize) -> bool {
    previous_count >= SUSPICIOUS_DROP_FROM && new_count == 0
}

/// The deepest `BEGIN:` nesting of an unfolded calendar, never less than the parser would
/// reach, so that [`MAX_NESTING`] keeps the parser from recursing into a stack overflow. It counts
/// every line the parser could take as a `BEGIN:` (case-insensitive, even indented) and
/// un-counts only the exact `END:` lines it takes as ends (a mismatched `END:` makes it stop).
fn nesting(unfolded: &str) -> usize {
    let starts = |line: &str, tag: &str| {
        line.get(..tag.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(tag))
    };
    let (mut depth, mut deepest) = (0usize, 0usize);
    for line in unfolded.lines() {
        if starts(line.trim_start(), "BEGIN:") {
            depth += 1;
            deepest = deepest.max(depth);
        } else if starts(line, "END:") {
            depth = depth.saturating_sub(1);
        }
    }
    deepest
}

fn collect(calendar: &Calendar, timezone: Tz) -> Feed {
    let mut feed = Feed::default();
    let mut position: HashMap<String, usize> = HashMap::new();
    for component in &calendar.components {
        let CalendarComponent::Event(event) = component else {
            continue;
        };
        match read_event(event, timezone) {
            Err(reason) => *feed.skipped.entry(reason).or_default() += 1,
            Ok(read) => match position.get(&read.uid) {
                Some(&at) => {
                    feed.events[at] = read;
                    *feed.skipped.entry(SkipReason::DuplicateUid).or_default() += 1;
                }
                None => {
                    position.insert(read.uid.clone(), feed.events.len());
                    feed.events.push(read);
                }
            },
        }
    }
    feed
}

fn read_event(event: &Event, timezone: Tz) -> Result<FeedEvent, SkipReason> {
    let uid = event
        .get_uid()
        .map(str::trim)
        .filter(|uid| !uid.is_empty())
        .ok_or(SkipReason::NoUid)?;
    if event
        .property_value("STATUS")
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("CANCELLED"))
    {
        return Err(SkipReason::Cancelled);
    }
    let start = event.get_start().ok_or(SkipReason::BadDates)?;
    let check_in = local_date(&start, timezone);
    let check_out = match (event.get_end(), event.property_value("DURATION")) {
        (Some(end), _) => local_date(&end, timezone),
        (None, Some(raw)) => end_after(&start, parse_duration(raw)?, timezone)?,
        (None, None) => check_in.succ_opt().ok_or(SkipReason::BadDates)?,
    };
    if !date::is_supported(check_in) || !date::is_supported(check_out) {
        return Err(SkipReason::BadDates);
    }
    let stay = Stay::new(check_in, check_out).ok_or(SkipReason::NoNights)?;
    Ok(FeedEvent {
        uid: uid.to_owned(),
        stay,
        summary: event.get_summary().map(str::to_owned),
    })
}

/// The business-local date of a `DTSTART`/`DTEND` value (see the module doc).
fn local_date(value: &DatePerhapsTime, timezone: Tz) -> NaiveDate {
    match value {
        DatePerhapsTime::Date(day) => *day,
        DatePerhapsTime::DateTime(at) => match instant(at) {
            Some(utc) => utc.with_timezone(&timezone).date_naive(),
            None => wall_clock(at).date(),
        },
    }
}

/// The instant a date-time names, when it names one: floating times and unknown or
/// nonexistent (DST gap) zoned times do not.
fn instant(at: &CalendarDateTime) -> Option<DateTime<chrono::Utc>> {
    match at {
        CalendarDateTime::Utc(utc) => Some(*utc),
        CalendarDateTime::Floating(_) => None,
        CalendarDateTime::WithTimezone { date_time, tzid } => {
            // Some producers write the zone as a path (`/Europe/Madrid`).
            let zone: Tz = tzid.trim().trim_start_matches('/').parse().ok()?;
            let local = zone.from_local_datetime(date_time).earliest()?;
            Some(local.to_utc())
        }
    }
}

fn wall_clock(at: &CalendarDateTime) -> NaiveDateTime {
    match at {
        CalendarDateTime::Utc(utc) => utc.naive_utc(),
        CalendarDateTime::Floating(naive) => *naive,
        CalendarDateTime::WithTimezone { date_time, .. } => *date_time,
    }
}

/// The local end date of an event given as `DTSTART` + `DURATION`.
fn end_after(
    start: &DatePerhapsTime,
    length: Duration,
    timezone: Tz,
) -> Result<NaiveDate, SkipReason> {
    let end = match start {
        DatePerhapsTime::Date(day) => day.checked_add_signed(length),
        DatePerhapsTime::DateTime(at) => match instant(at) {
            Some(utc) => utc
                .checked_add_signed(length)
                .map(|end| end.with_timezone(&timezone).date_naive()),
            None => wall_clock(at)
                .checked_add_signed(length)
                .map(|end| end.date()),
        },
    };
    end.ok_or(SkipReason::BadDates)
}

/// A non-negative RFC 5545 duration in weeks, days, hours, minutes and seconds (`P3D`,
/// `P1W`, `PT36H`, `P1DT12H`). Channels that send `DURATION` use whole days; anything
/// unreadable skips the event rather than guessing its length.
fn parse_duration(raw: &str) -> Result<Duration, SkipReason> {
    let raw = raw.trim();
    let body = raw
        .strip_prefix('+')
        .unwrap_or(raw)
        .strip_prefix('P')
        .ok_or(SkipReason::BadDates)?;
    let (mut total, mut digits, mut in_time) = (Duration::zero(), String::new(), false);
    for c in body.chars() {
        let unit = match (c, in_time) {
            ('T', false) if digits.is_empty() => {
                in_time = true;
                continue;
            }
            ('0'..='9', _) if digits.len() < 6 => {
                digits.push(c);
                continue;
            }
            ('W', false) => Duration::weeks(1),
            ('D', false) => Duration::days(1),
            ('H', true) => Duration::hours(1),
            ('M', true) => Duration::minutes(1),
            ('S', true) => Duration::seconds(1),
            _ => return Err(SkipReason::BadDates),
        };
        let count: i32 = digits.parse().map_err(|_| SkipReason::BadDates)?;
        total += unit * count;
        digits.clear();
    }
    if digits.is_empty() && total > Duration::zero() {
        Ok(total)
    } else {
        Err(SkipReason::BadDates)
    }
}

#[cfg(test)]
#[path = "ical_feed_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "ical_feed_props.rs"]
mod props;
