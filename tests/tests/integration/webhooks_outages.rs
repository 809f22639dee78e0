//! When Redis or PostgreSQL is down a webhook is answered 503 (the provider retries), and
//! nothing recorded is lost once the dependency is back.

use std::time::Duration;

use api::{startup::build_app, state::AppState};
use poem::{EndpointExt, http::StatusCode, test::TestClient};
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::{clock::Clock, config::Settings};
use shared::{
    entities::{
        webhook_event::{self, WebhookState},
        whatsapp_message,
    },
    jobs::{Job, payments::ReconcilePayment, whatsapp::WhatsappInbound},
    service::webhook_monitor,
};
use tests::harness::{
    TestApp,
    database::admin_url,
    private_redis::PrivateRedis,
    wait_until,
    webhooks::{
        MP_PATH, acked_event_id, fixture, mp_signature, mp_ts_now, post_signed_whatsapp,
        text_message,
    },
    worker::TestWorker,
};

/// The app's state over `base`'s database and the private Redis, with `settings`.
async fn app_state(private: &PrivateRedis, base: &TestApp, settings: Settings) -> AppState {
    let conn = shared::redis::connect_url(&private.url())
        .await
        .expect("private redis");
    AppState::new(base.conn().clone(), conn, settings, base.clock.clone()).expect("app state")
}

/// Every recorded webhook event, oldest first.
async fn all_events(db: &impl ConnectionTrait) -> Vec<webhook_event::Model> {
    webhook_event::Entity::find().all(db).await.expect("events")
}

/// Restarts the private Redis and waits until the app's queue of `job` answers again.
async fn bring_back(private: &mut PrivateRedis, state: &AppState, job: &'static str) {
    private.restart().await;
    wait_until(
        "the app to reconnect to Redis",
        Duration::from_secs(15),
        || {
            let queue = state.queue.clone();
            async move { queue.depth(job).await.is_ok() }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_webhooks_get_503_and_nothing_is_lost_once_it_is_back() {
    // Arrange: an app whose Redis is a private server we can stop.
    let mut private = PrivateRedis::start().await;
    let base = TestApp::new().await;
    let mut settings = base.settings.clone();
    settings.redis_url = shared::config::Secret::new(private.url());
    let state = app_state(&private, &base, settings.clone()).await;
    let client = TestClient::new(build_app(state.clone()).boxed());
    let body = fixture("whatsapp/text_message.json");

    // Act 1: Redis is down.
    private.stop();
    let refused = post_signed_whatsapp(&client, body.clone()).await;

    // Assert 1: 503, and the delivery is recorded (pending) so the sweep can finish it.
    refused.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    let events = all_events(base.conn()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].state, WebhookState::Pending);
    assert_eq!(events[0].status_returned, 503);

    // Act 2: Redis is back (empty); Meta retries; the sweep runs later.
    bring_back(&mut private, &state, WhatsappInbound::NAME).await;
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
            let events = all_events(base.conn()).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mercadopago_notification_left_unqueued_is_enqueued_by_its_redelivery() {
    // Arrange: an app over a private Redis, down when the notification first arrives.
    let mut private = PrivateRedis::start().await;
    let base = TestApp::new().await;
    let state = app_state(&private, &base, base.settings.clone()).await;
    let client = TestClient::new(build_app(state.clone()).boxed());
    let signature = mp_signature(Some("123456"), Some("rid-outage"), &mp_ts_now(&base));
    let notify = || {
        client
            .post(MP_PATH)
            .query("data.id", &"123456")
            .query("type", &"payment")
            .header("x-request-id", "rid-outage")
            .header("x-signature", signature.clone())
            .content_type("application/json")
            .body(fixture("mercadopago/webhook_payment.json"))
            .send()
    };
    private.stop();
    notify()
        .await
        .assert_status(StatusCode::SERVICE_UNAVAILABLE);
    let recorded = all_events(base.conn()).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status_returned, 503);

    // Act: Redis is back; Mercado Pago delivers the same notification again.
    bring_back(&mut private, &state, ReconcilePayment::NAME).await;
    let again = notify().await;

    // Assert: acknowledged with the first event, whose job is enqueued now.
    again.assert_status(StatusCode::ACCEPTED);
    let acked = acked_event_id(again).await;
    assert_eq!(acked, recorded[0].id);
    let events = all_events(base.conn()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status_returned, 202);
    assert_eq!(
        state
            .queue
            .depth(ReconcilePayment::NAME)
            .await
            .expect("depth"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_re_enqueues_jobs_lost_with_redis_at_once_and_leaves_queued_ones_alone() {
    // Arrange: a message acknowledged into a private Redis, no worker.
    let mut private = PrivateRedis::start().await;
    let base = TestApp::new().await;
    let state = app_state(&private, &base, base.settings.clone()).await;
    let client = TestClient::new(build_app(state.clone()).boxed());
    let first = text_message("wamid.lost-1", "5491100000001", "Hola");
    post_signed_whatsapp(&client, first)
        .await
        .assert_status(StatusCode::ACCEPTED);
    let sweep_later = |seconds| {
        base.clock.advance(chrono::Duration::seconds(seconds));
        webhook_monitor::sweep(base.conn(), &state.queue, base.clock.now())
    };

    // Act 1: a sweep while its job is merely waiting in Redis.
    let slow = sweep_later(30).await.expect("sweep");

    // Assert 1: nothing re-enqueued.
    assert_eq!(slow.requeued, 0, "a queued job is not enqueued twice");
    let depth = state
        .queue
        .depth(WhatsappInbound::NAME)
        .await
        .expect("depth");
    assert_eq!(depth, 1);

    // Act 2: Redis restarts empty; another message arrives; the next sweep runs (well before
    // the two-minute threshold).
    bring_back(&mut private, &state, WhatsappInbound::NAME).await;
    let second = text_message("wamid.lost-2", "5491100000002", "Hola");
    post_signed_whatsapp(&client, second)
        .await
        .assert_status(StatusCode::ACCEPTED);
    let lost = sweep_later(15).await.expect("sweep");

    // Assert 2: only the lost one is enqueued again, once.
    assert_eq!(lost.requeued, 1);
    let depth = state
        .queue
        .depth(WhatsappInbound::NAME)
        .await
        .expect("depth");
    assert_eq!(depth, 2, "the lost job and the new one, each once");
    let again = sweep_later(15).await.expect("sweep");
    assert_eq!(again.requeued, 0, "a re-enqueued job is not enqueued twice");
}
