//! Quote a stay: the price breakdown and whether the nights are free.

use sea_orm::ConnectionTrait;

use super::BookingRules;
use crate::{
    Error, FieldError, Result,
    domain::{Quote, Stay, StayLimits},
    entities::accommodation,
    store,
};

/// What a guest asks a price for (raw input, checked by [`quote`]).
#[derive(Clone, Debug)]
pub struct QuoteRequest {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// `YYYY-MM-DD`.
    pub check_in: String,
    /// `YYYY-MM-DD`.
    pub check_out: String,
    /// Number of guests.
    pub guests: i64,
}

/// A priced stay.
#[derive(Clone, Debug)]
pub struct PricedStay {
    /// The accommodation.
    pub accommodation: accommodation::Model,
    /// The checked dates.
    pub stay: Stay,
    /// The checked number of guests.
    pub guests: u32,
    /// The price breakdown.
    pub quote: Quote,
}

/// Checks a stay request against an accommodation and prices it. Unknown or inactive
/// accommodations are `NotFound`; every bad field is reported at once in `Invalid`.
pub async fn price_stay(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    request: &QuoteRequest,
    extra_errors: Vec<FieldError>,
) -> Result<PricedStay> {
    price_stay_within(db, rules, request, rules.stay_limits(), extra_errors).await
}

/// [`price_stay`] with explicit date limits (an edit may keep a check-in already past).
pub async fn price_stay_within(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    request: &QuoteRequest,
    limits: StayLimits,
    extra_errors: Vec<FieldError>,
) -> Result<PricedStay> {
    let accommodation = store::accommodations::find_active(db, request.accommodation_id).await?;
    price(accommodation, rules, request, limits, extra_errors)
}

/// Checks a stay request against `accommodation` (already read) and prices it.
pub fn price(
    accommodation: accommodation::Model,
    rules: &BookingRules,
    request: &QuoteRequest,
    limits: StayLimits,
    extra_errors: Vec<FieldError>,
) -> Result<PricedStay> {
    let mut errors = extra_errors;
    let stay = Stay::parse_new(&request.check_in, &request.check_out, limits)
        .map_err(|e| errors.extend(e))
        .ok();
    let guests = match u32::try_from(request.guests) {
        Ok(g) if g >= 1 && i64::from(g) <= i64::from(accommodation.capacity) => Some(g),
        _ => {
            errors.push(FieldError::new(
                "guests",
                "out_of_range",
                format!(
                    "{} sleeps 1 to {} guests",
                    accommodation.name, accommodation.capacity
                ),
            ));
            None
        }
    };
    match (stay, guests) {
        (Some(stay), Some(guests)) if errors.is_empty() => {
            let quote = accommodation
                .price_rules()
                .quote(&stay, rules.deposit_percent);
            Ok(PricedStay {
                accommodation,
                stay,
                guests,
                quote,
            })
        }
        _ => Err(Error::Invalid(errors)),
    }
}

/// A quote and whether the nights are free right now.
pub async fn quote(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    request: &QuoteRequest,
) -> Result<(PricedStay, bool)> {
    let priced = price_stay(db, rules, request, Vec::new()).await?;
    let taken = store::reservations::active_in_window(
        db,
        priced.accommodation.id,
        priced.stay.check_in(),
        priced.stay.check_out(),
        rules.clock.now(),
    )
    .await?;
    Ok((priced, taken.is_empty()))
}
