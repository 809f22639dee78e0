//! Payment reconciliation: the current state of a Mercado Pago payment applied to our books,
//! idempotently and in any order, never double-booking.

use chrono::Duration;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use shared::{
    domain::{PaymentRecordStatus, PaymentStatus, ReservationStatus},
    entities::reservation,
    service::{
        expiry,
        payments::{ReconcileEffect, list_payment_alerts},
    },
};
use tests::harness::{mercadopago_stub::payment_json, payments::PaymentsApp};

fn approved(env: &PaymentsApp, id: &str, code: &str, amount: Decimal) {
    env.stub
        .set_payment(id, payment_json(id, code, "approved", &amount.to_string()));
}

async fn alert_kinds(env: &PaymentsApp) -> Vec<String> {
    env.alert_kinds().await
}

#[tokio::test]
async fn an_approved_deposit_confirms_the_hold() {
    // Arrange: a hold with its payment link, and Mercado Pago saying the deposit was paid.
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let link = env
        .app
        .client
        .post(format!("/api/v1/reservations/{}/payment-link", hold.code))
        .send()
        .await;
    link.assert_status(poem::http::StatusCode::CREATED);
    approved(&env, "1001", &hold.code, hold.deposit);

    // Act
    let outcome = env.reconcile("1001").await.expect("reconcile");

    // Assert
    assert_eq!(outcome.effect, ReconcileEffect::Confirmed);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::Confirmed);
    assert!(reservation.confirmed_at.is_some());
    assert_eq!(reservation.paid_amount.amount(), hold.deposit);
    assert_eq!(reservation.payment_status, PaymentStatus::DepositPaid);
    let rows = env.payment_rows(&hold.code).await;
    assert_eq!(rows.len(), 2, "the link and the payment");
    let paid = &rows[1];
    assert_eq!(paid.provider_payment_id.as_deref(), Some("1001"));
    assert_eq!(paid.status, PaymentRecordStatus::Approved);
    assert_eq!(paid.status_detail.as_deref(), Some("accredited"));
    assert_eq!(paid.amount.amount(), hold.deposit);
    assert_eq!(paid.credited_amount.amount(), hold.deposit);
    assert_eq!(paid.preference_id, rows[0].preference_id);
    assert!(paid.approved_at.is_some());
    assert_eq!(
        paid.raw_provider.as_ref().map(|r| r["id"].clone()),
        Some(1001.into())
    );
    assert!(alert_kinds(&env).await.is_empty());
}

#[tokio::test]
async fn reconciling_the_same_payment_twice_changes_nothing_the_second_time() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    approved(&env, "1001", &hold.code, hold.deposit);
    env.reconcile("1001").await.expect("first");
    let (reservation, rows) = (
        env.reservation(&hold.code).await,
        env.payment_rows(&hold.code).await,
    );

    let again = env.reconcile("1001").await.expect("second");

    assert_eq!(again.effect, ReconcileEffect::Unchanged);
    assert_eq!(again.reservation_status, ReservationStatus::Confirmed);
    assert_eq!(env.reservation(&hold.code).await, reservation);
    assert_eq!(env.payment_rows(&hold.code).await, rows);
}

#[tokio::test]
async fn a_partial_payment_keeps_the_hold_waiting_until_the_rest_arrives() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let first = hold.deposit - Decimal::from(1000);
    approved(&env, "1001", &hold.code, first);

    let partial = env.reconcile("1001").await.expect("partial");
    let after_partial = env.reservation(&hold.code).await;
    approved(&env, "1002", &hold.code, Decimal::from(1000));
    let rest = env.reconcile("1002").await.expect("rest");

    assert_eq!(partial.effect, ReconcileEffect::Recorded);
    assert_eq!(after_partial.status, ReservationStatus::PreReserved);
    assert_eq!(after_partial.payment_status, PaymentStatus::Partial);
    assert_eq!(after_partial.paid_amount.amount(), first);
    assert_eq!(rest.effect, ReconcileEffect::Confirmed);
    let done = env.reservation(&hold.code).await;
    assert_eq!(done.status, ReservationStatus::Confirmed);
    assert_eq!(done.paid_amount.amount(), hold.deposit);
    assert_eq!(done.payment_status, PaymentStatus::DepositPaid);
}

