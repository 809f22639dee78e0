//! The admin webhook monitor (list, replay) and the worker's sweep and retention purge.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{
    failed_jobs::{Page, Paged},
    webhooks::enqueue_event,
};
use crate::{
    Error, Result,
    entities::webhook_event::{self, Column, Entity},
    jobs::JobQueue,
};

/// The states a [`WebhookFilter`] can select.
pub use crate::entities::webhook_event::WebhookState;

/// A pending event is swept when its jobs were enqueued this long ago and it is still pending.
pub const SWEEP_STALE_AFTER: Duration = Duration::minutes(2);
/// How many times the sweep re-enqueues an event before marking it failed.
pub const SWEEP_MAX_ATTEMPTS: i32 = 10;
/// Most events one sweep handles (the next sweep takes the rest).
const SWEEP_BATCH: u64 = 200;

/// Filters of the webhook monitor.
#[derive(Clone, Debug, Default)]
pub struct WebhookFilter {
    /// `whatsapp` or `mercadopago`.
    pub provider: Option<String>,
    /// Processing state.
    pub state: Option<WebhookState>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
}

/// Webhook events, newest first.
pub async fn list_webhook_events(
    db: &impl ConnectionTrait,
    filter: &WebhookFilter,
    page: Page,
) -> Result<Paged<webhook_event::Model>> {
    let mut cond = Condition::all();
    if let Some(provider) = &filter.provider {
        cond = cond.add(Column::Provider.eq(provider.as_str()));
    }
    if let Some(state) = filter.state {
        cond = cond.add(Column::State.eq(state.as_str()));
    }
    if let Some(from) = filter.from {
        cond = cond.add(Column::ReceivedAt.gte(from));
    }
    if let Some(to) = filter.to {
        cond = cond.add(Column::ReceivedAt.lt(to));
    }
    let query = Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let (offset, limit) = page.bounds();
    let items = query
        .order_by_desc(Column::ReceivedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Paged { items, total })
}

/// The newest `limit` events that went wrong (processing failed, or refused for their
/// signature), newest first: what the owner's dashboard shows.
pub async fn recent_problems(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<webhook_event::Model>> {
    Ok(Entity::find()
        .filter(Column::State.is_in([WebhookState::Failed, WebhookState::Rejected]))
        .order_by_desc(Column::ReceivedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Enqueues a recorded, signed event's jobs again and sets it back to `pending`.
/// Refused events (bad signature) and purged payloads cannot be replayed (`Invalid`).
pub async fn replay_webhook_event(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    id: i64,
    now: DateTime<Utc>,
) -> Result<webhook_event::Model> {
    let event = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("webhook event"))?;
    if !event.signature_valid {
        return Err(Error::invalid(
            "id",
            "not_replayable",
            "events with an invalid signature are never processed",
        ));
    }
    enqueue_event(queue, &event).await?;
    let attempts = event.attempts + 1;
    let mut active: webhook_event::ActiveModel = event.into();
    active.state = Set(WebhookState::Pending);
    active.attempts = Set(attempts);
    active.enqueued_at = Set(Some(now.into()));
    active.last_error = Set(None);
    active.processed_at = Set(None);
    let event = active.update(db).await?;
    tracing::info!(webhook_event_id = id, "webhook event replayed");
    Ok(event)
}

/// Puts a signed event whose failed job is being retried back to `pending` (a fresh start:
/// one attempt, enqueued now), so the sweep watches it again. Processed and refused events
/// are left alone.
pub async fn track_retried_event(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::State, Expr::value(WebhookState::Pending.as_str()))
        .col_expr(Column::Attempts, Expr::value(1))
        .col_expr(Column::EnqueuedAt, Expr::value(now))
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(id))
        .filter(Column::SignatureValid.eq(true))
        .filter(Column::State.is_in([
            WebhookState::Failed.as_str(),
            WebhookState::Pending.as_str(),
        ]))
        .exec(db)
        .await?;
    Ok(())
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Events whose jobs were enqueued again.
    pub requeued: u64,
    /// Events given up on.
    pub failed: u64,
}

/// Re-enqueues pending events whose jobs never completed; gives up after
/// [`SWEEP_MAX_ATTEMPTS`].
pub async fn sweep(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<SweepReport> {
    let stale_before = now - SWEEP_STALE_AFTER;
    let events = Entity::find()
        .filter(Column::State.eq(WebhookState::Pending.as_str()))
        .filter(
            Condition::any()
                .add(Column::EnqueuedAt.lte(stale_before))
                .add(
                    Condition::all()
                        .add(Column::EnqueuedAt.is_null())
                        .add(Column::ReceivedAt.lte(stale_before)),
                ),
        )
        .order_by_asc(Column::ReceivedAt)
        .limit(SWEEP_BATCH)
        .all(db)
        .await?;
    let mut report = SweepReport::default();
    for event in events {
        let id = event.id;
        if event.attempts >= SWEEP_MAX_ATTEMPTS {
            super::webhooks::mark_failed(db, id, "gave up: jobs never completed").await?;
            report.failed += 1;
            continue;
        }
        match enqueue_event(queue, &event).await {
            Ok(_) => {
                Entity::update_many()
                    .col_expr(
                        Column::Attempts,
                        Expr::col(Column::Attempts).add(Expr::value(1)),
                    )
                    .col_expr(Column::EnqueuedAt, Expr::value(now))
                    .filter(Column::Id.eq(id))
                    .exec(db)
                    .await?;
                report.requeued += 1;
            }
            Err(Error::Invalid(details)) => {
                let reason = details.first().map_or("invalid", |d| d.message.as_str());
                super::webhooks::mark_failed(db, id, reason).await?;
                report.failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    if report.requeued > 0 || report.failed > 0 {
        tracing::info!(
            requeued = report.requeued,
            failed = report.failed,
            "webhook sweep"
        );
    }
    Ok(report)
}

/// Drops raw payloads received before `now - retention` (pending events keep theirs: they
/// still need it). Returns how many were purged.
pub async fn purge_payloads(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64> {
    let purged = Entity::update_many()
        .col_expr(Column::RawPayload, Expr::value(Option::<String>::None))
        .filter(Column::ReceivedAt.lt(now - retention))
        .filter(Column::RawPayload.is_not_null())
        .filter(Column::State.ne(WebhookState::Pending.as_str()))
        .exec(db)
        .await?
        .rows_affected;
    if purged > 0 {
        tracing::info!(purged, "webhook payloads purged");
    }
    Ok(purged)
}
