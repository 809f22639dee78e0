//! Mercado Pago webhooks: the x-signature manifest (with and without x-request-id, upper-case
//! ids), the payment id from the query or the body, and the acknowledgement status.

use poem::http::StatusCode;
use sea_orm::EntityTrait;
use shared::{
    entities::webhook_event::{self, WebhookState},
    jobs::{Job, payments::ReconcilePayment},
};
use tests::harness::{
    TestApp,
    webhooks::{MP_PATH, error_code, fixture, mp_signature},
};

const RID: &str = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e";
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
    // Arrange: the README's worked example.
    let app = TestApp::new().await;
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
    let lower = mp_signature(Some("abc123"), Some(RID), TS);
    post(&app, Some("ABC123"), Some(RID), Some(lower), b"{}".to_vec())
        .await
        .assert_status(StatusCode::ACCEPTED);
    // A signature over the upper-case id is not what Mercado Pago sends.
    let upper = format!(
        "ts={TS},v1={}",
        api::webhooks::signature::sign_meta(
            tests::harness::webhooks::MP_SECRET,
            format!("id:ABC123;request-id:{RID};ts:{TS};").as_bytes()
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
    let wrong_id = mp_signature(Some("999"), Some(RID), TS);
    for signature in [None, Some(wrong_id), Some("ts=1,v1=zz".to_string())] {
        let resp = post(&app, Some("123456"), Some(RID), signature, body.clone()).await;
        resp.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(resp).await, "invalid_signature");
    }
    let events = events(&app).await;
    assert_eq!(events.len(), 3);
    assert!(
        events
            .iter()
            .all(|e| e.state == WebhookState::Rejected && !e.signature_valid)
    );
    assert_eq!(queued_payment_jobs(&app).await, 0);
    assert!(
        app.state
            .metrics
            .render()
            .contains("webhook_signature_invalid_total{provider=\"mercadopago\"}")
    );
}

#[tokio::test]
async fn a_numeric_body_id_is_used_when_the_query_has_none() {
    // Arrange: no data.id in the query, so the manifest has no id segment.
    let app = TestApp::new().await;
    let signature = mp_signature(None, Some(RID), TS);
    let body = br#"{"action":"payment.created","type":"payment","data":{"id":987654}}"#.to_vec();

    // Act
    post(&app, None, Some(RID), Some(signature), body)
        .await
        .assert_status(StatusCode::ACCEPTED);

    // Assert: the job carries the id as a string.
    assert_eq!(
        events(&app).await[0].provider_event_id.as_deref(),
        Some("987654")
    );
    assert_eq!(queued_payment_jobs(&app).await, 1);
}

#[tokio::test]
async fn the_acknowledgement_status_is_configurable_200_and_201() {
    for status in [200u16, 201] {
        let app = TestApp::with_settings(|s| s.webhook_ack_status_mercadopago = status).await;
        let signature = mp_signature(Some("123456"), Some(RID), TS);
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
