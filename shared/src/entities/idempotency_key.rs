//! `idempotency_keys`: `Idempotency-Key` requests, provider event dedupe and payment link
//! claims, kept 48 h (claims: until their hold lapses).

use sea_orm::entity::prelude::*;

/// Whether a key's owner is still working or has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum KeyState {
    /// Claimed; its owner has not finished (or died before `locked_until`).
    InFlight,
    /// Done: the key's record is what a repeat gets.
    Completed,
}

/// One key in one scope.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What the key is unique in (a route, a provider event kind).
    pub scope: String,
    /// The client's (or provider's) key.
    pub key: String,
    /// Hash of the request the key was first used with.
    pub fingerprint: String,
    /// In flight or completed.
    pub state: KeyState,
    /// While in flight: when the owner is presumed dead.
    pub locked_until: Option<DateTimeWithTimeZone>,
    /// The stored record's code (`store::idempotency::StoredRecord`; the column predates it).
    #[sea_orm(column_name = "response_status")]
    pub record_code: Option<i16>,
    /// The stored record's payload.
    #[sea_orm(column_name = "response_body")]
    pub record_payload: Option<Vec<u8>>,
    /// The media type of the stored record's payload.
    #[sea_orm(column_name = "response_content_type")]
    pub record_media_type: Option<String>,
    /// First use.
    pub created_at: DateTimeWithTimeZone,
    /// When the key may be forgotten.
    pub expires_at: DateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
