//! The audit trail: who changed what, when, from what to what.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{Value, json};

use crate::{
    Result,
    domain::{Email, PhoneNumber},
    entities::{
        audit_log::{self, ActorKind},
        reservation,
    },
};

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// An admin, by email.
    Admin(String),
    /// A job or automatic rule, by name.
    System(&'static str),
    /// A provider (Mercado Pago, an iCal feed), by name.
    Provider(&'static str),
}

impl Actor {
    pub(crate) fn parts(&self) -> (ActorKind, String) {
        match self {
            Self::Admin(email) => (ActorKind::Admin, email.clone()),
            Self::System(name) => (ActorKind::System, (*name).to_owned()),
            Self::Provider(name) => (ActorKind::Provider, (*name).to_owned()),
        }
    }
}

/// Who acted, and under which trace.
#[derive(Clone, Debug)]
pub struct AuditContext {
    /// The actor.
    pub actor: Actor,
    /// The request's or job's trace id.
    pub trace_id: Option<String>,
}

/// One change to record.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    /// What, e.g. `reservation.confirm`.
    pub action: &'a str,
    /// Kind of entity.
    pub entity_kind: &'a str,
    /// Its id or code.
    pub entity_id: String,
    /// The reservation concerned.
    pub reservation_id: Option<i64>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    /// A change of a reservation from `before` (none when created) to `after`.
    pub fn reservation(
        action: &'a str,
        before: Option<&reservation::Model>,
        after: &reservation::Model,
    ) -> Self {
        Self {
            action,
            entity_kind: "reservation",
            entity_id: after.code.to_string(),
            reservation_id: Some(after.id),
            before: before.map(reservation_snapshot),
            after: Some(reservation_snapshot(after)),
        }
    }
}

/// The audited fields of a reservation.
pub fn reservation_snapshot(r: &reservation::Model) -> Value {
    json!({
        "status": r.status,
        "payment_status": r.payment_status,
        "accommodation_id": r.accommodation_id,
        "check_in": r.check_in,
        "check_out": r.check_out,
        "guests": r.guests,
        "guest_name": r.guest_name.as_str(),
        "guest_phone": r.guest_phone.as_ref().map(PhoneNumber::as_str),
        "guest_email": r.guest_email.as_ref().map(Email::as_str),
        "total_price": r.total_price.to_string(),
        "deposit_amount": r.deposit_amount.to_string(),
        "paid_amount": r.paid_amount.to_string(),
        "expires_at": r.expires_at,
        "cancellation_reason": r.cancellation_reason,
        "notes": r.notes,
    })
}

/// Records a change (call it in the same transaction as the change itself).
pub async fn record(
    db: &impl ConnectionTrait,
    ctx: &AuditContext,
    now: DateTime<Utc>,
    change: Change<'_>,
) -> Result<()> {
    let (actor_kind, actor) = ctx.actor.parts();
    audit_log::ActiveModel {
        occurred_at: Set(now.into()),
        actor_kind: Set(actor_kind),
        actor: Set(actor),
        action: Set(change.action.into()),
        entity_kind: Set(change.entity_kind.into()),
        entity_id: Set(change.entity_id),
        reservation_id: Set(change.reservation_id),
        before: Set(change.before),
        after: Set(change.after),
        trace_id: Set(ctx.trace_id.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The audit trail of one reservation, oldest first.
pub async fn for_reservation(
    db: &impl ConnectionTrait,
    reservation_id: i64,
) -> Result<Vec<audit_log::Model>> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::ReservationId.eq(reservation_id))
        .order_by_asc(audit_log::Column::OccurredAt)
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?)
}

/// How many times `action` was recorded for reservation `reservation_id`, and when last.
pub async fn latest_of(
    db: &impl ConnectionTrait,
    reservation_id: i64,
    action: &str,
) -> Result<(u64, Option<DateTime<Utc>>)> {
    use sea_orm::PaginatorTrait;
    let query = audit_log::Entity::find()
        .filter(audit_log::Column::ReservationId.eq(reservation_id))
        .filter(audit_log::Column::Action.eq(action));
    let count = query.clone().count(db).await?;
    let last = query
        .order_by_desc(audit_log::Column::OccurredAt)
        .one(db)
        .await?
        .map(|entry| entry.occurred_at.to_utc());
    Ok((count, last))
}

/// The audit context of an admin acting in a request with `trace_id`.
pub fn admin_context(email: &str, trace_id: String) -> AuditContext {
    AuditContext {
        actor: Actor::Admin(email.to_owned()),
        trace_id: (!trace_id.is_empty()).then_some(trace_id),
    }
}
