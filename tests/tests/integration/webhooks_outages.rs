//! When Redis or PostgreSQL is down a webhook is answered 503 (the provider retries), and
//! nothing recorded is lost once the dependency is back.

use std::time::Duration;

use api::{startup::build_app, state::AppState};
use poem::{EndpointExt, http::StatusCode, test::TestClient};
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::clock::Clock;
use shared::{
    entities::{
        webhook_event::{self, WebhookState},
        whatsapp_message,
    },
    jobs::{Job, whatsapp::WhatsappInbound},
    service::webhook_monitor,
};
use tests::harness::{
    TestApp,
    database::admin_url,
    private_redis::PrivateRedis,
    wait_until,
    webhooks::{fixture, post_signed_whatsapp},
    worker::TestWorker,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_webhooks_get_503_and_nothing_is_lost_once_it_is_back() {
    // Arrange: an app whose Redis is a private server we can stop.
    let mut private = PrivateRedis::start().await;
    let base = TestApp::new().await;
    let mut settings = base.settings.clone();
    settings.redis_url = shared::config::Secret::new(private.url());
    let conn = shared::redis::connect_url(&private.url())
        .await
        .expect("private redis");
    let state = AppState::new(
        base.conn().clone(),
        conn,
        settings.clone(),
        base.clock.clone(),
    )
    .expect("app state");
    let client = TestClient::new(build_app(state.clone()).boxed());
    let body = fixture("whatsapp/text_message.json");

    // Act 1: Redis is down.
    private.stop();
    let refused = post_signed_whatsapp(&client, body.clone()).await;

    // Assert 1: 503, and the delivery is recorded (pending) so the sweep can finish it.
    refused.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    let events = webhook_event::Entity::find()
        .all(base.conn())
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].state, WebhookState::Pending);
    assert_eq!(events[0].status_returned, 503);

    // Act 2: Redis is back (empty); Meta retries; the sweep runs later.
    private.restart().await;
    wait_until(
        "the app to reconnect to Redis",
        Duration::from_secs(15),
        || {
            let queue = state.queue.clone();
            async move { queue.depth(WhatsappInbound::NAME).await.is_ok() }
        },
    )
    .await;
    post_signed_whatsapp(&client, body)
        .await
        .assert_status(StatusCode::ACCEPTED);
    base.clock.advance(chrono::Duration::minutes(3));
    let report = webhook_monitor::sweep(base.conn(), &state.queue, base.clock.now())
        .await
        .expect("sweep");
    assert!(report.requeued >= 1, "the refused delivery is re-enqueued");
    let worker = TestWorker::start(settings, base.clock.clone()).await;

    // Assert 2: both deliveries processed, the message stored once.
    wait_until(
        "both deliveries processed",
        Duration::from_secs(20),
        || async {
            let events = webhook_event::Entity::find()
                .all(base.conn())
                .await
                .expect("events");
            events.len() == 2 && events.iter().all(|e| e.state == WebhookState::Processed)
        },
    )
    .await;
    worker.stop().await;
    let messages = whatsapp_message::Entity::find()
        .all(base.conn())
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
}

#[tokio::test]
async fn with_postgresql_unreachable_webhooks_get_503_and_enqueue_nothing() {
    // Arrange: the app's database disappears under it.
    let app = TestApp::new().await;
    let admin = shared::db::connect_url(&admin_url(), 1)
        .await
        .expect("admin");
    admin
        .execute_unprepared(&format!("DROP DATABASE {} WITH (FORCE)", app.db.name))
        .await
        .expect("drop the app's database");

    // Act
    let resp = post_signed_whatsapp(&app.client, fixture("whatsapp/text_message.json")).await;

    // Assert
    resp.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        app.state
            .queue
            .depth(WhatsappInbound::NAME)
            .await
            .expect("depth"),
        0
    );
}
