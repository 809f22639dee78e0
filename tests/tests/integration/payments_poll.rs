//! The reconciliation poll: a payment whose notification never arrived still confirms its
//! booking, found through Mercado Pago's payment search by `external_reference`.

use std::time::Duration;

use poem::http::StatusCode;
use shared::{
    clock::Clock,
    domain::{PaymentStatus, ReservationStatus},
    jobs::payments::PollPayments,
    service::payment_poll::{self, PollReport},
};
use tests::harness::{
    mercadopago_stub::payment_json,
    payments::{Hold, PaymentsApp},
    wait_until,
    worker::TestWorker,
};

async fn hold_with_link(env: &PaymentsApp, days_ahead: i64) -> Hold {
    let hold = env.hold(days_ahead, 2).await;
    env.app
        .client
        .post(format!("/api/v1/reservations/{}/payment-link", hold.code))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    hold
}

async fn poll(env: &PaymentsApp) -> PollReport {
    payment_poll::poll_payments(
        env.app.conn(),
        &env.app.state.mercadopago,
        env.app.clock.as_ref(),
    )
    .await
    .expect("poll")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_payment_without_a_webhook_is_confirmed_by_the_poll_and_only_once() {
    // Arrange: a hold with its link; the guest paid, but no notification is ever sent.
    let env = PaymentsApp::start().await;
    let hold = hold_with_link(&env, 12).await;
    let unpaid = hold_with_link(&env, 20).await;
    env.stub.set_payment(
        "7770001",
        payment_json("7770001", &hold.code, "approved", &hold.deposit.to_string()),
    );

    // Act: the worker runs the poll job, as its cron would.
    let worker = TestWorker::start(env.app.settings.clone(), env.app.clock.clone()).await;
    env.app
        .state
        .queue
        .push(PollPayments {
            slot: env.app.clock.now(),
        })
        .await
        .expect("enqueue the poll");

    // Assert: confirmed, paid; the other hold untouched.
    wait_until(
        "the poll to confirm the booking",
        Duration::from_secs(20),
        || async { env.reservation(&hold.code).await.status == ReservationStatus::Confirmed },
    )
    .await;
    worker.stop().await;
    let confirmed = env.reservation(&hold.code).await;
    assert_eq!(confirmed.paid_amount.amount(), hold.deposit);
    assert_eq!(confirmed.payment_status, PaymentStatus::DepositPaid);
    assert_eq!(
        env.reservation(&unpaid.code).await.status,
        ReservationStatus::PreReserved
    );
    let searched = env
        .stub
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/payments/search")
        .count();
    assert_eq!(searched, 2, "one search per open hold with a link");

    // Act 2: the poll runs again.
    let rows_before = env.payment_rows(&hold.code).await;
    let again = poll(&env).await;

    // Assert 2: nothing changes; the confirmed-and-paid booking is no longer polled.
    assert_eq!(again.reconciled, 0, "{again:?}");
    assert_eq!(again.confirmed, 0);
    assert_eq!(env.payment_rows(&hold.code).await, rows_before);
    assert_eq!(env.reservation(&hold.code).await, confirmed);
}

#[tokio::test]
async fn holds_without_a_link_are_not_polled_and_a_pending_payment_only_is_recorded() {
    // Arrange: one hold without a link, one with a link whose payment is still pending.
    let env = PaymentsApp::start().await;
    let no_link = env.hold(12, 2).await;
    let pending = hold_with_link(&env, 20).await;
    env.stub.set_payment(
        "7770002",
        payment_json(
            "7770002",
            &pending.code,
            "pending",
            &pending.deposit.to_string(),
        ),
    );
    env.stub.set_payment(
        "7770003",
        payment_json(
            "7770003",
            &no_link.code,
            "approved",
            &no_link.deposit.to_string(),
        ),
    );

    // Act
    let first = poll(&env).await;
    let second = poll(&env).await;

    // Assert
    assert_eq!(
        (first.reservations, first.reconciled, first.confirmed),
        (1, 1, 0)
    );
    assert_eq!(second.reconciled, 0, "already recorded as pending");
    assert_eq!(
        env.reservation(&pending.code).await.status,
        ReservationStatus::PreReserved
    );
    assert_eq!(
        env.reservation(&no_link.code).await.status,
        ReservationStatus::PreReserved
    );
}
