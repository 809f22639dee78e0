//! The busy nights of one accommodation as an RFC 5545 calendar, for the channels that poll
//! us (Airbnb, Booking.com, anyone with the generic URL).
//!
//! Rendering is a pure function of what is exported, so the same stays give the same bytes
//! (the feed's `ETag` is a hash of them). Nothing personal is ever rendered: an event carries
//! its nights, a UID made of the reservation's opaque uuid and a fixed summary.

use std::{fmt, str::FromStr};

use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike, Property};
use uuid::Uuid;

use super::{Channel, IcalToken};

/// The `PRODID` of every feed we publish.
pub const PRODID: &str = "-//Cabanas//iCal export 1.0//ES";

/// The summary of a guest's stay: says the nights are taken, nothing about whom by.
pub const RESERVED: &str = "Reserved";

/// The summary of a blocked stay (closed by the owner, or imported from another channel).
pub const NOT_AVAILABLE: &str = "Not available";

/// Why a feed's nights are busy: the only thing its summary tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// A guest's stay (a hold or a booking): [`RESERVED`].
    Reserved,
    /// A block, the owner's or another channel's: [`NOT_AVAILABLE`].
    Blocked,
}

impl Busy {
    /// The event's `SUMMARY`.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Reserved => RESERVED,
            Self::Blocked => NOT_AVAILABLE,
        }
    }
}

/// Who reads an export feed; each has its own URL and token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeedConsumer {
    /// Airbnb's calendar import.
    Airbnb,
    /// Booking.com's calendar import.
    Booking,
    /// Anyone else (the `ical_export_token` of the system this replaces).
    Generic,
}

impl FeedConsumer {
    /// Every consumer, in the order the owner sees their URLs.
    pub const ALL: [Self; 3] = [Self::Airbnb, Self::Booking, Self::Generic];

    /// The wire name (`airbnb`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Airbnb => "airbnb",
            Self::Booking => "booking",
            Self::Generic => "generic",
        }
    }

    /// Whose export URL `token` belongs to, of the tokens `token_of` names. Every consumer's
    /// token is compared, in constant time and with no early exit, so the answer's timing says
    /// nothing about which (or how much of one) matched.
    pub fn owning<'a>(token: &str, token_of: impl Fn(Self) -> &'a IcalToken) -> Option<Self> {
        Self::ALL
            .into_iter()
            .map(|consumer| (consumer, token_of(consumer).matches(token)))
            .fold(
                None,
                |found, (consumer, hit)| if hit { Some(consumer) } else { found },
            )
    }

    /// The channel whose stays this consumer's feed leaves out: a channel must not see its own
    /// bookings echoed back (an echo keeps nights blocked there after they cancel them).
    pub fn echoed_channel(self) -> Option<Channel> {
        match self {
            Self::Airbnb => Some(Channel::Airbnb),
            Self::Booking => Some(Channel::Booking),
            Self::Generic => None,
        }
    }
}

impl fmt::Display for FeedConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FeedConsumer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown feed consumer {s:?}; expected airbnb, booking or generic")
            })
    }
}

/// One stay as the feed shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedStay {
    /// The reservation's opaque id: the event's UID for the life of the stay.
    pub uuid: Uuid,
    /// First night.
    pub check_in: NaiveDate,
    /// Departure day (not a night): `DTEND` is exclusive, as the stay is.
    pub check_out: NaiveDate,
    /// Last change of the reservation, as `DTSTAMP` (stable, so the body is too).
    pub changed_at: DateTime<Utc>,
    /// A guest's stay or a block.
    pub busy: Busy,
}

/// What a feed is made of.
#[derive(Clone, Copy, Debug)]
pub struct FeedCalendar<'a> {
    /// The accommodation's display name (`X-WR-CALNAME`).
    pub name: &'a str,
    /// The host of UIDs (`<uuid>@<host>`), the public API's host name.
    pub uid_host: &'a str,
    /// The stays, in the order they are rendered.
    pub stays: &'a [ExportedStay],
}

