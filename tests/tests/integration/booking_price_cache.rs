//! Public bookings are priced from accommodations kept in memory, and the booking statement
//! checks the row's version: a change the owner makes is used by the very next booking, and a
//! deactivated cabin takes no more bookings.

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use tests::harness::{TestApp, fixtures};

/// Runs `sql` with the cabin's id as `$1`.
async fn change_cabin(app: &TestApp, sql: &str, cabin: i32) {
    app.conn()
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            sql,
            [cabin.into()],
        ))
        .await
        .expect("change the cabin");
}

/// The body of a two-night stay `weeks` weeks after `from`, with its own phone.
fn stay(cabin: i32, from: NaiveDate, weeks: i64) -> serde_json::Value {
    let check_in = from + Duration::weeks(weeks);
    let mut body = fixtures::booking(cabin, check_in, check_in + Duration::days(2));
    body["guest_phone"] = format!("+54911555000{weeks:02}").into();
    body
}

#[tokio::test]
async fn the_next_booking_after_an_owner_change_uses_the_new_price_and_state() {
    // Arrange: a first booking puts the cabin in memory at 50,000 a night.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Memoria")
        .insert(app.conn())
        .await
        .id;
    let monday = fixtures::next_weekday(app.today() + Duration::days(14), chrono::Weekday::Mon);
    let first = app.book(&stay(cabin, monday, 0)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["total_price"], "100000.00");

    // Act: the owner doubles the price (any update, even outside the API), then deactivates.
    change_cabin(
        &app,
        "UPDATE accommodations SET base_price = 100000 WHERE id = $1",
        cabin,
    )
    .await;
    let repriced = app.book(&stay(cabin, monday, 1)).await;
    change_cabin(
        &app,
        "UPDATE accommodations SET active = false WHERE id = $1",
        cabin,
    )
    .await;
    let closed = app.book(&stay(cabin, monday, 2)).await;

    // Assert
    assert_eq!(repriced.status, 201, "{}", repriced.body);
    assert_eq!(repriced.body["total_price"], "200000.00");
    assert_eq!(closed.status, 404, "{}", closed.body);
}
