//! Cron ticks turned into queued jobs, once per slot across every worker machine.
//!
//! Every worker process runs the same in-memory cron schedules, so with two machines up each
//! slot ticks twice. The first tick to claim the slot (`SET NX` on a per-slot key) enqueues
//! the job; the others skip it. The job then runs on whichever worker takes it from Redis,
//! with the queue's retries and at-least-once delivery.

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use apalis_cron::Tick;
use chrono::{DateTime, Utc};
use shared::jobs::maintenance::Scheduled;

use crate::JobContext;

/// How long a claimed slot is remembered (longer than any schedule's period but the daily
/// purge, whose slots are a day apart and so never collide anyway).
const SLOT_MEMORY: Duration = Duration::from_secs(6 * 3600);

/// Claims a schedule slot; true when this process is the first to claim it.
async fn claim_slot(ctx: &JobContext, job: &str, slot: i64) -> Result<bool, BoxDynError> {
    let key = ctx.queue.keys().cron_slot(job, slot);
    let mut conn = ctx.queue.conn().clone();
    let claimed: Option<String> = redis::cmd("SET")
        .arg(&key)
        .arg("1")
        .arg("NX")
        .arg("EX")
        .arg(SLOT_MEMORY.as_secs())
        .query_async(&mut conn)
        .await?;
    Ok(claimed.is_some())
}

/// On each tick of `J`'s schedule, enqueue one `J` for the slot.
pub async fn tick<J: Scheduled>(tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let slot = i64::try_from(tick.get_timestamp())?;
    if !claim_slot(&ctx, J::NAME, slot).await? {
        tracing::debug!(
            job = J::NAME,
            slot,
            "slot already enqueued by another worker"
        );
        return Ok(());
    }
    let slot = DateTime::<Utc>::from_timestamp(slot, 0).ok_or("tick out of range")?;
    ctx.queue.push(J::for_slot(slot)).await?;
    Ok(())
}
