//! The operator's admin tools: the webhook monitor and replay, failed jobs and retry, payment
//! alerts, and Idempotency-Key on admin mutations.

use poem::http::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use shared::{
    entities::{accommodation, audit_log},
    jobs::{Job, maintenance::ExpirePreReservations},
    service::failed_jobs,
};
use tests::harness::{
    TestApp,
    webhooks::{post_signed_whatsapp, post_whatsapp, text_message},
};

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .all(app.conn())
        .await
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect()
}

#[tokio::test]
async fn the_webhook_monitor_filters_deliveries_and_replays_a_signed_one() {
    // Arrange: one signed WhatsApp delivery and one with a bad signature.
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let body = text_message("wamid.MONITOR1", "5491112345678", "Hola");
    post_signed_whatsapp(&app.client, body.clone()).await;
    post_whatsapp(&app.client, body, Some("sha256=00".into())).await;

    // Act
    let all = admin.get("/admin/webhooks").await;
    let rejected = admin.get("/admin/webhooks?state=rejected").await;
    let mercadopago = admin.get("/admin/webhooks?provider=mercadopago").await;
    let bad = admin.get("/admin/webhooks?state=lost").await;

    // Assert
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["total"], 2);
    assert_eq!(all.body["page"], 1);
    assert_eq!(rejected.body["total"], 1);
    assert_eq!(rejected.body["items"][0]["signature_valid"], false);
    assert_eq!(rejected.body["items"][0]["status_returned"], 401);
    assert_eq!(mercadopago.body["total"], 0);
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["details"][0]["field"], "state");

    // Act: replay the signed one, then try the refused one.
    let signed = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["signature_valid"] == true)
        .expect("signed event")
        .clone();
    let replayed = admin
        .post_empty(&format!("/admin/webhooks/{}/replay", signed["id"]))
        .await;
    let refused_id = rejected.body["items"][0]["id"].clone();
    let refused = admin
        .post_empty(&format!("/admin/webhooks/{refused_id}/replay"))
        .await;
    let unknown = admin.post_empty("/admin/webhooks/999999/replay").await;

    // Assert
    assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.body);
    assert_eq!(replayed.body["state"], "pending");
    assert_eq!(
        replayed.body["attempts"],
        signed["attempts"].as_i64().expect("n") + 1
    );
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_actions(&app).await, vec!["webhook_event.replay"]);
}

#[tokio::test]
async fn failed_jobs_are_listed_and_put_back_on_their_queue() {
    // Arrange: a job the worker gave up on.
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let payload = json!({ "slot": "2026-11-23T12:00:00Z" });
    let failed = failed_jobs::record_failed_job(
        app.conn(),
        ExpirePreReservations::NAME,
        payload.clone(),
        "database down",
        5,
        shared::clock::Clock::now(app.clock.as_ref()),
    )
    .await
    .expect("record");

    // Act
    let list = admin.get("/admin/jobs/failed").await;
    let filtered = admin
        .get("/admin/jobs/failed?job=whatsapp_inbound.v1")
        .await;
    let unknown_job = admin.get("/admin/jobs/failed?job=mystery.v9").await;
    let retried = admin
        .post_empty(&format!("/admin/jobs/failed/{}/retry", failed.id))
        .await;

    // Assert
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["total"], 1);
    assert_eq!(
        list.body["items"][0]["job_name"],
        ExpirePreReservations::NAME
    );
    assert_eq!(list.body["items"][0]["payload"], payload);
    assert_eq!(list.body["items"][0]["attempts"], 5);
    assert_eq!(filtered.body["total"], 0);
    assert_eq!(unknown_job.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert!(retried.body["retried_at"].is_string());
    let depth = app
        .state
        .queue
        .depth(ExpirePreReservations::NAME)
        .await
        .expect("depth");
    assert_eq!(depth, 1);
    assert_eq!(audit_actions(&app).await, vec!["failed_job.retry"]);
}

#[tokio::test]
async fn payment_alerts_start_empty_and_need_an_admin() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let alerts = admin.get("/admin/payments/alerts").await;
    let anonymous = app
        .request(Method::GET, "/api/v1/admin/payments/alerts", None, None)
        .await;

    assert_eq!(alerts.status, StatusCode::OK, "{}", alerts.body);
    assert_eq!(alerts.body, json!([]));
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_mutation_with_an_idempotency_key_happens_once() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let body = json!({ "name": "Cabaña Nueva", "capacity": 4, "base_price": "70000" });
    let send = |token: String| {
        let client = &app.client;
        let body = body.clone();
        async move {
            client
                .post("/api/v1/admin/accommodations")
                .header("authorization", format!("Bearer {token}"))
                .header("idempotency-key", "create-cabin-1")
                .body_json(&body)
                .send()
                .await
        }
    };

    // Act: a refused attempt (bad token), then the same key twice with a valid token.
    let refused = send("not-a-token".into()).await;
    let first = send(admin.token.clone()).await;
    let second = send(admin.token.clone()).await;

    // Assert: the refusal was not remembered; the retry replays the first creation.
    refused.assert_status(StatusCode::UNAUTHORIZED);
    first.assert_status(StatusCode::CREATED);
    second.assert_status(StatusCode::CREATED);
    second.assert_header("idempotency-replayed", "true");
    let created = accommodation::Entity::find()
        .count(app.conn())
        .await
        .expect("count");
    assert_eq!(created, 1);
}
