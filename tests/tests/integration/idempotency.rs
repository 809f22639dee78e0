//! `Idempotency-Key` on `POST /reservations`: replay, reuse with another body, in flight,
//! and expiry of old keys.

use chrono::Duration;
use poem::http::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use shared::{
    clock::Clock,
    entities::{idempotency_key, reservation},
    store::idempotency::{self, Begin},
};
use tests::harness::{TestApp, fixtures, webhooks::error_code};

const PATH: &str = "/api/v1/reservations";

async fn post(app: &TestApp, key: &str, body: &serde_json::Value) -> poem::test::TestResponse {
    app.client
        .post(PATH)
        .header("Idempotency-Key", key)
        .body_json(body)
        .send()
        .await
}

async fn reservations(app: &TestApp) -> u64 {
    reservation::Entity::find()
        .count(app.conn())
        .await
        .expect("count")
}

#[tokio::test]
async fn the_same_key_and_body_replays_the_stored_response() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Idem").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(10);
    let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));

    // Act
    let first = post(&app, "key-1", &body).await;
    first.assert_status(StatusCode::CREATED);
    let first_body = first.0.into_body().into_string().await.expect("body");
    let second = post(&app, "key-1", &body).await;

    // Assert: same status and body, one reservation.
    second.assert_status(StatusCode::CREATED);
    second.assert_header("idempotency-replayed", "true");
    second.assert_text(first_body).await;
    assert_eq!(reservations(&app).await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_with_422() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Idem").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(10);
    let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));
    let other = fixtures::booking(cabin.id, check_in, check_in + Duration::days(3));
    post(&app, "key-2", &body)
        .await
        .assert_status(StatusCode::CREATED);

    let resp = post(&app, "key-2", &other).await;

    resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(resp).await, "idempotency_key_reused");
    assert_eq!(reservations(&app).await, 1);
}

#[tokio::test]
async fn a_key_still_in_flight_is_refused_with_409() {
    // Arrange: the same request is being processed elsewhere (its key is claimed).
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Idem").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(10);
    let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));
    let bytes = serde_json::to_vec(&body).expect("json");
    // In process (no server) the request has no original URI, so the middleware scopes by the
    // route-relative path; behind the real server it is the full `/api/v1/reservations`.
    let fingerprint = idempotency::fingerprint(&[b"POST", b"/reservations", b"", &bytes]);
    let begun = idempotency::begin(
        app.conn(),
        "POST /reservations",
        "key-3",
        &fingerprint,
        app.clock.now(),
        app.settings.idempotency_ttl(),
    )
    .await
    .expect("begin");
    assert_eq!(begun, Begin::Started);

    // Act
    let resp = post(&app, "key-3", &body).await;

    // Assert: 409 and nothing booked; once the owner's lock lapses a retry goes through.
    resp.assert_status(StatusCode::CONFLICT);
    assert_eq!(error_code(resp).await, "idempotency_key_in_flight");
    assert_eq!(reservations(&app).await, 0);
    app.clock.advance(Duration::minutes(2));
    post(&app, "key-3", &body)
        .await
        .assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn requests_without_a_key_are_not_deduplicated() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Idem").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(10);
    let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));
    app.client
        .post(PATH)
        .body_json(&body)
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    // The same nights again: a real second attempt, refused by the overlap rule.
    app.client
        .post(PATH)
        .body_json(&body)
        .send()
        .await
        .assert_status(StatusCode::CONFLICT);
}

#[tokio::test]
async fn expired_keys_are_deleted_and_fresh_ones_kept() {
    let app = TestApp::new().await;
    let ttl = app.settings.idempotency_ttl();
    let now = app.clock.now();
    idempotency::claim_once(app.conn(), "test", "old", now - Duration::hours(49), ttl)
        .await
        .expect("old");
    idempotency::claim_once(app.conn(), "test", "fresh", now, ttl)
        .await
        .expect("fresh");

    let deleted = idempotency::expire(app.conn(), now).await.expect("expire");

    assert_eq!(deleted, 1);
    let left = idempotency_key::Entity::find()
        .all(app.conn())
        .await
        .expect("keys");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key, "fresh");
}
