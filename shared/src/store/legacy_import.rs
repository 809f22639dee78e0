//! Writes the rows imported from the system this replaces (issue 13).
//!
//! Accommodations and reservations keep their old ids, which our identity columns only take
//! with `OVERRIDING SYSTEM VALUE`: the entity API cannot say that, hence the raw statements.
//! Afterwards [`move_sequences_past_ids`] makes the next id of each table one past the
//! imported ones.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::{
    db::stmt,
    domain::{AccommodationKind, Money, PaymentProvider, PaymentRecordStatus, ReservationStatus},
    entities::{payment, reservation},
    error::Result,
};

/// An accommodation as imported.
#[derive(Clone, Debug)]
pub struct AccommodationRow {
    /// The old id, kept.
    pub id: i32,
    /// The old uuid, kept.
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: AccommodationKind,
    /// Guests it sleeps.
    pub capacity: i32,
    /// Price per night.
    pub base_price: Money,
    /// Weekend multiplier.
    pub weekend_multiplier: Decimal,
    /// Description.
    pub description: String,
    /// Amenities.
    pub amenities: Vec<String>,
    /// Photo URLs, the primary first.
    pub photos: Vec<String>,
    /// Location, as text.
    pub location: String,
    /// Policies, as text.
    pub policies: String,
    /// The old export token, kept (the registered export URLs hold it).
    pub ical_export_token: String,
    /// Bookable.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// The export token of accommodation `id`, when there is one.
pub async fn accommodation_token(db: &impl ConnectionTrait, id: i32) -> Result<Option<String>> {
    let row = db
        .query_one_raw(stmt(
            "SELECT ical_export_token FROM accommodations WHERE id = $1",
            vec![id.into()],
        ))
        .await?;
    Ok(row
        .map(|row| row.try_get::<String>("", "ical_export_token"))
        .transpose()?)
}

/// Inserts an accommodation with its old id.
pub async fn insert_accommodation(db: &impl ConnectionTrait, row: AccommodationRow) -> Result<()> {
    db.execute_raw(stmt(
        "INSERT INTO accommodations (id, uuid, name, kind, capacity, base_price,
             weekend_multiplier, description, amenities, photos, location, policies,
             ical_export_token, active, created_at, updated_at)
         OVERRIDING SYSTEM VALUE
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        vec![
            row.id.into(),
            row.uuid.into(),
            row.name.into(),
            row.kind.into(),
            row.capacity.into(),
            row.base_price.amount().into(),
            row.weekend_multiplier.into(),
            row.description.into(),
            serde_json::json!(row.amenities).into(),
            serde_json::json!(row.photos).into(),
            row.location.into(),
            row.policies.into(),
            row.ical_export_token.into(),
            row.active.into(),
            row.created_at.into(),
            row.updated_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Inserts a reservation with its old id, `row.id` (a new one when one of ours already holds
/// that id); returns the id it got.
pub async fn insert_reservation(db: &impl ConnectionTrait, row: reservation::Model) -> Result<i64> {
    let inserted = db
        .query_one_raw(stmt(
            "INSERT INTO reservations (id, uuid, code, accommodation_id, check_in, check_out,
                 guest_name, guest_phone, guest_email, guests, nights, price_per_night,
                 total_price, deposit_percent, deposit_amount, paid_amount, currency, status,
                 payment_status, channel, expires_at, confirmed_at, cancelled_at,
                 cancellation_reason, expired_at, completed_at, notes, ical_feed_id,
                 external_uid, created_at, updated_at)
             OVERRIDING SYSTEM VALUE
             SELECT CASE WHEN EXISTS (SELECT 1 FROM reservations WHERE id = $1)
                         THEN nextval(pg_get_serial_sequence('reservations', 'id')) ELSE $1 END,
                    $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                    $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31
             RETURNING id",
            vec![
                row.id.into(),
                row.uuid.into(),
                String::from(row.code).into(),
                row.accommodation_id.into(),
                row.check_in.into(),
                row.check_out.into(),
                String::from(row.guest_name).into(),
                row.guest_phone.map(String::from).into(),
                row.guest_email.map(String::from).into(),
                row.guests.into(),
                row.nights.into(),
                row.price_per_night.amount().into(),
                row.total_price.amount().into(),
                row.deposit_percent.into(),
                row.deposit_amount.amount().into(),
                row.paid_amount.amount().into(),
                row.currency.into(),
                row.status.into(),
                row.payment_status.into(),
                row.channel.into(),
                row.expires_at.into(),
                row.confirmed_at.into(),
                row.cancelled_at.into(),
                row.cancellation_reason.into(),
                row.expired_at.into(),
                row.completed_at.into(),
                row.notes.into(),
                row.ical_feed_id.into(),
                row.external_uid.into(),
                row.created_at.into(),
                row.updated_at.into(),
            ],
        ))
        .await?;
    let row = inserted.ok_or(crate::error::Error::NotFound("inserted reservation"))?;
    Ok(row.try_get::<i64>("", "id")?)
}

/// The code of a stay already holding some of the nights `[check_in, check_out)` of an
/// accommodation (what an overlap refused an import against).
pub async fn holder_of(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> Result<Option<String>> {
    let row = db
        .query_one_raw(stmt(
            "SELECT code FROM reservations
             WHERE accommodation_id = $1 AND status = ANY ($4)
               AND daterange(check_in, check_out, '[)') && daterange($2, $3, '[)')
             ORDER BY check_in LIMIT 1",
            vec![
                accommodation_id.into(),
                check_in.into(),
                check_out.into(),
                ReservationStatus::ACTIVE
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect::<Vec<_>>()
                    .into(),
            ],
        ))
        .await?;
    Ok(row
        .map(|row| row.try_get::<String>("", "code"))
        .transpose()?)
}

/// A payment as imported.
#[derive(Clone, Debug)]
pub struct PaymentRow {
    /// Our reservation's id.
    pub reservation_id: i64,
    /// Mercado Pago's payment id.
    pub provider_payment_id: String,
    /// Amount.
    pub amount: Money,
    /// Credited to the reservation (the amount when approved).
    pub credited_amount: Money,
    /// Currency.
    pub currency: String,
    /// Status.
    pub status: PaymentRecordStatus,
    /// The old row, for the audit trail.
    pub raw: serde_json::Value,
    /// Approved at (the last notification of an approved payment).
    pub approved_at: Option<DateTime<Utc>>,
    /// First notification.
    pub created_at: DateTime<Utc>,
    /// Last notification.
    pub updated_at: DateTime<Utc>,
}

/// Inserts an imported payment.
pub async fn insert_payment(db: &impl ConnectionTrait, row: PaymentRow) -> Result<()> {
    let model = payment::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        reservation_id: Set(row.reservation_id),
        provider: Set(PaymentProvider::Mercadopago),
        provider_payment_id: Set(Some(row.provider_payment_id)),
        amount: Set(row.amount),
        credited_amount: Set(row.credited_amount),
        currency: Set(row.currency),
        status: Set(row.status),
        status_detail: Set(None),
        raw_provider: Set(Some(row.raw)),
        approved_at: Set(row.approved_at.map(Into::into)),
        created_at: Set(row.created_at.into()),
        updated_at: Set(row.updated_at.into()),
        ..Default::default()
    };
    payment::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Moves the id sequences of accommodations and reservations past the largest id stored, so
/// the next row created gets a new id (never lowers them).
pub async fn move_sequences_past_ids(db: &impl ConnectionTrait) -> Result<()> {
    for table in ["accommodations", "reservations"] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                 GREATEST((SELECT max(id) FROM {table}),
                          pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')::regclass)))
             WHERE EXISTS (SELECT 1 FROM {table})"
        ))
        .await?;
    }
    Ok(())
}
