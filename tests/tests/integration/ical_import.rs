//! The iCal import (issue 8, "Import"): channel feeds served by a local host become blocks
//! under the exclusion constraint; moved and removed UIDs move and release them; suspicious
//! answers keep the previous blocks; collisions with our guests are recorded, never dropped.

use chrono::{Duration, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;
use shared::clock::Clock;
use shared::{
    domain::{ConflictResolution, FeedSource, ReservationStatus},
    entities::{ical_conflict, ical_feed, reservation},
    service::ical_sync::{self, SyncOutcome, Syncer},
};
use tests::harness::{
    TestApp,
    app::test_settings,
    feed_stub::{AIRBNB_FIXTURE, BOOKING_FIXTURE, FeedHost, FeedReply},
    fixtures, reply,
    servers::RunningSystem,
    wait_until,
};

fn date(raw: &str) -> NaiveDate {
    raw.parse().expect("a date")
}

/// An app whose clock reads 2026-12-01, before the fixtures' stays.
async fn app_on_dec_1st() -> TestApp {
    let app = TestApp::new().await;
    app.travel_to(date("2026-12-01"));
    app
}

/// Books `[from, to)` of `cabin` as a guest through the public API.
async fn book(app: &TestApp, cabin: i32, from: &str, to: &str) -> tests::harness::Reply {
    app.book(&fixtures::booking(cabin, date(from), date(to)))
        .await
}

async fn feed(app: &TestApp, cabin: i32, source: FeedSource, url: String) -> ical_feed::Model {
    let now = app.clock.now().into();
    ical_feed::ActiveModel {
        accommodation_id: Set(cabin),
        source: Set(source),
        url: Set(url),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.conn())
    .await
    .expect("insert feed")
}

async fn sync(app: &TestApp, feed: &ical_feed::Model) -> ical_sync::SyncReport {
    let syncer = Syncer::from_settings(&app.settings, app.clock.clone()).expect("syncer");
    ical_sync::sync_feed(app.conn(), &syncer, feed.id)
        .await
        .expect("sync")
}

/// The standing blocks of a cabin as `(check_in, check_out)`, by check-in.
async fn blocks(app: &TestApp, cabin: i32) -> Vec<(String, String)> {
    reservation::Entity::find()
        .filter(reservation::Column::AccommodationId.eq(cabin))
        .filter(reservation::Column::Status.eq(ReservationStatus::Blocked))
        .order_by_asc(reservation::Column::CheckIn)
        .all(app.conn())
        .await
        .expect("blocks")
        .into_iter()
        .map(|r| (r.check_in.to_string(), r.check_out.to_string()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// A feed of all-day events `(uid, first night, departure)` in `YYYYMMDD`.
fn calendar(events: &[(&str, &str, &str)]) -> String {
    let mut body =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Channel//EN\r\n");
    for (uid, start, end) in events {
        body.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261120T000000Z\r\nDTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\n"
        ));
    }
    body.push_str("END:VCALENDAR\r\n");
    body
}

async fn busy(app: &TestApp, cabin: i32, from: &str, to: &str) -> Value {
    let resp = reply(
        app.client
            .get(format!(
                "/api/v1/accommodations/{cabin}/availability?from={from}&to={to}"
            ))
            .send()
            .await,
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["busy"].clone()
}

#[tokio::test]
async fn the_airbnb_and_booking_fixtures_block_exactly_their_nights_and_guests_get_409() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    host.serve("airbnb", FeedReply::calendar(AIRBNB_FIXTURE));
    host.serve("booking", FeedReply::calendar(BOOKING_FIXTURE));
    let airbnb = feed(&app, cabin.id, FeedSource::Airbnb, host.feed_url("airbnb")).await;
    let booking = feed(
        &app,
        cabin.id,
        FeedSource::Booking,
        host.feed_url("booking"),
    )
    .await;

    let first = sync(&app, &airbnb).await;
    let second = sync(&app, &booking).await;

    assert!(
        matches!(first.outcome, SyncOutcome::Updated(c) if c.imported == 2),
        "{first:?}"
    );
    assert!(
        matches!(second.outcome, SyncOutcome::Updated(c) if c.imported == 1),
        "{second:?}"
    );
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[
            ("2027-01-26", "2027-01-30"),
            ("2027-02-03", "2027-02-07"),
            ("2027-02-08", "2027-02-13"),
        ])
    );
    assert_eq!(first.feed.event_count, 2);
    assert!(first.feed.last_success_at.is_some() && first.feed.last_error.is_none());
    let busy = busy(&app, cabin.id, "2027-01-20", "2027-02-20").await;
    assert_eq!(busy.as_array().map(Vec::len), Some(3), "{busy}");
    assert!(
        busy.as_array()
            .into_iter()
            .flatten()
            .all(|r| r["status"] == "booked"),
        "{busy}"
    );
    let resp = book(&app, cabin.id, "2027-02-05", "2027-02-09").await;
    assert_eq!(resp.status, 409, "{}", resp.text);
    let free = book(&app, cabin.id, "2027-02-13", "2027-02-15").await;
    assert_eq!(free.status, 201, "back-to-back with a block: {}", free.text);
}

