//! Admin views and inputs of reservations.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::Object;
use shared::{
    FieldError,
    domain::Channel,
    entities::{audit_log, reservation},
    service::{
        admin_reservations::{AdminBooking, ReservationPatch},
        booking::BookingRequest,
        quote::QuoteRequest,
    },
};

use crate::dto::constraints::{
    Amount, AnyChannel, CancelReason, Doc, Email, Guests, IsoDate, Notes, PersonName, Phone,
};

fn utc(t: Option<sea_orm::prelude::DateTimeWithTimeZone>) -> Option<DateTime<Utc>> {
    t.map(|t| t.with_timezone(&Utc))
}

/// A reservation with everything the owner needs.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AdminReservationView {
    /// Code.
    pub code: String,
    /// pre_reserved, confirmed, cancelled, expired, completed or blocked (nights closed).
    pub status: String,
    /// unpaid, partial, deposit_paid, paid, refunded or needs_refund.
    pub payment_status: String,
    /// whatsapp, web, admin, airbnb, booking, ical or phone.
    pub channel: String,
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Arrival.
    pub check_in: NaiveDate,
    /// Departure.
    pub check_out: NaiveDate,
    /// Nights.
    pub nights: i32,
    /// Guests.
    pub guests: i32,
    /// Guest's name.
    pub guest_name: String,
    /// Guest's phone (E.164).
    pub guest_phone: Option<String>,
    /// Guest's email.
    pub guest_email: Option<String>,
    /// Base nightly rate at booking time.
    pub price_per_night: String,
    /// Total.
    pub total_price: String,
    /// Deposit share.
    pub deposit_percent: i16,
    /// Deposit.
    pub deposit_amount: String,
    /// Received so far.
    pub paid_amount: String,
    /// Still due (total − paid).
    pub balance_due: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// When a hold lapses.
    pub expires_at: Option<DateTime<Utc>>,
    /// Confirmed at.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Cancelled at.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    pub cancellation_reason: Option<String>,
    /// Expired at.
    pub expired_at: Option<DateTime<Utc>>,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// Internal notes.
    pub notes: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<reservation::Model> for AdminReservationView {
    fn from(r: reservation::Model) -> Self {
        Self {
            balance_due: (r.total_price - r.paid_amount).to_string(),
            status: r.status.to_string(),
            payment_status: r.payment_status.as_str().into(),
            channel: r.channel.to_string(),
            accommodation_id: r.accommodation_id,
            check_in: r.check_in,
            check_out: r.check_out,
            nights: r.nights,
            guests: r.guests,
            guest_name: r.guest_name.into(),
            guest_phone: r.guest_phone.map(Into::into),
            guest_email: r.guest_email.map(Into::into),
            price_per_night: r.price_per_night.to_string(),
            total_price: r.total_price.to_string(),
            deposit_percent: r.deposit_percent,
            deposit_amount: r.deposit_amount.to_string(),
            paid_amount: r.paid_amount.to_string(),
            currency: r.currency,
            expires_at: utc(r.expires_at),
            confirmed_at: utc(r.confirmed_at),
            cancelled_at: utc(r.cancelled_at),
            cancellation_reason: r.cancellation_reason,
            expired_at: utc(r.expired_at),
            completed_at: utc(r.completed_at),
            notes: r.notes,
            created_at: r.created_at.with_timezone(&Utc),
            updated_at: r.updated_at.with_timezone(&Utc),
            code: r.code.into(),
        }
    }
}

/// One entry of the audit trail.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEntryView {
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// admin, system, guest or provider.
    pub actor_kind: String,
    /// Who.
    pub actor: String,
    /// What, e.g. `reservation.confirm`.
    pub action: String,
    /// State before.
    pub before: Option<serde_json::Value>,
    /// State after.
    pub after: Option<serde_json::Value>,
    /// Trace id of the request or job.
    pub trace_id: Option<String>,
}

impl From<audit_log::Model> for AuditEntryView {
    fn from(a: audit_log::Model) -> Self {
        Self {
            occurred_at: a.occurred_at.with_timezone(&Utc),
            actor_kind: a.actor_kind.as_str().into(),
            actor: a.actor,
            action: a.action,
            before: a.before,
            after: a.after,
            trace_id: a.trace_id,
        }
    }
}

