//! The cut-over import (issue 13): a database of the system this replaces, built from its
//! schema (tests/fixtures/legacy/schema.sql) and filled with every edge the issue names
//! (seed.sql), imported into ours.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use shared::{
    domain::ReservationCode,
    service::{
        ical_sync::{self, Syncer},
        legacy_import,
        legacy_report::{ImportReport, Skipped},
        payments::ReconcileEffect,
    },
    store,
};
use tests::harness::{
    TestApp, TestDb,
    feed_stub::{FeedHost, FeedReply},
    fixtures,
    mercadopago_stub::payment_json,
    payments::PaymentsApp,
    reply,
};

const SCHEMA: &str = include_str!("../../fixtures/legacy/schema.sql");
const SEED: &str = include_str!("../../fixtures/legacy/seed.sql");
/// Cabin 3's export token there, in the URL Airbnb and Booking.com call.
const LAKE_TOKEN: &str = "3f9a1c2b4d5e6f708192a3b4c5d6e7f8";

/// A database of the old system with the seed's rows.
async fn old_system() -> TestDb {
    let old = TestDb::empty(2).await;
    old.conn
        .execute_unprepared(SCHEMA)
        .await
        .expect("the old schema");
    old.conn
        .execute_unprepared(SEED)
        .await
        .expect("the old rows");
    old
}

async fn import(app: &TestApp, old: &TestDb, dry_run: bool) -> ImportReport {
    let data = legacy_import::read_old(&old.conn)
        .await
        .expect("the old database reads");
    legacy_import::import(app.conn(), &data, app.clock.as_ref(), dry_run)
        .await
        .expect("the import runs")
}

/// One text per row of each table, to compare whole databases.
async fn snapshot(db: &DatabaseConnection, tables: &[&str]) -> Vec<String> {
    let mut rows = Vec::new();
    for table in tables {
        let sql = format!("SELECT t::text AS row FROM {table} t ORDER BY t::text");
        for row in db.query_all_raw(stmt(&sql)).await.expect("snapshot") {
            rows.push(format!(
                "{table}: {}",
                row.try_get::<String>("", "row").expect("row")
            ));
        }
    }
    rows
}

const OURS: [&str; 6] = [
    "accommodations",
    "reservations",
    "payments",
    "payment_alerts",
    "ical_feeds",
    "ical_conflicts",
];

fn stmt(sql: &str) -> sea_orm::Statement {
    shared::db::stmt(sql, Vec::new())
}

async fn text(db: &DatabaseConnection, sql: &str) -> Option<String> {
    db.query_one_raw(stmt(sql))
        .await
        .expect("query")
        .and_then(|row| row.try_get_by_index::<Option<String>>(0).expect("text"))
}

async fn reservation(app: &TestApp, code: &str) -> shared::entities::reservation::Model {
    let code = ReservationCode::parse(code).expect("code");
    store::reservations::find_by_code(app.conn(), &code)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("{code} imported"))
}

