//! Payment link views.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use shared::service::payment_link::PaymentLink;

/// A checkout link for a reservation's deposit.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct PaymentLinkView {
    /// The reservation code.
    pub code: String,
    /// Where the guest pays (Mercado Pago Checkout Pro).
    pub payment_url: String,
    /// Mercado Pago's preference id.
    pub preference_id: String,
    /// Amount to pay, a decimal string with two places.
    pub amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// When the link and the hold lapse.
    pub expires_at: DateTime<Utc>,
}

impl From<PaymentLink> for PaymentLinkView {
    fn from(link: PaymentLink) -> Self {
        Self {
            code: link.code,
            payment_url: link.payment_url,
            preference_id: link.preference_id,
            amount: link.amount.to_string(),
            currency: link.currency,
            expires_at: link.expires_at,
        }
    }
}

impl poem_openapi::types::Example for PaymentLinkView {
    fn example() -> Self {
        Self {
            code: "RES260110A1B2C3".into(),
            payment_url: "https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id=202809963-920c288b-4ebb-40be-966f-700250fa5370".into(),
            preference_id: "202809963-920c288b-4ebb-40be-966f-700250fa5370".into(),
            amount: "54000.00".into(),
            currency: "ARS".into(),
            expires_at: DateTime::parse_from_rfc3339("2026-01-10T17:30:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
        }
    }
}