#[tokio::test]
async fn a_pending_payment_is_recorded_and_confirms_once_approved() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let amount = hold.deposit.to_string();
    env.stub
        .set_payment("1001", payment_json("1001", &hold.code, "pending", &amount));

    let pending = env.reconcile("1001").await.expect("pending");
    let waiting = env.reservation(&hold.code).await;
    approved(&env, "1001", &hold.code, hold.deposit);
    let approval = env.reconcile("1001").await.expect("approved");

    assert_eq!(pending.effect, ReconcileEffect::Recorded);
    assert_eq!(pending.payment_status, PaymentRecordStatus::Pending);
    assert_eq!(waiting.status, ReservationStatus::PreReserved);
    assert_eq!(waiting.payment_status, PaymentStatus::Unpaid);
    assert_eq!(approval.effect, ReconcileEffect::Confirmed);
    let rows = env.payment_rows(&hold.code).await;
    assert_eq!(rows.len(), 1, "one row per Mercado Pago payment");
    assert_eq!(rows[0].status, PaymentRecordStatus::Approved);
}

#[tokio::test]
async fn a_rejected_payment_is_recorded_without_touching_the_hold() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let amount = hold.deposit.to_string();
    env.stub.set_payment(
        "1001",
        payment_json("1001", &hold.code, "rejected", &amount),
    );

    let outcome = env.reconcile("1001").await.expect("rejected");

    assert_eq!(outcome.effect, ReconcileEffect::Recorded);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::PreReserved);
    assert_eq!(reservation.payment_status, PaymentStatus::Unpaid);
    assert_eq!(
        env.payment_rows(&hold.code).await[0].status,
        PaymentRecordStatus::Rejected
    );
}

#[tokio::test]
async fn a_refund_after_confirmation_keeps_the_stay_and_alerts_the_owner() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let amount = hold.deposit.to_string();
    approved(&env, "1001", &hold.code, hold.deposit);
    env.reconcile("1001").await.expect("approved");
    env.stub.set_payment(
        "1001",
        payment_json("1001", &hold.code, "refunded", &amount),
    );

    let refund = env.reconcile("1001").await.expect("refunded");
    let repeat = env.reconcile("1001").await.expect("repeat");

    assert_eq!(refund.effect, ReconcileEffect::Reversed);
    assert_eq!(repeat.effect, ReconcileEffect::Unchanged);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(
        reservation.status,
        ReservationStatus::Confirmed,
        "never cancelled silently"
    );
    assert_eq!(reservation.paid_amount.amount(), Decimal::ZERO);
    assert_eq!(reservation.payment_status, PaymentStatus::Refunded);
    let row = &env.payment_rows(&hold.code).await[0];
    assert_eq!(row.status, PaymentRecordStatus::Refunded);
    assert_eq!(row.credited_amount.amount(), Decimal::ZERO);
    let alerts = list_payment_alerts(env.app.conn(), false, 100)
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 1, "one alert however often it is reconciled");
    assert_eq!(alerts[0].kind.as_str(), "refunded");
    assert_eq!(alerts[0].reservation_id, Some(reservation.id));
    assert_eq!(alerts[0].provider_payment_id, "1001");
}

#[tokio::test]
async fn a_refund_seen_before_the_approval_ends_refunded_whatever_arrives_next() {
    // Mercado Pago is re-fetched on every notification, so the late "approved" notification
    // reads the payment's current state: refunded.
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let amount = hold.deposit.to_string();
    env.stub.set_payment(
        "1001",
        payment_json("1001", &hold.code, "refunded", &amount),
    );

    let first = env.reconcile("1001").await.expect("refunded");
    let late_approval_notice = env.reconcile("1001").await.expect("late notice");

    assert_eq!(first.effect, ReconcileEffect::Reversed);
    assert_eq!(late_approval_notice.effect, ReconcileEffect::Unchanged);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::PreReserved);
    assert_eq!(reservation.paid_amount.amount(), Decimal::ZERO);
    assert_eq!(reservation.payment_status, PaymentStatus::Refunded);
    assert_eq!(alert_kinds(&env).await, vec!["refunded".to_string()]);
}

#[tokio::test]
async fn a_payment_for_a_lapsed_hold_not_yet_swept_confirms_it() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    env.app.clock.advance(Duration::minutes(31));
    approved(&env, "1001", &hold.code, hold.deposit);

    let outcome = env.reconcile("1001").await.expect("reconcile");

    assert_eq!(outcome.effect, ReconcileEffect::Confirmed);
    assert_eq!(
        env.reservation(&hold.code).await.status,
        ReservationStatus::Confirmed
    );
}