#[tokio::test]
async fn ids_tokens_and_codes_are_kept_statuses_mapped_and_only_the_refused_rows_reported() {
    // Arrange
    let app = TestApp::new().await;
    let old = old_system().await;
    let old_before = snapshot(&old.conn, &["accommodations", "reservations", "payments"]).await;

    // Act
    let report = import(&app, &old, false).await;

    // Assert: the report lists exactly the refused rows, with their reasons.
    let skipped: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|Skipped { kind, key, .. }| (*kind, key.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("reservation", "RESG6J9K4"),
            ("reservation", "RESH1L3Z5"),
            ("payment", "1006")
        ],
        "{report}"
    );
    assert!(
        report.skipped[0]
            .reason
            .contains("overlap reservation RESF5G8H2"),
        "{report}"
    );
    assert!(
        report.skipped[1].reason.contains("bad date range"),
        "{report}"
    );
    assert!(
        report.skipped[2]
            .reason
            .contains("RESG6J9K4 was not imported"),
        "{report}"
    );
    assert_eq!(
        (report.accommodations.read, report.accommodations.imported),
        (2, 2)
    );
    assert_eq!((report.feeds.read, report.feeds.imported), (2, 2));
    assert_eq!(
        (report.reservations.read, report.reservations.imported),
        (11, 9)
    );
    assert_eq!((report.payments.read, report.payments.imported), (6, 5));
    let mapped = |what: &str| report.mapped.get(what).copied().unwrap_or_default();
    assert_eq!(
        mapped("status confirmed → confirmed"),
        3,
        "refused rows not counted: {report}"
    );
    assert_eq!(mapped("status cancelled (auto-expired) → expired"), 1);
    assert_eq!(
        mapped("status pre_reserved → blocked (imported block of its feed)"),
        2
    );
    let kept: Vec<&str> = report.phones_kept.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(kept, ["RESF5G8H2"]);

    // Ids and tokens of the accommodations, their fields mapped.
    let lake = store::accommodations::find(app.conn(), 3)
        .await
        .expect("cabin 3");
    assert_eq!(lake.ical_export_token.as_str(), LAKE_TOKEN);
    assert_eq!(
        lake.photos.0[0], "https://cdn.example.com/lago-1.jpg",
        "primary first"
    );
    assert_eq!(lake.location, "Ruta 40 km 2.5, Villa La Angostura, Neuquén");
    let forest = store::accommodations::find(app.conn(), 7)
        .await
        .expect("cabin 7");
    assert_eq!(
        forest.ical_export_token.as_str(),
        "c0ffee0123456789abcdef0123456789"
    );
    assert_eq!(forest.location, "Camino al Cerro Bayo 1200");
    let feeds = text(
        app.conn(),
        "SELECT string_agg(accommodation_id || ':' || source, ',' ORDER BY source) FROM ical_feeds",
    )
    .await;
    assert_eq!(
        feeds.as_deref(),
        Some("3:airbnb,3:booking"),
        "cabin 7 has no feed"
    );

    // Codes, ids and statuses of the reservations.
    let confirmed = reservation(&app, "RESA7K2M9").await;
    assert_eq!(confirmed.id, 101);
    assert_eq!(confirmed.status.as_str(), "confirmed");
    assert_eq!(
        confirmed.paid_amount.to_string(),
        "76500.00",
        "recomputed from payment 1001"
    );
    assert_eq!(confirmed.payment_status.as_str(), "deposit_paid");
    assert_eq!(
        confirmed.guest_phone.map(String::from).as_deref(),
        Some("+5491112345678")
    );
    assert_eq!(confirmed.total_price.to_string(), "255000.00");
    let notes = confirmed.notes.unwrap_or_default();
    assert!(
        notes.contains("Llega de noche") && notes.contains("Cuna para el bebé"),
        "{notes}"
    );
    let hold = reservation(&app, "RESB3N8P4").await;
    assert_eq!(hold.status.as_str(), "pre_reserved");
    assert_eq!(
        hold.guest_phone.map(String::from).as_deref(),
        Some("+5493514567890")
    );
    assert_eq!(
        reservation(&app, "RESC9Q2W5").await.status.as_str(),
        "expired",
        "lapsed hold"
    );
    assert_eq!(
        reservation(&app, "RESD4T6Y1").await.status.as_str(),
        "expired",
        "auto-expired"
    );
    let cancelled = reservation(&app, "RESE2U7I3").await;
    assert_eq!(cancelled.status.as_str(), "cancelled");
    assert_eq!(
        cancelled.cancellation_reason.as_deref(),
        Some("cambio de planes")
    );
    for (code, source, uid) in [
        ("BLK00000106", "airbnb", "1418fb94e984-6f3b2a1c@airbnb.com"),
        ("BLK00000107", "booking", "7c2e9d41a3b8@booking.com"),
    ] {
        let block = reservation(&app, code).await;
        assert_eq!(block.status.as_str(), "blocked", "{code}");
        assert_eq!(block.external_uid.as_deref(), Some(uid), "{code}");
        let feed = store::ical_feeds::find(app.conn(), block.ical_feed_id.expect("a feed"))
            .await
            .expect("its feed");
        assert_eq!(feed.source.as_str(), source, "{code}");
    }
    let no_phone = reservation(&app, "RESF5G8H2").await;
    assert_eq!(no_phone.guest_phone, None);
    assert_eq!(no_phone.channel.as_str(), "admin");
    assert!(
        no_phone.notes.unwrap_or_default().contains("no tiene"),
        "kept in the notes"
    );
    let past = reservation(&app, "RESJ8X2C6").await;
    assert_eq!(
        (
            past.paid_amount.to_string().as_str(),
            past.payment_status.as_str()
        ),
        ("255000.00", "paid")
    );
    assert_eq!(past.channel.as_str(), "booking");

    // Payments with their provider ids; the orphan as an alert.
    let payments = text(
        app.conn(),
        "SELECT string_agg(provider_payment_id || ':' || status, ',' ORDER BY provider_payment_id) FROM payments",
    )
    .await;
    assert_eq!(
        payments.as_deref(),
        Some("1001:approved,1002:pending,1003:approved,1004:rejected")
    );
    let orphan = text(
        app.conn(),
        "SELECT kind FROM payment_alerts WHERE provider_payment_id = '1005'",
    )
    .await;
    assert_eq!(orphan.as_deref(), Some("unknown_reference"));

    // The old database was only read.
    let old_after = snapshot(&old.conn, &["accommodations", "reservations", "payments"]).await;
    assert_eq!(old_before, old_after);
}