#[tokio::test]
async fn a_moved_uid_moves_its_block_and_a_removed_uid_releases_it() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    host.serve(
        "f",
        FeedReply::calendar(calendar(&[
            ("a@x", "20270110", "20270112"),
            ("b@x", "20270120", "20270125"),
        ])),
    );
    let f = feed(&app, cabin.id, FeedSource::Other, host.feed_url("f")).await;
    sync(&app, &f).await;
    let uuid_of_a = reservation::Entity::find()
        .filter(reservation::Column::ExternalUid.eq("a@x"))
        .one(app.conn())
        .await
        .expect("query")
        .expect("block a")
        .uuid;

    host.serve(
        "f",
        FeedReply::calendar(calendar(&[("a@x", "20270111", "20270114")])),
    );
    let report = sync(&app, &f).await;

    assert!(
        matches!(report.outcome, SyncOutcome::Updated(c) if c.moved == 1 && c.released == 1 && c.imported == 0),
        "{report:?}"
    );
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[("2027-01-11", "2027-01-14")])
    );
    let moved = reservation::Entity::find()
        .filter(reservation::Column::ExternalUid.eq("a@x"))
        .filter(reservation::Column::Status.eq(ReservationStatus::Blocked))
        .one(app.conn())
        .await
        .expect("query")
        .expect("block a");
    assert_eq!(
        moved.uuid, uuid_of_a,
        "a moved block keeps its identity (and export UID)"
    );
    let freed = book(&app, cabin.id, "2027-01-20", "2027-01-25").await;
    assert_eq!(freed.status, 201, "{}", freed.text);
}

