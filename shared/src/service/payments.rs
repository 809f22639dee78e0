//! Payment reconciliation: apply the *current* state of one Mercado Pago payment to our books.
//!
//! Notifications only say "payment N changed"; the payment is fetched again every time, so a
//! late or repeated notification simply re-applies the latest truth. Everything for one
//! payment happens in one transaction with the reservation row locked (`FOR UPDATE`), and the
//! reservation's paid amount is recomputed from all of its payment rows (never incremented),
//! so running twice changes nothing the second time and the order of notifications does not
//! matter. See docs/adr/0021 for the rules.

use sea_orm::{
    ActiveValue::Set, DatabaseConnection, DatabaseTransaction, IntoActiveModel, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    Error, Result,
    clock::Clock,
    domain::{
        AlertKind, Money, PaymentProvider, PaymentRecordStatus, PaymentStatus, ReservationCode,
        ReservationStatus,
        payment::{self as rules, credited_amount},
    },
    entities::{payment, reservation},
    mask,
    providers::mercadopago::{MercadoPagoClient, Payment},
    store,
};

use super::audit::{Actor, AuditContext};
use super::payment_alerts as alerts;
pub use super::payment_alerts::list_payment_alerts;

/// What reconciling a payment did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReconcileEffect {
    /// Nothing changed: this state was already recorded.
    Unchanged,
    /// The payment was recorded or updated; the reservation's status did not change.
    Recorded,
    /// The payment confirmed the reservation (possibly bringing back a lapsed hold).
    Confirmed,
    /// Money arrived for nights someone else took: the owner must refund it (alerted).
    NeedsRefund,
    /// The money was refunded, charged back or disputed (alerted; the stay is not touched).
    Reversed,
}

impl ReconcileEffect {
    /// The metric label and log value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchanged => "unchanged",
            Self::Recorded => "recorded",
            Self::Confirmed => "confirmed",
            Self::NeedsRefund => "needs_refund",
            Self::Reversed => "reversed",
        }
    }
}

/// The result of [`reconcile_payment`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconcileOutcome {
    /// What happened.
    pub effect: ReconcileEffect,
    /// Mercado Pago's payment id.
    pub provider_payment_id: String,
    /// The reservation paid for.
    pub reservation_code: ReservationCode,
    /// The payment row's status now.
    pub payment_status: PaymentRecordStatus,
    /// The reservation's status now.
    pub reservation_status: ReservationStatus,
    /// The reservation's payment status now.
    pub reservation_payment_status: PaymentStatus,
    /// The reservation's paid amount now.
    pub paid_amount: Money,
}

/// Fetches payment `payment_id` from Mercado Pago and applies its current state.
///
/// `Err(Error::Unavailable(_))` means "retry later" (Mercado Pago or the database is down);
/// any other error is permanent: an unknown `external_reference` or a currency mismatch is
/// `Error::Invalid` (and raises an alert), a payment Mercado Pago does not know is `NotFound`.
#[tracing::instrument(skip_all, fields(payment_id = %payment_id), err)]
pub async fn reconcile_payment(
    db: &DatabaseConnection,
    mp: &MercadoPagoClient,
    clock: &dyn Clock,
    payment_id: &str,
) -> Result<ReconcileOutcome> {
    let payment = mp.get_payment(payment_id).await?;
    let reported = PaymentRecordStatus::from_provider(&payment.status).ok_or_else(|| {
        Error::invalid(
            "status",
            "unknown_payment_status",
            format!("Mercado Pago status {:?} is not supported", payment.status),
        )
    })?;
    // A deadlock victim is retried here, without asking Mercado Pago again.
    super::retry::once("reconcile_payment", || {
        record(db, clock, &payment, reported)
    })
    .await
}

