//! `accommodations`: the cabins (and other units) the owner rents.

use chrono::NaiveTime;
use rust_decimal::Decimal;
use sea_orm::entity::prelude::*;

/// One accommodation row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "accommodations")]
pub struct Model {
    /// Numeric id (what the API and the system this replaces use).
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Stable opaque id.
    pub uuid: Uuid,
    /// Display name.
    pub name: String,
    /// cabin, apartment, house, room, dome or other.
    pub kind: String,
    /// Most guests allowed.
    pub capacity: i32,
    /// Price of a weekday night.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub base_price: Decimal,
    /// Factor of weekend nights.
    #[sea_orm(column_type = "Decimal(Some((5, 2)))")]
    pub weekend_multiplier: Decimal,
    /// JSON array of weekday names charged the weekend rate.
    pub weekend_nights: Json,
    /// ISO 4217 currency.
    pub currency: String,
    /// Free text for guests.
    pub description: String,
    /// JSON array of strings.
    pub amenities: Json,
    /// JSON array of photo URLs.
    pub photos: Json,
    /// Where it is.
    pub location: String,
    /// House rules and cancellation policy.
    pub policies: String,
    /// Earliest arrival time.
    pub check_in_time: NaiveTime,
    /// Latest departure time.
    pub check_out_time: NaiveTime,
    /// Secret token in this accommodation's iCal export URL (redacted by `Debug`).
    pub ical_export_token: crate::domain::IcalToken,
    /// Whether it can be booked.
    pub active: bool,
    /// Row creation.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations of `accommodations`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its reservations.
    #[sea_orm(has_many = "super::reservation::Entity")]
    Reservation,
}

impl Related<super::reservation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reservation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
