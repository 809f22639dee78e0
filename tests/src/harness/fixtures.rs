//! Builders for test data.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::{Value, json};
use shared::{entities::accommodation, store::accommodations::new_ical_token};
use uuid::Uuid;

/// An accommodation to insert.
#[derive(Clone, Debug)]
pub struct CabinBuilder {
    name: String,
    capacity: i32,
    base_price: Decimal,
    weekend_multiplier: Decimal,
    weekend_nights: Vec<&'static str>,
    active: bool,
}

/// A cabin for 4 at 50000.00 a night, weekend ×1.20 on Friday and Saturday nights.
pub fn cabin(name: &str) -> CabinBuilder {
    CabinBuilder {
        name: name.into(),
        capacity: 4,
        base_price: Decimal::from(50_000),
        weekend_multiplier: Decimal::new(120, 2),
        weekend_nights: vec!["friday", "saturday"],
        active: true,
    }
}

impl CabinBuilder {
    /// Most guests.
    pub fn capacity(mut self, capacity: i32) -> Self {
        self.capacity = capacity;
        self
    }

    /// Weekday price, e.g. `"45000.00"`.
    pub fn base_price(mut self, price: &str) -> Self {
        self.base_price = price.parse().expect("price");
        self
    }

    /// Weekend factor, e.g. `"1.5"`.
    pub fn weekend_multiplier(mut self, multiplier: &str) -> Self {
        self.weekend_multiplier = multiplier.parse().expect("multiplier");
        self
    }

    /// Which nights are weekend nights.
    pub fn weekend_nights(mut self, nights: Vec<&'static str>) -> Self {
        self.weekend_nights = nights;
        self
    }

    /// Not bookable.
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Inserts it.
    pub async fn insert(self, db: &DatabaseConnection) -> accommodation::Model {
        accommodation::ActiveModel {
            uuid: Set(Uuid::now_v7()),
            name: Set(self.name),
            kind: Set("cabin".into()),
            capacity: Set(self.capacity),
            base_price: Set(self.base_price),
            weekend_multiplier: Set(self.weekend_multiplier),
            weekend_nights: Set(json!(self.weekend_nights)),
            currency: Set("ARS".into()),
            description: Set(String::new()),
            amenities: Set(json!(["wifi"])),
            photos: Set(json!([])),
            location: Set("Villa La Angostura".into()),
            policies: Set(String::new()),
            ical_export_token: Set(new_ical_token()),
            active: Set(self.active),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert accommodation")
    }
}

/// A valid `POST /reservations` body for `accommodation_id` from `check_in` to `check_out`.
pub fn booking(accommodation_id: i32, check_in: NaiveDate, check_out: NaiveDate) -> Value {
    json!({
        "accommodation_id": accommodation_id,
        "check_in": check_in.to_string(),
        "check_out": check_out.to_string(),
        "guests": 2,
        "guest_name": "Martín Pérez",
        "guest_phone": "+5491112345678",
        "guest_email": "martin@example.com",
    })
}

/// The first date on or after `from` that falls on `weekday`.
pub fn next_weekday(from: NaiveDate, weekday: chrono::Weekday) -> NaiveDate {
    use chrono::Datelike;
    let mut date = from;
    while date.weekday() != weekday {
        date += Duration::days(1);
    }
    date
}
