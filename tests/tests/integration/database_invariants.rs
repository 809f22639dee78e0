//! PostgreSQL itself refuses double bookings (`reservations_no_overlap`), whatever the client:
//! these tests write with plain SQL, bypassing the API.

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use tests::harness::{TestApp, fixtures};

/// Inserts a reservation row with SQL.
async fn insert(
    db: &DatabaseConnection,
    code: &str,
    accommodation_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
    status: &str,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name,
             guests, nights, price_per_night, total_price, deposit_amount, status, channel,
             expires_at)
         VALUES ($1, $2, $3, $4, 'Ana Gómez', 2, $4::date - $3::date, 50000, 100000, 30000,
             $5, 'admin', now() + interval '30 minutes')",
        [
            code.into(),
            accommodation_id.into(),
            check_in.into(),
            check_out.into(),
            status.into(),
        ],
    ))
    .await
    .map(drop)
}

/// The SQLSTATE and constraint of a failed statement.
fn sql_state(result: Result<(), DbErr>) -> (String, Option<String>) {
    let err = result.expect_err("the database should refuse this row");
    shared::error::sql_state(&err).unwrap_or_else(|| panic!("not a server error: {err}"))
}

fn exclusion_violation() -> (String, Option<String>) {
    ("23P01".into(), Some("reservations_no_overlap".into()))
}

#[tokio::test]
async fn the_database_refuses_an_overlapping_insert_with_an_exclusion_violation() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(n);
    insert(
        app.conn(),
        "RES261123AAAAAA",
        cabin.id,
        day(10),
        day(13),
        "confirmed",
    )
    .await
    .expect("the first stay");

    // Act
    let result = insert(
        app.conn(),
        "RES261123BBBBBB",
        cabin.id,
        day(12),
        day(14),
        "pre_reserved",
    )
    .await;

    // Assert
    assert_eq!(sql_state(result), exclusion_violation());
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 1);
}

#[tokio::test]
async fn the_database_accepts_the_overlapping_insert_once_the_first_row_is_cancelled() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(n);
    insert(
        app.conn(),
        "RES261123AAAAAA",
        cabin.id,
        day(10),
        day(13),
        "confirmed",
    )
    .await
    .expect("the first stay");
    fixtures::set_status(app.conn(), "RES261123AAAAAA", "cancelled").await;

    // Act
    let result = insert(
        app.conn(),
        "RES261123BBBBBB",
        cabin.id,
        day(12),
        day(14),
        "pre_reserved",
    )
    .await;

    // Assert
    result.expect("a cancelled stay frees its nights");
    assert_eq!(fixtures::reservations(app.conn()).await.len(), 2);
}

#[tokio::test]
async fn only_pre_reserved_and_confirmed_rows_occupy_nights() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(n);
    let cases = [
        ("pre_reserved", true),
        ("confirmed", true),
        ("cancelled", false),
        ("expired", false),
        ("completed", false),
    ];

    for (i, (status, occupies)) in cases.into_iter().enumerate() {
        let offset = 10 * i64::try_from(i).expect("small");
        insert(
            app.conn(),
            &format!("RES261123A{i}AAAA"),
            cabin.id,
            day(offset),
            day(offset + 3),
            status,
        )
        .await
        .unwrap_or_else(|e| panic!("{status}: {e}"));

        let second = insert(
            app.conn(),
            &format!("RES261123B{i}BBBB"),
            cabin.id,
            day(offset + 1),
            day(offset + 2),
            "confirmed",
        )
        .await;

        if occupies {
            assert_eq!(sql_state(second), exclusion_violation(), "{status}");
        } else {
            second.unwrap_or_else(|e| panic!("{status} should free its nights: {e}"));
        }
    }
}

#[tokio::test]
async fn the_database_allows_back_to_back_stays_and_the_same_nights_in_another_cabin() {
    let app = TestApp::new().await;
    let lake = fixtures::cabin("Lago").insert(app.conn()).await;
    let forest = fixtures::cabin("Bosque").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(n);
    insert(
        app.conn(),
        "RES261123AAAAAA",
        lake.id,
        day(10),
        day(13),
        "confirmed",
    )
    .await
    .expect("the first stay");

    let before = insert(
        app.conn(),
        "RES261123BBBBBB",
        lake.id,
        day(8),
        day(10),
        "confirmed",
    )
    .await;
    let after = insert(
        app.conn(),
        "RES261123CCCCCC",
        lake.id,
        day(13),
        day(15),
        "confirmed",
    )
    .await;
    let elsewhere = insert(
        app.conn(),
        "RES261123DDDDDD",
        forest.id,
        day(10),
        day(13),
        "confirmed",
    )
    .await;

    before.expect("ends on the first stay's check-in");
    after.expect("starts on the first stay's check-out");
    elsewhere.expect("another cabin");
}

#[tokio::test]
async fn reviving_a_cancelled_stay_over_taken_nights_is_refused() {
    // Arrange: a cancelled stay whose nights were booked again.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let day = |n: i64| app.today() + Duration::days(n);
    insert(
        app.conn(),
        "RES261123AAAAAA",
        cabin.id,
        day(10),
        day(13),
        "cancelled",
    )
    .await
    .expect("the cancelled stay");
    insert(
        app.conn(),
        "RES261123BBBBBB",
        cabin.id,
        day(11),
        day(12),
        "confirmed",
    )
    .await
    .expect("the new stay");

    // Act
    let result = app
        .conn()
        .execute_unprepared(
            "UPDATE reservations SET status = 'confirmed' WHERE code = 'RES261123AAAAAA'",
        )
        .await
        .map(drop);

    // Assert
    assert_eq!(sql_state(result), exclusion_violation());
}