#[tokio::test]
async fn suspicious_answers_keep_the_previous_blocks_and_say_why() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let events: Vec<(String, String, String)> = (0..6)
        .map(|i| {
            (
                format!("e{i}@x"),
                format!("202702{:02}", 1 + 3 * i),
                format!("202702{:02}", 2 + 3 * i),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|(u, s, e)| (u.as_str(), s.as_str(), e.as_str()))
        .collect();
    let good = calendar(&refs);
    host.serve("f", FeedReply::calendar(good.clone()));
    let f = feed(&app, cabin.id, FeedSource::Airbnb, host.feed_url("f")).await;
    sync(&app, &f).await;
    let before = blocks(&app, cabin.id).await;
    assert_eq!(before.len(), 6);

    let truncated = good[..good.len() / 2].to_owned();
    let cases = [
        (
            "server error",
            FeedReply::other(500, "text/plain", "oops"),
            "http_status",
        ),
        (
            "html page",
            FeedReply::other(
                200,
                "text/html",
                "<!doctype html><html><body>Log in</body></html>",
            ),
            "not_calendar",
        ),
        ("empty", FeedReply::other(200, "text/calendar", ""), "empty"),
        (
            "truncated",
            FeedReply::other(200, "text/calendar", truncated),
            "truncated",
        ),
        (
            "drop to zero",
            FeedReply::calendar(calendar(&[])),
            "dropped_to_zero",
        ),
    ];
    for (round, (name, reply, reason)) in cases.into_iter().enumerate() {
        host.serve("f", reply);
        let report = sync(&app, &f).await;
        let SyncOutcome::Failed(failed) = &report.outcome else {
            panic!("{name}: {report:?}");
        };
        assert_eq!(failed.reason, reason, "{name}");
        assert_eq!(blocks(&app, cabin.id).await, before, "{name}: blocks kept");
        assert_eq!(
            report.feed.consecutive_failures,
            i32::try_from(round).expect("small") + 1,
            "{name}"
        );
        assert!(report.feed.last_error.is_some(), "{name}");
        assert!(
            !report
                .feed
                .last_error
                .as_deref()
                .unwrap_or_default()
                .contains("127.0.0.1"),
            "{name}: no URL in the error"
        );
    }
    host.serve("f", FeedReply::calendar(good));
    let healed = sync(&app, &f).await;
    // The validators of the last accepted body were kept, so the healed feed answers 304.
    assert!(
        matches!(healed.outcome, SyncOutcome::NotModified(_)),
        "{healed:?}"
    );
    assert_eq!(healed.feed.consecutive_failures, 0);
    assert_eq!(healed.feed.last_error, None);
}

#[tokio::test]
async fn an_unchanged_feed_is_fetched_conditionally() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let reply = FeedReply::calendar(BOOKING_FIXTURE);
    let etag = reply.etag.clone();
    host.serve("f", reply);
    let f = feed(&app, cabin.id, FeedSource::Booking, host.feed_url("f")).await;

    sync(&app, &f).await;
    let second = sync(&app, &f).await;

    assert!(
        matches!(second.outcome, SyncOutcome::NotModified(_)),
        "{second:?}"
    );
    assert_eq!(host.if_none_match("f"), vec![None, etag.clone()]);
    assert_eq!(second.feed.etag, etag);
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[("2027-02-08", "2027-02-13")])
    );
}

#[tokio::test]
async fn tzid_and_utc_date_times_map_to_local_dates_and_past_stays_are_left_alone() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
        BEGIN:VEVENT\r\nUID:tz@x\r\nDTSTART;TZID=America/Argentina/Buenos_Aires:20270301T150000\r\n\
        DTEND;TZID=America/Argentina/Buenos_Aires:20270303T100000\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:utc@x\r\nDTSTART:20270306T020000Z\r\nDTEND:20270308T020000Z\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:past@x\r\nDTSTART;VALUE=DATE:20261101\r\nDTEND;VALUE=DATE:20261105\r\nEND:VEVENT\r\n\
        END:VCALENDAR\r\n";
    host.serve("f", FeedReply::calendar(body));
    let f = feed(&app, cabin.id, FeedSource::Other, host.feed_url("f")).await;

    sync(&app, &f).await;

    // 02:00 UTC on the 6th is 23:00 on the 5th in Buenos Aires (UTC-3).
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[("2027-03-01", "2027-03-03"), ("2027-03-05", "2027-03-07")])
    );
}

