//! A failed job retried from the admin API is tracked like any other job: if it is lost before
//! it runs, the sweep enqueues it again.

use poem::http::StatusCode;
use sea_orm::EntityTrait;
use shared::{
    clock::Clock,
    entities::webhook_event::{self, WebhookState},
    jobs::{Job, whatsapp::WhatsappInbound},
    service::{failed_jobs, webhook_monitor, webhooks},
};
use tests::harness::{
    TestApp,
    webhooks::{fixture, post_signed_whatsapp},
};

/// Drops every job of `name` from the test's Redis namespace, as if Redis had lost them.
async fn lose_queued_jobs(app: &TestApp, name: &str) {
    let mut conn = app.state.queue.conn().clone();
    let pattern = format!("{}*", app.state.queue.keys().queue(name));
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await
        .expect("keys");
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .expect("del");
    }
    assert_eq!(app.state.queue.depth(name).await.expect("depth"), 0);
}

#[tokio::test]
async fn a_job_retried_from_the_admin_api_and_then_lost_is_enqueued_again_by_the_sweep() {
    // Arrange: a recorded message whose job failed permanently (no worker runs here).
    let app = TestApp::new().await;
    let admin = app.admin().await;
    post_signed_whatsapp(&app.client, fixture("whatsapp/text_message.json"))
        .await
        .assert_status(StatusCode::ACCEPTED);
    let event = webhook_event::Entity::find()
        .one(app.conn())
        .await
        .expect("event")
        .expect("recorded");
    let wamid = "wamid.HBgNNTQ5MTExMjM0NTY3OBUCABIYFjNFQjBBMUIyQzNENEU1RjY3ODkwAA==";
    let payload = serde_json::json!({ "webhook_event_id": event.id, "wamid": wamid });
    webhooks::mark_failed(app.conn(), event.id, "boom")
        .await
        .expect("mark failed");
    let failed = failed_jobs::record_failed_job(
        app.conn(),
        WhatsappInbound::NAME,
        payload,
        "boom",
        5,
        app.clock.now(),
    )
    .await
    .expect("record");
    lose_queued_jobs(&app, WhatsappInbound::NAME).await;

    // Act: the owner retries it; the retried job vanishes before any worker takes it.
    let retried = admin
        .post_empty(&format!("/admin/jobs/failed/{}/retry", failed.id))
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    lose_queued_jobs(&app, WhatsappInbound::NAME).await;
    let later = app.clock.now() + chrono::Duration::minutes(3);
    let report = webhook_monitor::sweep(app.conn(), &app.state.queue, later)
        .await
        .expect("sweep");

    // Assert: the sweep saw it and put it back.
    assert_eq!(report.requeued, 1);
    assert_eq!(
        app.state
            .queue
            .depth(WhatsappInbound::NAME)
            .await
            .expect("depth"),
        1
    );
    let event = webhook_event::Entity::find_by_id(event.id)
        .one(app.conn())
        .await
        .expect("event")
        .expect("exists");
    assert_eq!(event.state, WebhookState::Pending);
}
