//! Unit tests of the feed URL checks and the health word (pure).

use super::*;

fn feed(
    attempt: Option<i64>,
    success: Option<i64>,
    failures: i32,
    error: Option<&str>,
) -> ical_feed::Model {
    let at = |minutes_ago: i64| (now() - Duration::minutes(minutes_ago)).into();
    ical_feed::Model {
        id: 1,
        accommodation_id: 1,
        source: FeedSource::Airbnb,
        url: "https://www.airbnb.com/calendar/ical/1.ics?s=secret".into(),
        etag: None,
        last_modified: None,
        last_attempt_at: attempt.map(at),
        last_success_at: success.map(at),
        last_error: error.map(str::to_owned),
        consecutive_failures: failures,
        event_count: 0,
        created_at: at(120),
        updated_at: at(120),
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("valid timestamp")
}

#[test]
fn a_feed_reads_pending_ok_failing_or_stale() {
    let cases = [
        (feed(None, None, 0, None), FeedHealth::Pending),
        (feed(Some(5), Some(5), 0, None), FeedHealth::Ok),
        (feed(Some(30), Some(30), 0, None), FeedHealth::Ok),
        (feed(Some(31), Some(31), 0, None), FeedHealth::Stale),
        (
            feed(Some(1), Some(10), 1, Some("HTTP 500")),
            FeedHealth::Failing,
        ),
        (feed(Some(1), None, 3, Some("timeout")), FeedHealth::Failing),
        (
            feed(Some(1), Some(600), 9, Some("HTTP 404")),
            FeedHealth::Failing,
        ),
    ];
    for (row, expected) in cases {
        assert_eq!(FeedHealth::of(&row, now()), expected, "{row:?}");
    }
}

#[test]
fn feed_urls_must_be_web_urls_with_a_host_and_no_credentials() {
    let code = |raw: &str| FeedUrl::parse(raw).err().map(|e| e.code);
    assert_eq!(
        code("https://www.airbnb.com/calendar/ical/1.ics?s=abc"),
        None
    );
    assert_eq!(code("http://example.com/feed.ics"), None);
    for bad in [
        "ftp://example.com/feed.ics",
        "not a url",
        "https://",
        "mailto:a@b.cd",
        " https://example.com/x",
    ] {
        assert_eq!(code(bad).as_deref(), Some("invalid_url"), "{bad}");
    }
    for bad in [
        "https://user:pass@example.com/x.ics",
        "https://user@example.com/x.ics",
    ] {
        assert_eq!(code(bad).as_deref(), Some("credentials_in_url"), "{bad}");
    }
    let long = format!("https://example.com/{}", "a".repeat(2048));
    assert_eq!(code(&long).as_deref(), Some("too_long"));
}

#[test]
fn a_feed_url_shows_only_its_host_when_debugged() {
    let url = FeedUrl::parse("https://www.airbnb.com/calendar/ical/1.ics?s=secret").expect("valid");
    assert_eq!(url.host(), "www.airbnb.com");
    assert!(!format!("{url:?}").contains("secret"));
    assert_eq!(url_host(url.as_str()), "www.airbnb.com");
}
