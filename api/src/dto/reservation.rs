//! Reservation requests and views.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::Object;
use shared::{
    FieldError,
    domain::{Channel, ReservationStatus},
    entities::reservation,
    mask,
    service::{
        booking::{BookingField, BookingRequest},
        quote::QuoteRequest,
    },
};

use crate::dto::constraints::{
    Doc, Email, Guests, IsoDate, Notes, PersonName, Phone, PublicChannel,
};

/// A booking request from a guest-facing client.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateReservationBody {
    /// Accommodation id.
    pub accommodation_id: Option<i32>,
    /// Arrival date, `YYYY-MM-DD` (today or later, business timezone).
    #[oai(default)]
    pub check_in: Doc<String, IsoDate>,
    /// Departure date, `YYYY-MM-DD` (after check-in).
    #[oai(default)]
    pub check_out: Doc<String, IsoDate>,
    /// Number of guests (1 to the accommodation's capacity).
    #[oai(default)]
    pub guests: Doc<i64, Guests>,
    /// Guest's full name.
    #[oai(default)]
    pub guest_name: Doc<String, PersonName>,
    /// Guest's phone, international form preferred (`+5491112345678`).
    #[oai(default)]
    pub guest_phone: Doc<String, Phone>,
    /// Guest's email.
    pub guest_email: Option<Doc<String, Email>>,
    /// `web` (default), `whatsapp` or `phone`.
    pub channel: Option<Doc<String, PublicChannel>>,
    /// Anything the owner should know.
    pub notes: Option<Doc<String, Notes>>,
}

impl poem_openapi::types::Example for CreateReservationBody {
    fn example() -> Self {
        Self {
            accommodation_id: Some(1),
            check_in: Doc::new("2027-01-15".into()),
            check_out: Doc::new("2027-01-17".into()),
            guests: Doc::new(4),
            guest_name: Doc::new("Martín Pérez".into()),
            guest_phone: Doc::new("+5491112345678".into()),
            guest_email: Some(Doc::new("martin@example.com".into())),
            channel: Some(Doc::new("web".into())),
            notes: None,
        }
    }
}

impl CreateReservationBody {
    /// The booking request, or the fields that cannot even be looked up.
    pub fn into_request(self) -> Result<BookingRequest, Vec<FieldError>> {
        let (accommodation_id, channel) =
            required_parts(self.accommodation_id, self.channel.map(|c| c.0))?;
        // A channel the client may not claim is reported with the service's own checks, so
        // the 422 lists every bad field; the placeholder is never stored.
        let (channel, rejected) = match channel {
            Ok(channel) => (channel, Vec::new()),
            Err(e) => (Channel::Web, vec![e]),
        };
        Ok(BookingRequest {
            stay: QuoteRequest {
                accommodation_id,
                check_in: self.check_in.0,
                check_out: self.check_out.0,
                guests: self.guests.0,
            },
            guest_name: self.guest_name.0,
            guest_phone: self.guest_phone.0,
            guest_email: self.guest_email.map(|e| e.0),
            channel,
            notes: self.notes.map(|n| n.0),
            rejected,
        })
    }
}

/// The booking request of the system this replaces (`contact_*` field names).
#[derive(Debug, Clone, Object)]
pub struct LegacyPreReserveBody {
    /// Accommodation id.
    pub accommodation_id: Option<i32>,
    /// Arrival date, `YYYY-MM-DD`.
    #[oai(default)]
    pub check_in: Doc<String, IsoDate>,
    /// Departure date, `YYYY-MM-DD`.
    #[oai(default)]
    pub check_out: Doc<String, IsoDate>,
    /// Number of guests.
    #[oai(default)]
    pub guests: Doc<i64, Guests>,
    /// `whatsapp`, `web` or `phone`.
    pub channel: Option<Doc<String, PublicChannel>>,
    /// Guest's full name.
    #[oai(default)]
    pub contact_name: Doc<String, PersonName>,
    /// Guest's phone.
    #[oai(default)]
    pub contact_phone: Doc<String, Phone>,
    /// Guest's email.
    pub contact_email: Option<Doc<String, Email>>,
}

impl LegacyPreReserveBody {
    /// This body's name for a contact field the booking service reports by its domain key:
    /// errors of the legacy path name what its clients sent.
    pub fn field_name(field: BookingField) -> &'static str {
        match field {
            BookingField::GuestName => "contact_name",
            BookingField::GuestPhone => "contact_phone",
            BookingField::GuestEmail => "contact_email",
        }
    }
}