#[tokio::test]
async fn a_late_payment_with_the_nights_still_free_brings_the_expired_hold_back_confirmed() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    env.app.clock.advance(Duration::minutes(31));
    expiry::expire_lapsed_holds(env.app.conn(), env.app.clock.as_ref())
        .await
        .expect("sweep");
    assert_eq!(
        env.reservation(&hold.code).await.status,
        ReservationStatus::Expired
    );
    approved(&env, "1001", &hold.code, hold.deposit);

    let outcome = env.reconcile("1001").await.expect("reconcile");

    assert_eq!(outcome.effect, ReconcileEffect::Confirmed);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::Confirmed);
    assert_eq!(reservation.payment_status, PaymentStatus::DepositPaid);
    assert!(alert_kinds(&env).await.is_empty());
}

#[tokio::test]
async fn a_late_payment_for_nights_someone_else_took_needs_a_refund_and_never_double_books() {
    // Arrange: the first guest's hold lapses and a second guest books the same nights.
    let env = PaymentsApp::start().await;
    let first = env.hold(10, 2).await;
    env.app.clock.advance(Duration::minutes(31));
    let second = env.hold(10, 2).await;
    let other_before = env.reservation(&second.code).await;
    approved(&env, "1001", &first.code, first.deposit);

    // Act: the first guest's payment lands late, and the notification is repeated.
    let outcome = env.reconcile("1001").await.expect("reconcile");
    let repeat = env.reconcile("1001").await.expect("repeat");

    // Assert
    assert_eq!(outcome.effect, ReconcileEffect::NeedsRefund);
    assert_eq!(repeat.effect, ReconcileEffect::Unchanged);
    let late = env.reservation(&first.code).await;
    assert_eq!(late.status, ReservationStatus::Expired);
    assert_eq!(late.payment_status, PaymentStatus::NeedsRefund);
    assert_eq!(
        late.paid_amount.amount(),
        first.deposit,
        "the money is held until refunded"
    );
    assert_eq!(
        env.payment_rows(&first.code).await[0].status,
        PaymentRecordStatus::NeedsRefund
    );
    assert_eq!(
        env.reservation(&second.code).await,
        other_before,
        "the other booking is untouched"
    );
    let active = reservation::Entity::find()
        .filter(reservation::Column::AccommodationId.eq(env.cabin.id))
        .filter(reservation::Column::Status.is_in(ReservationStatus::ACTIVE))
        .count(env.app.conn())
        .await
        .expect("count");
    assert_eq!(active, 1, "no overlap");
    assert_eq!(alert_kinds(&env).await, vec!["needs_refund".to_string()]);
    let metrics = env.app.state.metrics.render();
    assert!(metrics.contains("payment_needs_refund_total"), "{metrics}");
}

#[tokio::test]
async fn a_payment_for_a_cancelled_hold_needs_a_refund() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    let code = shared::domain::ReservationCode::parse(&hold.code).expect("code");
    shared::service::transitions::transition(
        env.app.conn(),
        env.app.clock.as_ref(),
        &shared::service::audit::admin_context("owner@example.com", String::new()),
        &code,
        ReservationStatus::Cancelled,
        Some("guest changed plans"),
    )
    .await
    .expect("cancel");
    approved(&env, "1001", &hold.code, hold.deposit);

    let outcome = env.reconcile("1001").await.expect("reconcile");

    assert_eq!(outcome.effect, ReconcileEffect::NeedsRefund);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::Cancelled);
    assert_eq!(reservation.payment_status, PaymentStatus::NeedsRefund);
    assert_eq!(alert_kinds(&env).await, vec!["needs_refund".to_string()]);
}

#[tokio::test]
async fn a_chargeback_after_confirmation_keeps_the_stay_and_alerts_the_owner() {
    let env = PaymentsApp::start().await;
    let hold = env.hold(10, 2).await;
    approved(&env, "1001", &hold.code, hold.deposit);
    env.reconcile("1001").await.expect("approved");
    let amount = hold.deposit.to_string();
    env.stub.set_payment(
        "1001",
        payment_json("1001", &hold.code, "charged_back", &amount),
    );

    let outcome = env.reconcile("1001").await.expect("charged back");

    assert_eq!(outcome.effect, ReconcileEffect::Reversed);
    let reservation = env.reservation(&hold.code).await;
    assert_eq!(reservation.status, ReservationStatus::Confirmed);
    assert_eq!(reservation.paid_amount.amount(), Decimal::ZERO);
    assert_eq!(reservation.payment_status, PaymentStatus::Refunded);
    assert_eq!(alert_kinds(&env).await, vec!["charged_back".to_string()]);
}
