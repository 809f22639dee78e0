//! WhatsApp webhooks: handshake, signatures over the raw bytes, batches split into jobs,
//! redeliveries handled once, acknowledgement status and the 3 MB limit.

use std::time::Duration;

use poem::http::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use shared::{
    domain::whatsapp::MessageState,
    entities::{
        webhook_event::{self, WebhookState},
        whatsapp_contact, whatsapp_message, whatsapp_message_status,
    },
    jobs::{
        Job,
        whatsapp::{WhatsappInbound, WhatsappStatus},
    },
};
use tests::harness::{
    TestApp, wait_until,
    webhooks::{
        VERIFY_TOKEN, WA_PATH, error_code, fixture, meta_signature, post_signed_whatsapp,
        post_whatsapp, text_message,
    },
    worker::TestWorker,
};

async fn events(app: &TestApp) -> Vec<webhook_event::Model> {
    webhook_event::Entity::find()
        .all(app.conn())
        .await
        .expect("events")
}

async fn depth(app: &TestApp, name: &str) -> u64 {
    app.state.queue.depth(name).await.expect("depth")
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_for_the_right_token() {
    let app = TestApp::new().await;
    let resp = app
        .client
        .get(WA_PATH)
        .query("hub.mode", &"subscribe")
        .query("hub.verify_token", &VERIFY_TOKEN)
        .query("hub.challenge", &"1158201444")
        .send()
        .await;
    resp.assert_status_is_ok();
    resp.assert_text("1158201444").await;
}

#[tokio::test]
async fn the_handshake_is_forbidden_with_a_wrong_token_or_mode() {
    let app = TestApp::new().await;
    for (mode, token) in [("subscribe", "wrong"), ("unsubscribe", VERIFY_TOKEN)] {
        let resp = app
            .client
            .get(WA_PATH)
            .query("hub.mode", &mode)
            .query("hub.verify_token", &token)
            .query("hub.challenge", &"1")
            .send()
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_signed_message_with_accents_and_emoji_is_recorded_and_enqueued() {
    // Arrange: the fixture's exact bytes and the README's worked signature.
    let app = TestApp::new().await;
    let body = fixture("whatsapp/text_message.json");
    let signature =
        "sha256=d4ab1a39e9adc41ca281e8adacbfd2601372ddead78847281f6435933dce0c5a".to_string();

    // Act
    let resp = post_whatsapp(&app.client, body.clone(), Some(signature)).await;

    // Assert: 202, one pending event holding the exact bytes, one job.
    resp.assert_status(StatusCode::ACCEPTED);
    let events = events(&app).await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert!(event.signature_valid);
    assert_eq!(event.status_returned, 202);
    assert_eq!(event.state, WebhookState::Pending);
    assert_eq!(
        event.raw_payload.as_deref().map(str::as_bytes),
        Some(&body[..])
    );
    assert_eq!(depth(&app, WhatsappInbound::NAME).await, 1);
}

#[tokio::test]
async fn missing_invalid_and_one_byte_changed_signatures_are_refused_and_logged() {
    let app = TestApp::new().await;
    let body = fixture("whatsapp/text_message.json");
    let good = meta_signature(&body);
    let mut changed = body.clone();
    let last = changed.len() - 3;
    changed[last] ^= 0x01;
    let cases = [
        (body.clone(), None),
        (body.clone(), Some("sha256=deadbeef".to_string())),
        (body.clone(), Some(meta_signature(b"another body"))),
        (changed, Some(good)),
    ];
    for (body, signature) in cases {
        let resp = post_whatsapp(&app.client, body, signature).await;
        resp.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(resp).await, "invalid_signature");
    }
    // Sampled, not stored in full: one row per client and minute (two if the four posts
    // straddled a minute), no payload.
    let events = events(&app).await;
    assert!((1..=2).contains(&events.len()), "{events:?}");
    assert!(events.iter().all(|e| !e.signature_valid
        && e.state == WebhookState::Rejected
        && e.status_returned == 401
        && e.raw_payload.is_none()));
    assert_eq!(depth(&app, WhatsappInbound::NAME).await, 0);
    let metrics = app.state.metrics.render();
    for reason in ["missing_signature", "signature_mismatch"] {
        let line = format!("webhook_refused_total{{provider=\"whatsapp\",reason=\"{reason}\"}}");
        assert!(metrics.contains(&line), "{line} missing:\n{metrics}");
    }
}

#[tokio::test]
async fn webhooks_are_refused_while_the_app_secret_is_not_configured() {
    let app = TestApp::with_settings(|s| s.whatsapp_app_secret = Default::default()).await;
    let body = fixture("whatsapp/text_message.json");
    post_signed_whatsapp(&app.client, body)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_acknowledgement_status_is_configurable() {
    for status in [200u16, 201] {
        let app = TestApp::with_settings(|s| s.webhook_ack_status_whatsapp = status).await;
        let resp = post_signed_whatsapp(&app.client, fixture("whatsapp/button_reply.json")).await;
        resp.assert_status(StatusCode::from_u16(status).expect("status"));
    }
}

#[tokio::test]
async fn a_batch_of_two_messages_becomes_two_jobs_and_two_stored_messages() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    post_signed_whatsapp(&app.client, fixture("whatsapp/batched_two_messages.json"))
        .await
        .assert_status(StatusCode::ACCEPTED);

    // Assert: two jobs, then two messages from two guests once the worker ran.
    assert_eq!(depth(&app, WhatsappInbound::NAME).await, 2);
    assert_eq!(events(&app).await[0].jobs_total, 2);
    let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;
    wait_until(
        "the event to be processed",
        Duration::from_secs(20),
        || async { events(&app).await[0].state == WebhookState::Processed },
    )
    .await;
    worker.stop().await;
    let messages = whatsapp_message::Entity::find()
        .all(app.conn())
        .await
        .expect("messages");
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.state == MessageState::Unanswered));
    let contacts = whatsapp_contact::Entity::find()
        .all(app.conn())
        .await
        .expect("contacts");
    assert_eq!(contacts.len(), 2);
    assert!(contacts.iter().any(|c| c.phone == "+5493511111111"));
    let metrics = shared::telemetry::metrics_handle().render();
    for expected in [
        "jobs_processed_total{job=\"whatsapp_inbound.v1\"}",
        "job_duration_seconds_bucket{job=\"whatsapp_inbound.v1\"",
        "job_queue_depth{queue=\"whatsapp_inbound.v1\"}",
    ] {
        assert!(metrics.contains(expected), "{expected} missing:\n{metrics}");
    }
}

