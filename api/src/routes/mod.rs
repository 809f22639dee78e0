//! HTTP routes, one file per resource; handlers are thin: parse, call a service, map.

use poem_openapi::Tags;

pub mod accommodations;
pub mod health;
pub mod legacy;
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
    /// Liveness and readiness.
    Health,
    /// Paths kept from the system this replaces, for its existing clients.
    Compatibility,
    /// Provider callbacks (WhatsApp, Mercado Pago), signed by the provider.
    Webhooks,
}
