//! Mercado Pago webhooks: the x-signature manifest (with and without x-request-id, upper-case
//! ids), the payment id from the signed query only, the replay window on `ts`, dedupe by
//! `x-request-id`, the stored body excerpt, and the acknowledgement status.

use poem::http::StatusCode;
use sea_orm::EntityTrait;
use shared::{
    entities::webhook_event::{self, WebhookState},
    jobs::{Job, payments::ReconcilePayment},
};
use tests::harness::{
    TestApp,
    webhooks::{
        MP_PATH, acked_event_id, error_code, fixture, mp_signature, mp_ts_now,
        travel_to_mp_fixture_ts,
    },
};

const RID: &str = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e";
/// The documented examples' `ts`; tests that sign with it move the app's clock there.
const TS: &str = "1742505638683";

async fn post(
    app: &TestApp,
    query_id: Option<&str>,
    request_id: Option<&str>,
    signature: Option<String>,
    body: Vec<u8>,
) -> poem::test::TestResponse {
    let mut req = app.client.post(MP_PATH).content_type("application/json");
    if let Some(id) = query_id {
        req = req.query("data.id", &id).query("type", &"payment");
    }
    if let Some(rid) = request_id {
        req = req.header("x-request-id", rid);
    }
    if let Some(signature) = signature {
        req = req.header("x-signature", signature);
    }
    req.body(body).send().await
}

async fn events(app: &TestApp) -> Vec<webhook_event::Model> {
    webhook_event::Entity::find()
        .all(app.conn())
        .await
        .expect("events")
}

async fn queued_payment_jobs(app: &TestApp) -> u64 {
    app.state
        .queue
        .depth(ReconcilePayment::NAME)
        .await
        .expect("depth")
}

#[tokio::test]
async fn the_documented_signature_with_request_id_is_accepted_and_enqueues_a_reconcile() {
    // Arrange: the README's worked example, at its time.
    let app = TestApp::new().await;
    travel_to_mp_fixture_ts(&app);
    let signature =
        format!("ts={TS},v1=4677dae7dbe3ebbe0125f0b06e2e3912d64aa163e7fe04420dacf1518281fd92");

    // Act
    let resp = post(
        &app,
        Some("123456"),
        Some(RID),
        Some(signature),
        fixture("mercadopago/webhook_payment.json"),
    )
    .await;

    // Assert
    resp.assert_status(StatusCode::ACCEPTED);
    let events = events(&app).await;
    assert_eq!(events[0].provider_event_id.as_deref(), Some("123456"));
    assert_eq!(events[0].state, WebhookState::Pending);
    assert_eq!(queued_payment_jobs(&app).await, 1);
}

#[tokio::test]
async fn the_documented_signature_without_request_id_is_accepted() {
    let app = TestApp::new().await;
    travel_to_mp_fixture_ts(&app);
    let signature =
        format!("ts={TS},v1=da63c737c025ba8cbfcc65ed424703814395b1b7da51a8b117ce915b4a0bcf25");
    let resp = post(
        &app,
        Some("123456"),
        None,
        Some(signature),
        fixture("mercadopago/webhook_payment.json"),
    )
    .await;
    resp.assert_status(StatusCode::ACCEPTED);
}

#[tokio::test]
async fn an_upper_case_alphanumeric_id_is_signed_lower_cased() {
    let app = TestApp::new().await;
    let ts = mp_ts_now(&app);
    let lower = mp_signature(Some("abc123"), Some(RID), &ts);
    post(&app, Some("ABC123"), Some(RID), Some(lower), b"{}".to_vec())
        .await
        .assert_status(StatusCode::ACCEPTED);
    // A signature over the upper-case id is not what Mercado Pago sends.
    let upper = format!(
        "ts={ts},v1={}",
        api::webhooks::signature::sign_meta(
            tests::harness::webhooks::MP_SECRET,
            format!("id:ABC123;request-id:{RID};ts:{ts};").as_bytes()
        )
        .trim_start_matches("sha256=")
    );
    post(&app, Some("ABC123"), Some(RID), Some(upper), b"{}".to_vec())
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_or_missing_signatures_are_refused_logged_and_enqueue_nothing() {
    let app = TestApp::new().await;
    let body = fixture("mercadopago/webhook_payment.json");
    let wrong_id = mp_signature(Some("999"), Some(RID), &mp_ts_now(&app));
    for signature in [None, Some(wrong_id), Some("ts=1,v1=zz".to_string())] {
        let resp = post(&app, Some("123456"), Some(RID), signature, body.clone()).await;
        resp.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(resp).await, "invalid_signature");
    }
    let events = events(&app).await;
    assert!((1..=2).contains(&events.len()), "sampled: {events:?}");
    assert!(events.iter().all(|e| e.state == WebhookState::Rejected
        && !e.signature_valid
        && e.raw_payload.is_none()));
    assert_eq!(queued_payment_jobs(&app).await, 0);
    let metrics = app.state.metrics.render();
    for reason in ["missing_signature", "signature_mismatch"] {
        let line = format!("webhook_refused_total{{provider=\"mercadopago\",reason=\"{reason}\"}}");
        assert!(metrics.contains(&line), "{line} missing:\n{metrics}");
    }
}

