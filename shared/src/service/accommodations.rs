//! Owner-side management of accommodations: create, change, rotate the iCal export token.
//! Every change is audited in the same transaction.

use chrono::NaiveTime;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, Iterable, TransactionSession,
    TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::audit::{self, AuditContext, Change};
use crate::{
    Error, FieldError, Result,
    clock::Clock,
    domain::{AccommodationKind, FeedConsumer, IcalToken, Money, stay::parse_weekday},
    entities::accommodation::{self, StringList},
};

/// Fields of an accommodation as the owner sends them; `None` leaves a field unchanged (or
/// takes the default on create).
#[derive(Clone, Debug, Default)]
pub struct AccommodationInput {
    /// Display name.
    pub name: Option<String>,
    /// The name of an [`AccommodationKind`].
    pub kind: Option<String>,
    /// Most guests (1..=50).
    pub capacity: Option<i64>,
    /// Weekday night price, decimal string.
    pub base_price: Option<String>,
    /// Weekend factor, decimal string (> 0, ≤ 10).
    pub weekend_multiplier: Option<String>,
    /// Weekday names of weekend nights.
    pub weekend_nights: Option<Vec<String>>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Amenities.
    pub amenities: Option<Vec<String>>,
    /// Photo URLs (http/https).
    pub photos: Option<Vec<String>>,
    /// Location.
    pub location: Option<String>,
    /// Policies.
    pub policies: Option<String>,
    /// `HH:MM`.
    pub check_in_time: Option<String>,
    /// `HH:MM`.
    pub check_out_time: Option<String>,
    /// Bookable.
    pub active: Option<bool>,
}

fn err(field: &str, code: &str, message: &str) -> FieldError {
    FieldError::new(field, code, message)
}

/// Applies the given fields to `row`, collecting every invalid one.
fn apply(input: &AccommodationInput, row: &mut accommodation::ActiveModel) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(name) = &input.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.push(err(
                "name",
                "invalid_name",
                "the name must have 1 to 120 characters",
            ));
        }
        row.name = Set(name.to_owned());
    }
    if let Some(kind) = &input.kind {
        match AccommodationKind::from_name(kind) {
            Some(kind) => row.kind = Set(kind),
            None => {
                let names: Vec<&str> = AccommodationKind::iter().map(|k| k.as_str()).collect();
                errors.push(FieldError::new(
                    "kind",
                    "invalid_kind",
                    format!("kind must be one of {}", names.join(", ")),
                ));
            }
        }
    }
    if let Some(capacity) = input.capacity {
        match i32::try_from(capacity) {
            Ok(c) if (1..=50).contains(&c) => row.capacity = Set(c),
            _ => errors.push(err("capacity", "out_of_range", "capacity must be 1 to 50")),
        }
    }
    if let Some(raw) = &input.base_price {
        match Money::parse("base_price", raw) {
            Ok(p) => row.base_price = Set(p),
            Err(_) => errors.push(err(
                "base_price",
                "invalid_amount",
                "base_price must be a non-negative amount with at most two decimals",
            )),
        }
    }
    if let Some(raw) = &input.weekend_multiplier {
        match raw.trim().parse::<Decimal>() {
            Ok(m) if m > Decimal::ZERO && m <= Decimal::TEN && m.scale() <= 2 => {
                row.weekend_multiplier = Set(m)
            }
            _ => errors.push(err(
                "weekend_multiplier",
                "invalid_multiplier",
                "weekend_multiplier must be above 0 and at most 10, with at most two decimals",
            )),
        }
    }
    if let Some(nights) = &input.weekend_nights {
        let parsed: Vec<_> = nights.iter().map(|n| parse_weekday(n)).collect();
        if parsed.iter().any(Option::is_none) {
            errors.push(err(
                "weekend_nights",
                "invalid_weekday",
                "weekend_nights must be weekday names, e.g. friday",
            ));
        } else {
            row.weekend_nights = Set(parsed.into_iter().flatten().collect());
        }
    }
    if let Some(currency) = &input.currency {
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(err(
                "currency",
                "invalid_currency",
                "currency must be an ISO 4217 code",
            ));
        }
        row.currency = Set(currency.clone());
    }
    if let Some(photos) = &input.photos {
        if !photos.iter().all(|p| is_web_url(p)) {
            errors.push(err("photos", "invalid_url", "photos must be http(s) URLs"));
        }
        row.photos = Set(StringList(photos.clone()));
    }
    if let Some(amenities) = &input.amenities {
        row.amenities = Set(StringList(amenities.clone()));
    }
    for (field, value, target) in [
        (
            "check_in_time",
            &input.check_in_time,
            &mut row.check_in_time,
        ),
        (
            "check_out_time",
            &input.check_out_time,
            &mut row.check_out_time,
        ),
    ] {
        if let Some(raw) = value {
            match NaiveTime::parse_from_str(raw.trim(), "%H:%M") {
                Ok(t) => *target = Set(t),
                Err(_) => errors.push(err(field, "invalid_time", "times are HH:MM")),
            }
        }
    }
    for (value, target) in [
        (&input.description, &mut row.description),
        (&input.location, &mut row.location),
        (&input.policies, &mut row.policies),
    ] {
        if let Some(text) = value {
            *target = Set(text.trim().to_owned());
        }
    }
    if let Some(active) = input.active {
        row.active = Set(active);
    }
    errors
}

