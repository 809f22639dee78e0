//! Every worker of this process, registered in one place: which queue or schedule feeds it,
//! its concurrency, retries and tracing.
//!
//! Retries: every queue worker gets apalis's retry layer with an exponential backoff with
//! jitter (1 s doubling up to 60 s, ±50 %). Whether a failure is retried at all is decided in
//! [`crate::jobs::run_job`] (retryable errors, up to the kind's `MAX_ATTEMPTS`); what it gives
//! up on is recorded in `failed_jobs` and aborted so apalis-redis does not reschedule it.

use std::{str::FromStr, time::Duration};

use apalis::{
    layers::retry::{
        BackoffRetryPolicy, HasherRng,
        backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff},
    },
    prelude::*,
};
use apalis_cron::CronScheduler;
use shared::{
    config::Settings,
    jobs::{
        Job,
        calendar::SyncIcalFeeds,
        maintenance::{
            ApplyGuestDataRetention, ExpireIdempotencyKeys, ExpirePreReservations,
            PurgeWebhookPayloads, SweepWebhookEvents,
        },
        notifications::{GuestNotice, HoldReminders},
        payments::{PollPayments, ReconcilePayment},
        schedules,
        whatsapp::{SweepConversations, WhatsappInbound, WhatsappStatus},
    },
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

/// The retry policy of a job kind: up to `J::MAX_ATTEMPTS` runs, exponential backoff with
/// jitter between them.
fn retry_policy<J: Job>() -> BackoffRetryPolicy<ExponentialBackoff> {
    let mut maker = ExponentialBackoffMaker::new(
        Duration::from_secs(1),
        Duration::from_secs(60),
        0.5,
        HasherRng::default(),
    )
    // Constant, valid arguments: the fallback is unreachable, but never panic in the worker.
    .unwrap_or_default();
    RetryPolicy::retries(J::MAX_ATTEMPTS).with_backoff(maker.make_backoff())
}

/// Registers a cron schedule that enqueues job `$job` once per slot.
macro_rules! cron_worker {
    ($monitor:expr, $ctx:expr, $schedule:expr, $job:ty) => {{
        let (ctx, schedule) = ($ctx.clone(), $schedule);
        $monitor.register(move |_| {
            WorkerBuilder::new(worker_name(&format!("{}-schedule", <$job>::NAME)))
                .backend(CronScheduler::new(schedule.clone()))
                .enable_tracing()
                .data(ctx.clone())
                .build(jobs::schedule::tick::<$job>)
        })
    }};
}

/// Registers a queue worker for job `$job` handled by `$handler`.
macro_rules! queue_worker {
    ($monitor:expr, $ctx:expr, $poll:expr, $job:ty, $concurrency:expr, $handler:path) => {{
        let (ctx, poll) = ($ctx.clone(), $poll);
        $monitor.register(move |_| {
            WorkerBuilder::new(worker_name(<$job>::NAME))
                .backend(ctx.queue.storage::<$job>().poll_with_interval(poll))
                .concurrency($concurrency)
                .retry(retry_policy::<$job>())
                .catch_panic()
                .enable_tracing()
                .data(ctx.clone())
                .build($handler)
        })
    }};
}

/// The monitor with every worker registered.
pub fn monitor(settings: &Settings, ctx: &JobContext) -> anyhow::Result<Monitor> {
    fn schedule<J: Job>(settings: &Settings) -> anyhow::Result<cron::Schedule> {
        let cron = schedules::of::<J>(settings)
            .ok_or_else(|| anyhow::anyhow!("{} has no schedule", J::NAME))?;
        Ok(cron::Schedule::from_str(&cron)?)
    }
    let expiry = schedule::<ExpirePreReservations>(settings)?;
    let idempotency = schedule::<ExpireIdempotencyKeys>(settings)?;
    let sweep = schedule::<SweepWebhookEvents>(settings)?;
    let purge = schedule::<PurgeWebhookPayloads>(settings)?;
    let guest_data = schedule::<ApplyGuestDataRetention>(settings)?;
    let payment_poll = schedule::<PollPayments>(settings)?;
    let ical_sync = schedule::<SyncIcalFeeds>(settings)?;
    let hold_reminders = schedule::<HoldReminders>(settings)?;
    let conversation_sweep = schedule::<SweepConversations>(settings)?;
    let poll = Duration::from_millis(settings.worker_poll_ms);
    let whatsapp_concurrency = usize::try_from(settings.worker_whatsapp_concurrency)?;
    let monitor = Monitor::new()
        .shutdown_timeout(settings.shutdown_grace())
        .should_restart(|ctx, err| {
            tracing::error!(error = %err, restarts = ctx.restarts(), "worker stopped; restarting");
            ctx.restarts() < 10
        });
    let monitor = cron_worker!(monitor, ctx, expiry, ExpirePreReservations);
    let monitor = cron_worker!(monitor, ctx, idempotency, ExpireIdempotencyKeys);
    let monitor = cron_worker!(monitor, ctx, sweep, SweepWebhookEvents);
    let monitor = cron_worker!(monitor, ctx, purge, PurgeWebhookPayloads);
    let monitor = cron_worker!(monitor, ctx, guest_data, ApplyGuestDataRetention);
    let monitor = cron_worker!(monitor, ctx, payment_poll, PollPayments);
    let monitor = cron_worker!(monitor, ctx, ical_sync, SyncIcalFeeds);
    let monitor = cron_worker!(monitor, ctx, hold_reminders, HoldReminders);
    let monitor = cron_worker!(monitor, ctx, conversation_sweep, SweepConversations);
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        ExpirePreReservations,
        1,
        jobs::expire_pre_reservations::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        ExpireIdempotencyKeys,
        1,
        jobs::expire_idempotency_keys::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        SweepWebhookEvents,
        1,
        jobs::webhook_sweep::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        PurgeWebhookPayloads,
        1,
        jobs::purge_webhook_payloads::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        ApplyGuestDataRetention,
        1,
        jobs::guest_data_retention::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        WhatsappInbound,
        whatsapp_concurrency,
        jobs::whatsapp_inbound::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        WhatsappStatus,
        4,
        jobs::whatsapp_status::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        ReconcilePayment,
        4,
        jobs::payment_reconcile::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        PollPayments,
        1,
        jobs::payment_poll::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        SyncIcalFeeds,
        1,
        jobs::ical_sync::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        GuestNotice,
        4,
        jobs::guest_notice::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        HoldReminders,
        1,
        jobs::hold_reminders::handle
    );
    let monitor = queue_worker!(
        monitor,
        ctx,
        poll,
        SweepConversations,
        1,
        jobs::conversation_sweep::handle
    );
    Ok(monitor)
}
