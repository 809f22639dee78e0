//! Benchmark: one calendar sync cycle over many channel feeds served by a local host. Run
//! through `ops/bench/ical_sync.sh` (release build, loopback only, bounded by the feed count).
//!
//! It makes N cabins with one feed each (E events per feed) in a throwaway database and times
//! three cycles of `service::ical_sync::sync_all`, as the worker's cron runs it: the first
//! import (every event inserted), an unchanged cycle (every feed answers `304`), and a cycle
//! in which every feed changed (one stay moved, one gone, one new).

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use shared::{
    clock::Clock,
    domain::FeedSource,
    entities::ical_feed,
    service::ical_sync::{self, Syncer},
};
use tests::harness::{
    TestApp,
    feed_stub::{FeedHost, FeedReply},
    fixtures,
};

/// A feed of `events` two-night stays, a week apart from `start`, shifted by `shift` days
/// for the first one and with the last replaced when `changed`.
fn feed_body(feed: usize, events: usize, start: NaiveDate, changed: bool) -> String {
    let mut body = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bench//EN\r\n");
    for e in 0..events {
        let (uid, offset) = match (changed, e) {
            (true, 0) => (format!("{feed}-0@bench"), 1),
            (true, e) if e + 1 == events => (format!("{feed}-new@bench"), 7 * e as i64),
            (_, e) => (format!("{feed}-{e}@bench"), 7 * e as i64),
        };
        let check_in = start + Duration::days(offset);
        body.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261120T000000Z\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\n",
            check_in.format("%Y%m%d"),
            (check_in + Duration::days(2)).format("%Y%m%d"),
        ));
    }
    body.push_str("END:VCALENDAR\r\n");
    body
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let feeds = args.next().flatten().unwrap_or(200);
    let events = args.next().flatten().unwrap_or(30);
    let app = TestApp::new().await;
    let host = FeedHost::start().await;
    let start = app.today() + Duration::days(10);
    for f in 0..feeds {
        let cabin = fixtures::cabin(&format!("Cabaña {f}"))
            .insert(app.conn())
            .await;
        host.serve(
            &f.to_string(),
            FeedReply::calendar(feed_body(f, events, start, false)),
        );
        let now = app.clock.now().into();
        ical_feed::ActiveModel {
            accommodation_id: Set(cabin.id),
            source: Set(FeedSource::Airbnb),
            url: Set(host.feed_url(&f.to_string())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(app.conn())
        .await
        .expect("insert feed");
    }
    let syncer = Syncer::from_settings(&app.settings, app.clock.clone()).expect("syncer");
    let cycle = |name: &'static str| {
        let (app, syncer) = (&app, &syncer);
        async move {
            let started = Instant::now();
            let report = ical_sync::sync_all(app.conn(), syncer)
                .await
                .expect("cycle");
            let took = started.elapsed();
            assert_eq!(report.failed, 0, "{name}: {report:?}");
            println!(
                "| {name} | {feeds} | {events} | {:.0} ms |",
                took.as_secs_f64() * 1000.0
            );
        }
    };
    cycle("first import").await;
    cycle("unchanged (304)").await;
    for f in 0..feeds {
        host.serve(
            &f.to_string(),
            FeedReply::calendar(feed_body(f, events, start, true)),
        );
    }
    cycle("every feed changed").await;
}
