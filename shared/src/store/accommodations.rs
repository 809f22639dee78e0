//! Queries on `accommodations`.

use chrono::Weekday;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, prelude::*};

use crate::{
    Error, Result,
    domain::{Money, PriceRules, stay::parse_weekday},
    entities::accommodation,
};

/// All accommodations guests may see (active ones), by id.
pub async fn list_active(db: &impl ConnectionTrait) -> Result<Vec<accommodation::Model>> {
    Ok(accommodation::Entity::find()
        .filter(accommodation::Column::Active.eq(true))
        .order_by_asc(accommodation::Column::Id)
        .all(db)
        .await?)
}

/// One active accommodation, or `NotFound`.
pub async fn find_active(db: &impl ConnectionTrait, id: i32) -> Result<accommodation::Model> {
    accommodation::Entity::find_by_id(id)
        .filter(accommodation::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(Error::NotFound("accommodation"))
}

/// The pricing rules stored on an accommodation row.
pub fn price_rules(row: &accommodation::Model) -> PriceRules {
    let weekend_nights: Vec<Weekday> = row
        .weekend_nights
        .as_array()
        .map(|days| {
            days.iter()
                .filter_map(|d| d.as_str().and_then(parse_weekday))
                .collect()
        })
        .unwrap_or_else(PriceRules::default_weekend_nights);
    PriceRules {
        base_price: Money::from_decimal(row.base_price),
        weekend_multiplier: row.weekend_multiplier,
        weekend_nights,
    }
}

/// A JSON array column read as strings (amenities, photos, weekend nights).
pub fn string_list(value: &Json) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Every accommodation, active or not (admin), by id.
pub async fn list_all(db: &impl ConnectionTrait) -> Result<Vec<accommodation::Model>> {
    Ok(accommodation::Entity::find()
        .order_by_asc(accommodation::Column::Id)
        .all(db)
        .await?)
}

/// One accommodation, active or not, or `NotFound`.
pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<accommodation::Model> {
    accommodation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("accommodation"))
}
