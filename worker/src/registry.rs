//! Every worker of this process, registered in one place: which queue or schedule feeds it,
//! its concurrency, retries and tracing.

use std::{str::FromStr, time::Duration};

use apalis::prelude::*;
use apalis_cron::CronScheduler;
use shared::{
    config::Settings,
    jobs::{Job, maintenance::ExpirePreReservations},
};
use uuid::Uuid;

use crate::{JobContext, jobs};

/// A worker name unique to this process: apalis refuses a name still registered by a
/// previous process for several minutes, so names never repeat across restarts.
fn worker_name(kind: &str) -> String {
    let host = std::env::var("FLY_MACHINE_ID")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "local".into());
    format!("{kind}@{host}-{}", Uuid::new_v4().simple())
}

/// The monitor with every worker registered.
pub fn monitor(settings: &Settings, ctx: &JobContext) -> anyhow::Result<Monitor> {
    let schedule = cron::Schedule::from_str(&settings.expiry_schedule)?;
    let poll = Duration::from_millis(settings.worker_poll_ms);
    let (cron_ctx, queue_ctx) = (ctx.clone(), ctx.clone());
    Ok(Monitor::new()
        .shutdown_timeout(settings.shutdown_grace())
        .should_restart(|ctx, err| {
            tracing::error!(error = %err, restarts = ctx.restarts(), "worker stopped; restarting");
            ctx.restarts() < 10
        })
        .register(move |_| {
            WorkerBuilder::new(worker_name("expiry-schedule"))
                .backend(CronScheduler::new(schedule.clone()))
                .enable_tracing()
                .data(cron_ctx.clone())
                .build(jobs::schedule::expiry_tick)
        })
        .register(move |_| {
            WorkerBuilder::new(worker_name(ExpirePreReservations::NAME))
                .backend(
                    queue_ctx
                        .queue
                        .storage::<ExpirePreReservations>()
                        .poll_with_interval(poll),
                )
                .concurrency(1)
                .retry(RetryPolicy::retries(3))
                .catch_panic()
                .enable_tracing()
                .data(queue_ctx.clone())
                .build(jobs::expire_pre_reservations::handle)
        }))
}
