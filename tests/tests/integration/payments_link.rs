//! `POST /reservations/{code}/payment-link`: a Checkout Pro preference for the deposit that
//! lapses with the hold, created once per hold.

use chrono::{DateTime, Duration, Utc};
use poem::http::StatusCode;
use serde_json::Value;
use shared::{
    clock::Clock,
    domain::{PaymentRecordStatus, ReservationCode, ReservationStatus},
    service::{payment_link::mercadopago_datetime, transitions},
};
use std::time::Duration as StdDuration;

use tests::harness::{
    mercadopago_stub::Reply,
    payments::{PUBLIC_BASE_URL, PaymentsApp, TEST_TOKEN},
    wait_until,
};

fn link_path(code: &str) -> String {
    format!("/api/v1/reservations/{code}/payment-link")
}

async fn request_link(env: &PaymentsApp, code: &str) -> (StatusCode, Value) {
    let response = env.app.client.post(link_path(code)).send().await;
    let status = response.0.status();
    let body = response.json().await.value().deserialize();
    (status, body)
}

#[tokio::test]
async fn a_payment_link_asks_mercadopago_for_the_deposit_until_the_hold_lapses() {
    // Arrange
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let reservation = env.reservation(&hold.code).await;
    let expires_at = reservation.expires_at.expect("hold").with_timezone(&Utc);

    // Act
    let (status, body) = request_link(&env, &hold.code).await;

    // Assert: what was sent to Mercado Pago.
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sent = env.stub.preference_requests();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TEST_TOKEN}").as_str())
    );
    assert!(request.header("x-idempotency-key").is_some());
    let pref = &request.body;
    assert_eq!(pref["external_reference"], hold.code.as_str());
    assert_eq!(
        pref["notification_url"],
        format!("{PUBLIC_BASE_URL}/api/v1/mercadopago/webhook?source_news=webhooks")
    );
    assert_eq!(pref["expires"], true);
    let tz = env.app.settings.timezone();
    assert_eq!(
        pref["expiration_date_to"],
        mercadopago_datetime(expires_at, tz)
    );
    let sent_expiry =
        DateTime::parse_from_rfc3339(pref["expiration_date_to"].as_str().expect("str"))
            .expect("ISO 8601 with offset");
    assert_eq!(sent_expiry.timestamp(), expires_at.timestamp());
    let item = &pref["items"][0];
    assert_eq!(item["currency_id"], "ARS");
    assert_eq!(item["quantity"], 1);
    assert!(item["unit_price"].is_number(), "{item}");
    assert_eq!(
        item["unit_price"]
            .to_string()
            .parse::<rust_decimal::Decimal>()
            .expect("number"),
        hold.deposit
    );
    let title = item["title"].as_str().expect("title");
    assert!(title.starts_with("Seña - Cabaña del Lago ("), "{title}");
    assert!(pref.get("back_urls").is_none());

    // Assert: what the guest gets, and what was stored.
    assert_eq!(body["code"], hold.code.as_str());
    assert_eq!(body["amount"], format!("{:.2}", hold.deposit));
    assert_eq!(body["currency"], "ARS");
    let preference_id = body["preference_id"].as_str().expect("preference id");
    assert!(
        body["payment_url"]
            .as_str()
            .expect("url")
            .ends_with(preference_id)
    );
    let rows = env.payment_rows(&hold.code).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, PaymentRecordStatus::LinkCreated);
    assert_eq!(rows[0].preference_id.as_deref(), Some(preference_id));
    assert_eq!(rows[0].amount.amount(), hold.deposit);
    assert_eq!(
        rows[0].expires_at.map(|t| t.with_timezone(&Utc)),
        Some(expires_at)
    );
}

#[tokio::test]
async fn asking_again_returns_the_same_link_without_a_second_preference() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;

    let (first_status, first) = request_link(&env, &hold.code).await;
    let (second_status, second) = request_link(&env, &hold.code).await;

    assert_eq!(first_status, StatusCode::CREATED);
    assert_eq!(second_status, StatusCode::OK);
    assert_eq!(first, second);
    assert_eq!(env.stub.preference_requests().len(), 1);
    assert_eq!(env.payment_rows(&hold.code).await.len(), 1);
}

/// Whether a link request has found another's claim and is waiting for its link.
fn someone_waits_for_a_claim(env: &PaymentsApp) -> bool {
    env.app
        .state
        .metrics
        .render()
        .contains("payment_link_claim_waits_total")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_requests_create_one_link() {
    // Arrange: Mercado Pago holds its answer until the second request is provably in flight:
    // waiting for the first one's claim, or (were there no claim) at the stub itself.
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    env.stub.close_preference_gate();
    let release = async {
        wait_until(
            "the second request to be in flight",
            StdDuration::from_secs(10),
            || async {
                let at_stub = env.stub.preference_requests().len();
                at_stub >= 2 || (at_stub == 1 && someone_waits_for_a_claim(&env))
            },
        )
        .await;
        env.stub.open_preference_gate();
    };

    // Act
    let (a, b, ()) = tokio::join!(
        request_link(&env, &hold.code),
        request_link(&env, &hold.code),
        release
    );

    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CREATED]);
    assert_eq!(a.1["payment_url"], b.1["payment_url"]);
    assert_eq!(env.stub.preference_requests().len(), 1);
    assert_eq!(env.payment_rows(&hold.code).await.len(), 1);
}

