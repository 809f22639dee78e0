//! Cabañas job worker: an apalis monitor consuming the Redis queues filled by the API and by the
//! cron schedules, plus a small HTTP server for `/metrics` and `/healthz`.
//!
//! Job handlers live in `jobs/`, one file per job; all registration (queues, schedules,
//! retries, concurrency, tracing) is in [`registry`]. Nothing here holds business rules: the
//! handlers call `shared` services.

use std::{future::Future, sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use shared::{
    clock::SharedClock,
    config::Settings,
    jobs::{JOB_NAMES, JobQueue},
    providers::{EmailSender, MercadoPagoClient, WhatsappClient, stt},
    redis::Keys,
    service::{
        BookingRules, conversation::Concierge, ical_sync::Syncer, job_health,
        payment_link::PaymentLinkOptions,
    },
};

pub mod health;
pub mod jobs;
pub mod registry;

/// What every job handler can reach (cheap to clone).
#[derive(Clone, Debug)]
pub struct JobContext {
    /// PostgreSQL pool.
    pub db: DatabaseConnection,
    /// Redis queues.
    pub queue: JobQueue,
    /// Source of "now".
    pub clock: SharedClock,
    /// The loaded settings.
    pub settings: Arc<Settings>,
    /// Mercado Pago client (`MERCADOPAGO_*` settings).
    pub mercadopago: Arc<MercadoPagoClient>,
    /// The channel feeds' sync (`ICAL_*` settings).
    pub ical: Arc<Syncer>,
    /// Guest emails (`SMTP_*`, `EMAIL_*` settings; disabled without `SMTP_HOST`).
    pub email: Arc<EmailSender>,
    /// How the guest notices create a hold's deposit link when it has none yet.
    pub payment_links: Arc<PaymentLinkOptions>,
    /// The WhatsApp concierge (Graph API, transcription, booking rules).
    pub concierge: Arc<Concierge>,
}

/// How often queue depths are sampled into `job_queue_depth{queue}`.
const DEPTH_SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Samples every queue's depth until `stop` fires.
async fn sample_queue_depths(queue: JobQueue, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(DEPTH_SAMPLE_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        for name in JOB_NAMES {
            match queue.depth(name).await {
                #[allow(clippy::cast_precision_loss)]
                Ok(depth) => metrics::gauge!("job_queue_depth", "queue" => *name).set(depth as f64),
                Err(e) => tracing::debug!(queue = name, error = %e, "queue depth not sampled"),
            }
        }
    }
}

/// Refreshes the workers' heartbeat (`/healthz`'s worker check) until `stop` fires.
async fn heartbeat(ctx: JobContext, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(job_health::HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = job_health::beat(&ctx.queue, ctx.clock.now()).await {
            tracing::warn!(error = %e, "worker heartbeat not written");
        }
    }
}

impl JobContext {
    /// The context of a worker process over existing connections.
    pub fn new(
        db: DatabaseConnection,
        queue: JobQueue,
        clock: SharedClock,
        settings: Settings,
    ) -> shared::Result<Self> {
        let mercadopago = Arc::new(MercadoPagoClient::from_settings(&settings)?);
        let payment_links = Arc::new(PaymentLinkOptions::from_settings(
            &settings,
            settings.mercadopago_notification_url(),
        ));
        let mut rules = BookingRules::from_settings(&settings, clock.clone());
        rules.notices = Some(queue.clone());
        let concierge = Arc::new(Concierge {
            db: db.clone(),
            rules,
            whatsapp: WhatsappClient::from_settings(&settings)?
                .with_breaker(Default::default(), clock.clone()),
            mercadopago: mercadopago.clone(),
            payment_links: payment_links.clone(),
            transcriber: stt::transcriber_from_settings(&settings)?,
        });
        Ok(Self {
            mercadopago,
            ical: Arc::new(Syncer::from_settings(&settings, clock.clone())?),
            email: Arc::new(EmailSender::from_settings(&settings)?),
            payment_links,
            concierge,
            settings: Arc::new(settings),
            db,
            queue,
            clock,
        })
    }
}

/// Runs the worker until `shutdown` resolves, then stops taking jobs and lets in-flight ones
/// finish within the configured grace period.
pub async fn run(
    settings: Settings,
    db: DatabaseConnection,
    clock: SharedClock,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    shared::telemetry::metrics_handle();
    let redis = shared::redis::connect(&settings).await?;
    let queue = JobQueue::new(redis, Keys::new(settings.redis_namespace.clone())).with_heartbeat(
        Duration::from_secs(settings.worker_heartbeat_seconds),
        usize::try_from(settings.worker_missed_heartbeats).unwrap_or(10),
    );
    let ctx = JobContext::new(db, queue, clock, settings.clone())?;
    jobs::webhook_sweep::enqueue_at_start(&ctx).await;
    let (stop_sampler, sampler_stop) = tokio::sync::watch::channel(false);
    let sampler = tokio::spawn(sample_queue_depths(ctx.queue.clone(), sampler_stop.clone()));
    let beating = tokio::spawn(heartbeat(ctx.clone(), sampler_stop));
    let (stop_health, health_stopped) = tokio::sync::oneshot::channel::<()>();
    let health = health::serve(&settings, ctx.clone(), async {
        let _ = health_stopped.await;
    })
    .await?;
    let result = registry::monitor(&settings, &ctx)?
        .run_with_signal(async move {
            shutdown.await;
            tracing::info!("worker shutting down: finishing in-flight jobs");
            Ok(())
        })
        .await;
    let _ = stop_health.send(());
    let _ = stop_sampler.send(true);
    let _ = sampler.await;
    let _ = beating.await;
    let _ = health.await;
    result.map_err(Into::into)
}
