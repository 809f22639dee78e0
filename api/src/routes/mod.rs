//! HTTP routes, one file per resource; handlers are thin: parse, call a service, map.

use poem_openapi::Tags;
use shared::{Error, domain::ReservationCode};

use crate::error::ApiError;

pub mod accommodations;
pub mod admin;
pub mod health;
pub mod ical;
pub mod legacy;
pub mod payments;
pub mod quotes;
pub mod reservations;
pub mod webhooks;

/// OpenAPI tags.
#[derive(Tags)]
pub enum ApiTags {
    /// Cabins and other units guests can book.
    Accommodations,
    /// Prices of a stay.
    Quotes,
    /// Booking and looking up reservations.
    Reservations,
    /// Paying the deposit with Mercado Pago.
    Payments,
    /// Liveness and readiness.
    Health,
    /// Paths kept from the system this replaces, for its existing clients.
    Compatibility,
    /// The owner's admin API (requires an admin token: log in, then Authorize).
    Admin,
    /// Busy nights as iCal, for the channels that poll us (Airbnb, Booking.com).
    Calendar,
    /// Provider callbacks (WhatsApp, Mercado Pago), signed by the provider.
    Webhooks,
}

/// The reservation code of a path: a string that cannot be a code is a `404`, like a code no
/// reservation holds (no reservation can be found by it either).
pub fn reservation_code(raw: &str) -> Result<ReservationCode, ApiError> {
    Ok(ReservationCode::parse(raw).ok_or(Error::NotFound("reservation"))?)
}