#[tokio::test]
async fn a_confirmed_reservation_has_no_link_to_pay() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let code = ReservationCode::parse(&hold.code).expect("code");
    transitions::transition(
        env.app.conn(),
        env.app.clock.as_ref(),
        &shared::service::audit::admin_context("owner@example.com", String::new()),
        &code,
        ReservationStatus::Confirmed,
        None,
    )
    .await
    .expect("confirm");

    let (status, body) = request_link(&env, &hold.code).await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "reservation_not_payable");
    assert!(body["trace_id"].is_string());
    assert!(env.stub.preference_requests().is_empty());
}

#[tokio::test]
async fn a_lapsed_hold_has_no_link_to_pay_swept_or_not() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    env.app.clock.advance(Duration::minutes(31));

    let (lapsed_status, lapsed) = request_link(&env, &hold.code).await;
    shared::service::expiry::expire_lapsed_holds(env.app.conn(), env.app.clock.as_ref())
        .await
        .expect("sweep");
    let (expired_status, expired) = request_link(&env, &hold.code).await;

    assert_eq!(lapsed_status, StatusCode::CONFLICT);
    assert_eq!(lapsed["code"], "hold_expired");
    assert_eq!(expired_status, StatusCode::CONFLICT);
    assert_eq!(expired["code"], "hold_expired");
    assert!(env.stub.preference_requests().is_empty());
}

#[tokio::test]
async fn an_unknown_code_is_not_found() {
    let env = PaymentsApp::start().await;
    let unknown = format!("RES{}ZZZZZZ", env.app.clock.now().format("%y%m%d"));

    let (status, body) = request_link(&env, &unknown).await;
    let (malformed_status, _) = request_link(&env, "not-a-code").await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    assert_eq!(malformed_status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn mercadopago_down_gives_503_and_a_retry_creates_the_link() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    env.stub.fail_preferences(Some(Reply::Json(
        500,
        serde_json::json!({"message": "boom"}),
    )));

    let (down_status, down) = request_link(&env, &hold.code).await;
    env.stub.fail_preferences(None);
    let (retry_status, _) = request_link(&env, &hold.code).await;

    assert_eq!(down_status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down["code"], "service_unavailable");
    assert_eq!(retry_status, StatusCode::CREATED);
    assert_eq!(env.payment_rows(&hold.code).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_mercadopago_calls_hold_no_database_connection() {
    // Arrange: a pool of 3 connections, five holds, and Mercado Pago holding every answer.
    let env = PaymentsApp::start_with_pool(3).await;
    let mut holds = Vec::new();
    for i in 0..5 {
        holds.push(env.hold(10 + 3 * i, 2).await);
    }
    env.stub.close_preference_gate();
    let probe = async {
        wait_until(
            "all five link requests to be waiting on Mercado Pago",
            StdDuration::from_secs(10),
            || async { env.stub.preference_requests().len() == 5 },
        )
        .await;
        // While five slow calls are open, a route that needs the database answers in time.
        let started = std::time::Instant::now();
        let lookup = env
            .app
            .client
            .get(format!("/api/v1/reservations/{}", holds[0].code))
            .send()
            .await;
        let answered = (lookup.0.status(), started.elapsed());
        env.stub.open_preference_gate();
        answered
    };

    // Act: more concurrent link requests than the pool has connections.
    let (links, (lookup_status, lookup_time)) = tokio::join!(
        futures::future::join_all(holds.iter().map(|h| request_link(&env, &h.code))),
        probe
    );

    // Assert
    assert_eq!(lookup_status, StatusCode::OK);
    assert!(lookup_time < StdDuration::from_secs(2), "{lookup_time:?}");
    for ((status, body), hold) in links.iter().zip(&holds) {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
        assert_eq!(env.payment_rows(&hold.code).await.len(), 1);
    }
}

#[tokio::test]
async fn a_failed_creation_releases_its_claim_so_the_next_request_retries_at_once() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    env.stub.fail_preferences(Some(Reply::Json(
        502,
        serde_json::json!({"message": "bad gateway"}),
    )));
    let (down, _) = request_link(&env, &hold.code).await;
    env.stub.fail_preferences(None);

    let started = std::time::Instant::now();
    let (retry, _) = request_link(&env, &hold.code).await;

    assert_eq!(down, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(retry, StatusCode::CREATED);
    assert!(
        started.elapsed() < StdDuration::from_secs(2),
        "no wait for a stale claim"
    );
    assert!(!someone_waits_for_a_claim(&env));
}