/// The calendar text: CRLF line ends, lines folded at 75 octets, text values escaped (all
/// three by `icalendar`; `tests` below hold it to that for multi-byte names).
pub fn render(feed: &FeedCalendar<'_>) -> String {
    let mut calendar = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        ("PRODID", PRODID),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        // Not `Calendar::name`: it also writes `NAME`, which icalendar does not escape.
        ("X-WR-CALNAME", feed.name),
    ] {
        calendar.append_property(Property::new(key, value));
    }
    calendar.extend(feed.stays.iter().map(|stay| {
        Event::new()
            .uid(&format!("{}@{}", stay.uuid, feed.uid_host))
            .timestamp(stay.changed_at)
            .starts(stay.check_in)
            .ends(stay.check_out)
            .summary(stay.busy.summary())
            .done()
    }));
    calendar.to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use icalendar::{CalendarComponent, DatePerhapsTime};

    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn stay() -> ExportedStay {
        ExportedStay {
            uuid: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
            check_in: date("2027-01-10"),
            check_out: date("2027-01-13"),
            changed_at: Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
            busy: Busy::Reserved,
        }
    }

    fn feed(name: &str, stays: &[ExportedStay]) -> String {
        render(&FeedCalendar {
            name,
            uid_host: "cabanas.example",
            stays,
        })
    }

    #[test]
    fn a_stay_is_one_all_day_event_with_an_exclusive_end() {
        let text = feed("Cabaña", &[stay()]);
        for line in [
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "DTSTART;VALUE=DATE:20270110",
            "DTEND;VALUE=DATE:20270113",
            "DTSTAMP:20261129T120000Z",
            "SUMMARY:Reserved",
            "UID:01930000-0000-7000-8000-000000000001@cabanas.example",
        ] {
            assert!(
                text.contains(&format!("{line}\r\n")),
                "{line} missing in {text}"
            );
        }
        let parsed: Calendar = text.parse().expect("parses back");
        let events: Vec<_> = parsed
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].get_start(),
            Some(DatePerhapsTime::Date(date("2027-01-10")))
        );
    }

    #[test]
    fn a_block_says_not_available_and_a_guests_stay_reserved() {
        let block = ExportedStay {
            busy: Busy::Blocked,
            check_in: date("2027-02-01"),
            check_out: date("2027-02-03"),
            ..stay()
        };
        let text = feed("Cabaña", &[stay(), block]);
        let summaries: Vec<_> = text
            .split("\r\n")
            .filter(|line| line.starts_with("SUMMARY:"))
            .collect();
        assert_eq!(summaries, ["SUMMARY:Reserved", "SUMMARY:Not available"]);
    }

    #[test]
    fn the_same_stays_render_the_same_bytes() {
        assert_eq!(feed("A", &[stay()]), feed("A", &[stay()]));
    }

    #[test]
    fn every_line_ends_in_crlf_and_fits_75_octets_even_with_a_long_multibyte_name() {
        let name = "Cabaña «Ñandú» junto al lago Nahuel Huapi — señorío de montaña 🏔️ ".repeat(4);
        let text = feed(&name, &[stay()]);
        assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            assert!(!line.contains('\n'), "bare LF in {line:?}");
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        let parsed: Calendar = text.parse().expect("parses back");
        assert_eq!(parsed.property_value("X-WR-CALNAME"), Some(name.as_str()));
    }

    #[test]
    fn text_values_are_escaped() {
        let name = r"Lago, bosque; y \ barra";
        let text = feed(name, &[]);
        assert!(
            text.contains(r"X-WR-CALNAME:Lago\, bosque\; y \\ barra"),
            "{text}"
        );
        let parsed: Calendar = text.parse().expect("parses back");
        assert_eq!(parsed.property_value("X-WR-CALNAME"), Some(name));
    }

    #[test]
    fn only_channel_feeds_leave_out_their_own_stays() {
        assert_eq!(FeedConsumer::Airbnb.echoed_channel(), Some(Channel::Airbnb));
        assert_eq!(
            FeedConsumer::Booking.echoed_channel(),
            Some(Channel::Booking)
        );
        assert_eq!(FeedConsumer::Generic.echoed_channel(), None);
        assert_eq!("Booking".parse(), Ok(FeedConsumer::Booking));
        assert!("vrbo".parse::<FeedConsumer>().is_err());
    }
}
