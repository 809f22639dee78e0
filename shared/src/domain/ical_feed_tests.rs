//! Unit tests: the channels' real fixtures, each shape a channel sends, and each refusal.

use chrono_tz::America::Argentina::Buenos_Aires;

use super::*;

const AIRBNB: &[u8] = include_bytes!("../../../tests/fixtures/ical/airbnb.ics");
const BOOKING: &[u8] = include_bytes!("../../../tests/fixtures/ical/booking.ics");

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A CRLF calendar around the given event bodies (each a list of property lines).
pub(super) fn calendar(events: &[&[&str]]) -> String {
    let mut lines = vec!["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"];
    for event in events {
        lines.push("BEGIN:VEVENT");
        lines.extend_from_slice(event);
        lines.push("END:VEVENT");
    }
    lines.push("END:VCALENDAR");
    lines.join("\r\n") + "\r\n"
}

fn parse(text: &str) -> Result<Feed, FeedRejected> {
    parse_feed(text.as_bytes(), Buenos_Aires, DEFAULT_MAX_FEED_BYTES)
}

/// The only event of an accepted one-event feed.
fn only(event: &[&str]) -> FeedEvent {
    let feed = parse(&calendar(&[event])).expect("accepted");
    assert_eq!(feed.events.len(), 1, "{feed:?}");
    feed.events[0].clone()
}

fn dates(event: &FeedEvent) -> (NaiveDate, NaiveDate) {
    (event.stay.check_in(), event.stay.check_out())
}

/// The one reason the only event of a feed was skipped.
fn skipped(event: &[&str]) -> SkipReason {
    let feed = parse(&calendar(&[event])).expect("accepted");
    assert!(feed.events.is_empty(), "{feed:?}");
    let reasons: Vec<_> = feed.skipped.into_iter().collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    reasons[0].0
}

#[test]
fn the_airbnb_fixture_blocks_exactly_its_two_stays() {
    let feed = parse_feed(AIRBNB, Buenos_Aires, DEFAULT_MAX_FEED_BYTES).expect("accepted");
    let got: Vec<_> = feed.events.iter().map(dates).collect();
    assert_eq!(
        got,
        [
            (day(2027, 1, 26), day(2027, 1, 30)),
            (day(2027, 2, 3), day(2027, 2, 7))
        ]
    );
    let nights: usize = feed
        .events
        .iter()
        .map(|e| e.stay.night_dates().count())
        .sum();
    assert_eq!(nights, 8);
    assert_eq!(feed.events[1].summary.as_deref(), Some("Reserved"));
    assert!(feed.events[1].uid.ends_with("@airbnb.com"));
    assert!(feed.skipped.is_empty());
}

#[test]
fn the_booking_fixture_blocks_exactly_its_stay() {
    let feed = parse_feed(BOOKING, Buenos_Aires, DEFAULT_MAX_FEED_BYTES).expect("accepted");
    let got: Vec<_> = feed.events.iter().map(dates).collect();
    assert_eq!(got, [(day(2027, 2, 8), day(2027, 2, 13))]);
    assert_eq!(
        feed.events[0].uid,
        "e927afc01f6b8d7001fbd73485479170@booking.com"
    );
    assert_eq!(
        feed.events[0].summary.as_deref(),
        Some("CLOSED - Not available")
    );
}

#[test]
fn utc_date_times_become_local_dates_in_the_business_timezone() {
    // 02:00Z is 23:00 the evening before in Buenos Aires (UTC-3); 15:00Z is noon.
    let event = only(&[
        "UID:u",
        "DTSTART:20270110T020000Z",
        "DTEND:20270112T150000Z",
    ]);
    assert_eq!(dates(&event), (day(2027, 1, 9), day(2027, 1, 12)));
}

#[test]
fn zoned_date_times_are_converted_from_their_zone() {
    // 03:00 in Madrid (UTC+1 in January) is 23:00 the day before in Buenos Aires.
    let madrid = only(&[
        "UID:u",
        "DTSTART;TZID=Europe/Madrid:20270110T030000",
        "DTEND;TZID=/Europe/Madrid:20270112T150000",
    ]);
    assert_eq!(dates(&madrid), (day(2027, 1, 9), day(2027, 1, 12)));
    let local = only(&[
        "UID:u",
        "DTSTART;TZID=America/Argentina/Buenos_Aires:20270110T000000",
        "DTEND;TZID=America/Argentina/Buenos_Aires:20270112T235959",
    ]);
    assert_eq!(dates(&local), (day(2027, 1, 10), day(2027, 1, 12)));
}

#[test]
fn floating_times_and_unknown_zones_keep_their_written_date() {
    let floating = only(&["UID:u", "DTSTART:20270110T230000", "DTEND:20270112T010000"]);
    assert_eq!(dates(&floating), (day(2027, 1, 10), day(2027, 1, 12)));
    let unknown = only(&[
        "UID:u",
        "DTSTART;TZID=Romance Standard Time:20270110T230000",
        "DTEND;TZID=Romance Standard Time:20270112T010000",
    ]);
    assert_eq!(dates(&unknown), (day(2027, 1, 10), day(2027, 1, 12)));
}

