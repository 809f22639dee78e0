//! What every handler can reach.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;
use shared::{
    auth::hash_limit::HashLimiter,
    clock::SharedClock,
    config::Settings,
    jobs::JobQueue,
    providers::MercadoPagoClient,
    redis::{Keys, RedisConn},
    service::{BookingRules, payment_link::PaymentLinkOptions},
    telemetry,
};

use crate::routes::webhooks::mercadopago_notification_url;

/// Shared state of the API (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL pool.
    pub db: DatabaseConnection,
    /// Redis connection.
    pub redis: RedisConn,
    /// Job queues (webhook jobs are pushed here).
    pub queue: JobQueue,
    /// The loaded settings.
    pub settings: Arc<Settings>,
    /// Booking rules and the clock.
    pub rules: BookingRules,
    /// Redis key formatter of this deployment's namespace.
    pub keys: Keys,
    /// Prometheus recorder of this process.
    pub metrics: PrometheusHandle,
    /// Mercado Pago client (`MERCADOPAGO_*` settings).
    pub mercadopago: Arc<MercadoPagoClient>,
    /// How deposit links are built.
    pub payment_links: Arc<PaymentLinkOptions>,
    /// The bound on concurrent admin password checks (`ADMIN_LOGIN_HASH_*`).
    pub login_hashes: HashLimiter,
    shutting_down: Arc<AtomicBool>,
}

impl AppState {
    /// State over existing connections; fails only if the HTTP client for Mercado Pago cannot
    /// be built.
    pub fn new(
        db: DatabaseConnection,
        redis: RedisConn,
        settings: Settings,
        clock: SharedClock,
    ) -> shared::Result<Self> {
        let queue = JobQueue::new(redis.clone(), Keys::new(settings.redis_namespace.clone()));
        Ok(Self {
            mercadopago: Arc::new(MercadoPagoClient::from_settings(&settings)?),
            payment_links: Arc::new(PaymentLinkOptions::from_settings(
                &settings,
                mercadopago_notification_url(&settings.public_base_url),
            )),
            login_hashes: settings.admin_login_hashes(),
            rules: BookingRules::from_settings(&settings, clock),
            queue,
            keys: Keys::new(settings.redis_namespace.clone()),
            db,
            redis,
            settings: Arc::new(settings),
            metrics: telemetry::metrics_handle(),
            shutting_down: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Marks the process as draining: `/readyz` answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether the process is draining.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}
