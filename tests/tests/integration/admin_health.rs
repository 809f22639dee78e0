//! `GET /admin/health`: the owner's operations panel (health checks, request latency and error
//! rate, channel feeds' last sync, failed jobs, webhook failures).

use poem::http::{Method, StatusCode};
use serde_json::json;
use shared::{clock::Clock, service::failed_jobs};
use tests::harness::{
    TestApp, fixtures,
    webhooks::{post_signed_whatsapp, post_whatsapp, text_message},
};

#[tokio::test]
async fn the_operations_panel_needs_an_owner_token() {
    let app = TestApp::new().await;

    let anonymous = app
        .request(Method::GET, "/api/v1/admin/health", None, None)
        .await;
    let staff = app.staff().await.get("/admin/health").await;

    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert!(anonymous.body["trace_id"].is_string(), "{}", anonymous.body);
    assert_eq!(staff.status, StatusCode::FORBIDDEN, "{}", staff.body);
}

#[tokio::test]
async fn the_operations_panel_shows_the_checks_requests_feeds_and_what_failed() {
    // Arrange: a live worker's heartbeat, a channel feed never synced, a job given up on, a
    // signed delivery that cannot be read (failed) and one with a bad signature (refused).
    let app = TestApp::new().await;
    app.beat_as_worker().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let feed = admin
        .post(
            "/admin/ical-feeds",
            &json!({"accommodation_id": cabin.id, "source": "airbnb",
                    "url": "https://www.airbnb.com/calendar/ical/1.ics?s=secret"}),
        )
        .await;
    assert_eq!(feed.status, StatusCode::CREATED, "{}", feed.body);
    failed_jobs::record_failed_job(
        app.conn(),
        "payment_reconcile.v1",
        json!({"payment_id": "123"}),
        "currency mismatch",
        10,
        app.clock.now(),
    )
    .await
    .expect("a failed job");
    post_signed_whatsapp(&app.client, b"not json".to_vec())
        .await
        .assert_status(StatusCode::ACCEPTED);
    post_whatsapp(
        &app.client,
        text_message("wamid.BAD", "5491112345678", "Hola"),
        Some("sha256=00".into()),
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);

    // Act
    let panel = admin.get("/admin/health").await;

    // Assert
    assert_eq!(panel.status, StatusCode::OK, "{}", panel.body);
    let body = &panel.body;
    assert_eq!(body["checks"]["status"], "healthy", "{body}");
    assert_eq!(body["checks"]["worker"]["status"], "alive", "{body}");
    assert_eq!(body["checks"]["queue"]["status"], "ok", "{body}");
    let requests = &body["requests"];
    assert_eq!(requests["window_seconds"], 300, "{body}");
    assert!(requests["requests"].as_u64() >= Some(4), "{body}");
    assert_eq!(requests["server_errors"], 0, "{body}");
    assert_eq!(requests["error_rate"], 0.0, "{body}");
    assert!(
        requests["p95_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{body}"
    );
    assert_eq!(
        body["ical_feeds"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    assert_eq!(body["ical_feeds"][0]["status"], "pending", "{body}");
    assert_eq!(
        body["ical_feeds"][0]["accommodation_id"], cabin.id,
        "{body}"
    );
    assert!(!body.to_string().contains("secret"), "no feed URL: {body}");
    assert_eq!(body["failed_jobs"]["total"], 1, "{body}");
    assert_eq!(
        body["failed_jobs"]["latest"][0]["error"], "currency mismatch",
        "{body}"
    );
    assert_eq!(body["webhooks"]["failed_total"], 1, "{body}");
    assert_eq!(
        body["webhooks"]["latest_failed"][0]["state"], "failed",
        "{body}"
    );
    assert!(
        body["webhooks"]["latest_failed"][0]
            .get("raw_payload")
            .is_none(),
        "{body}"
    );
    assert_eq!(body["webhooks"]["refused_last_24h"], 1, "{body}");
}