/// [`reconcile_payment`], then (after the commit) the `Confirmed` guest notice when the
/// payment confirmed the reservation. A failure to enqueue is logged, never fails it.
pub async fn reconcile_payment_notifying(
    db: &DatabaseConnection,
    mp: &MercadoPagoClient,
    clock: &dyn Clock,
    payment_id: &str,
    notices: Option<&crate::jobs::JobQueue>,
) -> Result<ReconcileOutcome> {
    let outcome = reconcile_payment(db, mp, clock, payment_id).await?;
    if outcome.effect == ReconcileEffect::Confirmed {
        let code = outcome.reservation_code.to_string();
        super::live::publish(notices, &super::live::LiveEvent::Confirmed { code }).await;
        match store::reservations::find_by_code(db, &outcome.reservation_code).await {
            Ok(Some(row)) => {
                super::guest_notices::enqueue(
                    notices,
                    row.id,
                    crate::jobs::notifications::NoticeEvent::Confirmed,
                )
                .await;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "confirmed reservation not read for its notice"),
        }
    }
    Ok(outcome)
}

/// Applies a fetched payment in one transaction (see [`reconcile_payment`]).
async fn record(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    payment: &Payment,
    reported: PaymentRecordStatus,
) -> Result<ReconcileOutcome> {
    let txn = db.begin().await?;
    let code = payment
        .external_reference
        .as_deref()
        .and_then(ReservationCode::parse);
    let reservation = match &code {
        Some(code) => store::reservations::lock_with_accommodation(&txn, code).await?,
        None => None,
    };
    let Some(reservation) = reservation else {
        alerts::unknown_reference(txn, clock, payment).await?;
        return Err(Error::invalid(
            "external_reference",
            "unknown_reservation",
            format!("payment {} names no known reservation", payment.id),
        ));
    };
    if !rules::currency_matches(&payment.currency_id, &reservation.currency) {
        return currency_mismatch(txn, clock, payment, reported, &reservation).await;
    }
    let outcome = apply(&txn, clock, payment, reported, reservation).await?;
    txn.commit().await?;
    metrics::counter!("payment_reconcile_total", "effect" => outcome.effect.as_str()).increment(1);
    tracing::info!(
        reservation_code = %outcome.reservation_code,
        provider_payment_id = %outcome.provider_payment_id,
        mp_status = %payment.status,
        payment_status = %outcome.payment_status,
        effect = outcome.effect.as_str(),
        reservation_status = %outcome.reservation_status,
        reservation_payment_status = outcome.reservation_payment_status.as_str(),
        paid_amount = %outcome.paid_amount,
        amount = %rules::to_money(payment.transaction_amount),
        payer_email = %payment.payer_email.as_deref().map(mask::email).unwrap_or_default(),
        "payment reconciled"
    );
    Ok(outcome)
}

