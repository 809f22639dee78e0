//! Property tests: the feed parser never panics — on arbitrary bytes, on calendars of
//! arbitrary lines, on arbitrary edits of a real feed — and what `icalendar` renders comes
//! back with the same UIDs, nights and summaries.

use chrono_tz::America::Argentina::Buenos_Aires;
use icalendar::{Calendar, EventLike};
use proptest::prelude::*;

use super::*;

const AIRBNB: &[u8] = include_bytes!("../../../tests/fixtures/ical/airbnb.ics");

fn read(body: &[u8]) -> Result<Feed, FeedRejected> {
    parse_feed(body, Buenos_Aires, DEFAULT_MAX_FEED_BYTES)
}

/// Lines a channel could send, mangled ones included, so generated calendars reach the
/// parser and the date handling rather than stopping at the first check.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "BEGIN:VEVENT",
            "END:VEVENT",
            "BEGIN:VALARM",
            "END:VALARM",
            "BEGIN:X-N",
            "END:X-N",
            "UID:x",
            "STATUS:CANCELLED",
            "DTSTART;VALUE=DATE:20270110",
            "DTEND;VALUE=DATE:20270112",
            "DTSTART:20270110T020000Z",
            "DTEND;TZID=Europe/Madrid:20270112T030000",
            "DTEND;TZID=:20270112T030000",
            "DURATION:P1W2DT3H",
            "DTSTART;VALUE=DATE:99991231",
            " folded",
            "SUMMARY:a\\,b",
            ";:",
        ])
        .prop_map(str::to_owned),
        "[A-Z;=:0-9TZ/\\\\, -]{0,30}",
    ]
}

/// One edit of a byte string: overwrite, insert, delete a range, or cut the tail.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Cut(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<usize>(), 1..40usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        any::<usize>().prop_map(Edit::Cut),
    ]
}

fn apply(body: &mut Vec<u8>, edit: &Edit) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match edit {
        Edit::Set(i, b) if !body.is_empty() => {
            let i = at(*i, body.len());
            body[i] = *b;
        }
        Edit::Set(..) => {}
        Edit::Insert(i, bytes) => {
            let i = at(*i, body.len() + 1);
            body.splice(i..i, bytes.iter().copied());
        }
        Edit::Delete(i, n) => {
            let i = at(*i, body.len() + 1);
            body.drain(i..(i + n).min(body.len()));
        }
        Edit::Cut(i) => body.truncate(at(*i, body.len() + 1)),
    }
}

/// A stay to render: UID suffix, check-in as days after 2027-01-01, nights, summary.
fn stay() -> impl Strategy<Value = (u32, i64, i64, String)> {
    (
        any::<u32>(),
        0..3000i64,
        1..60i64,
        "[a-zA-Z0-9 ,;:áñü\\\\\"]{1,90}",
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = read(&body);
    }

    #[test]
    fn calendars_of_arbitrary_lines_never_panic(lines in prop::collection::vec(line(), 0..40)) {
        let body = format!("BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n", lines.join("\r\n"));
        let _ = read(body.as_bytes());
    }

    #[test]
    fn edits_of_a_real_feed_never_panic(edits in prop::collection::vec(edit(), 1..6)) {
        let mut body = AIRBNB.to_vec();
        for e in &edits {
            apply(&mut body, e);
        }
        if let Ok(feed) = read(&body) {
            prop_assert!(feed.events.iter().all(|e| e.stay.check_in() < e.stay.check_out()));
        }
    }

    #[test]
    fn a_rendered_feed_reads_back_the_same(stays in prop::collection::vec(stay(), 0..40)) {
        let base = NaiveDate::from_ymd_opt(2027, 1, 1).expect("valid date");
        let mut expected: Vec<FeedEvent> = Vec::new();
        let mut calendar = Calendar::new();
        for (n, (tag, from, nights, summary)) in stays.iter().enumerate() {
            let check_in = base + Duration::days(*from);
            let check_out = check_in + Duration::days(*nights);
            let uid = format!("{n}-{tag}@render.test");
            calendar.push(
                Event::new().uid(&uid).summary(summary).starts(check_in).ends(check_out).done(),
            );
            expected.push(FeedEvent {
                uid,
                stay: Stay::new(check_in, check_out).expect("nights > 0"),
                summary: Some(summary.clone()),
            });
        }
        let body = calendar.done().to_string();
        let feed = read(body.as_bytes()).expect("a rendered feed is accepted");
        prop_assert_eq!(feed.events, expected);
        prop_assert!(feed.skipped.is_empty());
    }
}
