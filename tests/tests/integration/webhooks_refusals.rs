//! Refused webhooks cost a bounded amount: counted, sampled at most once per client and minute
//! without the payload, limited per client IP (429), and purged after the retention.

use poem::http::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use shared::{
    clock::Clock,
    entities::webhook_event::{self, WebhookState},
    service::webhook_refusals,
};
use tests::harness::{
    TestApp,
    webhooks::{WA_PATH, fixture, post_signed_whatsapp},
};

async fn post_unsigned_from(app: &TestApp, client_ip: &str, body: Vec<u8>) -> StatusCode {
    app.client
        .post(WA_PATH)
        .header("fly-client-ip", client_ip)
        .header("X-Hub-Signature-256", "sha256=00")
        .content_type("application/json")
        .body(body)
        .send()
        .await
        .0
        .status()
}

async fn rejected(app: &TestApp) -> Vec<webhook_event::Model> {
    webhook_event::Entity::find()
        .all(app.conn())
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.state == WebhookState::Rejected)
        .collect()
}

#[tokio::test]
async fn a_flood_of_bad_signatures_stores_one_sample_per_client_and_minute_without_payload() {
    // Arrange: two clients, a large body.
    let app = TestApp::with_settings(|s| {
        s.trust_proxy_headers = true;
        s.webhook_refusals_per_minute = 0;
    })
    .await;
    let body = vec![b'{'; 100_000];

    // Act: ten refusals from each.
    for _ in 0..10 {
        for ip in ["203.0.113.7", "198.51.100.9"] {
            assert_eq!(
                post_unsigned_from(&app, ip, body.clone()).await,
                StatusCode::UNAUTHORIZED
            );
        }
    }

    // Assert: a handful of rows (one per client and minute), each a hash and 256 bytes.
    let rows = rejected(&app).await;
    assert!((2..=4).contains(&rows.len()), "{rows:?}");
    let mut keys: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.metadata["client"].to_string(),
                r.metadata["minute"].to_string(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), rows.len(), "one row per client and minute");
    for row in &rows {
        assert!(row.raw_payload.is_none());
        assert_eq!(row.metadata["body_bytes"], 100_000);
        assert_eq!(
            row.metadata["body_prefix"].as_str().map(str::len),
            Some(256)
        );
        assert_eq!(row.metadata["body_sha256"].as_str().map(str::len), Some(64));
        assert_eq!(row.metadata["reason"], "signature_mismatch");
    }
    let metrics = app.state.metrics.render();
    assert!(
        metrics.contains(
            "webhook_refused_total{provider=\"whatsapp\",reason=\"signature_mismatch\"} 20"
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn refusals_past_the_per_ip_limit_get_429_while_signed_deliveries_still_pass() {
    // Arrange: three refusals a minute per client.
    let app = TestApp::with_settings(|s| {
        s.trust_proxy_headers = true;
        s.webhook_refusals_per_minute = 3;
    })
    .await;
    let body = fixture("whatsapp/text_message.json");

    // Act
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(post_unsigned_from(&app, "203.0.113.7", body.clone()).await);
    }
    let other_client = post_unsigned_from(&app, "198.51.100.9", body.clone()).await;
    let limited = app
        .client
        .post(WA_PATH)
        .header("fly-client-ip", "203.0.113.7")
        .content_type("application/json")
        .body(body.clone())
        .send()
        .await;
    let signed = post_signed_whatsapp(&app.client, body).await;

    // Assert
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(
        other_client,
        StatusCode::UNAUTHORIZED,
        "limits are per client"
    );
    limited.assert_status(StatusCode::TOO_MANY_REQUESTS);
    let retry_after = limited
        .0
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after));
    signed.assert_status(StatusCode::ACCEPTED);
    assert!(
        app.state
            .metrics
            .render()
            .contains("rate_limit_rejections_total{bucket=\"webhook_refused\"}")
    );
}

#[tokio::test]
async fn refusal_samples_older_than_the_retention_are_purged_and_signed_events_kept() {
    // Arrange: a refusal and a signed delivery, both 8 days old.
    let app = TestApp::new().await;
    let body = fixture("whatsapp/text_message.json");
    post_unsigned_from(&app, "203.0.113.7", body.clone()).await;
    post_signed_whatsapp(&app.client, body).await;
    app.conn()
        .execute_unprepared("UPDATE webhook_events SET received_at = now() - interval '8 days'")
        .await
        .expect("age the rows");

    // Act: the retention job's purge with the default 7 days.
    let purged = webhook_refusals::purge_refusals(
        app.conn(),
        app.clock.now(),
        app.settings.webhook_refusal_retention(),
    )
    .await
    .expect("purge");
    let again = webhook_refusals::purge_refusals(
        app.conn(),
        app.clock.now(),
        app.settings.webhook_refusal_retention(),
    )
    .await
    .expect("purge");

    // Assert
    assert_eq!((purged, again), (1, 0));
    assert!(rejected(&app).await.is_empty());
    assert_eq!(
        webhook_event::Entity::find()
            .all(app.conn())
            .await
            .expect("events")
            .len(),
        1,
        "the signed delivery stays"
    );
}
