//! Quote request and breakdown.

use chrono::NaiveDate;
use poem_openapi::Object;
use shared::{
    domain::NightPrice,
    service::quote::{PricedStay, QuoteRequest},
};

use crate::dto::constraints::{Doc, Guests, IsoDate};

/// A stay to price.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct QuoteRequestBody {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Arrival date, `YYYY-MM-DD`.
    pub check_in: Doc<String, IsoDate>,
    /// Departure date, `YYYY-MM-DD` (not a night of the stay).
    pub check_out: Doc<String, IsoDate>,
    /// Number of guests.
    pub guests: Doc<i64, Guests>,
}

impl poem_openapi::types::Example for QuoteRequestBody {
    fn example() -> Self {
        Self {
            accommodation_id: 1,
            check_in: Doc::new("2027-01-15".into()),
            check_out: Doc::new("2027-01-17".into()),
            guests: Doc::new(4),
        }
    }
}

impl From<QuoteRequestBody> for QuoteRequest {
    fn from(b: QuoteRequestBody) -> Self {
        Self {
            accommodation_id: b.accommodation_id,
            check_in: b.check_in.0,
            check_out: b.check_out.0,
            guests: b.guests.0,
        }
    }
}

/// The price of one night.
#[derive(Debug, Clone, Object)]
pub struct NightView {
    /// The date the guest goes to sleep.
    pub date: NaiveDate,
    /// Whether the weekend rate applies.
    pub weekend: bool,
    /// Price of the night.
    pub price: String,
}

impl From<&NightPrice> for NightView {
    fn from(n: &NightPrice) -> Self {
        Self {
            date: n.date,
            weekend: n.weekend,
            price: n.price.to_string(),
        }
    }
}

/// A price breakdown and whether the nights are free.
#[derive(Debug, Clone, Object)]
pub struct QuoteView {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Arrival date.
    pub check_in: NaiveDate,
    /// Departure date.
    pub check_out: NaiveDate,
    /// Number of nights.
    pub nights: u32,
    /// Number of guests.
    pub guests: u32,
    /// Whether every night is free right now.
    pub available: bool,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// Nights charged the base rate.
    pub weekday_nights: u32,
    /// Nights charged the weekend rate.
    pub weekend_nights: u32,
    /// Base nightly rate.
    pub base_rate: String,
    /// Weekend nightly rate.
    pub weekend_rate: String,
    /// Every night with its price.
    pub nightly: Vec<NightView>,
    /// Sum of all nights.
    pub total_price: String,
    /// Share of the total due up front.
    pub deposit_percent: u8,
    /// Amount due up front to confirm.
    pub deposit_amount: String,
    /// Amount due at check-in.
    pub balance_amount: String,
}

impl QuoteView {
    /// The view of a priced stay.
    pub fn new(priced: &PricedStay, available: bool) -> Self {
        let q = &priced.quote;
        Self {
            accommodation_id: priced.accommodation.id,
            check_in: priced.stay.check_in(),
            check_out: priced.stay.check_out(),
            nights: priced.stay.nights(),
            guests: priced.guests,
            available,
            currency: priced.accommodation.currency.clone(),
            weekday_nights: u32::try_from(q.weekday_nights).unwrap_or(u32::MAX),
            weekend_nights: u32::try_from(q.weekend_nights).unwrap_or(u32::MAX),
            base_rate: q.base_rate.to_string(),
            weekend_rate: q.weekend_rate.to_string(),
            nightly: q.nights.iter().map(NightView::from).collect(),
            total_price: q.total.to_string(),
            deposit_percent: q.deposit_percent,
            deposit_amount: q.deposit.to_string(),
            balance_amount: q.balance.to_string(),
        }
    }
}