#[tokio::test]
async fn the_old_export_url_answers_with_the_same_busy_nights() {
    // Arrange
    let app = TestApp::new().await;
    let old = old_system().await;
    let busy_there = text(
        &old.conn,
        "SELECT string_agg(to_char(check_in, 'YYYYMMDD') || '-' || to_char(check_out, 'YYYYMMDD'), ','
                          ORDER BY check_in)
         FROM reservations
         WHERE accommodation_id = 3 AND reservation_status IN ('pre_reserved', 'confirmed')
           AND (expires_at IS NULL OR expires_at > now()) AND check_out >= CURRENT_DATE",
    )
    .await
    .expect("busy nights there");

    // Act
    import(&app, &old, false).await;
    let reply = reply(
        app.client
            .get(format!("/api/v1/ical/export/3/{LAKE_TOKEN}"))
            .send()
            .await,
    )
    .await;

    // Assert
    assert_eq!(reply.status, 200, "{}", reply.text);
    let feed = reply.text;
    let today = app.today();
    let busy_here: Vec<String> = stays(&feed)
        .into_iter()
        .filter(|(_, check_out)| *check_out >= today)
        .map(|(a, b)| format!("{}-{}", a.format("%Y%m%d"), b.format("%Y%m%d")))
        .collect();
    assert_eq!(busy_here.join(","), busy_there, "{feed}");
}

/// The (DTSTART, DTEND) dates of a feed's events, in order.
fn stays(feed: &str) -> Vec<(NaiveDate, NaiveDate)> {
    let date = |line: &str, key: &str| {
        line.strip_prefix(key)
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y%m%d").ok())
    };
    let starts = feed.lines().filter_map(|l| date(l, "DTSTART;VALUE=DATE:"));
    let ends = feed.lines().filter_map(|l| date(l, "DTEND;VALUE=DATE:"));
    let set: BTreeSet<_> = starts.zip(ends).collect();
    set.into_iter().collect()
}

#[tokio::test]
async fn a_second_run_changes_nothing_and_later_bookings_get_new_codes_and_ids() {
    // Arrange
    let app = TestApp::new().await;
    let old = old_system().await;
    let first = import(&app, &old, false).await;
    let after_first = snapshot(app.conn(), &OURS).await;

    // Act
    let second = import(&app, &old, false).await;

    // Assert: nothing changed, everything counted as already imported.
    assert_eq!(snapshot(app.conn(), &OURS).await, after_first);
    for (tally, first) in [
        (second.accommodations, first.accommodations),
        (second.feeds, first.feeds),
        (second.reservations, first.reservations),
        (second.payments, first.payments),
    ] {
        assert_eq!(tally.imported, 0, "{second}");
        assert_eq!(tally.already_imported, first.imported, "{second}");
    }
    assert_eq!(second.skipped, first.skipped);

    // A cabin and a booking made afterwards get ids past the imported ones, and a new code.
    let cabin = fixtures::cabin("Cabaña Nueva").insert(app.conn()).await;
    assert!(cabin.id > 7, "new cabin id {}", cabin.id);
    let check_in = app.today() + chrono::Duration::days(70);
    let reply = app
        .book(&fixtures::booking(
            3,
            check_in,
            check_in + chrono::Duration::days(2),
        ))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let code = reply.body["code"].as_str().expect("code").to_owned();
    let booked = reservation(&app, &code).await;
    assert!(booked.id > 111, "new reservation id {}", booked.id);
    assert!(code.starts_with("RES") && code.len() == 15, "{code}");
}

