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
/// An event whose jobs went with a Redis restarted empty is swept once it is this old: the
/// push that follows an event's commit takes a few seconds at most, so a younger event may
/// still be on its way into the new Redis (covers modest clock skew between machines too).
pub const SWEEP_SETTLE: Duration = Duration::seconds(10);
/// How many times the sweep re-enqueues an event before marking it failed.
pub const SWEEP_MAX_ATTEMPTS: i32 = 10;
/// Events one batch of a sweep reads.
const SWEEP_BATCH: u64 = 200;
/// Batches one sweep runs at most (the next sweep takes the rest).
const SWEEP_MAX_BATCHES: usize = 25;

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
    enqueue_event(queue, &event, now).await?;
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

/// Pending events enqueued before this are stranded: their jobs went with a Redis that has
/// since restarted empty (enqueued before the queue `epoch`, and older than
/// [`SWEEP_SETTLE`]), or did not complete within [`SWEEP_STALE_AFTER`]. An event enqueued
/// after the epoch in the last two minutes is merely slow: its jobs are still in Redis.
pub fn stranded_before(now: DateTime<Utc>, epoch: DateTime<Utc>) -> DateTime<Utc> {
    Ord::max(now - SWEEP_STALE_AFTER, Ord::min(epoch, now - SWEEP_SETTLE))
}

/// Re-enqueues pending events whose jobs never completed ([`stranded_before`]), in batches
/// until none is left (at most [`SWEEP_MAX_BATCHES`] per run); gives up on an event after
/// [`SWEEP_MAX_ATTEMPTS`].
pub async fn sweep(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<SweepReport> {
    let cutoff = stranded_before(now, queue.epoch(now).await?);
    let mut report = SweepReport::default();
    for _ in 0..SWEEP_MAX_BATCHES {
        let events = Entity::find()
            .filter(Column::State.eq(WebhookState::Pending.as_str()))
            .filter(
                Condition::any().add(Column::EnqueuedAt.lt(cutoff)).add(
                    Condition::all()
                        .add(Column::EnqueuedAt.is_null())
                        .add(Column::ReceivedAt.lt(cutoff)),
                ),
            )
            .order_by_asc(Column::ReceivedAt)
            .limit(SWEEP_BATCH)
            .all(db)
            .await?;
        let last_batch = (events.len() as u64) < SWEEP_BATCH;
        for event in events {
            sweep_event(db, queue, event, now, &mut report).await?;
        }
        if last_batch {
            break;
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

/// Re-enqueues one stranded event, or gives up on it. The event is claimed first (its
/// `enqueued_at` moved to `now` only if nobody moved it since it was read), so two sweeps
/// never enqueue it twice; a push that fails after the claim leaves it to a later sweep.
async fn sweep_event(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    event: webhook_event::Model,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<()> {
    let id = event.id;
    if event.attempts >= SWEEP_MAX_ATTEMPTS {
        super::webhooks::mark_failed(db, id, "gave up: jobs never completed").await?;
        report.failed += 1;
        return Ok(());
    }
    let claim = Entity::update_many()
        .col_expr(
            Column::Attempts,
            Expr::col(Column::Attempts).add(Expr::value(1)),
        )
        .col_expr(Column::EnqueuedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(WebhookState::Pending.as_str()));
    let claim = match event.enqueued_at {
        Some(at) => claim.filter(Column::EnqueuedAt.eq(at)),
        None => claim.filter(Column::EnqueuedAt.is_null()),
    };
    if claim.exec(db).await?.rows_affected == 0 {
        return Ok(());
    }
    match enqueue_event(queue, &event, now).await {
        Ok(_) => report.requeued += 1,
        Err(Error::Invalid(details)) => {
            let reason = details.first().map_or("invalid", |d| d.message.as_str());
            super::webhooks::mark_failed(db, id, reason).await?;
            report.failed += 1;
        }
        Err(e) => return Err(e),
    }
    Ok(())
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
