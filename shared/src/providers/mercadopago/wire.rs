//! Mercado Pago's wire formats: the Checkout Pro preference we send, and the preference and
//! payment it answers with.
//!
//! Money never passes through `f64`: `transaction_amount` arrives as a JSON number and is read
//! from its exact text into a `Decimal`; `unit_price` is written as the decimal's own text.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::domain::Money;

/// Body of `POST /checkout/preferences` (the fields we use).
#[derive(Clone, Debug, Serialize)]
pub struct PreferenceRequest {
    /// What is being paid: one item, the deposit.
    pub items: Vec<PreferenceItem>,
    /// Our reservation code; every payment of this preference carries it back.
    pub external_reference: String,
    /// Where Mercado Pago posts payment notifications.
    pub notification_url: String,
    /// Whether the link lapses (always true: it lapses with the hold).
    pub expires: bool,
    /// When the link lapses, ISO 8601 with offset (`2026-01-10T14:30:00.000-03:00`).
    pub expiration_date_to: String,
    /// Last moment an offline method (cash voucher) may be paid; same as the link.
    pub date_of_expiration: String,
    /// Where the guest returns after paying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_urls: Option<BackUrls>,
    /// `approved` to send the guest back automatically (needs `back_urls.success`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_return: Option<String>,
    /// Approve or reject at once, never leave a payment pending.
    pub binary_mode: bool,
}

/// One line of a preference.
#[derive(Clone, Debug, Serialize)]
pub struct PreferenceItem {
    /// Our id for the line (the reservation code).
    pub id: String,
    /// What the guest sees at checkout.
    pub title: String,
    /// Always 1.
    pub quantity: u32,
    /// ISO 4217 currency.
    pub currency_id: String,
    /// Price as a JSON number with at most two decimals.
    #[serde(serialize_with = "money_as_json_number")]
    pub unit_price: Money,
}

/// Return addresses after checkout; only configured ones are sent.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct BackUrls {
    /// After an approved payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
    /// After a failed payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// While a payment is pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

impl BackUrls {
    /// Whether no address is configured.
    pub fn is_empty(&self) -> bool {
        self.success.is_none() && self.failure.is_none() && self.pending.is_none()
    }
}

/// The preference Mercado Pago created.
#[derive(Clone, Debug, Deserialize)]
pub struct Preference {
    /// Preference id.
    pub id: String,
    /// The checkout link.
    pub init_point: String,
}

/// A payment as `GET /v1/payments/{id}` returns it (its *current* state).
#[derive(Clone, Debug)]
pub struct Payment {
    /// Mercado Pago's payment id.
    pub id: String,
    /// `approved`, `pending`, `refunded`, ...
    pub status: String,
    /// Finer reason (`accredited`, `partially_refunded`, ...).
    pub status_detail: Option<String>,
    /// The reservation code we put in the preference.
    pub external_reference: Option<String>,
    /// Amount paid, exact.
    pub transaction_amount: Decimal,
    /// Amount refunded so far, exact.
    pub transaction_amount_refunded: Decimal,
    /// ISO 4217 currency.
    pub currency_id: String,
    /// When it was approved.
    pub date_approved: Option<DateTime<FixedOffset>>,
    /// Payer's email (personal data: mask before logging).
    pub payer_email: Option<String>,
    /// The whole JSON document, for the audit trail.
    pub raw: serde_json::Value,
}

#[derive(Deserialize)]
struct PaymentWire {
    #[serde(deserialize_with = "id_as_string")]
    id: String,
    status: String,
    status_detail: Option<String>,
    external_reference: Option<String>,
    #[serde(deserialize_with = "exact_decimal")]
    transaction_amount: Decimal,
    #[serde(default, deserialize_with = "exact_decimal_opt")]
    transaction_amount_refunded: Option<Decimal>,
    currency_id: String,
    date_approved: Option<String>,
    payer: Option<PayerWire>,
}

#[derive(Deserialize)]
struct PayerWire {
    email: Option<String>,
}

impl Payment {
    /// Parses a payment document.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Self> {
        let wire: PaymentWire = serde_json::from_slice(bytes)?;
        let raw: serde_json::Value = serde_json::from_slice(bytes)?;
        Ok(Self {
            id: wire.id,
            status: wire.status,
            status_detail: wire.status_detail,
            external_reference: wire.external_reference,
            transaction_amount: wire.transaction_amount,
            transaction_amount_refunded: wire.transaction_amount_refunded.unwrap_or_default(),
            currency_id: wire.currency_id,
            date_approved: wire
                .date_approved
                .and_then(|d| DateTime::parse_from_rfc3339(&d).ok()),
            payer_email: wire.payer.and_then(|p| p.email),
            raw,
        })
    }
}