#[tokio::test]
async fn the_same_message_delivered_three_times_is_handled_once() {
    // Arrange: Meta redelivers the same message (same wamid) three times.
    let app = TestApp::new().await;
    let body = fixture("whatsapp/text_message.json");

    // Act
    for _ in 0..3 {
        post_signed_whatsapp(&app.client, body.clone())
            .await
            .assert_status(StatusCode::ACCEPTED);
    }
    let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;
    wait_until(
        "every delivery to be processed",
        Duration::from_secs(20),
        || async {
            let events = events(&app).await;
            events.len() == 3 && events.iter().all(|e| e.state == WebhookState::Processed)
        },
    )
    .await;
    worker.stop().await;

    // Assert: three deliveries logged, one message stored, with its accents and emoji.
    let messages = whatsapp_message::Entity::find()
        .all(app.conn())
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].text_body.as_deref(),
        Some("Hola! ¿Tienen lugar del 15 al 17 de enero para 4 personas? 🙂")
    );
    let contacts = whatsapp_contact::Entity::find()
        .all(app.conn())
        .await
        .expect("contacts");
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].profile_name.as_deref(), Some("Martín Pérez"));
}

#[tokio::test]
async fn a_delivery_status_is_stored_once_per_wamid_and_status() {
    let app = TestApp::new().await;
    let body = fixture("whatsapp/status_sent.json");
    post_signed_whatsapp(&app.client, body.clone())
        .await
        .assert_status(StatusCode::ACCEPTED);
    post_signed_whatsapp(&app.client, body)
        .await
        .assert_status(StatusCode::ACCEPTED);
    assert_eq!(depth(&app, WhatsappStatus::NAME).await, 2);
    let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;
    wait_until(
        "both deliveries processed",
        Duration::from_secs(20),
        || async {
            events(&app)
                .await
                .iter()
                .all(|e| e.state == WebhookState::Processed)
        },
    )
    .await;
    worker.stop().await;
    let statuses = whatsapp_message_status::Entity::find()
        .count(app.conn())
        .await
        .expect("count");
    assert_eq!(statuses, 1);
}

#[tokio::test]
async fn bodies_up_to_three_megabytes_are_accepted_and_larger_ones_refused() {
    let app = TestApp::new().await;
    // 2 MB: over the global 1 MiB limit, under the webhook's 3 MB.
    let big = text_message("wamid.BIG", "5491112345678", &"a".repeat(2_000_000));
    post_signed_whatsapp(&app.client, big)
        .await
        .assert_status(StatusCode::ACCEPTED);
    let too_big = text_message("wamid.HUGE", "5491112345678", &"a".repeat(3_200_000));
    post_signed_whatsapp(&app.client, too_big)
        .await
        .assert_status(StatusCode::PAYLOAD_TOO_LARGE);
}
