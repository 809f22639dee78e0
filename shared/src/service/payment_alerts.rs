//! Payment alerts: what the owner must act on (a refund owed, a refund or chargeback that
//! happened, a dispute, a payment we could not place). Raising one is idempotent per payment
//! and kind, and each new alert increments `payment_alert_total{kind}` (plus
//! `payment_needs_refund_total` for refunds owed) and logs a warning.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use crate::{
    Result,
    clock::Clock,
    domain::{AlertKind, payment as rules},
    entities::{payment_alert, reservation},
    providers::mercadopago::Payment,
    store::{self, payments::NewAlert},
};

/// Most alerts listed at once.
pub const MAX_ALERTS: u64 = 500;

/// Alerts for the admin list, newest first: only open ones unless `include_resolved`; at most
/// `limit` (capped at [`MAX_ALERTS`]).
pub async fn list_payment_alerts(
    db: &impl ConnectionTrait,
    include_resolved: bool,
    limit: u64,
) -> Result<Vec<payment_alert::Model>> {
    store::payments::list_alerts(db, include_resolved, limit.clamp(1, MAX_ALERTS)).await
}

/// Raises `kind` for a payment of a known reservation.
pub(crate) async fn raise_for_payment(
    txn: &DatabaseTransaction,
    kind: AlertKind,
    payment: &Payment,
    reservation: &reservation::Model,
    payment_row_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let amount = rules::to_money(payment.transaction_amount);
    let (id, code, currency) = (&payment.id, &reservation.code, &payment.currency_id);
    let message = match kind {
        AlertKind::NeedsRefund => format!(
            "Payment {id} of {amount} {currency} arrived for reservation {code} but its nights \
             are no longer held: refund it to the guest."
        ),
        AlertKind::Refunded => format!(
            "Payment {id} of reservation {code} was refunded ({} {currency} returned); the stay \
             was not cancelled.",
            rules::to_money(payment.transaction_amount_refunded)
        ),
        AlertKind::ChargedBack => format!(
            "Payment {id} of reservation {code} was charged back by the card issuer; the stay \
             was not cancelled."
        ),
        AlertKind::InMediation => {
            format!("The guest opened a dispute on payment {id} of reservation {code}.")
        }
        AlertKind::CurrencyMismatch => format!(
            "Payment {id} is in {currency} but reservation {code} is in {}; nothing was credited.",
            reservation.currency
        ),
        AlertKind::UnknownReference => {
            format!("Payment {id} needs review: it does not match reservation {code}.")
        }
    };
    let details = serde_json::json!({
        "mp_status": payment.status,
        "status_detail": payment.status_detail,
        "amount": amount.to_string(),
        "currency": currency,
    });
    let alert = NewAlert {
        kind,
        provider_payment_id: id,
        reservation_id: Some(reservation.id),
        payment_id: payment_row_id,
        message,
        details: Some(details),
        now,
    };
    if store::payments::raise_alert(txn, alert).await? {
        record(kind);
        tracing::warn!(
            alert = kind.as_str(),
            reservation_code = %code,
            provider_payment_id = %id,
            amount = %amount,
            "payment alert raised for the owner"
        );
    }
    Ok(())
}

/// Raises `unknown_reference` for a payment naming no reservation, and commits.
pub(crate) async fn unknown_reference(
    txn: DatabaseTransaction,
    clock: &dyn Clock,
    payment: &Payment,
) -> Result<()> {
    let reference = payment.external_reference.clone().unwrap_or_default();
    let alert = NewAlert {
        kind: AlertKind::UnknownReference,
        provider_payment_id: &payment.id,
        reservation_id: None,
        payment_id: None,
        message: format!(
            "Payment {} of {} {} names reservation {reference:?}, which does not exist.",
            payment.id,
            rules::to_money(payment.transaction_amount),
            payment.currency_id
        ),
        details: Some(payment.raw.clone()),
        now: clock.now(),
    };
    let raised = store::payments::raise_alert(&txn, alert).await?;
    txn.commit().await?;
    if raised {
        record(AlertKind::UnknownReference);
    }
    tracing::warn!(
        provider_payment_id = %payment.id,
        external_reference = %reference,
        "payment for an unknown reservation"
    );
    Ok(())
}

fn record(kind: AlertKind) {
    metrics::counter!("payment_alert_total", "kind" => kind.as_str()).increment(1);
    if kind == AlertKind::NeedsRefund {
        metrics::counter!("payment_needs_refund_total").increment(1);
    }
}