/// Writes money as a JSON number from its decimal text (`54000`, `54000.5`), never via `f64`.
fn money_as_json_number<S: Serializer>(money: &Money, s: S) -> Result<S::Ok, S::Error> {
    let text = money.amount().normalize().to_string();
    RawValue::from_string(text)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// Reads a decimal from the exact text of a JSON number (or a numeric string).
pub fn parse_exact_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim().trim_matches('"');
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str(text).ok()
    }
}

fn exact_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    parse_exact_decimal(raw.get())
        .ok_or_else(|| serde::de::Error::custom(format!("not a decimal amount: {}", raw.get())))
}

fn exact_decimal_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<Box<RawValue>>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => parse_exact_decimal(raw.get()).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("not a decimal amount: {}", raw.get()))
        }),
    }
}

fn id_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    Ok(raw.get().trim_matches('"').to_owned())
}

/// The payments of a search answer, `{"paging": {..}, "results": [payment, ..]}`. One
/// unreadable payment fails the whole answer (it would be a format change, not data).
pub fn search_results(bytes: &[u8]) -> serde_json::Result<Vec<Payment>> {
    #[derive(Deserialize)]
    struct Search<'a> {
        #[serde(borrow, default)]
        results: Vec<&'a RawValue>,
    }
    let search: Search<'_> = serde_json::from_slice(bytes)?;
    search
        .results
        .into_iter()
        .map(|raw| Payment::from_json(raw.get().as_bytes()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPROVED: &str =
        include_str!("../../../../tests/fixtures/mercadopago/payment_approved.json");

    #[test]
    fn a_search_answer_yields_its_payments_and_an_empty_one_none() {
        let answer =
            format!(r#"{{"paging":{{"total":1,"limit":30,"offset":0}},"results":[{APPROVED}]}}"#);
        let found = search_results(answer.as_bytes()).expect("parse");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "123456");
        let empty = br#"{"paging":{"total":0,"limit":30,"offset":0},"results":[]}"#;
        assert!(search_results(empty).expect("parse").is_empty());
        assert!(search_results(br#"{"results":[{"id":1}]}"#).is_err());
    }

    #[test]
    fn the_fixture_payment_parses_exactly() {
        let payment = Payment::from_json(APPROVED.as_bytes()).expect("parse");
        assert_eq!(payment.id, "123456");
        assert_eq!(payment.status, "approved");
        assert_eq!(payment.status_detail.as_deref(), Some("accredited"));
        assert_eq!(
            payment.external_reference.as_deref(),
            Some("RES260110A1B2C3")
        );
        assert_eq!(payment.transaction_amount, Decimal::from(54_000));
        assert_eq!(payment.transaction_amount_refunded, Decimal::ZERO);
        assert_eq!(payment.currency_id, "ARS");
        assert_eq!(payment.payer_email.as_deref(), Some("guest@example.com"));
        assert_eq!(
            payment.date_approved.map(|d| d.to_rfc3339()),
            Some("2026-01-10T14:01:10-03:00".into())
        );
        assert_eq!(payment.raw["payment_method_id"], "visa");
    }

    #[test]
    fn amounts_are_read_from_the_number_text_without_floats() {
        for (json, expected) in [
            ("54000", "54000"),
            ("0.1", "0.1"),
            ("16200.35", "16200.35"),
            ("1234567.89", "1234567.89"),
            ("1.5e3", "1500"),
            ("\"99.99\"", "99.99"),
        ] {
            let doc = format!(
                r#"{{"id":1,"status":"approved","transaction_amount":{json},"currency_id":"ARS"}}"#
            );
            let payment = Payment::from_json(doc.as_bytes()).expect(json);
            assert_eq!(payment.transaction_amount.normalize().to_string(), expected);
        }
    }

    #[test]
    fn a_payment_without_an_amount_is_rejected() {
        let doc = r#"{"id":1,"status":"approved","transaction_amount":null,"currency_id":"ARS"}"#;
        assert!(Payment::from_json(doc.as_bytes()).is_err());
    }

    #[test]
    fn unit_price_is_a_json_number_with_at_most_two_decimals() {
        for (money, expected) in [
            (Money::from_units(54_000), "54000"),
            (Money::from_decimal(Decimal::new(1620035, 2)), "16200.35"),
            (Money::from_decimal(Decimal::new(10050, 2)), "100.5"),
        ] {
            let item = PreferenceItem {
                id: "RES260110A1B2C3".into(),
                title: "Seña".into(),
                quantity: 1,
                currency_id: "ARS".into(),
                unit_price: money,
            };
            let json = serde_json::to_string(&item).expect("serialize");
            assert!(
                json.contains(&format!(r#""unit_price":{expected}}}"#)),
                "{json}"
            );
        }
    }
}
