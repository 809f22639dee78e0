//! Accommodation views.

use poem_openapi::Object;
use shared::entities::accommodation;
use uuid::Uuid;

/// An accommodation as guests see it.
#[derive(Debug, Clone, Object)]
pub struct AccommodationView {
    /// Numeric id (use it in quotes and reservations).
    pub id: i32,
    /// Stable opaque id.
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// cabin, apartment, house, room, dome or other.
    pub kind: String,
    /// Most guests allowed.
    pub capacity: i32,
    /// Price of a weekday night.
    pub base_price: String,
    /// Price of a weekend night (base × weekend multiplier).
    pub weekend_price: String,
    /// Factor applied to weekend nights.
    pub weekend_multiplier: String,
    /// Nights charged the weekend rate, by the day the guest goes to sleep.
    pub weekend_nights: Vec<String>,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// Description.
    pub description: String,
    /// Amenities.
    pub amenities: Vec<String>,
    /// Photo URLs.
    pub photos: Vec<String>,
    /// Where it is.
    pub location: String,
    /// House rules and cancellation policy.
    pub policies: String,
    /// Earliest arrival time (HH:MM, business timezone).
    pub check_in_time: String,
    /// Latest departure time (HH:MM, business timezone).
    pub check_out_time: String,
}

impl From<accommodation::Model> for AccommodationView {
    fn from(row: accommodation::Model) -> Self {
        Self {
            id: row.id,
            uuid: row.uuid,
            kind: row.kind.to_string(),
            capacity: row.capacity,
            base_price: row.base_price.to_string(),
            weekend_price: row.price_rules().weekend_rate().to_string(),
            weekend_multiplier: row.weekend_multiplier.to_string(),
            weekend_nights: row.weekend_nights.names(),
            currency: row.currency,
            description: row.description,
            amenities: row.amenities.0,
            photos: row.photos.0,
            location: row.location,
            policies: row.policies,
            check_in_time: row.check_in_time.format("%H:%M").to_string(),
            check_out_time: row.check_out_time.format("%H:%M").to_string(),
            name: row.name,
        }
    }
}