#[test]
fn a_missing_end_is_one_night_unless_a_duration_says_otherwise() {
    let bare = only(&["UID:u", "DTSTART;VALUE=DATE:20270110"]);
    assert_eq!(dates(&bare), (day(2027, 1, 10), day(2027, 1, 11)));
    let days = only(&["UID:u", "DTSTART;VALUE=DATE:20270110", "DURATION:P3D"]);
    assert_eq!(dates(&days), (day(2027, 1, 10), day(2027, 1, 13)));
    let hours = only(&["UID:u", "DTSTART:20270110T150000Z", "DURATION:P1DT20H"]);
    assert_eq!(dates(&hours), (day(2027, 1, 10), day(2027, 1, 12)));
    assert_eq!(
        skipped(&["UID:u", "DTSTART;VALUE=DATE:20270110", "DURATION:-P3D"]),
        SkipReason::BadDates
    );
}

#[test]
fn durations_read_weeks_days_and_times_and_refuse_the_rest() {
    assert_eq!(parse_duration("P1W"), Ok(Duration::weeks(1)));
    assert_eq!(parse_duration("+P2DT12H"), Ok(Duration::hours(60)));
    assert_eq!(parse_duration("PT90M"), Ok(Duration::minutes(90)));
    for bad in [
        "",
        "P",
        "PT",
        "P0D",
        "P3",
        "3D",
        "PT3D",
        "P1H",
        "P9999999D",
        "-P1D",
    ] {
        assert_eq!(parse_duration(bad), Err(SkipReason::BadDates), "{bad}");
    }
}

#[test]
fn an_end_not_after_the_start_is_skipped_and_counted() {
    let same = [
        "UID:u",
        "DTSTART;VALUE=DATE:20270110",
        "DTEND;VALUE=DATE:20270110",
    ];
    assert_eq!(skipped(&same), SkipReason::NoNights);
    let before = [
        "UID:u",
        "DTSTART;VALUE=DATE:20270110",
        "DTEND;VALUE=DATE:20270105",
    ];
    assert_eq!(skipped(&before), SkipReason::NoNights);
    let same_day = [
        "UID:u",
        "DTSTART:20270110T130000Z",
        "DTEND:20270110T180000Z",
    ];
    assert_eq!(skipped(&same_day), SkipReason::NoNights);
}

#[test]
fn events_without_uid_start_or_supported_year_or_that_are_cancelled_are_skipped() {
    assert_eq!(skipped(&["DTSTART;VALUE=DATE:20270110"]), SkipReason::NoUid);
    assert_eq!(
        skipped(&["UID: ", "DTSTART;VALUE=DATE:20270110"]),
        SkipReason::NoUid
    );
    assert_eq!(skipped(&["UID:u", "SUMMARY:x"]), SkipReason::BadDates);
    assert_eq!(
        skipped(&["UID:u", "DTSTART:tomorrow"]),
        SkipReason::BadDates
    );
    assert_eq!(
        skipped(&["UID:u", "DTSTART;VALUE=DATE:19991231"]),
        SkipReason::BadDates
    );
    let cancelled = ["UID:u", "STATUS:CANCELLED", "DTSTART;VALUE=DATE:20270110"];
    assert_eq!(skipped(&cancelled), SkipReason::Cancelled);
}

#[test]
fn a_repeated_uid_keeps_the_last_dates_at_the_first_position() {
    let feed = parse(&calendar(&[
        &["UID:a", "DTSTART;VALUE=DATE:20270110"],
        &["UID:b", "DTSTART;VALUE=DATE:20270120"],
        &["UID:a", "DTSTART;VALUE=DATE:20270115"],
    ]))
    .expect("accepted");
    let got: Vec<_> = feed
        .events
        .iter()
        .map(|e| (e.uid.as_str(), e.stay.check_in()))
        .collect();
    assert_eq!(got, [("a", day(2027, 1, 15)), ("b", day(2027, 1, 20))]);
    assert_eq!(feed.skipped.get(&SkipReason::DuplicateUid), Some(&1));
}

