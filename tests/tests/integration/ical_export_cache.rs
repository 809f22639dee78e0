//! The iCal export keeps rendered feeds (ADR 0082): every change that alters a feed shows on
//! the very next request after a request that filled the cache.

use chrono::Duration;
use icalendar::Calendar;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;
use shared::clock::Clock;
use tests::harness::{TestApp, fixtures};

use super::ical_export::{generic_path, get, has, stay, uids};

/// The code of the reservation whose uuid is `uuid`.
async fn code_of(app: &TestApp, uuid: &str) -> String {
    fixtures::reservations(app.conn())
        .await
        .into_iter()
        .find(|r| r.uuid.to_string() == uuid)
        .expect("row")
        .code
        .to_string()
}

/// Runs `sql` with `uuid` as `$1`, as another process (or a hand edit) would write.
async fn write(app: &TestApp, sql: &str, uuid: &str) {
    let result = app
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            sql,
            [uuid.parse::<uuid::Uuid>().expect("uuid").into()],
        ))
        .await
        .expect("write");
    assert_eq!(result.rows_affected(), 1);
}

#[tokio::test]
async fn a_new_stay_a_date_change_and_a_cancellation_show_on_the_next_request() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Arroyo")
        .insert(app.conn())
        .await;
    let path = generic_path(&cabin);
    let first = stay(&app, &admin, cabin.id, 5, "web", true).await;
    let warm = get(&app, &path, &[]).await.text;

    // Act
    let second = stay(&app, &admin, cabin.id, 10, "web", true).await;
    let after_booking = get(&app, &path, &[]).await.text;
    let moved_to = app.today() + Duration::days(20);
    let moved = admin
        .patch(
            &format!("/admin/reservations/{}", code_of(&app, &first).await),
            &json!({
                "check_in": moved_to.to_string(),
                "check_out": (moved_to + Duration::days(2)).to_string(),
            }),
        )
        .await;
    let after_move = get(&app, &path, &[]).await.text;
    let cancelled = admin
        .post(
            &format!(
                "/admin/reservations/{}/cancel",
                code_of(&app, &second).await
            ),
            &json!({ "reason": "cambio de planes" }),
        )
        .await;
    let after_cancel = get(&app, &path, &[]).await.text;

    // Assert
    assert_eq!(uids(&warm).len(), 1);
    assert!(has(&after_booking, &first) && has(&after_booking, &second));
    assert_eq!(moved.status, 200, "{}", moved.body);
    let dtstart = format!("DTSTART;VALUE=DATE:{}\r\n", moved_to.format("%Y%m%d"));
    assert!(after_move.contains(&dtstart), "{after_move}");
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert!(has(&after_cancel, &first) && !has(&after_cancel, &second));
}

#[tokio::test]
async fn a_write_that_leaves_updated_at_alone_still_shows_on_the_next_request() {
    // Arrange: the writer's clock is behind every stamp, or it sets no updated_at at all
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Coihue")
        .insert(app.conn())
        .await;
    let path = generic_path(&cabin);
    let kept = stay(&app, &admin, cabin.id, 5, "web", true).await;
    let dropped = stay(&app, &admin, cabin.id, 10, "web", true).await;
    let warm = get(&app, &path, &[]).await;

    // Act
    write(
        &app,
        "UPDATE reservations SET status = 'cancelled' WHERE uuid = $1",
        &dropped,
    )
    .await;
    let after = get(
        &app,
        &path,
        &[("If-None-Match", warm.header("etag").expect("ETag"))],
    )
    .await;

    // Assert
    assert_eq!(uids(&warm.text).len(), 2);
    assert_eq!(after.status, 200, "the copy is not current any more");
    assert!(has(&after.text, &kept) && !has(&after.text, &dropped));
}

