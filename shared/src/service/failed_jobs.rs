//! Jobs given up on: recorded by the worker, listed and retried by the owner
//! (the admin routes `GET /api/v1/admin/jobs/failed` and its retry action call these).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    Error, Result,
    entities::failed_job::{self, Column, Entity},
    jobs::JobQueue,
};

pub use crate::store::query::{Page, Paged};

/// Records a job given up on.
pub async fn record_failed_job(
    db: &impl ConnectionTrait,
    job_name: &str,
    payload: serde_json::Value,
    error: &str,
    attempts: usize,
    now: DateTime<Utc>,
) -> Result<failed_job::Model> {
    Ok(failed_job::ActiveModel {
        job_name: Set(job_name.to_owned()),
        payload: Set(payload),
        error: Set(error.chars().take(4000).collect()),
        attempts: Set(i32::try_from(attempts).unwrap_or(i32::MAX)),
        failed_at: Set(now.into()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Failed jobs, newest first, optionally of one job kind.
pub async fn list_failed_jobs(
    db: &impl ConnectionTrait,
    job_name: Option<&str>,
    page: Page,
) -> Result<Paged<failed_job::Model>> {
    let mut query = Entity::find();
    if let Some(name) = job_name {
        query = query.filter(Column::JobName.eq(name));
    }
    let total = query.clone().count(db).await?;
    let (offset, limit) = page.bounds();
    let items = query
        .order_by_desc(Column::FailedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Paged { items, total })
}

/// Puts a failed job back on its queue with its stored payload and stamps `retried_at`.
/// Handlers are idempotent, so retrying a job that did partly run is safe.
///
/// The retried job is tracked like any other: when it belongs to a webhook event, that event
/// goes back to `pending` (recorded *before* the push, as at ingest), so if the job is lost
/// before it completes — Redis loses it, a worker dies — the sweep enqueues it again. Jobs
/// without an event are covered by their own schedule (maintenance jobs run again next slot,
/// the payment poll reconciles payments again).
pub async fn retry_failed_job(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    id: i64,
    now: DateTime<Utc>,
) -> Result<failed_job::Model> {
    let row = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("failed job"))?;
    if let Some(event_id) = row
        .payload
        .get("webhook_event_id")
        .and_then(serde_json::Value::as_i64)
    {
        super::webhook_monitor::track_retried_event(db, event_id, now).await?;
        queue.mark_epoch(now).await?;
    }
    queue.push_json(&row.job_name, row.payload.clone()).await?;
    let mut active: failed_job::ActiveModel = row.into();
    active.retried_at = Set(Some(now.into()));
    let row = active.update(db).await?;
    tracing::info!(failed_job_id = id, job = %row.job_name, "failed job re-enqueued");
    Ok(row)
}
