//! What every handler can reach.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::middleware::request_window::RequestWindow;
use sea_orm::DatabaseConnection;
use shared::{
    auth::hash_limit::HashLimiter,
    clock::SharedClock,
    config::Settings,
    jobs::JobQueue,
    providers::{MercadoPagoClient, WhatsappClient},
    redis::{Keys, RedisConn},
    service::{
        BookingRules,
        ical_export::{CACHED_FEEDS, FeedExporter},
        ical_sync::Syncer,
        payment_link::PaymentLinkOptions,
        whatsapp_outbox::Outbox,
    },
    telemetry,
};

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
    /// This app's recent requests (p95 and error rate of the operations panel).
    pub requests: RequestWindow,
    /// Mercado Pago client (`MERCADOPAGO_*` settings).
    pub mercadopago: Arc<MercadoPagoClient>,
    /// How deposit links are built.
    pub payment_links: Arc<PaymentLinkOptions>,
    /// The iCal export and its rendered feeds; event UIDs end in the host of
    /// `PUBLIC_BASE_URL` (`<uuid>@<host>`).
    pub ical_export: Arc<FeedExporter>,
    /// The bound on concurrent admin password checks (`ADMIN_LOGIN_HASH_*`).
    pub login_hashes: HashLimiter,
    /// The channel feeds' sync, for the owner's "sync now" (`ICAL_*` settings).
    pub ical_sync: Arc<Syncer>,
    /// The Graph API, for the owner's replies to guests (`WHATSAPP_*` settings); its circuit
    /// breaker is this process's own (the worker has another).
    pub whatsapp: WhatsappClient,
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
        let mut rules = BookingRules::from_settings(&settings, clock);
        rules.notices = Some(queue.clone());
        Ok(Self {
            mercadopago: Arc::new(MercadoPagoClient::from_settings(&settings)?),
            payment_links: Arc::new(PaymentLinkOptions::from_settings(
                &settings,
                settings.mercadopago_notification_url(),
            )),
            login_hashes: settings.admin_login_hashes(),
            ical_export: Arc::new(FeedExporter::new(
                rules.timezone,
                uid_host(&settings.public_base_url),
                CACHED_FEEDS,
            )),
            ical_sync: Arc::new(Syncer::from_settings(&settings, rules.clock.clone())?),
            whatsapp: WhatsappClient::from_settings(&settings)?
                .with_breaker(Default::default(), rules.clock.clone()),
            rules,
            queue,
            keys: Keys::new(settings.redis_namespace.clone()),
            db,
            redis,
            settings: Arc::new(settings),
            metrics: telemetry::metrics_handle(),
            requests: RequestWindow::default(),
            shutting_down: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The WhatsApp outbox over this state's database, Graph client and clock.
    pub fn outbox(&self) -> Outbox<'_> {
        Outbox {
            db: &self.db,
            whatsapp: &self.whatsapp,
            clock: self.rules.clock.as_ref(),
        }
    }

    /// Marks the process as draining: `/readyz` answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// The public URL of `consumer`'s iCal export feed of the accommodation whose tokens
    /// `row` holds (what the owner pastes into that channel).
    pub fn ical_export_url(
        &self,
        row: &shared::entities::accommodation::Model,
        consumer: shared::domain::FeedConsumer,
    ) -> String {
        format!(
            "{}{}/ical/{}.ics",
            self.settings.public_base_url.trim_end_matches('/'),
            crate::startup::API_PREFIX,
            row.export_token(consumer).as_str()
        )
    }

    /// Whether the process is draining.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}

/// The host of `base_url` (`cabanas.example` of `https://cabanas.example:8443/x`), or
/// `localhost` if it names none (UIDs stay well-formed on a misconfigured deployment).
fn uid_host(base_url: &str) -> String {
    base_url
        .parse::<poem::http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned())
}
