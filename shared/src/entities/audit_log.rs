//! `audit_log`: every admin action and every automatic state change, before → after.

use sea_orm::entity::prelude::*;

/// One audit entry.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTimeWithTimeZone,
    /// admin, system, guest or provider.
    pub actor_kind: String,
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
