//! The audit trail has one shape whichever side writes it: the API's
//! `audit::reservation_snapshot` (every change made in Rust) and PostgreSQL's
//! `reservation_audit_snapshot` (the expiries the booking statement and the sweep perform).

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::Value;
use shared::{domain::ReservationCode, service::audit, service::reservations};
use tests::harness::{TestApp, fixtures};

/// `expires_at` of a snapshot as an instant (the two sides may print its fraction differently).
fn expires_at(snapshot: &mut Value) -> Option<DateTime<FixedOffset>> {
    let raw = snapshot.as_object_mut()?.remove("expires_at")?;
    DateTime::parse_from_rfc3339(raw.as_str()?).ok()
}

#[tokio::test]
async fn the_database_snapshot_of_a_reservation_is_the_apis() {
    // Arrange: a hold with every audited field filled in.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Snapshot").insert(app.conn()).await;
    let check_in = app.today() + chrono::Duration::days(30);
    let mut body = fixtures::booking(cabin.id, check_in, check_in + chrono::Duration::days(3));
    body["notes"] = "Llegamos tarde, después de las 22".into();
    let reply = app.book(&body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let code = ReservationCode::parse(reply.body["code"].as_str().expect("a code"))
        .expect("a reservation code");
    let row = reservations::find(app.conn(), &code)
        .await
        .expect("the hold");

    // Act
    let mut from_rust = audit::reservation_snapshot(&row);
    let mut from_sql: Value = app
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT reservation_audit_snapshot(r) AS snapshot FROM reservations r WHERE id = $1",
            [row.id.into()],
        ))
        .await
        .expect("query")
        .expect("the row")
        .try_get("", "snapshot")
        .expect("a JSON snapshot");

    // Assert: the same keys and values, the expiry the same instant.
    let (rust_expiry, sql_expiry) = (expires_at(&mut from_rust), expires_at(&mut from_sql));
    assert!(rust_expiry.is_some(), "a hold has an expiry: {from_rust}");
    assert_eq!(rust_expiry, sql_expiry);
    assert_eq!(from_rust, from_sql);
    assert_eq!(from_sql["notes"], "Llegamos tarde, después de las 22");
    assert_eq!(from_sql["total_price"], row.total_price.to_string());
}