impl From<LegacyPreReserveBody> for CreateReservationBody {
    fn from(b: LegacyPreReserveBody) -> Self {
        Self {
            accommodation_id: b.accommodation_id,
            check_in: b.check_in,
            check_out: b.check_out,
            guests: b.guests,
            guest_name: b.contact_name,
            guest_phone: b.contact_phone,
            guest_email: b.contact_email,
            channel: b.channel,
            notes: None,
        }
    }
}

/// The accommodation id (without it nothing else can be checked) and the channel; both are
/// reported when the id is missing.
fn required_parts(
    accommodation_id: Option<i32>,
    channel: Option<String>,
) -> Result<(i32, Result<Channel, FieldError>), Vec<FieldError>> {
    let channel = public_channel(channel.as_deref());
    match accommodation_id {
        Some(id) => Ok((id, channel)),
        None => Err(std::iter::once(FieldError::new(
            "accommodation_id",
            "required",
            "accommodation_id is required",
        ))
        .chain(channel.err())
        .collect()),
    }
}

fn public_channel(raw: Option<&str>) -> Result<Channel, FieldError> {
    let channel = match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => return Ok(Channel::Web),
        Some(raw) => raw
            .parse::<Channel>()
            .map_err(|e| FieldError::new("channel", "invalid_channel", e))?,
    };
    if channel.is_public() {
        Ok(channel)
    } else {
        Err(FieldError::new(
            "channel",
            "invalid_channel",
            "public bookings come from web, whatsapp or phone",
        ))
    }
}

/// A reservation just created.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReservationCreatedView {
    /// The code the guest quotes.
    pub code: String,
    /// `pre_reserved` until the deposit arrives.
    pub status: String,
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Arrival date.
    pub check_in: NaiveDate,
    /// Departure date.
    pub check_out: NaiveDate,
    /// Number of nights.
    pub nights: i32,
    /// Number of guests.
    pub guests: i32,
    /// Total price.
    pub total_price: String,
    /// Amount due up front to confirm.
    pub deposit_amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// When the hold lapses unless the deposit is paid.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<reservation::Model> for ReservationCreatedView {
    fn from(r: reservation::Model) -> Self {
        Self {
            status: r.status.to_string(),
            accommodation_id: r.accommodation_id,
            check_in: r.check_in,
            check_out: r.check_out,
            nights: r.nights,
            guests: r.guests,
            total_price: r.total_price.to_string(),
            deposit_amount: r.deposit_amount.to_string(),
            currency: r.currency,
            expires_at: r.expires_at.map(|t| t.with_timezone(&Utc)),
            code: r.code.into(),
        }
    }
}

/// A reservation as anyone holding its code may see it: no phone or email, name masked.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReservationPublicView {
    /// The code.
    pub code: String,
    /// pre_reserved, confirmed, cancelled, expired or completed.
    pub status: String,
    /// unpaid, partial, deposit_paid, paid, refunded or needs_refund.
    pub payment_status: String,
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Arrival date.
    pub check_in: NaiveDate,
    /// Departure date.
    pub check_out: NaiveDate,
    /// Number of nights.
    pub nights: i32,
    /// Number of guests.
    pub guests: i32,
    /// Guest's name, masked (`M*** P***`).
    pub guest_name: String,
    /// Total price.
    pub total_price: String,
    /// Amount due up front.
    pub deposit_amount: String,
    /// Amount received.
    pub paid_amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// When the hold lapses (pre-reservations only).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<reservation::Model> for ReservationPublicView {
    fn from(r: reservation::Model) -> Self {
        Self {
            code: r.code.into(),
            status: r.status.to_string(),
            payment_status: r.payment_status.as_str().into(),
            accommodation_id: r.accommodation_id,
            check_in: r.check_in,
            check_out: r.check_out,
            nights: r.nights,
            guests: r.guests,
            guest_name: mask::name(r.guest_name.as_str()),
            total_price: r.total_price.to_string(),
            deposit_amount: r.deposit_amount.to_string(),
            paid_amount: r.paid_amount.to_string(),
            currency: r.currency,
            expires_at: (r.status == ReservationStatus::PreReserved)
                .then_some(r.expires_at)
                .flatten()
                .map(|t| t.with_timezone(&Utc)),
            created_at: r.created_at.with_timezone(&Utc),
        }
    }
}
