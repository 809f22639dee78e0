//! `audit_log`: every admin action and every automatic state change, before → after.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Who acted, by category (`audit_log.actor_kind`, whose CHECK lists exactly these).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// An admin of the back office.
    Admin,
    /// A job or an automatic rule.
    System,
    /// A guest (reserved for guest-side actions; nothing records it yet).
    Guest,
    /// A provider (Mercado Pago, an iCal feed).
    Provider,
}

impl ActorKind {
    /// The wire and database name (`admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::System => "system",
            Self::Guest => "guest",
            Self::Provider => "provider",
        }
    }
}

/// One audit entry.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTimeWithTimeZone,
    /// Who acted, by category.
    pub actor_kind: ActorKind,
    /// Who: an admin's email, a job's name, a provider's name.
    pub actor: String,
    /// What, e.g. `reservation.confirm`.
    pub action: String,
    /// What kind of thing changed (`reservation`, `accommodation`, ...).
    pub entity_kind: String,
    /// Its id or code.
    pub entity_id: String,
    /// The reservation concerned, when there is one.
    pub reservation_id: Option<i64>,
    /// State before.
    pub before: Option<Json>,
    /// State after.
    pub after: Option<Json>,
    /// Trace id of the request or job.
    pub trace_id: Option<String>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
