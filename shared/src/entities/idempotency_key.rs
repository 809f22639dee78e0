//! `idempotency_keys`: `Idempotency-Key` requests and provider event dedupe, kept 48 h.

use sea_orm::entity::prelude::*;

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
    /// `in_flight` or `completed`.
    pub state: String,
    /// While in flight: when the owner is presumed dead.
    pub locked_until: Option<DateTimeWithTimeZone>,
    /// Stored response status.
    pub response_status: Option<i16>,
    /// Stored response body.
    pub response_body: Option<Vec<u8>>,
    /// Stored response content type.
    pub response_content_type: Option<String>,
    /// First use.
    pub created_at: DateTimeWithTimeZone,
    /// When the key may be forgotten.
    pub expires_at: DateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