fn snapshot(row: &accommodation::Model) -> Value {
    json!({
        "name": row.name, "kind": row.kind, "capacity": row.capacity,
        "base_price": row.base_price.to_string(),
        "weekend_multiplier": row.weekend_multiplier.to_string(),
        "weekend_nights": row.weekend_nights, "currency": row.currency,
        "active": row.active,
    })
}

async fn audited<C: ConnectionTrait>(
    db: &C,
    ctx: &AuditContext,
    clock: &dyn Clock,
    action: &str,
    before: Option<&accommodation::Model>,
    after: &accommodation::Model,
) -> Result<()> {
    audit::record(
        db,
        ctx,
        clock.now(),
        Change {
            action,
            entity_kind: "accommodation",
            entity_id: after.id.to_string(),
            reservation_id: None,
            before: before.map(snapshot),
            after: Some(snapshot(after)),
        },
    )
    .await
}

/// Creates an accommodation; `name`, `capacity` and `base_price` are required.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    input: &AccommodationInput,
) -> Result<accommodation::Model> {
    let mut row = accommodation::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        ical_export_token: Set(IcalToken::random()),
        ..Default::default()
    };
    let mut errors = apply(input, &mut row);
    for (field, missing) in [
        ("name", input.name.is_none()),
        ("capacity", input.capacity.is_none()),
        ("base_price", input.base_price.is_none()),
    ] {
        if missing {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} is required"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let txn = db.begin().await?;
    let created = row.insert(&txn).await?;
    audited(&txn, ctx, clock, "accommodation.create", None, &created).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes the given fields of an accommodation.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    id: i32,
    input: &AccommodationInput,
) -> Result<accommodation::Model> {
    let txn = db.begin().await?;
    let before = locked(&txn, id).await?;
    let mut row: accommodation::ActiveModel = before.clone().into();
    let errors = apply(input, &mut row);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    row.updated_at = Set(clock.now().into());
    let after = row.update(&txn).await?;
    audited(
        &txn,
        ctx,
        clock,
        "accommodation.update",
        Some(&before),
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Replaces the token of `consumer`'s iCal export URL (that old URL stops working at once;
/// the other consumers' URLs keep theirs).
pub async fn rotate_ical_token<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    id: i32,
    consumer: FeedConsumer,
) -> Result<accommodation::Model> {
    let txn = db.begin().await?;
    let before = locked(&txn, id).await?;
    let mut row: accommodation::ActiveModel = before.clone().into();
    let token = Set(IcalToken::random());
    let action = match consumer {
        FeedConsumer::Airbnb => {
            row.ical_token_airbnb = token;
            "accommodation.rotate_ical_token.airbnb"
        }
        FeedConsumer::Booking => {
            row.ical_token_booking = token;
            "accommodation.rotate_ical_token.booking"
        }
        FeedConsumer::Generic => {
            row.ical_export_token = token;
            "accommodation.rotate_ical_token"
        }
    };
    row.updated_at = Set(clock.now().into());
    let after = row.update(&txn).await?;
    audited(&txn, ctx, clock, action, Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

async fn locked(db: &impl ConnectionTrait, id: i32) -> Result<accommodation::Model> {
    use sea_orm::QuerySelect;
    accommodation::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(Error::NotFound("accommodation"))
}

/// Whether `raw` is an absolute `http(s)` URL with a host, as a browser would load it (a
/// prefix check let `http://[` through, which every client parsing the view then chokes on).
fn is_web_url(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        && (raw.starts_with("https://") || raw.starts_with("http://"))
}
