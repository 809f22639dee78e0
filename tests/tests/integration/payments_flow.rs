//! The whole payment flow, end to end: a pre-reservation, its deposit link, Mercado Pago's
//! signed notification, the real worker re-fetching the payment from the stand-in, and the
//! booking confirming itself — plus duplicate and out-of-order notifications.

use std::time::Duration;

use poem::http::StatusCode;
use sea_orm::EntityTrait;
use serde_json::Value;
use shared::{
    domain::{PaymentStatus, ReservationStatus},
    entities::webhook_event::{self, WebhookState},
};
use tests::harness::{
    mercadopago_stub::payment_json,
    payments::{Hold, PaymentsApp},
    wait_until,
    webhooks::post_mp_notification,
    worker::TestWorker,
};

async fn start() -> (PaymentsApp, TestWorker, Hold) {
    let env = PaymentsApp::start().await;
    let worker = TestWorker::start(env.app.settings.clone(), env.app.clock.clone()).await;
    let hold = env.hold(12, 2).await;
    (env, worker, hold)
}

async fn wait_for_reservation(
    env: &PaymentsApp,
    code: &str,
    what: &str,
    done: impl Fn(&shared::entities::reservation::Model) -> bool,
) {
    wait_until(what, Duration::from_secs(20), || async {
        done(&env.reservation(code).await)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_deposit_confirms_the_booking_through_the_webhook_and_the_worker() {
    // Arrange: a hold and its deposit link.
    let (env, worker, hold) = start().await;
    let link = env
        .app
        .client
        .post(format!("/api/v1/reservations/{}/payment-link", hold.code))
        .send()
        .await;
    link.assert_status(StatusCode::CREATED);
    let link: Value = link.0.into_body().into_json().await.expect("json");
    assert!(
        link["payment_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    env.stub.set_payment(
        "5551001",
        payment_json("5551001", &hold.code, "approved", &hold.deposit.to_string()),
    );

    // Act: Mercado Pago notifies; the API records, enqueues and acknowledges.
    let status = post_mp_notification(&env.app, "5551001", "req-1").await;

    // Assert: 202, then the worker confirms the booking and completes the webhook event.
    assert_eq!(status, StatusCode::ACCEPTED);
    wait_for_reservation(&env, &hold.code, "the booking to confirm", |r| {
        r.status == ReservationStatus::Confirmed
    })
    .await;
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.paid_amount.amount(), hold.deposit);
    assert_eq!(reservation.payment_status, PaymentStatus::DepositPaid);
    assert_eq!(reservation.expires_at, None);
    wait_until(
        "the event to be processed",
        Duration::from_secs(10),
        || async {
            let events = webhook_event::Entity::find()
                .all(env.app.conn())
                .await
                .expect("events");
            events.len() == 1 && events[0].state == WebhookState::Processed
        },
    )
    .await;
    let public: Value = env
        .app
        .client
        .get(format!("/api/v1/reservations/{}", hold.code))
        .send()
        .await
        .0
        .into_body()
        .into_json()
        .await
        .expect("json");
    assert_eq!(public["status"], "confirmed");
    assert_eq!(public["paid_amount"], hold.deposit.to_string());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_then_refund_notifications_end_in_the_right_state() {
    // Arrange: an approved deposit, confirmed through the worker.
    let (env, worker, hold) = start().await;
    let approved = payment_json("5551002", &hold.code, "approved", &hold.deposit.to_string());
    env.stub.set_payment("5551002", approved);
    assert_eq!(
        post_mp_notification(&env.app, "5551002", "req-a").await,
        StatusCode::ACCEPTED
    );
    wait_for_reservation(&env, &hold.code, "confirmation", |r| {
        r.status == ReservationStatus::Confirmed
    })
    .await;

    // Act: the same notification twice more, then the payment is refunded and notified.
    assert_eq!(
        post_mp_notification(&env.app, "5551002", "req-b").await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post_mp_notification(&env.app, "5551002", "req-c").await,
        StatusCode::ACCEPTED
    );
    wait_until(
        "the duplicates to be processed",
        Duration::from_secs(20),
        || async {
            let events = webhook_event::Entity::find()
                .all(env.app.conn())
                .await
                .expect("events");
            events.len() == 3 && events.iter().all(|e| e.state == WebhookState::Processed)
        },
    )
    .await;
    let after_duplicates = env.reservation(&hold.code).await;
    env.stub.set_payment(
        "5551002",
        payment_json("5551002", &hold.code, "refunded", &hold.deposit.to_string()),
    );
    assert_eq!(
        post_mp_notification(&env.app, "5551002", "req-d").await,
        StatusCode::ACCEPTED
    );

    // Assert: duplicates changed nothing; the refund is recorded and alerted, and the stay is
    // kept (the owner decides), with nothing paid any more.
    assert_eq!(after_duplicates.paid_amount.amount(), hold.deposit);
    assert_eq!(env.payment_rows(&hold.code).await.len(), 1);
    wait_for_reservation(&env, &hold.code, "the refund", |r| {
        r.payment_status == PaymentStatus::Refunded
    })
    .await;
    let refunded = env.reservation(&hold.code).await;
    assert_eq!(refunded.status, ReservationStatus::Confirmed);
    assert_eq!(refunded.paid_amount.amount(), rust_decimal::Decimal::ZERO);
    assert_eq!(env.alert_kinds().await, vec!["refunded".to_string()]);
    worker.stop().await;
}