#[tokio::test]
async fn a_block_over_our_guest_is_a_recorded_conflict_and_lands_once_the_nights_free_up() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let ours = book(&app, cabin.id, "2027-02-04", "2027-02-06").await;
    assert_eq!(ours.status, 201, "{}", ours.text);
    let code = ours.body["code"].as_str().expect("code").to_owned();
    host.serve("f", FeedReply::calendar(AIRBNB_FIXTURE));
    let f = feed(&app, cabin.id, FeedSource::Airbnb, host.feed_url("f")).await;

    let report = sync(&app, &f).await;
    let again = sync(&app, &f).await;

    assert!(
        matches!(report.outcome, SyncOutcome::Updated(c) if c.imported == 1 && c.new_guest_conflicts == 1),
        "{report:?}"
    );
    assert!(
        matches!(again.outcome, SyncOutcome::NotModified(c) if c.new_conflicts == 0 && c.open_conflicts == 1),
        "a conflict is recorded once: {again:?}"
    );
    let ours_now = fixtures::reservation(app.conn(), &code).await;
    assert_eq!(
        ours_now.status,
        ReservationStatus::PreReserved,
        "our guest is never cancelled"
    );
    let conflicts = ical_conflict::Entity::find()
        .all(app.conn())
        .await
        .expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.reservation_id, ours_now.id);
    assert_eq!(
        (
            conflict.check_in.to_string(),
            conflict.check_out.to_string()
        ),
        ("2027-02-03".into(), "2027-02-07".into())
    );
    assert!(
        app.metrics().await.contains("ical_conflicts_total"),
        "counted"
    );

    fixtures::set_status(app.conn(), &code, "cancelled").await;
    let retried = sync(&app, &f).await;

    assert!(
        matches!(retried.outcome, SyncOutcome::NotModified(c) if c.imported == 1),
        "{retried:?}"
    );
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[("2027-01-26", "2027-01-30"), ("2027-02-03", "2027-02-07")])
    );
    let resolved = ical_conflict::Entity::find_by_id(conflict.id)
        .one(app.conn())
        .await
        .expect("query")
        .expect("conflict");
    assert_eq!(resolved.resolution, Some(ConflictResolution::Placed));
}

#[tokio::test]
async fn healthz_is_degraded_while_a_feed_has_not_synced_for_30_minutes() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    host.serve("f", FeedReply::other(503, "text/plain", "maintenance"));
    let f = feed(&app, cabin.id, FeedSource::Booking, host.feed_url("f")).await;
    let health = || async {
        app.beat_as_worker().await;
        reply(app.client.get("/api/v1/healthz").send().await).await
    };

    let fresh = health().await;
    app.clock.advance(Duration::minutes(31));
    sync(&app, &f).await;
    let stale = health().await;
    host.serve("f", FeedReply::calendar(BOOKING_FIXTURE));
    sync(&app, &f).await;
    let healed = health().await;

    assert_eq!(
        (fresh.status, &fresh.body["status"]),
        (200, &"healthy".into()),
        "{}",
        fresh.text
    );
    assert_eq!(
        stale.status, 200,
        "a stale channel is no reason to restart the API"
    );
    assert_eq!(stale.body["status"], "degraded", "{}", stale.text);
    assert_eq!(stale.body["calendar_sync"]["stale_feeds"], 1);
    assert_eq!(healed.body["status"], "healthy", "{}", healed.text);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("ical_sync_failures_total{reason=\"http_status\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("ical_last_sync_age_minutes{"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_workers_cron_syncs_a_feed_and_its_nights_become_unavailable() {
    // Arrange: a real API and worker sharing the test's database, Redis namespace and clock,
    // with the sync every second.
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña E2E").insert(app.conn()).await;
    host.serve("f", FeedReply::calendar(BOOKING_FIXTURE));
    feed(&app, cabin.id, FeedSource::Booking, host.feed_url("f")).await;
    let mut settings = test_settings(&app.db, &app.redis);
    settings.job_ical_interval_seconds = 1;
    let system = RunningSystem::start(settings, app.clock.clone()).await;
    let url = format!(
        "{}/api/v1/accommodations/{}/availability?from=2027-02-01&to=2027-03-01",
        system.api_url, cabin.id
    );

    // Assert: the worker's cron fetches the feed and the nights show as busy.
    wait_until(
        "the worker's cron to import the feed",
        std::time::Duration::from_secs(20),
        || {
            let (http, url) = (system.http.clone(), url.clone());
            async move {
                let body: Value = http
                    .get(&url)
                    .send()
                    .await
                    .expect("GET")
                    .json()
                    .await
                    .expect("json");
                body["busy"]
                    == serde_json::json!([
                        {"check_in": "2027-02-08", "check_out": "2027-02-13", "status": "booked"}
                    ])
            }
        },
    )
    .await;
    let refused = system
        .http
        .post(format!("{}/api/v1/reservations", system.api_url))
        .json(&fixtures::booking(
            cabin.id,
            date("2027-02-10"),
            date("2027-02-12"),
        ))
        .send()
        .await
        .expect("POST /reservations");
    assert_eq!(refused.status(), 409);
    system.stop().await;
}

#[tokio::test]
async fn a_block_that_ended_is_not_released_when_the_channel_drops_it() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    host.serve(
        "f",
        FeedReply::calendar(calendar(&[
            ("early@x", "20261205", "20261207"),
            ("later@x", "20270105", "20270107"),
        ])),
    );
    let f = feed(&app, cabin.id, FeedSource::Other, host.feed_url("f")).await;
    sync(&app, &f).await;

    app.travel_to(date("2026-12-10"));
    host.serve("f", FeedReply::calendar(calendar(&[])));
    let report = sync(&app, &f).await;

    assert!(
        matches!(report.outcome, SyncOutcome::Updated(c) if c.released == 1),
        "{report:?}"
    );
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[("2026-12-05", "2026-12-07")]),
        "the past stay is history; the future one is released"
    );
}

