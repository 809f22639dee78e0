//! Payment and payment-alert views for the owner.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use shared::entities::{payment, payment_alert};

/// A deposit link or a provider payment of a reservation.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PaymentView {
    /// Internal id.
    pub id: i64,
    /// `link` (a Checkout Pro preference) or `payment` (money the provider reported).
    pub kind: String,
    /// `mercadopago`.
    pub provider: String,
    /// Checkout Pro preference id.
    pub preference_id: Option<String>,
    /// The link the guest pays at.
    pub payment_url: Option<String>,
    /// The provider's payment id.
    pub provider_payment_id: Option<String>,
    /// Amount asked or paid.
    pub amount: String,
    /// What counts toward the reservation (after refunds).
    pub credited_amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// link_created, pending, approved, rejected, refunded, needs_refund, ...
    pub status: String,
    /// The provider's detail.
    pub status_detail: Option<String>,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the payment was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl From<payment::Model> for PaymentView {
    fn from(p: payment::Model) -> Self {
        Self {
            id: p.id,
            kind: if p.provider_payment_id.is_some() {
                "payment"
            } else {
                "link"
            }
            .into(),
            provider: p.provider.as_str().into(),
            preference_id: p.preference_id,
            payment_url: p.init_point,
            provider_payment_id: p.provider_payment_id,
            amount: p.amount.to_string(),
            credited_amount: p.credited_amount.to_string(),
            currency: p.currency,
            status: p.status.to_string(),
            status_detail: p.status_detail,
            expires_at: p.expires_at.map(|t| t.with_timezone(&Utc)),
            approved_at: p.approved_at.map(|t| t.with_timezone(&Utc)),
            created_at: p.created_at.with_timezone(&Utc),
        }
    }
}

/// Something about a payment the owner must act on.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PaymentAlertView {
    /// Internal id.
    pub id: i64,
    /// needs_refund, refunded, charged_back, in_mediation, unknown_reference, currency_mismatch.
    pub kind: String,
    /// `mercadopago`.
    pub provider: String,
    /// The provider's payment id.
    pub provider_payment_id: String,
    /// The reservation concerned, when known.
    pub reservation_id: Option<i64>,
    /// What happened and what to do.
    pub message: String,
    /// Provider details.
    pub details: Option<serde_json::Value>,
    /// Raised at.
    pub created_at: DateTime<Utc>,
    /// Resolved at.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<payment_alert::Model> for PaymentAlertView {
    fn from(a: payment_alert::Model) -> Self {
        Self {
            id: a.id,
            kind: a.kind.as_str().into(),
            provider: a.provider,
            provider_payment_id: a.provider_payment_id,
            reservation_id: a.reservation_id,
            message: a.message,
            details: a.details,
            created_at: a.created_at.with_timezone(&Utc),
            resolved_at: a.resolved_at.map(|t| t.with_timezone(&Utc)),
        }
    }
}