/// The decisions for a payment whose reservation is locked and whose currency matches.
async fn apply(
    txn: &DatabaseTransaction,
    clock: &dyn Clock,
    payment: &Payment,
    reported: PaymentRecordStatus,
    reservation: reservation::Model,
) -> Result<ReconcileOutcome> {
    let now = clock.now();
    let amount = rules::to_money(payment.transaction_amount);
    let refunded = rules::to_money(payment.transaction_amount_refunded);
    let existing = store::payments::find_by_provider_payment_id(txn, &payment.id).await?;
    // Once we told the owner to refund, an `approved` payment stays `needs_refund` until the
    // provider reports the refund: the nights must not be re-taken behind the owner's back.
    let sticky_refund = existing
        .as_ref()
        .is_some_and(|row| row.status == PaymentRecordStatus::NeedsRefund);
    let mut status = if sticky_refund && reported == PaymentRecordStatus::Approved {
        PaymentRecordStatus::NeedsRefund
    } else {
        reported
    };
    let others = store::payments::payments_of(txn, reservation.id).await?;
    let others: Vec<_> = others
        .into_iter()
        .filter(|row| row.provider_payment_id.as_deref() != Some(payment.id.as_str()))
        .collect();
    let held_elsewhere: Money = others.iter().map(|row| row.credited_amount).sum();
    let paid = held_elsewhere + credited_amount(status, amount, refunded);
    let deposit = reservation.deposit_amount;

    let mut reservation_status = reservation.status;
    let mut confirmed = false;
    // Decisions are taken when the money first arrives; re-applying an already credited
    // payment (a repeated notification) decides nothing again.
    let already_credited = existing
        .as_ref()
        .is_some_and(|row| row.status == PaymentRecordStatus::Approved);
    let money_arrived = status == PaymentRecordStatus::Approved
        && !already_credited
        && credited_amount(status, amount, refunded) > Money::ZERO;
    if money_arrived && rules::covers_deposit(paid, deposit) {
        confirmed = confirm(txn, clock, &reservation).await?;
        if confirmed {
            reservation_status = ReservationStatus::Confirmed;
        }
    }
    if money_arrived
        && matches!(
            reservation_status,
            ReservationStatus::Expired | ReservationStatus::Cancelled
        )
    {
        status = PaymentRecordStatus::NeedsRefund;
    }
    let credited = credited_amount(status, amount, refunded);
    let (row, row_changed) =
        save_payment_row(txn, payment, &reservation, existing, status, credited, now).await?;

    let paid = held_elsewhere + credited;
    let any_reversal = status.is_reversal()
        || others.iter().any(|row| row.status.is_reversal())
        || refunded > Money::ZERO;
    let owes_refund = status == PaymentRecordStatus::NeedsRefund
        || others
            .iter()
            .any(|row| row.status == PaymentRecordStatus::NeedsRefund);
    let total = reservation.total_price;
    let payment_state =
        rules::reservation_payment_status(paid, deposit, total, any_reversal, owes_refund);
    let totals_changed =
        reservation.paid_amount != paid || reservation.payment_status != payment_state;
    if totals_changed {
        store::reservations::set_payment_totals(txn, reservation.id, paid, payment_state, now)
            .await?;
    }

    let mut alert_kinds: Vec<AlertKind> = status.alert_kind().into_iter().collect();
    if status == PaymentRecordStatus::Approved && refunded > Money::ZERO {
        alert_kinds.push(AlertKind::Refunded);
    }
    for kind in alert_kinds {
        alerts::raise_for_payment(txn, kind, payment, &reservation, Some(row.id), now).await?;
    }

    let effect = if confirmed {
        ReconcileEffect::Confirmed
    } else if !row_changed && !totals_changed {
        ReconcileEffect::Unchanged
    } else if status == PaymentRecordStatus::NeedsRefund {
        ReconcileEffect::NeedsRefund
    } else if status.alert_kind().is_some() || refunded > Money::ZERO {
        ReconcileEffect::Reversed
    } else {
        ReconcileEffect::Recorded
    };
    Ok(ReconcileOutcome {
        effect,
        provider_payment_id: payment.id.clone(),
        reservation_code: reservation.code,
        payment_status: status,
        reservation_status,
        reservation_payment_status: payment_state,
        paid_amount: paid,
    })
}

/// Confirms the locked reservation if it can be: a hold (even a lapsed one not yet swept,
/// which still owns its nights) is confirmed; an expired one is brought back only if nobody
/// took the nights meanwhile, which the exclusion constraint decides inside a savepoint.
async fn confirm(
    txn: &DatabaseTransaction,
    clock: &dyn Clock,
    reservation: &reservation::Model,
) -> Result<bool> {
    match reservation.status {
        ReservationStatus::PreReserved => {
            let ctx = AuditContext {
                actor: Actor::Provider("mercadopago"),
                trace_id: None,
            };
            super::transitions::transition(
                txn,
                clock,
                &ctx,
                &reservation.code,
                ReservationStatus::Confirmed,
                None,
            )
            .await?;
            Ok(true)
        }
        ReservationStatus::Expired => {
            let savepoint = txn.begin().await?;
            match store::reservations::revive_expired_as_confirmed(
                &savepoint,
                reservation.id,
                clock.now(),
            )
            .await
            {
                Ok(revived) => {
                    savepoint.commit().await?;
                    if revived.is_some() {
                        tracing::info!(reservation_code = %reservation.code, "lapsed hold confirmed by a late payment");
                    }
                    Ok(revived.is_some())
                }
                Err(e) if e.is_date_overlap() => {
                    savepoint.rollback().await?;
                    tracing::warn!(reservation_code = %reservation.code, "late payment: the nights were taken by another booking");
                    Ok(false)
                }
                Err(e) => Err(e),
            }
        }
        _ => Ok(false),
    }
}

