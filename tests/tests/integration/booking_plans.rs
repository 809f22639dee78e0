//! A booking reads only index entries, whatever the statistics say.
//!
//! The booking statement (`book_reservation`, ADR 0098) counts the guest's holds, expires the
//! lapsed holds on the nights and inserts. Its statements are prepared, so after five runs
//! PostgreSQL may use their *generic* plans, built without the parameters' values; and a
//! freshly restored database (or CI's, autovacuum off) has no statistics at all. Measured from
//! outside, a targeted expiry that scanned every row of the cabin cost 3.5 ms at 2,000 rows
//! and grew with the table. So the predicates are written in the form of their indexes, and
//! this checks it where it hurts: a table of 20,000 stays of one cabin and 2,000 open holds
//! that was never analyzed, generic plans forced, and PostgreSQL's own per-transaction
//! counters (`pg_stat_xact_user_tables`) must show no sequential scan of `reservations` and a
//! handful of rows read, where a count by the wrong index reads every open hold.

use std::net::{IpAddr, Ipv4Addr};

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, Statement, TransactionTrait};
use shared::{
    domain::Channel,
    service::{
        HoldPolicy,
        booking::{self, BookingRequest},
        expiry,
        quote::QuoteRequest,
    },
};
use tests::harness::{TestApp, fixtures};

/// The phone of the history's guest 2 (four finished stays) that books below.
const PHONE: &str = "+5491100000002";

/// 20,000 finished stays of `cabin` by 5,000 phones (half with a client IP), 2,000 open holds
/// (from 2030 on, of other phones and addresses), and one lapsed hold on `lapsed` nights.
async fn seed_history(db: &impl ConnectionTrait, cabin: i32, lapsed: (chrono::NaiveDate, i64)) {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name,
             guest_phone, guests, nights, price_per_night, total_price, deposit_amount, status,
             channel, expires_at, client_ip)
         SELECT 'RES261130' || lpad(i::text, 6, '0'), $1,
                date '2026-01-01' + i * 2 % 1400, date '2026-01-03' + i * 2 % 1400, 'Ana Gómez',
                '+54911' || lpad((i % 5000)::text, 8, '0'), 2, 2, 50000, 100000, 30000,
                (ARRAY['completed', 'cancelled', 'expired'])[i % 3 + 1], 'web', NULL,
                CASE WHEN i % 2 = 0 THEN '10.0.0.0'::inet + i END
         FROM generate_series(1, 20000) AS i
         UNION ALL
         SELECT 'RES261201' || lpad(i::text, 6, '0'), $1,
                date '2030-01-01' + i * 2, date '2030-01-03' + i * 2, 'Otra Huésped',
                '+54922' || lpad(i::text, 8, '0'), 2, 2, 50000, 100000, 30000, 'pre_reserved',
                'web', now() + interval '30 minutes', '11.0.0.0'::inet + i
         FROM generate_series(1, 2000) AS i",
        [cabin.into()],
    ))
    .await
    .expect("seed the history");
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name,
             guests, nights, price_per_night, total_price, deposit_amount, status, channel,
             expires_at)
         VALUES ('RES261130LAPSED', $1, $2, $2 + $3::integer, 'Otro Huésped', 2, $3, 50000,
                 100000, 30000, 'pre_reserved', 'web', now() - interval '1 minute')",
        [
            cabin.into(),
            lapsed.0.into(),
            i32::try_from(lapsed.1).expect("nights").into(),
        ],
    ))
    .await
    .expect("seed the lapsed hold");
}

/// Sequential scans of `reservations` and the rows read from it (by those scans and through
/// indexes) so far, as this session counts them (pending counts of earlier transactions
/// included: compare two readings of one transaction).
async fn reads(txn: &DatabaseTransaction) -> (i64, i64) {
    let row = txn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT seq_scan, seq_tup_read + idx_tup_fetch AS rows_read, (SELECT reltuples
                 FROM pg_class WHERE oid = 'reservations'::regclass)::bigint AS reltuples
             FROM pg_stat_xact_user_tables WHERE relname = 'reservations'",
        ))
        .await
        .expect("read the counters")
        .expect("reservations has counters");
    let reltuples: i64 = row.try_get("", "reltuples").expect("reltuples");
    assert_eq!(reltuples, -1, "the table must never have been analyzed");
    (
        row.try_get("", "seq_scan").expect("seq_scan"),
        row.try_get("", "rows_read").expect("rows_read"),
    )
}

#[tokio::test]
async fn booking_and_expiry_read_a_handful_of_rows_of_a_never_analyzed_table_under_generic_plans() {
    // Arrange: both hold limits on; generic plans forced and built by a first booking while
    // the table is empty (as on a fresh database: they then stay cached on the connection);
    // then the history arrives, with a lapsed hold on the nights booked next.
    let app = TestApp::with_settings(|s| {
        s.hold_limit_per_phone = 2;
        s.hold_limit_per_ip = 10;
    })
    .await;
    let cabin = fixtures::cabin("Cabaña Historia")
        .insert(app.conn())
        .await
        .id;
    let check_in = app.today() + Duration::days(200);
    let booking = |week: i64| BookingRequest {
        stay: QuoteRequest {
            accommodation_id: cabin,
            check_in: (check_in + Duration::weeks(week)).to_string(),
            check_out: (check_in + Duration::weeks(week) + Duration::days(2)).to_string(),
            guests: 2,
        },
        guest_name: "Ana Gómez".into(),
        guest_phone: if week == 0 {
            PHONE.into()
        } else {
            format!("+54911990000{week:02}")
        },
        guest_email: None,
        channel: Channel::Web,
        notes: None,
        rejected: Vec::new(),
    };
    let policy = HoldPolicy::Public {
        client_ip: Some(IpAddr::V4(Ipv4Addr::new(10, 0, 9, 9))),
    };
    let rules = &app.state.rules;
    let txn = app.conn().begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
        .await
        .expect("force generic plans");
    booking::pre_reserve(&txn, rules, &booking(-10), policy)
        .await
        .expect("a booking on the empty table");
    seed_history(&txn, cabin, (check_in, 3)).await;
    let (scans_before, read_before) = reads(&txn).await;

    // Act: six bookings, the first over the lapsed hold, then the every-minute sweep.
    let booked = booking::pre_reserve(&txn, rules, &booking(0), policy)
        .await
        .expect("the booking over the lapsed hold");
    for week in 1..=5 {
        booking::pre_reserve(&txn, rules, &booking(week), policy)
            .await
            .expect("a later booking");
    }
    expiry::expire_lapsed_holds(&txn, app.clock.as_ref())
        .await
        .expect("the sweep");

    // Assert: each count, expiry, constraint and foreign-key check reads a row or two; a
    // count by the open holds' expiry alone would read 2,000 rows per booking.
    let (scans, rows_read) = reads(&txn).await;
    assert_eq!(
        scans - scans_before,
        0,
        "a booking or the sweep scanned reservations"
    );
    assert!(
        rows_read - read_before <= 100,
        "six bookings and a sweep read {} rows of reservations",
        rows_read - read_before
    );
    let expired: i64 = txn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM audit_log
             WHERE entity_id = 'RES261130LAPSED' AND action = 'reservation.expire'",
        ))
        .await
        .expect("read the audit")
        .expect("a count")
        .try_get("", "n")
        .expect("n");
    assert_eq!(expired, 1, "the lapsed hold was expired and audited");
    assert_eq!(booked.check_in, check_in);
    txn.rollback().await.expect("rollback");
}