#[tokio::test]
async fn a_dry_run_reports_what_a_run_would_do_and_changes_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let old = old_system().await;
    let before = snapshot(app.conn(), &OURS).await;

    // Act
    let dry = import(&app, &old, true).await;

    // Assert
    assert!(dry.dry_run);
    assert_eq!(snapshot(app.conn(), &OURS).await, before, "nothing changed");
    let real = import(&app, &old, false).await;
    assert_eq!(
        ImportReport {
            dry_run: false,
            ..dry
        },
        real
    );
}

#[tokio::test]
async fn late_notifications_of_imported_payments_are_repeats() {
    // Arrange: the target already has a cabin of its own (id 1).
    let pay = PaymentsApp::start().await;
    let old = old_system().await;
    import(&pay.app, &old, false).await;
    pay.stub.set_payment(
        "1001",
        payment_json("1001", "RESA7K2M9", "approved", "76500.00"),
    );
    pay.stub.set_payment(
        "1005",
        payment_json("1005", "RESZZZZZZ", "approved", "15000.00"),
    );
    let alerts_before = pay.alert_kinds().await;

    // Act
    let late = pay.reconcile("1001").await.expect("reconciled");
    let again = pay.reconcile("1001").await.expect("reconciled again");
    let orphan = pay.reconcile("1005").await;

    // Assert: the imported row takes Mercado Pago's details; nothing is credited twice.
    assert_eq!(
        late.effect,
        ReconcileEffect::Recorded,
        "the row refreshed, no confirmation"
    );
    assert_eq!(late.paid_amount.to_string(), "76500.00");
    assert_eq!(again.effect, ReconcileEffect::Unchanged);
    assert_eq!(
        pay.payment_rows("RESA7K2M9").await.len(),
        1,
        "no second payment"
    );
    assert_eq!(
        pay.reservation("RESA7K2M9").await.paid_amount.to_string(),
        "76500.00"
    );
    assert!(orphan.is_err(), "still names no reservation");
    assert_eq!(pay.alert_kinds().await, alerts_before, "no new alert");
}

#[tokio::test]
async fn the_next_sync_updates_an_imported_block_instead_of_adding_another() {
    // Arrange: the import, then cabin 3's Airbnb feed served by a local stand-in that still
    // has the old block's event, moved a night later.
    let app = TestApp::new().await;
    let old = old_system().await;
    import(&app, &old, false).await;
    let block = reservation(&app, "BLK00000106").await;
    let host = FeedHost::start().await;
    let feed_id = block.ical_feed_id.expect("the block's feed");
    app.conn()
        .execute_raw(shared::db::stmt(
            "UPDATE ical_feeds SET url = $1 WHERE id = $2",
            vec![host.feed_url("airbnb").into(), feed_id.into()],
        ))
        .await
        .expect("point the feed at the stand-in");
    let (check_in, check_out) = (
        block.check_in + chrono::Duration::days(1),
        block.check_out + chrono::Duration::days(1),
    );
    let event = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Airbnb Inc//Hosting Calendar 0.8.8//EN\r\n\
         BEGIN:VEVENT\r\nDTSTAMP:20261130T000000Z\r\nDTSTART;VALUE=DATE:{}\r\n\
         DTEND;VALUE=DATE:{}\r\nSUMMARY:Reserved\r\nUID:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        check_in.format("%Y%m%d"),
        check_out.format("%Y%m%d"),
        block.external_uid.as_deref().expect("its UID"),
    );
    host.serve("airbnb", FeedReply::calendar(event));

    // Act
    let syncer = Syncer::from_settings(&app.settings, app.clock.clone()).expect("syncer");
    ical_sync::sync_feed(app.conn(), &syncer, feed_id)
        .await
        .expect("sync");

    // Assert: the same block (code, id), moved; no second one.
    let moved = reservation(&app, "BLK00000106").await;
    assert_eq!(
        (moved.id, moved.check_in, moved.check_out),
        (block.id, check_in, check_out)
    );
    assert_eq!(moved.status.as_str(), "blocked");
    let standing = text(
        app.conn(),
        "SELECT count(*)::text FROM reservations WHERE external_uid = '1418fb94e984-6f3b2a1c@airbnb.com'",
    )
    .await;
    assert_eq!(standing.as_deref(), Some("1"));
}