#[tokio::test]
async fn the_owner_syncs_a_feed_now_and_reads_the_outcome() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    host.serve("f", FeedReply::calendar(AIRBNB_FIXTURE));
    let admin = app.admin().await;
    let created = admin
        .post(
            "/admin/ical-feeds",
            &serde_json::json!({"accommodation_id": cabin.id, "source": "airbnb", "url": host.feed_url("f")}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = format!("/admin/ical-feeds/{}/sync", created.body["id"]);

    let synced = admin.post_empty(&path).await;
    host.serve(
        "f",
        FeedReply::other(502, "text/html", "<html>Bad gateway</html>"),
    );
    let failed = admin.post_empty(&path).await;

    assert_eq!(synced.status, 200, "{}", synced.body);
    assert_eq!(synced.body["outcome"], "updated");
    assert_eq!(synced.body["imported"], 2);
    assert_eq!(synced.body["feed"]["status"], "ok");
    assert_eq!(synced.body["feed"]["event_count"], 2);
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert_eq!(failed.body["outcome"], "failed");
    assert_eq!(failed.body["reason"], "http_status");
    assert_eq!(failed.body["feed"]["status"], "failing");
    assert_eq!(failed.body["feed"]["consecutive_failures"], 1);
    assert_eq!(blocks(&app, cabin.id).await.len(), 2, "blocks kept");
    let unknown = admin.post_empty("/admin/ical-feeds/999999/sync").await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[tokio::test]
async fn the_legacy_import_path_adds_the_feed_once_and_syncs_it() {
    let app = app_on_dec_1st().await;
    let host = FeedHost::start().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    host.serve("f", FeedReply::calendar(BOOKING_FIXTURE));
    let body = serde_json::json!({"accommodation_id": cabin.id, "url": host.feed_url("f")});
    let anonymous = reply(
        app.client
            .post("/api/v1/ical/import")
            .body_json(&body)
            .send()
            .await,
    )
    .await;
    let admin = app.admin().await;

    let first = admin.post("/ical/import", &body).await;
    let second = admin.post("/ical/import", &body).await;

    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["outcome"], "updated");
    assert_eq!(first.body["feed"]["source"], "other");
    assert_eq!(second.body["outcome"], "not_modified", "{}", second.body);
    assert_eq!(
        second.body["feed"]["id"], first.body["feed"]["id"],
        "one feed per URL"
    );
    assert_eq!(
        blocks(&app, cabin.id).await,
        pairs(&[("2027-02-08", "2027-02-13")])
    );
    let bad = admin
        .post(
            "/ical/import",
            &serde_json::json!({"accommodation_id": cabin.id, "url": "ftp://x.example/cal.ics"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}
