//! `accommodations`: the cabins (and other units) the owner rents.

use chrono::NaiveTime;
use rust_decimal::Decimal;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{AccommodationKind, FeedConsumer, IcalToken, Money, PriceRules, WeekendNights};

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
    /// What kind of unit it is.
    pub kind: AccommodationKind,
    /// Most guests allowed.
    pub capacity: i32,
    /// Price of a weekday night.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub base_price: Money,
    /// Factor of weekend nights.
    #[sea_orm(column_type = "Decimal(Some((5, 2)))")]
    pub weekend_multiplier: Decimal,
    /// Nights charged the weekend rate (JSON array of weekday names).
    pub weekend_nights: WeekendNights,
    /// ISO 4217 currency.
    pub currency: String,
    /// Free text for guests.
    pub description: String,
    /// What it offers (JSON array of strings).
    pub amenities: StringList,
    /// Photo URLs (JSON array of strings).
    pub photos: StringList,
    /// Where it is.
    pub location: String,
    /// House rules and cancellation policy.
    pub policies: String,
    /// Earliest arrival time.
    pub check_in_time: NaiveTime,
    /// Latest departure time.
    pub check_out_time: NaiveTime,
    /// Secret token of the generic iCal export URL (redacted by `Debug`).
    pub ical_export_token: IcalToken,
    /// Secret token of the iCal export URL given to Airbnb.
    pub ical_token_airbnb: IcalToken,
    /// Secret token of the iCal export URL given to Booking.com.
    pub ical_token_booking: IcalToken,
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

impl Model {
    /// The pricing rules stored on this row.
    pub fn price_rules(&self) -> PriceRules {
        PriceRules {
            base_price: self.base_price,
            weekend_multiplier: self.weekend_multiplier,
            weekend_nights: self.weekend_nights.clone(),
        }
    }

    /// The token of `consumer`'s export URL.
    pub fn export_token(&self, consumer: FeedConsumer) -> &IcalToken {
        match consumer {
            FeedConsumer::Airbnb => &self.ical_token_airbnb,
            FeedConsumer::Booking => &self.ical_token_booking,
            FeedConsumer::Generic => &self.ical_export_token,
        }
    }

    /// Whose export URL `token` belongs to. Every token is compared, in constant time, so the
    /// answer's timing says nothing about which (or how much of one) matched.
    pub fn export_consumer(&self, token: &str) -> Option<FeedConsumer> {
        FeedConsumer::ALL
            .into_iter()
            .map(|consumer| (consumer, self.export_token(consumer).matches(token)))
            .fold(
                None,
                |found, (consumer, hit)| if hit { Some(consumer) } else { found },
            )
    }
}

/// A JSON array column of strings (`amenities`, `photos`).
///
/// Read tolerantly: the columns' CHECK only asks for an array, so an entry that is not a
/// string (a row edited by hand) is skipped rather than making the row unreadable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<serde_json::Value>::deserialize(d)?;
        Ok(Self(
            entries
                .into_iter()
                .filter_map(|e| match e {
                    serde_json::Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
        ))
    }
}