#[tokio::test]
async fn without_data_id_in_the_query_it_is_400_even_when_the_body_names_a_payment() {
    // Arrange: a valid signature over a manifest without id; the body (unsigned) names one.
    let app = TestApp::new().await;
    let signature = mp_signature(None, Some(RID), &mp_ts_now(&app));
    let body = br#"{"action":"payment.created","type":"payment","data":{"id":987654}}"#.to_vec();

    // Act
    let resp = post(&app, None, Some(RID), Some(signature), body).await;

    // Assert: refused, nothing enqueued, counted.
    resp.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(error_code(resp).await, "missing_data_id");
    assert_eq!(queued_payment_jobs(&app).await, 0);
    assert!(events(&app).await.iter().all(|e| !e.signature_valid));
    assert!(
        app.state
            .metrics
            .render()
            .contains("webhook_refused_total{provider=\"mercadopago\",reason=\"missing_data_id\"}")
    );
}

#[tokio::test]
async fn a_signed_notification_with_a_ts_outside_the_tolerance_is_refused_as_a_replay() {
    // Arrange: the documented, correctly signed example, but our clock is today, not then.
    let app = TestApp::new().await;
    let signature =
        format!("ts={TS},v1=4677dae7dbe3ebbe0125f0b06e2e3912d64aa163e7fe04420dacf1518281fd92");

    // Act
    let resp = post(
        &app,
        Some("123456"),
        Some(RID),
        Some(signature),
        b"{}".to_vec(),
    )
    .await;

    // Assert
    resp.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(queued_payment_jobs(&app).await, 0);
    assert!(
        app.state
            .metrics
            .render()
            .contains("webhook_refused_total{provider=\"mercadopago\",reason=\"stale_timestamp\"}")
    );
    // Eleven minutes late is refused too; nine is inside the default ten.
    let app = TestApp::new().await;
    travel_to_mp_fixture_ts(&app);
    app.clock.advance(chrono::Duration::minutes(9));
    let signature =
        format!("ts={TS},v1=4677dae7dbe3ebbe0125f0b06e2e3912d64aa163e7fe04420dacf1518281fd92");
    post(
        &app,
        Some("123456"),
        Some(RID),
        Some(signature.clone()),
        b"{}".to_vec(),
    )
    .await
    .assert_status(StatusCode::ACCEPTED);
    app.clock.advance(chrono::Duration::minutes(2));
    post(
        &app,
        Some("123456"),
        Some("another-request"),
        Some(signature),
        b"{}".to_vec(),
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_redelivered_request_id_is_acknowledged_with_the_first_event_and_enqueued_once() {
    // Arrange
    let app = TestApp::new().await;
    let signature = mp_signature(Some("123456"), Some(RID), &mp_ts_now(&app));
    let body = fixture("mercadopago/webhook_payment.json");

    // Act: the same notification twice.
    let first = post(
        &app,
        Some("123456"),
        Some(RID),
        Some(signature.clone()),
        body.clone(),
    )
    .await;
    let second = post(&app, Some("123456"), Some(RID), Some(signature), body).await;

    // Assert: both acknowledged with the same event; one row, one job.
    first.assert_status(StatusCode::ACCEPTED);
    second.assert_status(StatusCode::ACCEPTED);
    let first_id = acked_event_id(first).await;
    let second_id = acked_event_id(second).await;
    assert_eq!(first_id, second_id);
    assert_eq!(events(&app).await.len(), 1);
    assert_eq!(queued_payment_jobs(&app).await, 1);
}

#[tokio::test]
async fn only_a_bounded_excerpt_of_the_unsigned_body_is_stored() {
    // Arrange: a signed notification whose (unsigned) body is 10 KB.
    let app = TestApp::new().await;
    let signature = mp_signature(Some("123456"), Some(RID), &mp_ts_now(&app));
    let padding = "x".repeat(10_000);
    let body = format!(r#"{{"type":"payment","data":{{"id":"123456"}},"pad":"{padding}"}}"#);

    // Act
    post(
        &app,
        Some("123456"),
        Some(RID),
        Some(signature),
        body.into_bytes(),
    )
    .await
    .assert_status(StatusCode::ACCEPTED);

    // Assert
    let stored = events(&app).await[0].raw_payload.clone().expect("excerpt");
    assert_eq!(
        stored.len(),
        shared::service::webhooks::MP_BODY_EXCERPT_BYTES
    );
    assert!(stored.starts_with(r#"{"type":"payment""#));
}

#[tokio::test]
async fn the_acknowledgement_status_is_configurable_200_and_201() {
    for status in [200u16, 201] {
        let app = TestApp::with_settings(|s| s.webhook_ack_status_mercadopago = status).await;
        let signature = mp_signature(Some("123456"), Some(RID), &mp_ts_now(&app));
        let resp = post(
            &app,
            Some("123456"),
            Some(RID),
            Some(signature),
            b"{}".to_vec(),
        )
        .await;
        resp.assert_status(StatusCode::from_u16(status).expect("status"));
    }
}
