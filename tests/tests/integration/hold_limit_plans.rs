//! The hold-limit counts keep their indexes in PostgreSQL's *generic* plan.
//!
//! sqlx prepares every statement, and after five runs PostgreSQL may switch a prepared
//! statement to a generic plan, built without the parameters' values. The counts bind the
//! status (`status = $4`), and a generic plan cannot use an index whose predicate names a
//! status (`WHERE status = 'pre_reserved'`): it filtered every hold instead, and booking
//! throughput halved. So each count must find its status-led index
//! (`m20261130_000001_hold_count_indexes`) with the generic plan forced, on a table shaped like
//! production's: a long history of finished stays and a few open holds.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};
use shared::service::hold_limits::COUNT_ACTIVE_HOLDS;
use tests::harness::{TestDb, fixtures};

/// 20 000 finished stays of 5 000 phones (half of them with a client IP), and 40 open holds
/// on consecutive two-night stays.
async fn seed_history(db: &DatabaseConnection) {
    let cabin = fixtures::cabin("Cabaña Historia").insert(db).await;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name,
             guest_phone, guests, nights, price_per_night, total_price, deposit_amount, status,
             channel, expires_at, client_ip)
         SELECT 'RES261130' || lpad(i::text, 6, '0'), $1,
                date '2027-01-01' + i * 2 % 1400, date '2027-01-03' + i * 2 % 1400, 'Ana Gómez',
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
    db.execute_unprepared("ANALYZE reservations")
        .await
        .expect("analyze");
}

/// The plan of `sql` prepared with parameter `types` and executed with `args`, under the
/// generic plan (forced, as PostgreSQL may choose it after five runs).
async fn generic_plan(db: &DatabaseConnection, types: &str, sql: &str, args: &str) -> String {
    let txn = db.begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
        .await
        .expect("force the generic plan");
    txn.execute_unprepared(&format!("PREPARE planned({types}) AS {sql}"))
        .await
        .expect("prepare");
    let rows = txn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("EXPLAIN EXECUTE planned({args})"),
        ))
        .await
        .expect("explain");
    txn.execute_unprepared("DEALLOCATE planned")
        .await
        .expect("deallocate");
    txn.rollback().await.expect("rollback");
    rows.iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").expect("plan line"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_generic_plan_of_the_hold_counts_reads_the_status_led_indexes() {
    // Arrange
    let db = TestDb::new(2).await;
    seed_history(&db.conn).await;

    // Act: the count exactly as the booking service prepares it (phone, network, now, status).
    let plan = generic_plan(
        &db.conn,
        "text, text, timestamptz, text",
        COUNT_ACTIVE_HOLDS,
        "'+5491100000002', '10.0.0.2/32', now(), 'pre_reserved'",
    )
    .await;

    // Assert: a generic plan (parameters, not values), each count on its own index.
    assert!(plan.contains("$4"), "not a generic plan:\n{plan}");
    assert!(
        plan.contains("reservations_holds_by_phone_idx"),
        "the count by phone lost its index:\n{plan}"
    );
    assert!(
        plan.contains("reservations_holds_by_ip_idx"),
        "the count by IP lost its index:\n{plan}"
    );
    assert!(
        !plan.contains("Seq Scan"),
        "a count scans the table:\n{plan}"
    );
}