#[test]
fn folding_line_ends_a_bom_and_escapes_do_not_change_the_result() {
    let crlf = calendar(&[&[
        "UID:folded-",
        " uid@x",
        "SUMMARY:Casa\\, río\\; y ",
        "\tmás",
        "DTSTART;VALUE=DATE:20270110",
        "DTEND;VALUE=DATE:2027011",
        " 3",
    ]]);
    let lf = crlf.replace("\r\n", "\n");
    let bom = [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat();
    let expected = parse(&crlf).expect("accepted");
    assert_eq!(expected.events[0].uid, "folded-uid@x");
    assert_eq!(
        expected.events[0].summary.as_deref(),
        Some("Casa, río; y más")
    );
    assert_eq!(
        dates(&expected.events[0]),
        (day(2027, 1, 10), day(2027, 1, 13))
    );
    assert_eq!(parse(&lf), Ok(expected.clone()));
    assert_eq!(
        parse_feed(&bom, Buenos_Aires, DEFAULT_MAX_FEED_BYTES),
        Ok(expected)
    );
}

#[test]
fn unknown_properties_and_components_are_ignored() {
    let text = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "X-WR-CALNAME:Cabaña 1",
        "BEGIN:VTIMEZONE",
        "TZID:America/Argentina/Buenos_Aires",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:-0300",
        "TZOFFSETTO:-0300",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VTODO",
        "UID:todo",
        "DTSTART;VALUE=DATE:20270101",
        "END:VTODO",
        "BEGIN:X-CHANNEL-THING",
        "X-FOO;X-PARAM=1:bar",
        "END:X-CHANNEL-THING",
        "BEGIN:VEVENT",
        "UID:u",
        "X-AIRBNB-THING;LANG=es:algo",
        "DTSTART;VALUE=DATE:20270110",
        "DTEND;VALUE=DATE:20270112",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    .join("\n");
    let feed = parse(&text).expect("accepted");
    let got: Vec<_> = feed.events.iter().map(dates).collect();
    assert_eq!(got, [(day(2027, 1, 10), day(2027, 1, 12))]);
    assert!(feed.skipped.is_empty());
}

#[test]
fn an_empty_calendar_is_accepted_with_no_events() {
    assert_eq!(parse(&calendar(&[])), Ok(Feed::default()));
}

#[test]
fn bodies_that_are_not_a_whole_calendar_are_refused_with_their_reason() {
    let whole = calendar(&[&["UID:u", "DTSTART;VALUE=DATE:20270110"]]);
    let cut = &whole[..whole.len() - 8];
    let two_calendars = format!("{whole}{whole}");
    let nested = format!(
        "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
        "BEGIN:X\r\n".repeat(50_000),
        "END:X\r\n".repeat(50_000)
    );
    let cases = [
        ("", FeedRejected::Empty),
        (" \r\n\t", FeedRejected::Empty),
        (
            "<!DOCTYPE html><html><body>Error</body></html>",
            FeedRejected::NotCalendar,
        ),
        ("BEGIN:VCARD\r\nEND:VCARD\r\n", FeedRejected::NotCalendar),
        (cut, FeedRejected::Truncated),
        ("BEGIN:VCALENDAR", FeedRejected::Truncated),
        (
            "BEGIN:VCALENDAR\r\nnot a property\r\nEND:VCALENDAR",
            FeedRejected::Malformed,
        ),
        (&two_calendars, FeedRejected::Malformed),
        (&nested, FeedRejected::Malformed),
    ];
    for (body, reason) in cases {
        assert_eq!(parse(body), Err(reason), "{body:?}");
    }
}

#[test]
fn a_body_over_the_limit_is_refused_before_reading() {
    let body = calendar(&[&["UID:u", "DTSTART;VALUE=DATE:20270110"]]);
    let limit = body.len();
    assert!(parse_feed(body.as_bytes(), Buenos_Aires, limit).is_ok());
    let refused = parse_feed(body.as_bytes(), Buenos_Aires, limit - 1);
    assert_eq!(refused, Err(FeedRejected::TooLarge));
}

#[test]
fn five_thousand_events_parse() {
    let lines: Vec<[String; 3]> = (0..5000)
        .map(|i| {
            let start = day(2027, 1, 1) + Duration::days(i % 700);
            [
                format!("UID:{i}@big"),
                format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")),
                format!(
                    "DTEND;VALUE=DATE:{}",
                    (start + Duration::days(3)).format("%Y%m%d")
                ),
            ]
        })
        .collect();
    let events: Vec<Vec<&str>> = lines
        .iter()
        .map(|e| e.iter().map(String::as_str).collect())
        .collect();
    let events: Vec<&[&str]> = events.iter().map(Vec::as_slice).collect();
    let feed = parse(&calendar(&events)).expect("accepted");
    assert_eq!(feed.events.len(), 5000);
}

#[test]
fn only_a_drop_from_many_events_to_none_looks_truncated() {
    assert!(looks_truncated_drop(SUSPICIOUS_DROP_FROM, 0));
    assert!(looks_truncated_drop(300, 0));
    assert!(!looks_truncated_drop(SUSPICIOUS_DROP_FROM - 1, 0));
    assert!(!looks_truncated_drop(300, 1));
    assert!(!looks_truncated_drop(0, 0));
}

#[test]
fn labels_are_distinct_snake_case() {
    let rejected = [
        FeedRejected::TooLarge,
        FeedRejected::Empty,
        FeedRejected::NotCalendar,
        FeedRejected::Truncated,
        FeedRejected::Malformed,
    ]
    .map(FeedRejected::as_str);
    let skipped = [
        SkipReason::NoUid,
        SkipReason::BadDates,
        SkipReason::NoNights,
        SkipReason::Cancelled,
        SkipReason::DuplicateUid,
    ]
    .map(SkipReason::as_str);
    for labels in [rejected.as_slice(), skipped.as_slice()] {
        let unique: std::collections::BTreeSet<_> = labels.iter().collect();
        assert_eq!(unique.len(), labels.len());
        assert!(
            labels
                .iter()
                .all(|l| l.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }
}