/// A reservation with its accommodation's name and its audit trail.
#[derive(Debug, Clone, Object)]
pub struct AdminReservationDetail {
    /// The reservation.
    #[oai(flatten)]
    pub reservation: AdminReservationView,
    /// The accommodation's name.
    pub accommodation_name: String,
    /// Deposit links and payments, oldest first.
    pub payments: Vec<super::payment::PaymentView>,
    /// Every change, oldest first.
    pub audit: Vec<AuditEntryView>,
}

/// A booking the owner makes for a guest.
#[derive(Debug, Clone, Object)]
pub struct AdminBookingBody {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Arrival, `YYYY-MM-DD`.
    pub check_in: Doc<String, IsoDate>,
    /// Departure, `YYYY-MM-DD`.
    pub check_out: Doc<String, IsoDate>,
    /// Guests.
    pub guests: Doc<i64, Guests>,
    /// Guest's name.
    pub guest_name: Doc<String, PersonName>,
    /// Guest's phone (optional for the owner).
    pub guest_phone: Option<Doc<String, Phone>>,
    /// Guest's email.
    pub guest_email: Option<Doc<String, Email>>,
    /// Channel (default `admin`; e.g. `phone`, or `airbnb` to record a booking made there).
    pub channel: Option<Doc<String, AnyChannel>>,
    /// Internal notes.
    pub notes: Option<Doc<String, Notes>>,
    /// A manual total replacing the computed price, e.g. "150000.00".
    pub total_price: Option<Doc<String, Amount>>,
    /// Confirm at once instead of holding (default false).
    #[oai(default)]
    pub confirm: bool,
}

impl AdminBookingBody {
    /// The booking, or the field error of an unknown channel.
    pub fn into_booking(self) -> Result<AdminBooking, FieldError> {
        let channel = match self
            .channel
            .as_ref()
            .map(|c| c.0.trim())
            .filter(|c| !c.is_empty())
        {
            None => Channel::Admin,
            Some(raw) => raw
                .parse::<Channel>()
                .map_err(|e| FieldError::new("channel", "invalid_channel", e))?,
        };
        Ok(AdminBooking {
            request: BookingRequest {
                stay: QuoteRequest {
                    accommodation_id: self.accommodation_id,
                    check_in: self.check_in.0,
                    check_out: self.check_out.0,
                    guests: self.guests.0,
                },
                guest_name: self.guest_name.0,
                guest_phone: self.guest_phone.map(|p| p.0).unwrap_or_default(),
                guest_email: self.guest_email.map(|e| e.0),
                channel,
                notes: self.notes.map(|n| n.0),
                rejected: Vec::new(),
            },
            total_price: self.total_price.map(|t| t.0),
            confirm: self.confirm,
        })
    }
}

/// Why a reservation is cancelled.
#[derive(Debug, Clone, Object)]
pub struct CancelBody {
    /// The reason (kept in the reservation and the audit trail).
    pub reason: Doc<String, CancelReason>,
}

/// Fields to change; omitted ones keep their value. Changing dates or guests re-prices the stay
/// unless `total_price` is given, and re-checks the nights against other reservations.
#[derive(Debug, Clone, Default, Object)]
pub struct ReservationPatchBody {
    /// Guest's name.
    pub guest_name: Option<Doc<String, PersonName>>,
    /// Guest's phone ("" clears it).
    pub guest_phone: Option<Doc<String, Phone>>,
    /// Guest's email ("" clears it).
    pub guest_email: Option<Doc<String, Email>>,
    /// Notes ("" clears them).
    pub notes: Option<Doc<String, Notes>>,
    /// Guests.
    pub guests: Option<Doc<i64, Guests>>,
    /// New arrival, `YYYY-MM-DD`.
    pub check_in: Option<Doc<String, IsoDate>>,
    /// New departure, `YYYY-MM-DD`.
    pub check_out: Option<Doc<String, IsoDate>>,
    /// Manual total.
    pub total_price: Option<Doc<String, Amount>>,
}

impl From<ReservationPatchBody> for ReservationPatch {
    fn from(b: ReservationPatchBody) -> Self {
        Self {
            guest_name: b.guest_name.map(|v| v.0),
            guest_phone: b.guest_phone.map(|v| v.0),
            guest_email: b.guest_email.map(|v| v.0),
            notes: b.notes.map(|v| v.0),
            guests: b.guests.map(|v| v.0),
            check_in: b.check_in.map(|v| v.0),
            check_out: b.check_out.map(|v| v.0),
            total_price: b.total_price.map(|v| v.0),
        }
    }
}
