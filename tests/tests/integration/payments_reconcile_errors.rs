//! Payment reconciliation failures: data we cannot place is a permanent error recorded for the
//! owner; Mercado Pago being down is retryable.

use std::time::Duration as StdDuration;

use rust_decimal::Decimal;
use shared::{
    Error,
    config::Secret,
    domain::ReservationStatus,
    providers::MercadoPagoClient,
    service::payments::{list_payment_alerts, reconcile_payment},
};
use tests::harness::{
    mercadopago_stub::{Reply, payment_json},
    payments::PaymentsApp,
};

fn field_code(err: &Error) -> Option<String> {
    match err {
        Error::Invalid(fields) => fields.first().map(|f| f.code.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn a_payment_in_another_currency_is_a_permanent_error_recorded_for_the_owner() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let mut payment = payment_json("1001", &hold.code, "approved", &hold.deposit.to_string());
    payment["currency_id"] = "USD".into();
    env.stub.set_payment("1001", payment);

    let err = env.reconcile("1001").await.expect_err("currency mismatch");

    assert_eq!(field_code(&err).as_deref(), Some("currency_mismatch"));
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::PreReserved);
    assert_eq!(reservation.paid_amount.amount(), Decimal::ZERO);
    let rows = env.payment_rows(&hold.code).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].currency, "USD");
    assert_eq!(rows[0].credited_amount.amount(), Decimal::ZERO);
    assert_eq!(
        env.alert_kinds().await,
        vec!["currency_mismatch".to_string()]
    );
}

#[tokio::test]
async fn a_payment_for_an_unknown_reservation_is_a_permanent_error_recorded_for_the_owner() {
    let env = PaymentsApp::start().await;
    env.stub.set_payment(
        "1001",
        payment_json("1001", "RES000101ZZZZZZ", "approved", "54000"),
    );

    let err = env.reconcile("1001").await.expect_err("unknown reference");

    assert_eq!(field_code(&err).as_deref(), Some("unknown_reservation"));
    let alerts = list_payment_alerts(env.app.conn(), false, 100)
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind.as_str(), "unknown_reference");
    assert_eq!(alerts[0].reservation_id, None);
}

#[tokio::test]
async fn mercadopago_failures_are_retryable_or_permanent() {
    let env = PaymentsApp::start().await;
    let busy = serde_json::json!({"message": "too many requests", "status": 429});
    let broken = serde_json::json!({"message": "internal error", "status": 500});
    let denied = serde_json::json!({"message": "invalid token", "status": 401});
    env.stub.set_payment_reply("500", Reply::Json(500, broken));
    env.stub.set_payment_reply("429", Reply::Json(429, busy));
    env.stub.set_payment_reply("401", Reply::Json(401, denied));
    env.stub.set_payment_reply("777", Reply::Hang);

    let server_error = env.reconcile("500").await.expect_err("500");
    let throttled = env.reconcile("429").await.expect_err("429");
    let missing = env.reconcile("404").await.expect_err("404");
    let unauthorized = env.reconcile("401").await.expect_err("401");
    let impatient = MercadoPagoClient::new(
        &env.stub.url(),
        Secret::new("token"),
        StdDuration::from_millis(300),
    )
    .expect("client");
    let clock = env.app.clock.as_ref();
    let timed_out = reconcile_payment(env.app.conn(), &impatient, clock, "777")
        .await
        .expect_err("timeout");
    let closed_port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let nobody = MercadoPagoClient::new(
        &format!("http://127.0.0.1:{closed_port}"),
        Secret::new("token"),
        StdDuration::from_secs(2),
    )
    .expect("client");
    let refused = reconcile_payment(env.app.conn(), &nobody, clock, "1001")
        .await
        .expect_err("refused");

    assert!(
        matches!(server_error, Error::Unavailable(_)),
        "{server_error:?}"
    );
    assert!(matches!(throttled, Error::Unavailable(_)), "{throttled:?}");
    assert!(matches!(timed_out, Error::Unavailable(_)), "{timed_out:?}");
    assert!(matches!(refused, Error::Unavailable(_)), "{refused:?}");
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    assert!(
        matches!(unauthorized, Error::Internal(_)),
        "{unauthorized:?}"
    );
}
