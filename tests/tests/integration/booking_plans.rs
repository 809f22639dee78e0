//! A booking reads only index entries, whatever the statistics say.
//!
//! The booking statement (`book_reservation`, ADR 0098) counts the guest's holds, expires the
//! lapsed holds on the nights and inserts. Its statements are prepared, so after five runs
//! PostgreSQL may use their *generic* plans, built without the parameters' values; and a
//! freshly restored database (or CI's, autovacuum off) has no statistics at all. Measured from
//! outside, a targeted expiry that scanned every row of the cabin cost 3.5 ms at 2,000 rows
//! and grew with the table. So the predicates are written in the form of their indexes, and
//! this checks it where it hurts: a table of 20,000 stays of one cabin that was never analyzed,
//! generic plans forced, and PostgreSQL's own per-transaction counters
//! (`pg_stat_xact_user_tables`) must show no sequential scan of `reservations`.

use std::net::{IpAddr, Ipv4Addr};

use chrono::Duration;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, Statement,
    TransactionTrait,
};
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

/// 20,000 finished stays of one cabin by 5,000 phones (half with a client IP), 40 open holds,
/// and one lapsed hold on `lapsed` nights; never analyzed. Returns the cabin's id.
async fn seed_history(db: &DatabaseConnection, lapsed: (chrono::NaiveDate, i64)) -> i32 {
    let cabin = fixtures::cabin("Cabaña Historia").insert(db).await;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name,
             guest_phone, guests, nights, price_per_night, total_price, deposit_amount, status,
             channel, expires_at, client_ip)
         SELECT 'RES261130' || lpad(i::text, 6, '0'), $1,
                date '2026-01-01' + i * 2 % 1400, date '2026-01-03' + i * 2 % 1400, 'Ana Gómez',
                '+54911' || lpad((i % 5000)::text, 8, '0'), 2, 2, 50000, 100000, 30000,
                CASE WHEN i <= 40 THEN 'pre_reserved'
                     ELSE (ARRAY['completed', 'cancelled', 'expired'])[i % 3 + 1] END,
                'web',
                CASE WHEN i <= 40 THEN now() + interval '30 minutes' END,
                CASE WHEN i % 2 = 0 THEN '10.0.0.0'::inet + i END
         FROM generate_series(1, 20040) AS i",
        [cabin.id.into()],
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
            cabin.id.into(),
            lapsed.0.into(),
            i32::try_from(lapsed.1).expect("nights").into(),
        ],
    ))
    .await
    .expect("seed the lapsed hold");
    cabin.id
}

/// Sequential scans of `reservations` and the rows they read, in this transaction so far.
async fn sequential_reads(txn: &DatabaseTransaction) -> (i64, i64) {
    let row = txn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT seq_scan, seq_tup_read, (SELECT reltuples FROM pg_class
                 WHERE oid = 'reservations'::regclass)::bigint AS reltuples
             FROM pg_stat_xact_user_tables WHERE relname = 'reservations'",
        ))
        .await
        .expect("read the counters")
        .expect("reservations has counters");
    let reltuples: i64 = row.try_get("", "reltuples").expect("reltuples");
    assert_eq!(reltuples, -1, "the table must never have been analyzed");
    (
        row.try_get("", "seq_scan").expect("seq_scan"),
        row.try_get("", "seq_tup_read").expect("seq_tup_read"),
    )
}

#[tokio::test]
async fn booking_and_expiry_never_scan_a_never_analyzed_table_under_generic_plans() {
    // Arrange: both hold limits on, the stay's nights under a lapsed hold.
    let app = TestApp::with_settings(|s| {
        s.hold_limit_per_phone = 2;
        s.hold_limit_per_ip = 10;
    })
    .await;
    let check_in = app.today() + Duration::days(200);
    let cabin = seed_history(app.conn(), (check_in, 3)).await;
    let request = BookingRequest {
        stay: QuoteRequest {
            accommodation_id: cabin,
            check_in: check_in.to_string(),
            check_out: (check_in + Duration::days(2)).to_string(),
            guests: 2,
        },
        guest_name: "Ana Gómez".into(),
        guest_phone: PHONE.into(),
        guest_email: None,
        channel: Channel::Web,
        notes: None,
        rejected: Vec::new(),
    };
    let policy = HoldPolicy::Public {
        client_ip: Some(IpAddr::V4(Ipv4Addr::new(10, 0, 9, 9))),
    };
    let txn = app.conn().begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
        .await
        .expect("force generic plans");

    // Act: six bookings (the generic plan is PostgreSQL's choice from the sixth run on; here
    // it is forced from the first), then the every-minute sweep.
    let booked = booking::pre_reserve(&txn, &app.state.rules, &request, policy)
        .await
        .expect("the first booking, over the lapsed hold");
    for week in 1..=5 {
        let mut other = request.clone();
        other.guest_phone = format!("+54911990000{week:02}");
        other.stay.check_in = (check_in + Duration::weeks(week)).to_string();
        other.stay.check_out = (check_in + Duration::weeks(week) + Duration::days(2)).to_string();
        booking::pre_reserve(&txn, &app.state.rules, &other, policy)
            .await
            .expect("a later booking");
    }
    expiry::expire_lapsed_holds(&txn, app.clock.as_ref())
        .await
        .expect("the sweep");

    // Assert
    let (scans, rows_read) = sequential_reads(&txn).await;
    assert_eq!(
        (scans, rows_read),
        (0, 0),
        "a booking or the sweep scanned reservations sequentially"
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
