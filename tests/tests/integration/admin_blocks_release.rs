//! Standing blocks and releasing them: `GET /admin/accommodations/{id}/blocks`,
//! `DELETE /admin/accommodations/{id}/blocks/{block_id}`, and the admin reservation list,
//! which leaves blocks out unless asked for them.

use chrono::Duration;
use poem::http::StatusCode;
use serde_json::{Value, json};
use shared::domain::ReservationStatus;
use tests::harness::{
    TestApp,
    admin::{Reply, booking_body},
    fixtures,
};
use uuid::Uuid;

use super::admin_blocks::{blocks_path, close, count, delete, guest_books, imported_block};

#[tokio::test]
async fn the_list_shows_the_owners_and_imported_blocks_in_the_window_with_their_source() {
    // Arrange: an owner block, an imported one, one outside the window, a released one.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Lenga").insert(app.conn()).await;
    let admin = app.admin().await;
    let day = |n| app.today() + Duration::days(n);
    let owner = close(&admin, cabin.id, day(2), day(4)).await;
    let imported = imported_block(&app, cabin.id, day(6), 3).await;
    close(&admin, cabin.id, day(40), day(41)).await;
    let released = close(&admin, cabin.id, day(10), day(11)).await;
    let released_id = released["id"].as_str().expect("id");
    let gone = delete(
        &app,
        &format!("{}/{released_id}", blocks_path(cabin.id)),
        Some(&admin.token),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);

    // Act
    let reply = admin
        .get(&format!(
            "{}?from={}&to={}",
            blocks_path(cabin.id),
            day(0),
            day(30)
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let listed: Vec<(String, String, i64)> = reply
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| {
            (
                b["id"].as_str().expect("id").to_owned(),
                b["source"].as_str().expect("source").to_owned(),
                b["nights"].as_i64().expect("nights"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                owner["id"].as_str().expect("id").to_owned(),
                "owner".into(),
                2
            ),
            (imported.to_string(), "airbnb".into(), 3),
        ]
    );
    // Without a window: from today, 90 days (the block 40 days ahead is in it).
    let default_window = admin.get(&blocks_path(cabin.id)).await;
    assert_eq!(default_window.body.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn releasing_a_block_frees_its_nights_and_a_second_release_is_404() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Radal").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = app.today() + Duration::days(7);
    let block = close(&admin, cabin.id, check_in, check_in + Duration::days(2)).await;
    let path = format!(
        "{}/{}",
        blocks_path(cabin.id),
        block["id"].as_str().expect("id")
    );

    // Act
    let first = delete(&app, &path, Some(&admin.token)).await;
    let second = delete(&app, &path, Some(&admin.token)).await;

    // Assert
    assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.body);
    assert_eq!(first.body, Value::Null);
    assert_eq!(second.status, StatusCode::NOT_FOUND, "{}", second.body);
    assert_eq!(second.body["code"], "not_found");
    let rows = fixtures::reservations(app.conn()).await;
    assert_eq!(rows[0].status, ReservationStatus::Cancelled);
    assert!(rows[0].cancelled_at.is_some());
    assert_eq!(
        rows[0].cancellation_reason.as_deref(),
        Some("released by the owner")
    );
    let audited = "SELECT count(*) FROM audit_log WHERE action = 'block.release'";
    assert_eq!(count(&app, audited).await, 1);
    let booked = guest_books(&app, cabin.id, check_in, 2).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
}

#[tokio::test]
async fn an_imported_block_cannot_be_released_here() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Arrayán").insert(app.conn()).await;
    let admin = app.admin().await;
    let imported = imported_block(&app, cabin.id, app.today() + Duration::days(4), 2).await;

    let reply = delete(
        &app,
        &format!("{}/{imported}", blocks_path(cabin.id)),
        Some(&admin.token),
    )
    .await;

    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["code"], "not_editable");
    let message = reply.body["message"].as_str().expect("message");
    assert!(message.contains("remove the feed"), "{message}");
    let standing = "SELECT count(*) FROM reservations WHERE status = 'blocked'";
    assert_eq!(count(&app, standing).await, 1);
}

#[tokio::test]
async fn unknown_blocks_and_guests_stays_are_not_found_for_release() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Notro").insert(app.conn()).await;
    let other = fixtures::cabin("Cabaña Otra").insert(app.conn()).await;
    let admin = app.admin().await;
    let day = |n| app.today() + Duration::days(n);
    let block = close(&admin, cabin.id, day(2), day(3)).await;
    let guest = guest_books(&app, cabin.id, day(5), 1).await;
    let guest_uuid = fixtures::reservation(app.conn(), guest.body["code"].as_str().expect("code"))
        .await
        .uuid;

    let paths = [
        format!("{}/{}", blocks_path(cabin.id), Uuid::now_v7()),
        format!("{}/{guest_uuid}", blocks_path(cabin.id)),
        format!(
            "{}/{}",
            blocks_path(other.id),
            block["id"].as_str().expect("id")
        ),
    ];
    for path in paths {
        let reply = delete(&app, &path, Some(&admin.token)).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_reservation_list_leaves_blocks_out_unless_asked_for_them() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Listada").insert(app.conn()).await;
    let admin = app.admin().await;
    let day = |n| app.today() + Duration::days(n);
    let block = close(&admin, cabin.id, day(2), day(4)).await;
    let guest = admin
        .book(&booking_body(
            cabin.id,
            day(6),
            day(8),
            "Ana Gómez",
            json!({}),
        ))
        .await;
    let block_code = fixtures::reservations(app.conn())
        .await
        .into_iter()
        .find(|r| r.uuid.to_string() == block["id"].as_str().expect("id"))
        .expect("the block's row")
        .code
        .to_string();
    let codes = |reply: &Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| r["code"].as_str().expect("code").to_owned())
            .collect()
    };

    // Act
    let default = admin.get("/admin/reservations").await;
    let blocks_only = admin.get("/admin/reservations?status=blocked").await;
    let both = admin
        .get("/admin/reservations?status=blocked,pre_reserved&sort=check_in")
        .await;

    // Assert
    assert_eq!(default.status, StatusCode::OK, "{}", default.body);
    assert_eq!(codes(&default), vec![guest.clone()]);
    assert_eq!(default.body["total"], 1);
    assert_eq!(codes(&blocks_only), vec![block_code.clone()]);
    assert_eq!(blocks_only.body["items"][0]["status"], "blocked");
    assert_eq!(codes(&both), vec![block_code, guest]);
}
