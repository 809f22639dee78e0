//! `reservations`: every stay, held, confirmed or over. The database forbids two active
//! reservations of one accommodation sharing a night (`reservations_no_overlap`).

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;

use crate::domain::{
    Channel, Email, GuestName, Money, PaymentStatus, PhoneNumber, ReservationCode,
    ReservationStatus,
};

/// One reservation row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reservations")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stable opaque id.
    pub uuid: Uuid,
    /// Human-friendly code guests quote (`RES260110K7QX2M`).
    pub code: ReservationCode,
    /// The accommodation booked.
    pub accommodation_id: i32,
    /// Arrival date (first night).
    pub check_in: NaiveDate,
    /// Departure date (not a night).
    pub check_out: NaiveDate,
    /// Guest's name.
    pub guest_name: GuestName,
    /// Guest's phone, E.164.
    pub guest_phone: Option<PhoneNumber>,
    /// Guest's email.
    pub guest_email: Option<Email>,
    /// Number of guests.
    pub guests: i32,
    /// Number of nights (check_out - check_in).
    pub nights: i32,
    /// Base nightly rate at booking time.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub price_per_night: Money,
    /// Total price.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub total_price: Money,
    /// Share of the total due up front.
    pub deposit_percent: i16,
    /// Amount due up front.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub deposit_amount: Money,
    /// Amount received so far.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub paid_amount: Money,
    /// ISO 4217 currency.
    pub currency: String,
    /// Life-cycle status.
    pub status: ReservationStatus,
    /// Payment status.
    pub payment_status: PaymentStatus,
    /// Where it came from.
    pub channel: Channel,
    /// When a hold lapses (pre-reservations only).
    pub expires_at: Option<DateTimeWithTimeZone>,
    /// When it was confirmed.
    pub confirmed_at: Option<DateTimeWithTimeZone>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTimeWithTimeZone>,
    /// Why it was cancelled.
    pub cancellation_reason: Option<String>,
    /// When the hold expired.
    pub expired_at: Option<DateTimeWithTimeZone>,
    /// When the stay was completed.
    pub completed_at: Option<DateTimeWithTimeZone>,
    /// Internal notes.
    pub notes: Option<String>,
    /// The IP address a public pre-reservation came from (`INET`; read back as text, e.g.
    /// `203.0.113.7/32`). Personal data: mask it before logging.
    #[sea_orm(column_type = "custom(\"inet\")", select_as = "text", save_as = "inet")]
    pub client_ip: Option<String>,
    /// The channel feed a `blocked` stay was imported from.
    pub ical_feed_id: Option<i64>,
    /// The imported event's UID in that feed.
    pub external_uid: Option<String>,
    /// Row creation.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations of `reservations`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The accommodation booked.
    #[sea_orm(
        belongs_to = "super::accommodation::Entity",
        from = "Column::AccommodationId",
        to = "super::accommodation::Column::Id"
    )]
    Accommodation,
}

impl Related<super::accommodation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Accommodation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
