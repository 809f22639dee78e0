//! Builders for test data.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::{Value, json};
use shared::{
    domain::{AccommodationKind, IcalToken, Money, stay::parse_weekday},
    entities::{
        accommodation::{self, StringList},
        reservation,
    },
};
use uuid::Uuid;

/// An accommodation to insert.
#[derive(Clone, Debug)]
pub struct CabinBuilder {
    name: String,
    capacity: i32,
    base_price: Money,
    weekend_multiplier: Decimal,
    weekend_nights: Vec<&'static str>,
    photos: Vec<String>,
    active: bool,
}

/// A cabin for 4 at 50000.00 a night, weekend ×1.20 on Friday and Saturday nights.
pub fn cabin(name: &str) -> CabinBuilder {
    CabinBuilder {
        name: name.into(),
        capacity: 4,
        base_price: Money::from_units(50_000),
        weekend_multiplier: Decimal::new(120, 2),
        weekend_nights: vec!["friday", "saturday"],
        photos: Vec::new(),
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
        self.base_price = Money::parse("base_price", price).expect("price");
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

    /// With these photo links.
    pub fn photos(mut self, links: &[&str]) -> Self {
        self.photos = links.iter().map(|l| (*l).to_owned()).collect();
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
            kind: Set(AccommodationKind::Cabin),
            capacity: Set(self.capacity),
            base_price: Set(self.base_price),
            weekend_multiplier: Set(self.weekend_multiplier),
            weekend_nights: Set(self
                .weekend_nights
                .iter()
                .map(|n| parse_weekday(n).expect("weekday"))
                .collect()),
            currency: Set("ARS".into()),
            description: Set(String::new()),
            amenities: Set(StringList(vec!["wifi".into()])),
            photos: Set(StringList(self.photos)),
            location: Set("Villa La Angostura".into()),
            policies: Set(String::new()),
            ical_export_token: Set(IcalToken::random()),
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

/// Every reservation row, by id.
pub async fn reservations(db: &DatabaseConnection) -> Vec<reservation::Model> {
    use sea_orm::{EntityTrait, QueryOrder};
    reservation::Entity::find()
        .order_by_asc(reservation::Column::Id)
        .all(db)
        .await
        .expect("list reservations")
}

/// The reservation row with `code`.
pub async fn reservation(db: &DatabaseConnection, code: &str) -> reservation::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    reservation::Entity::find()
        .filter(reservation::Column::Code.eq(code))
        .one(db)
        .await
        .expect("find reservation")
        .unwrap_or_else(|| panic!("no reservation {code}"))
}

/// Sets a reservation's status directly in the database (as the owner's tools would).
pub async fn set_status(db: &DatabaseConnection, code: &str, status: &str) {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "UPDATE reservations SET status = $1, updated_at = now() WHERE code = $2",
            [status.into(), code.into()],
        ))
        .await
        .expect("update reservation status");
    assert_eq!(result.rows_affected(), 1, "no reservation {code}");
}

/// A single `BIGINT` a query returns (`SELECT count(*) ...`).
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    db.query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await
        .expect("run scalar query")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("a BIGINT")
}
