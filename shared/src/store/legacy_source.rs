//! Reads the database of the system this replaces (issue 13), never writing it: one
//! `REPEATABLE READ READ ONLY` transaction, so the rows read are one consistent snapshot and
//! PostgreSQL itself refuses any write.
//!
//! Columns are cast to the types we read (`json` → `jsonb`, numbers → `numeric`, times →
//! `timestamptz`), so a column the old system declared a little differently still reads, and
//! amounts arrive as [`Money`] (the old columns are `numeric(12,2)`: exact).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, FromQueryResult, IsolationLevel,
    TransactionTrait,
};
use uuid::Uuid;

use crate::{db::stmt, domain::Money, error::Result};

/// A row of the old `accommodations`.
#[derive(Clone, Debug, FromQueryResult)]
pub struct OldAccommodation {
    /// `id` (kept: the registered export URLs name it).
    pub id: i32,
    /// `uuid`.
    pub uuid: Uuid,
    /// `name`.
    pub name: String,
    /// `type`.
    pub kind: String,
    /// `capacity`.
    pub capacity: i32,
    /// `base_price`.
    pub base_price: Money,
    /// `weekend_multiplier`.
    pub weekend_multiplier: Option<Decimal>,
    /// `description`.
    pub description: Option<String>,
    /// `amenities`.
    pub amenities: Option<serde_json::Value>,
    /// `photos`: `[{url, is_primary}]`.
    pub photos: Option<serde_json::Value>,
    /// `location`.
    pub location: Option<serde_json::Value>,
    /// `policies`.
    pub policies: Option<serde_json::Value>,
    /// `ical_export_token` (kept: the registered export URLs hold it).
    pub ical_export_token: String,
    /// `ical_import_urls`: source → URL.
    pub ical_import_urls: Option<serde_json::Value>,
    /// `active`.
    pub active: bool,
    /// `created_at`.
    pub created_at: DateTime<Utc>,
    /// `updated_at`.
    pub updated_at: DateTime<Utc>,
}

/// A row of the old `reservations`.
#[derive(Clone, Debug, FromQueryResult)]
pub struct OldReservation {
    /// `id`.
    pub id: i32,
    /// `uuid`.
    pub uuid: Uuid,
    /// `code` (kept: guests and the owner quote it).
    pub code: String,
    /// `accommodation_id`.
    pub accommodation_id: i32,
    /// `check_in`.
    pub check_in: NaiveDate,
    /// `check_out`.
    pub check_out: NaiveDate,
    /// `guest_name`.
    pub guest_name: String,
    /// `guest_phone`, free-form.
    pub guest_phone: Option<String>,
    /// `guest_email`.
    pub guest_email: Option<String>,
    /// `guest_document`.
    pub guest_document: Option<String>,
    /// `guests_count`.
    pub guests_count: i32,
    /// `base_price_per_night`.
    pub base_price_per_night: Option<Money>,
    /// `total_price`.
    pub total_price: Option<Money>,
    /// `deposit_percentage`.
    pub deposit_percentage: Option<Decimal>,
    /// `deposit_amount`.
    pub deposit_amount: Option<Money>,
    /// `reservation_status`.
    pub reservation_status: String,
    /// `channel_source`.
    pub channel_source: Option<String>,
    /// `expires_at`.
    pub expires_at: Option<DateTime<Utc>>,
    /// `confirmed_at`.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// `cancelled_at`.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `completed_at`.
    pub completed_at: Option<DateTime<Utc>>,
    /// `internal_notes` (with the old system's markers).
    pub internal_notes: Option<String>,
    /// `special_requests`.
    pub special_requests: Option<String>,
    /// `created_at`.
    pub created_at: DateTime<Utc>,
    /// `updated_at`.
    pub updated_at: DateTime<Utc>,
}

/// A row of the old `payments`, with the code of its reservation when it has one.
#[derive(Clone, Debug, FromQueryResult)]
pub struct OldPayment {
    /// `id`.
    pub id: i32,
    /// The code of `reservation_id`'s reservation (`None`: an orphan notification).
    pub reservation_code: Option<String>,
    /// `provider`.
    pub provider: String,
    /// `external_payment_id`: the provider's payment id.
    pub external_payment_id: String,
    /// `external_reference`: the reservation code the payer's link carried.
    pub external_reference: Option<String>,
    /// `status`, free text (Mercado Pago's words).
    pub status: String,
    /// `amount`.
    pub amount: Money,
    /// `currency`.
    pub currency: Option<String>,
    /// `first_received_at`.
    pub first_received_at: Option<DateTime<Utc>>,
    /// `last_received_at`.
    pub last_received_at: Option<DateTime<Utc>>,
    /// `events_count`.
    pub events_count: Option<i32>,
}

/// Everything the import reads, from one snapshot.
#[derive(Clone, Debug)]
pub struct OldData {
    /// Accommodations by id.
    pub accommodations: Vec<OldAccommodation>,
    /// Reservations by id.
    pub reservations: Vec<OldReservation>,
    /// Payments by id.
    pub payments: Vec<OldPayment>,
}

const ACCOMMODATIONS: &str = "
SELECT id, uuid, name, type::text AS kind, capacity, base_price::numeric AS base_price,
       weekend_multiplier::numeric AS weekend_multiplier, description,
       amenities::jsonb AS amenities, photos::jsonb AS photos, location::jsonb AS location,
       policies::jsonb AS policies, ical_export_token, ical_import_urls::jsonb AS ical_import_urls,
       active, created_at::timestamptz AS created_at, updated_at::timestamptz AS updated_at
FROM accommodations ORDER BY id";

const RESERVATIONS: &str = "
SELECT id, uuid, code, accommodation_id, check_in, check_out, guest_name, guest_phone,
       guest_email, guest_document, guests_count,
       base_price_per_night::numeric AS base_price_per_night, total_price::numeric AS total_price,
       deposit_percentage::numeric AS deposit_percentage,
       deposit_amount::numeric AS deposit_amount, reservation_status::text AS reservation_status,
       channel_source, expires_at::timestamptz AS expires_at,
       confirmed_at::timestamptz AS confirmed_at, cancelled_at::timestamptz AS cancelled_at,
       completed_at::timestamptz AS completed_at, internal_notes, special_requests,
       created_at::timestamptz AS created_at, updated_at::timestamptz AS updated_at
FROM reservations ORDER BY id";

const PAYMENTS: &str = "
SELECT p.id, r.code AS reservation_code, p.provider, p.external_payment_id,
       p.external_reference, p.status, p.amount::numeric AS amount, p.currency,
       p.first_received_at::timestamptz AS first_received_at,
       p.last_received_at::timestamptz AS last_received_at, p.events_count
FROM payments p LEFT JOIN reservations r ON r.id = p.reservation_id
ORDER BY p.id";

/// Reads the old accommodations, reservations and payments in one read-only snapshot.
pub async fn read(source: &DatabaseConnection) -> Result<OldData> {
    let txn = source
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let data = OldData {
        accommodations: all(&txn, ACCOMMODATIONS).await?,
        reservations: all(&txn, RESERVATIONS).await?,
        payments: all(&txn, PAYMENTS).await?,
    };
    txn.rollback().await?;
    Ok(data)
}

async fn all<T: FromQueryResult>(txn: &DatabaseTransaction, sql: &str) -> Result<Vec<T>> {
    Ok(T::find_by_statement(stmt(sql, Vec::new())).all(txn).await?)
}