#[tokio::test]
async fn an_expired_hold_and_a_hold_lapsing_unswept_leave_the_feed_on_the_next_request() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Maitén")
        .insert(app.conn())
        .await;
    let path = generic_path(&cabin);
    let expired = stay(&app, &admin, cabin.id, 5, "web", false).await;
    let lapsing = stay(&app, &admin, cabin.id, 10, "web", false).await;
    let booked = stay(&app, &admin, cabin.id, 15, "web", true).await;
    let warm = get(&app, &path, &[]).await.text;

    // Act: the sweep marks one hold; the other's time runs out with no write at all
    fixtures::set_status(app.conn(), &code_of(&app, &expired).await, "expired").await;
    let after_sweep = get(&app, &path, &[]).await.text;
    let code = code_of(&app, &lapsing).await;
    let lapses_at = fixtures::reservation(app.conn(), &code)
        .await
        .expires_at
        .expect("a hold lapses");
    app.clock
        .advance(lapses_at.with_timezone(&chrono::Utc) - app.clock.now() + Duration::seconds(1));
    let after_lapse = get(&app, &path, &[]).await.text;

    // Assert
    assert_eq!(uids(&warm).len(), 3);
    assert!(!has(&after_sweep, &expired) && has(&after_sweep, &lapsing));
    assert!(!has(&after_lapse, &lapsing) && has(&after_lapse, &booked));
}

#[tokio::test]
async fn a_rename_and_a_token_rotation_show_on_the_next_request() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Alerce")
        .insert(app.conn())
        .await;
    stay(&app, &admin, cabin.id, 5, "web", true).await;
    let old_token = cabin.ical_token_airbnb.as_str();
    let by_token = format!("/ical/{old_token}.ics");
    let by_id = format!("/ical/export/{}/{old_token}", cabin.id);
    let warm = get(&app, &by_token, &[]).await;
    assert_eq!(get(&app, &by_id, &[]).await.status, 200);

    // Act
    let renamed = admin
        .patch(
            &format!("/admin/accommodations/{}", cabin.id),
            &json!({ "name": "Refugio del Alerce" }),
        )
        .await;
    let after_rename = get(&app, &by_token, &[]).await.text;
    let rotated = admin
        .post_empty(&format!(
            "/admin/accommodations/{}/ical-token/rotate?channel=airbnb",
            cabin.id
        ))
        .await;
    let old_by_token = get(&app, &by_token, &[]).await;
    let old_by_id = get(&app, &by_id, &[]).await;

    // Assert
    let name = |text: &str| {
        let calendar: Calendar = text.parse().expect("parses");
        calendar.property_value("X-WR-CALNAME").map(str::to_owned)
    };
    assert_eq!(name(&warm.text).as_deref(), Some("Cabaña del Alerce"));
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(name(&after_rename).as_deref(), Some("Refugio del Alerce"));
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(old_by_token.status, 404);
    assert_eq!(old_by_id.status, 404);
    let new_url = rotated.body["ical_export_urls"]["airbnb"]
        .as_str()
        .expect("url");
    let new_path = new_url.trim_start_matches("http://localhost:8080/api/v1");
    let new = get(&app, new_path, &[]).await;
    assert_eq!((new.status, new.text), (200, after_rename));
}

#[tokio::test]
async fn the_window_moves_at_midnight_with_nothing_written() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Lenga").insert(app.conn()).await;
    let path = generic_path(&cabin);
    let uuid = stay(&app, &admin, cabin.id, 1, "web", true).await;
    let check_out = app.today() + Duration::days(3);

    // Act: its departure is 29 days past (twice, the second from the cache), then 30
    app.travel_to(check_out + Duration::days(29));
    let day_29 = get(&app, &path, &[]).await;
    let day_29_again = get(&app, &path, &[]).await;
    app.travel_to(check_out + Duration::days(30));
    let day_30 = get(&app, &path, &[]).await;

    // Assert
    assert!(has(&day_29.text, &uuid));
    assert_eq!(day_29_again.text, day_29.text);
    assert!(uids(&day_30.text).is_empty(), "{}", day_30.text);
    assert!(
        day_30.header("last-modified") != day_29.header("last-modified"),
        "the feed is dated by the new day"
    );
}