/// Inserts or updates the payment's row; the flag says whether anything was written (false
/// when the row already held exactly this state).
async fn save_payment_row(
    txn: &DatabaseTransaction,
    payment: &Payment,
    reservation: &reservation::Model,
    existing: Option<payment::Model>,
    status: PaymentRecordStatus,
    credited: Money,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(payment::Model, bool)> {
    let amount = rules::to_money(payment.transaction_amount);
    let approved_at = payment.date_approved;
    match existing {
        Some(row)
            if row.status == status
                && row.status_detail == payment.status_detail
                && row.amount == amount
                && row.credited_amount == credited =>
        {
            Ok((row, false))
        }
        Some(row) => {
            let mut active = row.into_active_model();
            active.status = Set(status);
            active.status_detail = Set(payment.status_detail.clone());
            active.amount = Set(amount);
            active.credited_amount = Set(credited);
            active.raw_provider = Set(Some(payment.raw.clone()));
            active.approved_at = Set(approved_at);
            active.updated_at = Set(now.into());
            Ok((store::payments::update(txn, active).await?, true))
        }
        None => {
            let link = store::payments::latest_link(txn, reservation.id).await?;
            let row = payment::ActiveModel {
                uuid: Set(Uuid::now_v7()),
                reservation_id: Set(reservation.id),
                provider: Set(PaymentProvider::Mercadopago),
                preference_id: Set(link.and_then(|l| l.preference_id)),
                init_point: Set(None),
                provider_payment_id: Set(Some(payment.id.clone())),
                amount: Set(amount),
                credited_amount: Set(credited),
                currency: Set(payment.currency_id.trim().to_ascii_uppercase()),
                status: Set(status),
                status_detail: Set(payment.status_detail.clone()),
                raw_provider: Set(Some(payment.raw.clone())),
                expires_at: Set(None),
                approved_at: Set(approved_at),
                created_at: Set(now.into()),
                updated_at: Set(now.into()),
                ..Default::default()
            };
            Ok((store::payments::insert(txn, row).await?, true))
        }
    }
}

/// A payment in another currency than its reservation: recorded (crediting nothing), alert,
/// commit, permanent error.
async fn currency_mismatch(
    txn: DatabaseTransaction,
    clock: &dyn Clock,
    payment: &Payment,
    reported: PaymentRecordStatus,
    reservation: &reservation::Model,
) -> Result<ReconcileOutcome> {
    let now = clock.now();
    let existing = store::payments::find_by_provider_payment_id(&txn, &payment.id).await?;
    let (row, _) = save_payment_row(
        &txn,
        payment,
        reservation,
        existing,
        reported,
        Money::ZERO,
        now,
    )
    .await?;
    let kind = AlertKind::CurrencyMismatch;
    alerts::raise_for_payment(&txn, kind, payment, reservation, Some(row.id), now).await?;
    txn.commit().await?;
    tracing::warn!(
        reservation_code = %reservation.code,
        provider_payment_id = %payment.id,
        payment_currency = %payment.currency_id,
        reservation_currency = %reservation.currency,
        "payment currency does not match the reservation"
    );
    Err(Error::invalid(
        "currency_id",
        "currency_mismatch",
        format!(
            "payment {} is in {} but reservation {} is in {}",
            payment.id, payment.currency_id, reservation.code, reservation.currency
        ),
    ))
}
