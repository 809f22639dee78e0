//! Admin views and inputs of accommodations.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use shared::{
    domain::FeedConsumer, entities::accommodation, service::accommodations::AccommodationInput,
};

use crate::{
    dto::{
        accommodation::AccommodationView,
        constraints::{
            AccommodationKind, AccommodationName, Amount, Capacity, Currency, Doc, HourMinute,
            HttpUrl, Multiplier, Weekday,
        },
    },
    state::AppState,
};

/// An accommodation as the owner sees it (incl. inactive ones and the iCal export URLs).
#[derive(Clone, Object)]
pub struct AdminAccommodationView {
    /// Everything guests see.
    #[oai(flatten)]
    pub public: AccommodationView,
    /// Whether guests can book it.
    pub active: bool,
    /// Secret token of its generic iCal export URL.
    pub ical_export_token: String,
    /// Its iCal export URLs, one per consuming channel, ready to paste.
    pub ical_export_urls: IcalExportUrls,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Redacts the iCal export token: whoever holds it can read the calendar.
impl std::fmt::Debug for AdminAccommodationView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminAccommodationView")
            .field("public", &self.public)
            .field("active", &self.active)
            .field("ical_export_token", &"[redacted]")
            .field("ical_export_urls", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl AdminAccommodationView {
    /// The view of `row`, with its export URLs as `state` builds them.
    pub fn new(row: accommodation::Model, state: &AppState) -> Self {
        let url = |consumer| state.ical_export_url(&row, consumer);
        Self {
            active: row.active,
            ical_export_token: row.ical_export_token.as_str().to_owned(),
            ical_export_urls: IcalExportUrls {
                airbnb: url(FeedConsumer::Airbnb),
                booking: url(FeedConsumer::Booking),
                generic: url(FeedConsumer::Generic),
            },
            created_at: row.created_at.with_timezone(&Utc),
            updated_at: row.updated_at.with_timezone(&Utc),
            public: row.into(),
        }
    }
}

/// One iCal export URL per consuming channel; each feed leaves out the stays that came from
/// that channel, so give each channel its own.
#[derive(Clone, Object)]
pub struct IcalExportUrls {
    /// For Airbnb's "import calendar".
    pub airbnb: String,
    /// For Booking.com's "import calendar".
    pub booking: String,
    /// For anyone else (leaves nothing out).
    pub generic: String,
}

/// Whose export token `POST /admin/accommodations/{id}/ical-token/rotate` replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ExportChannel {
    /// The Airbnb URL.
    Airbnb,
    /// The Booking.com URL.
    Booking,
    /// The generic URL (`ical_export_token`).
    Generic,
}

impl From<ExportChannel> for FeedConsumer {
    fn from(channel: ExportChannel) -> Self {
        match channel {
            ExportChannel::Airbnb => Self::Airbnb,
            ExportChannel::Booking => Self::Booking,
            ExportChannel::Generic => Self::Generic,
        }
    }
}

/// Fields to set; omitted fields keep their value (on create: name, capacity and base_price
/// are required).
#[derive(Debug, Clone, Default, Object)]
pub struct AccommodationBody {
    /// Display name.
    pub name: Option<Doc<String, AccommodationName>>,
    /// cabin, apartment, house, room, dome or other.
    pub kind: Option<Doc<String, AccommodationKind>>,
    /// Most guests (1 to 50).
    pub capacity: Option<Doc<i64, Capacity>>,
    /// Weekday night price, e.g. "45000.00".
    pub base_price: Option<Doc<String, Amount>>,
    /// Weekend factor, e.g. "1.20".
    pub weekend_multiplier: Option<Doc<String, Multiplier>>,
    /// Weekend nights, e.g. ["friday", "saturday"].
    pub weekend_nights: Option<Vec<Doc<String, Weekday>>>,
    /// ISO 4217 currency (ARS).
    pub currency: Option<Doc<String, Currency>>,
    /// Description (guests read it: Spanish).
    pub description: Option<String>,
    /// Amenities.
    pub amenities: Option<Vec<String>>,
    /// Photo URLs.
    pub photos: Option<Vec<Doc<String, HttpUrl>>>,
    /// Location.
    pub location: Option<String>,
    /// House rules and cancellation policy.
    pub policies: Option<String>,
    /// Check-in time, HH:MM.
    pub check_in_time: Option<Doc<String, HourMinute>>,
    /// Check-out time, HH:MM.
    pub check_out_time: Option<Doc<String, HourMinute>>,
    /// Bookable.
    pub active: Option<bool>,
}

impl From<AccommodationBody> for AccommodationInput {
    fn from(b: AccommodationBody) -> Self {
        Self {
            name: b.name.map(|v| v.0),
            kind: b.kind.map(|v| v.0),
            capacity: b.capacity.map(|v| v.0),
            base_price: b.base_price.map(|v| v.0),
            weekend_multiplier: b.weekend_multiplier.map(|v| v.0),
            weekend_nights: b.weekend_nights.map(unwrap_all),
            currency: b.currency.map(|v| v.0),
            description: b.description,
            amenities: b.amenities,
            photos: b.photos.map(unwrap_all),
            location: b.location,
            policies: b.policies,
            check_in_time: b.check_in_time.map(|v| v.0),
            check_out_time: b.check_out_time.map(|v| v.0),
            active: b.active,
        }
    }
}

fn unwrap_all<C>(values: Vec<Doc<String, C>>) -> Vec<String> {
    values.into_iter().map(|v| v.0).collect()
}
