//! The reconciliation poll: payments whose notification never arrived still confirm their
//! booking.
//!
//! Mercado Pago retries a notification for a while, but one can be lost for good (our 503s
//! outlasting its retries, a `ts` outside the replay window, a refused redelivery). Every few
//! minutes (`PAYMENT_POLL_SCHEDULE`) the worker asks Mercado Pago's payment search, by our
//! reservation code as `external_reference`, for the payments of every open hold and every
//! unpaid confirmation that has a payment link, and runs the ordinary reconciliation
//! ([`super::payments::reconcile_payment`]) on each payment whose state we have not recorded
//! yet. Reconciliation is idempotent, so a poll racing a late webhook changes nothing twice.
//!
//! Bounded work: at most [`POLL_BATCH`] reservations a run (newest first: they are the ones
//! being paid), one search each; payments already recorded in the state Mercado Pago reports
//! are skipped without another call.

use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Query,
};

use crate::{
    Error, Result,
    clock::Clock,
    domain::{PaymentRecordStatus, PaymentStatus, ReservationStatus},
    entities::{payment, reservation},
    providers::mercadopago::{MercadoPagoClient, Payment},
    store,
};

use super::payments::{ReconcileEffect, reconcile_payment};

/// Most reservations one poll checks.
pub const POLL_BATCH: u64 = 50;

/// What one poll did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Reservations whose payments were searched.
    pub reservations: u64,
    /// Payments the searches returned.
    pub payments_found: u64,
    /// Payments reconciled (their state was new to us).
    pub reconciled: u64,
    /// Reservations the poll confirmed.
    pub confirmed: u64,
}

/// Open holds and unpaid confirmations that have a checkout link, newest first.
async fn candidates(db: &DatabaseConnection) -> Result<Vec<reservation::Model>> {
    use reservation::Column;
    let with_link = Query::select()
        .column(payment::Column::ReservationId)
        .from(payment::Entity)
        .and_where(payment::Column::InitPoint.is_not_null())
        .to_owned();
    Ok(reservation::Entity::find()
        .filter(
            Condition::any()
                .add(Column::Status.eq(ReservationStatus::PreReserved))
                .add(
                    Condition::all()
                        .add(Column::Status.eq(ReservationStatus::Confirmed))
                        .add(
                            Column::PaymentStatus
                                .is_in([PaymentStatus::Unpaid, PaymentStatus::Partial]),
                        ),
                ),
        )
        .filter(Column::Id.in_subquery(with_link))
        .order_by_desc(Column::Id)
        .limit(POLL_BATCH)
        .all(db)
        .await?)
}

/// Whether we already recorded this payment in the state Mercado Pago reports.
async fn already_recorded(db: &DatabaseConnection, found: &Payment) -> Result<bool> {
    let Some(reported) = PaymentRecordStatus::from_provider(&found.status) else {
        return Ok(false);
    };
    let row = store::payments::find_by_provider_payment_id(db, &found.id).await?;
    Ok(row.is_some_and(|row| {
        row.status == reported
            || (row.status == PaymentRecordStatus::NeedsRefund
                && reported == PaymentRecordStatus::Approved)
    }))
}

/// Runs one poll. A Mercado Pago or database outage stops the run (`Unavailable`: the job
/// is retried, and the next slot polls again anyway); a payment that cannot be reconciled for
/// good (currency mismatch, unknown status) is logged, alerted by reconciliation, and skipped.
#[tracing::instrument(skip_all, err)]
pub async fn poll_payments(
    db: &DatabaseConnection,
    mp: &MercadoPagoClient,
    clock: &dyn Clock,
) -> Result<PollReport> {
    let mut report = PollReport::default();
    for reservation in candidates(db).await? {
        report.reservations += 1;
        let found = mp.search_payments(reservation.code.as_str()).await?;
        report.payments_found += found.len() as u64;
        for payment in found {
            if already_recorded(db, &payment).await? {
                continue;
            }
            match reconcile_payment(db, mp, clock, &payment.id).await {
                Ok(outcome) => {
                    report.reconciled += 1;
                    if outcome.effect == ReconcileEffect::Confirmed {
                        report.confirmed += 1;
                    }
                    metrics::counter!("payment_poll_reconciled_total", "effect" => outcome.effect.as_str())
                        .increment(1);
                }
                Err(e @ Error::Unavailable(_)) => return Err(e),
                Err(e) => tracing::warn!(
                    reservation_code = %reservation.code,
                    provider_payment_id = %payment.id,
                    error = %e,
                    "payment found by the poll could not be reconciled"
                ),
            }
        }
    }
    if report.reconciled > 0 {
        tracing::info!(
            reservations = report.reservations,
            reconciled = report.reconciled,
            confirmed = report.confirmed,
            "payment poll reconciled payments no notification brought"
        );
    }
    Ok(report)
}
