//! The one `Settings` tree for both processes.
//!
//! Defaults are embedded here, an optional TOML file (`CABANAS_CONFIG`) overrides them, and
//! environment variables override both. This is the only module that reads the environment.
//! [`Settings::validate`] reports every problem at once, and refuses weak secrets in production.

use std::{collections::BTreeMap, fmt, time::Duration};

use chrono_tz::Tz;
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// The Mercado Pago webhook route, kept from the system this replaces (the API serves it).
pub const MERCADOPAGO_WEBHOOK_PATH: &str = "/api/v1/mercadopago/webhook";
/// A secret value: `Debug` and `Display` never print it, and [`Settings::redacted`] shows it
/// as `set` or `unset`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

thread_local! {
    /// Set while [`Settings::redacted`] serializes: secrets then serialize as `set`/`unset`.
    static REDACTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if REDACTING.with(std::cell::Cell::get) {
            serializer.serialize_str(if self.is_set() { "set" } else { "unset" })
        } else {
            // The configuration's own defaults (figment) need the value itself.
            serializer.serialize_str(&self.0)
        }
    }
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used (signing, verifying, authenticating).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether a non-empty value was configured.
    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() {
            "Secret(set)"
        } else {
            "Secret(unset)"
        })
    }
}

/// Where the process runs; production turns on the strict checks.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppEnv {
    /// A developer's machine: pretty logs, demo-friendly defaults.
    #[default]
    Development,
    /// Automated tests.
    Test,
    /// Fly.io or any real deployment.
    Production,
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line (production).
    Json,
}

/// Every setting of both processes. Field names are the environment variable names in lower case.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Settings {
    /// `APP_ENV`: development, test or production.
    pub app_env: AppEnv,
    /// `HOST`: address the API binds to.
    pub host: String,
    /// `PORT`: port of the API.
    pub port: u16,
    /// `WORKER_PORT`: port of the worker's `/metrics` and `/healthz`.
    pub worker_port: u16,
    /// `PUBLIC_BASE_URL`: the URL guests and providers reach the API at.
    pub public_base_url: String,
    /// `DATABASE_URL`: PostgreSQL connection string.
    pub database_url: Secret,
    /// `DATABASE_MAX_CONNECTIONS`: pool size of each process.
    pub database_max_connections: u32,
    /// `REDIS_URL`: Redis connection string (`rediss://` for TLS).
    pub redis_url: Secret,
    /// `REDIS_CA_CERT`: path of a PEM file with the CA a `rediss://` server must chain to,
    /// instead of the system roots (providers with a private CA; the TLS tests).
    pub redis_ca_cert: Option<String>,
    /// `REDIS_NAMESPACE`: prefix of every Redis key and queue, so environments can share a server.
    pub redis_namespace: String,
    /// `BUSINESS_TIMEZONE`: the owner's timezone; "today" and check-in dates are read in it.
    pub business_timezone: String,
    /// `HOLD_MINUTES`: how long a pre-reservation holds the nights.
    pub hold_minutes: u32,
    /// `MAX_NIGHTS`: the longest stay that can be booked.
    pub max_nights: u32,
    /// `DEPOSIT_PERCENT`: the share of the total paid up front.
    pub deposit_percent: u8,
    /// `EXPIRY_SCHEDULE`: cron expression (with seconds) of the pre-reservation expiry job.
    pub expiry_schedule: String,
    /// `WORKER_POLL_MS`: how often a worker polls Redis for new jobs.
    pub worker_poll_ms: u64,
    /// `SHUTDOWN_GRACE_SECONDS`: how long in-flight requests and jobs get on SIGTERM.
    pub shutdown_grace_seconds: u64,
    /// `LOG_FORMAT`: pretty or json.
    pub log_format: LogFormat,
    /// `RUST_LOG`: tracing filter.
    pub rust_log: String,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: OTLP/HTTP collector; traces are exported when set.
    pub otel_exporter_otlp_endpoint: Option<String>,
    /// `JWT_SECRET`: key that signs admin tokens (at least 32 bytes in production; a random
    /// per-process key is used in development when unset).
    pub jwt_secret: Secret,
    /// `JWT_TTL_HOURS`: how long an admin token is valid.
    pub jwt_ttl_hours: u32,
    /// `ADMIN_ALLOWED_EMAILS`: comma-separated emails allowed to log in (empty: any admin).
    pub admin_allowed_emails: String,
    /// `ADMIN_MAX_FAILED_LOGINS`: consecutive failures from one client network (IPv4 address
    /// or IPv6 /64) that lock an admin account for that network.
    pub admin_max_failed_logins: u32,
    /// `ADMIN_LOCKOUT_MINUTES`: how long a locked admin account stays locked.
    pub admin_lockout_minutes: u32,
    /// `ADMIN_LOGIN_HASH_CONCURRENCY`: password checks (19 MiB of Argon2 memory each) that may
    /// run at once; further logins wait their turn.
    pub admin_login_hash_concurrency: u32,
    /// `ADMIN_LOGIN_HASH_WAIT_MS`: how long a login waits for a password-check slot before it
    /// is refused with 429 `busy`.
    pub admin_login_hash_wait_ms: u64,
    /// `GIT_COMMIT`: commit the binary was built from (set by the build).
    pub git_commit: Option<String>,
    /// `RATE_LIMIT_PER_MINUTE`: requests per client IP and minute; 0 turns rate limiting off.
    pub rate_limit_per_minute: u32,
    /// `LOGIN_RATE_LIMIT_PER_MINUTE`: stricter limit of `POST /api/v1/admin/login` per client IP;
    /// 0 leaves the login path under the general limit.
    pub login_rate_limit_per_minute: u32,
    /// `TRUST_PROXY_HEADERS`: take the client IP from `Fly-Client-IP` / `X-Forwarded-For` and
    /// the scheme from `X-Forwarded-Proto`. Only true behind a proxy that sets them (Fly.io).
    pub trust_proxy_headers: bool,
    /// `HOLD_LIMIT_PER_PHONE`: active public pre-reservations per guest phone; 0 = no limit.
    pub hold_limit_per_phone: u32,
    /// `HOLD_LIMIT_PER_IP`: active public pre-reservations per client IP; 0 = no limit.
    pub hold_limit_per_ip: u32,
    /// `ALLOWED_ORIGINS`: comma-separated browser origins allowed by CORS; empty = no CORS.
    pub allowed_origins: String,
    /// `FORCE_HSTS`: send `Strict-Transport-Security` on every response, whatever the scheme.
    pub force_hsts: bool,
    /// `MERCADOPAGO_ACCESS_TOKEN`: bearer token of the owner's Mercado Pago application.
    pub mercadopago_access_token: Secret,
    /// `MERCADOPAGO_API_BASE`: Mercado Pago API root (tests point it at a local stand-in).
    pub mercadopago_api_base: String,
    /// `MERCADOPAGO_BINARY_MODE`: when true, payments are approved or rejected at once, never
    /// left pending (no cash vouchers that could be paid after the hold lapses).
    pub mercadopago_binary_mode: bool,
    /// `MERCADOPAGO_SUCCESS_URL`: where Checkout Pro sends the guest after an approved payment.
    pub mercadopago_success_url: Option<String>,
    /// `MERCADOPAGO_FAILURE_URL`: where Checkout Pro sends the guest after a failed payment.
    pub mercadopago_failure_url: Option<String>,
    /// `MERCADOPAGO_PENDING_URL`: where Checkout Pro sends the guest while a payment is pending.
    pub mercadopago_pending_url: Option<String>,
    /// `MERCADOPAGO_TIMEOUT_SECONDS`: limit of each call to Mercado Pago.
    pub mercadopago_timeout_seconds: u64,
    /// `WHATSAPP_VERIFY_TOKEN`: the token Meta's subscription handshake must present.
    pub whatsapp_verify_token: Secret,
    /// `WHATSAPP_APP_SECRET`: the Meta app secret that signs webhooks. While unset every
    /// WhatsApp webhook is refused with 401 (the app still boots).
    pub whatsapp_app_secret: Secret,
    /// `MERCADOPAGO_WEBHOOK_SECRET`: the key of Mercado Pago's `x-signature`. While unset every
    /// Mercado Pago webhook is refused with 401 (the app still boots).
    pub mercadopago_webhook_secret: Secret,
    /// `WEBHOOK_ACK_STATUS_WHATSAPP`: status acknowledging a recorded WhatsApp webhook
    /// (200, 201 or 202).
    pub webhook_ack_status_whatsapp: u16,
    /// `WEBHOOK_ACK_STATUS_MERCADOPAGO`: status acknowledging a recorded Mercado Pago webhook
    /// (200, 201 or 202; Mercado Pago documents 200/201).
    pub webhook_ack_status_mercadopago: u16,
    /// `WEBHOOK_RETENTION_DAYS`: how long raw webhook payloads are kept.
    pub webhook_retention_days: u32,
    /// `IDEMPOTENCY_TTL_HOURS`: how long idempotency keys are remembered.
    pub idempotency_ttl_hours: u32,
    /// `WORKER_HEARTBEAT_SECONDS`: how often a worker tells Redis it is alive.
    pub worker_heartbeat_seconds: u64,
    /// `WORKER_MISSED_HEARTBEATS`: after this many missed heartbeats a worker is presumed
    /// dead and its in-flight jobs go back to the queue.
    pub worker_missed_heartbeats: u32,
    /// `HEALTH_QUEUE_BACKLOG`: jobs waiting in one queue above which `/healthz` says
    /// `degraded` (the `QueueBacklog` alert's threshold).
    pub health_queue_backlog: u64,
    // --- Webhook and payment hardening (issue 7; see docs/adr/0050..0053) ---
    /// `WEBHOOK_TS_TOLERANCE_SECONDS`: how far Mercado Pago's signed `ts` may be from our clock
    /// (either way) before a notification is refused as a replay; the payment poll covers
    /// what it refuses. 60 to 86400.
    pub webhook_ts_tolerance_seconds: u32,
    /// `WEBHOOK_REFUSALS_PER_MINUTE`: refused webhooks (bad or missing signature) per client IP
    /// and minute before further refusals are answered 429 and no longer sampled; 0 = no limit.
    pub webhook_refusals_per_minute: u32,
    /// `WEBHOOK_REFUSAL_RETENTION_DAYS`: how long the sampled refusal rows are kept.
    pub webhook_refusal_retention_days: u32,
    /// `GUEST_DATA_RETENTION_MONTHS`: calendar months after a stay's check-out (and after a
    /// WhatsApp guest's last message) before the guest's personal data is anonymised by
    /// `guest_data_retention.v1`; amounts and dates stay for the books. 1 to 120.
    pub guest_data_retention_months: u32,
    /// `PAYMENT_POLL_SCHEDULE`: cron (with seconds) of the reconciliation poll that asks
    /// Mercado Pago for the payments of open holds and unpaid confirmations with a link.
    pub payment_poll_schedule: String,
    /// `METRICS_PORT`: internal port where the API serves `/metrics` (and nothing else), so
    /// the public port never exposes it; Fly's `[metrics]` scrapes it over the private network.
    pub metrics_port: u16,
    /// `MAX_MONTHS_AHEAD`: how far ahead a check-in may be booked, in calendar months.
    pub max_months_ahead: u32,
    /// `HEADER_READ_TIMEOUT_SECONDS`: how long a connection may take to send a request's
    /// headers (also the idle time allowed between keep-alive requests).
    pub header_read_timeout_seconds: u64,
    /// `BODY_READ_TIMEOUT_SECONDS`: how long a request may take to send its body.
    pub body_read_timeout_seconds: u64,
    /// `HTTP_MAX_CONNECTIONS`: open client connections one API process serves at once; more
    /// wait in the kernel's accept queue until one closes.
    pub http_max_connections: u32,
    /// `JOB_ICAL_INTERVAL_SECONDS`: how often the worker syncs the channels' iCal feeds. A
    /// whole number of seconds dividing a minute, of minutes dividing an hour, or of hours
    /// dividing a day (every slot starts on the clock, e.g. 300 = :00, :05, :10 …).
    pub job_ical_interval_seconds: u32,
    /// `ICAL_FETCH_TIMEOUT_SECONDS`: how long one feed's fetch may take, body included.
    pub ical_fetch_timeout_seconds: u64,
    /// `ICAL_MAX_FEED_BYTES`: the largest feed body read; a larger one is a failed sync.
    pub ical_max_feed_bytes: usize,
    /// `ICAL_SYNC_CONCURRENCY`: feeds fetched at once in a sync cycle.
    pub ical_sync_concurrency: u32,
    // --- WhatsApp Graph API client (issue 9; checks in config_whatsapp.rs) ---
    /// `WHATSAPP_API_BASE`: Graph API root with its version (tests point it at a stand-in).
    pub whatsapp_api_base: String,
    /// `WHATSAPP_PHONE_ID`: the business phone number id messages are sent from.
    pub whatsapp_phone_id: String,
    /// `WHATSAPP_ACCESS_TOKEN`: bearer token of the WhatsApp Business app (system user).
    pub whatsapp_access_token: Secret,
    /// `WHATSAPP_TEMPLATE_NAME`: the approved template sent when the 24-hour window is closed.
    pub whatsapp_template_name: String,
    /// `WHATSAPP_TEMPLATE_LANGUAGE`: that template's language code.
    pub whatsapp_template_language: String,
    /// `WHATSAPP_TIMEOUT_SECONDS`: limit of each call to the Graph API.
    pub whatsapp_timeout_seconds: u64,
    /// `WHATSAPP_MAX_MEDIA_BYTES`: the largest media file (voice note, image) downloaded.
    pub whatsapp_max_media_bytes: usize,
    /// `WORKER_WHATSAPP_CONCURRENCY`: inbound WhatsApp messages one worker process handles at
    /// once (each mostly waits on the Graph API; one guest's messages still go one at a time).
    pub worker_whatsapp_concurrency: u32,
    // --- Guest emails (issue 9; see config_email.rs) ---
    /// `SMTP_HOST`: the mail server; unset turns guest emails off (notices record `skipped`).
    pub smtp_host: Option<String>,
    /// `SMTP_PORT`: the mail server's port (587 for STARTTLS, 465 for TLS).
    pub smtp_port: u16,
    /// `SMTP_USERNAME`: login at the mail server; unset sends without authenticating.
    pub smtp_username: Option<String>,
    /// `SMTP_PASSWORD`: password of `SMTP_USERNAME`.
    pub smtp_password: Secret,
    /// `SMTP_TLS`: `starttls` (default), `tls` (implicit, port 465) or `none` (not in production).
    pub smtp_tls: crate::config_email::SmtpTls,
    /// `EMAIL_FROM`: the sender, e.g. `Cabañas <reservas@example.com>`.
    pub email_from: String,
    /// `EMAIL_REPLY_TO`: where guests' replies go, when not to `EMAIL_FROM`.
    pub email_reply_to: Option<String>,
    /// `SMTP_TIMEOUT_SECONDS`: limit of each conversation with the mail server.
    pub smtp_timeout_seconds: u64,
    // --- Voice notes' speech-to-text (issue 9; see config_stt.rs) ---
    /// `STT_BASE_URL`: root of an OpenAI-compatible transcription API; unset turns it off.
    pub stt_base_url: Option<String>,
    /// `STT_API_KEY`: its bearer token, when it wants one.
    pub stt_api_key: Secret,
    /// `STT_MODEL`: the model asked for (`whisper-1` at OpenAI).
    pub stt_model: String,
    /// `STT_LANGUAGE`: the spoken language (ISO 639-1), `es`.
    pub stt_language: String,
    /// `STT_TIMEOUT_SECONDS`: limit of each transcription request.
    pub stt_timeout_seconds: u64,
    /// `STT_MAX_AUDIO_BYTES`: the largest voice note sent for transcription.
    pub stt_max_audio_bytes: usize,
    /// `STT_MAX_AUDIO_SECONDS`: the longest voice note sent for transcription.
    pub stt_max_audio_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            app_env: AppEnv::Development,
            host: "0.0.0.0".into(),
            port: 8080,
            worker_port: 9100,
            public_base_url: "http://localhost:8080".into(),
            database_url: Secret::new("postgres://postgres@127.0.0.1:5432/cabanas"),
            database_max_connections: 20,
            redis_url: Secret::new("redis://127.0.0.1:6379"),
            redis_ca_cert: None,
            redis_namespace: "cabanas".into(),
            business_timezone: "America/Argentina/Buenos_Aires".into(),
            hold_minutes: 30,
            max_nights: 60,
            deposit_percent: 30,
            expiry_schedule: "0 * * * * *".into(),
            worker_poll_ms: 200,
            shutdown_grace_seconds: 20,
            log_format: LogFormat::Pretty,
            rust_log: "info,sqlx=warn,sea_orm=warn".into(),
            otel_exporter_otlp_endpoint: None,
            jwt_secret: Secret::default(),
            jwt_ttl_hours: 24,
            admin_allowed_emails: String::new(),
            admin_max_failed_logins: 5,
            admin_lockout_minutes: 15,
            admin_login_hash_concurrency: 2,
            admin_login_hash_wait_ms: 2000,
            git_commit: None,
            rate_limit_per_minute: 100,
            login_rate_limit_per_minute: 10,
            trust_proxy_headers: false,
            hold_limit_per_phone: 2,
            hold_limit_per_ip: 5,
            allowed_origins: String::new(),
            force_hsts: false,
            mercadopago_access_token: Secret::default(),
            mercadopago_api_base: "https://api.mercadopago.com".into(),
            mercadopago_binary_mode: false,
            mercadopago_success_url: None,
            mercadopago_failure_url: None,
            mercadopago_pending_url: None,
            mercadopago_timeout_seconds: 10,
            whatsapp_verify_token: Secret::default(),
            whatsapp_app_secret: Secret::default(),
            mercadopago_webhook_secret: Secret::default(),
            webhook_ack_status_whatsapp: 202,
            webhook_ack_status_mercadopago: 202,
            webhook_retention_days: 30,
            idempotency_ttl_hours: 48,
            worker_heartbeat_seconds: 30,
            worker_missed_heartbeats: 10,
            health_queue_backlog: 500,
            webhook_ts_tolerance_seconds: 600,
            webhook_refusals_per_minute: 20,
            webhook_refusal_retention_days: 7,
            guest_data_retention_months: 24,
            payment_poll_schedule: "0 */5 * * * *".into(),
            metrics_port: 9091,
            max_months_ahead: 18,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            http_max_connections: 512,
            job_ical_interval_seconds: 300,
            ical_fetch_timeout_seconds: 20,
            ical_max_feed_bytes: crate::domain::ical_feed::DEFAULT_MAX_FEED_BYTES,
            ical_sync_concurrency: 8,
            whatsapp_api_base: "https://graph.facebook.com/v21.0".into(),
            whatsapp_phone_id: String::new(),
            whatsapp_access_token: Secret::default(),
            whatsapp_template_name: String::new(),
            whatsapp_template_language: "es_AR".into(),
            whatsapp_timeout_seconds: 10,
            whatsapp_max_media_bytes: 16 * 1024 * 1024,
            worker_whatsapp_concurrency: 64,
            smtp_host: None,
            smtp_port: 587,
            smtp_username: None,
            smtp_password: Secret::default(),
            smtp_tls: crate::config_email::SmtpTls::default(),
            email_from: "Cabañas <reservas@example.com>".into(),
            email_reply_to: None,
            smtp_timeout_seconds: 10,
            stt_base_url: None,
            stt_api_key: Secret::default(),
            stt_model: "whisper-1".into(),
            stt_language: "es".into(),
            stt_timeout_seconds: 20,
            stt_max_audio_bytes: 10 * 1024 * 1024,
            stt_max_audio_seconds: 120,
        }
    }
}

/// Settings that cannot be used, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl Settings {
    /// Loads defaults, then `CABANAS_CONFIG` (a TOML file) when set, then the environment, and
    /// validates the result.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(Self::environment())
    }

    /// The environment's settings, every value as text.
    ///
    /// `figment::providers::Env` would parse `WHATSAPP_PHONE_ID=106540352242922` as a number,
    /// which a text setting then refuses; read as text, [`Settings::load_from`] turns the text
    /// of numeric and boolean settings into numbers and booleans itself.
    fn environment() -> Serialized<BTreeMap<String, String>> {
        let vars = Env::raw()
            .filter(|key| Settings::is_known_key(key.as_str()))
            .iter()
            .map(|(key, value)| (key.as_str().to_owned(), value))
            .collect();
        Serialized::defaults(vars)
    }

    /// [`Settings::load`] with the environment's settings from `environment`.
    fn load_from(environment: impl figment::Provider) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Ok(path) = std::env::var("CABANAS_CONFIG") {
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut settings: Settings =
            figment
                .merge(environment)
                .extract_lossy()
                .map_err(|e| ConfigError {
                    problems: e.into_iter().map(|e| e.to_string()).collect(),
                })?;
        if settings.app_env != AppEnv::Production && !settings.jwt_secret.is_set() {
            settings.jwt_secret = Secret::new(crate::auth::token::random_secret());
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Every setting by name, as JSON, with each secret (every [`Secret`], whatever its name)
    /// shown only as `set` or `unset`: what an owner may read.
    pub fn redacted(&self) -> serde_json::Value {
        struct Redacting;
        impl Drop for Redacting {
            fn drop(&mut self) {
                REDACTING.with(|r| r.set(false));
            }
        }
        REDACTING.with(|r| r.set(true));
        let _reset = Redacting;
        serde_json::to_value(self).unwrap_or_default()
    }

    fn is_known_key(key: &str) -> bool {
        const KEYS: &[&str] = &[
            "app_env",
            "host",
            "port",
            "worker_port",
            "public_base_url",
            "database_url",
            "database_max_connections",
            "redis_url",
            "redis_ca_cert",
            "redis_namespace",
            "business_timezone",
            "hold_minutes",
            "max_nights",
            "deposit_percent",
            "expiry_schedule",
            "worker_poll_ms",
            "shutdown_grace_seconds",
            "log_format",
            "rust_log",
            "otel_exporter_otlp_endpoint",
            "jwt_secret",
            "jwt_ttl_hours",
            "admin_allowed_emails",
            "admin_max_failed_logins",
            "admin_lockout_minutes",
            "admin_login_hash_concurrency",
            "admin_login_hash_wait_ms",
            "git_commit",
            "rate_limit_per_minute",
            "login_rate_limit_per_minute",
            "trust_proxy_headers",
            "hold_limit_per_phone",
            "hold_limit_per_ip",
            "allowed_origins",
            "force_hsts",
            "mercadopago_access_token",
            "mercadopago_api_base",
            "mercadopago_binary_mode",
            "mercadopago_success_url",
            "mercadopago_failure_url",
            "mercadopago_pending_url",
            "mercadopago_timeout_seconds",
            "whatsapp_verify_token",
            "whatsapp_app_secret",
            "mercadopago_webhook_secret",
            "webhook_ack_status_whatsapp",
            "webhook_ack_status_mercadopago",
            "webhook_retention_days",
            "idempotency_ttl_hours",
            "worker_heartbeat_seconds",
            "worker_missed_heartbeats",
            "health_queue_backlog",
            "webhook_ts_tolerance_seconds",
            "webhook_refusals_per_minute",
            "webhook_refusal_retention_days",
            "guest_data_retention_months",
            "payment_poll_schedule",
            "metrics_port",
            "max_months_ahead",
            "header_read_timeout_seconds",
            "body_read_timeout_seconds",
            "http_max_connections",
            "job_ical_interval_seconds",
            "ical_fetch_timeout_seconds",
            "ical_max_feed_bytes",
            "ical_sync_concurrency",
            "whatsapp_api_base",
            "whatsapp_phone_id",
            "whatsapp_access_token",
            "whatsapp_template_name",
            "whatsapp_template_language",
            "whatsapp_timeout_seconds",
            "whatsapp_max_media_bytes",
            "worker_whatsapp_concurrency",
            "smtp_host",
            "smtp_port",
            "smtp_username",
            "smtp_password",
            "smtp_tls",
            "email_from",
            "email_reply_to",
            "smtp_timeout_seconds",
            "stt_base_url",
            "stt_api_key",
            "stt_model",
            "stt_language",
            "stt_timeout_seconds",
            "stt_max_audio_bytes",
            "stt_max_audio_seconds",
        ];
        KEYS.contains(&key.to_ascii_lowercase().as_str())
    }

    /// Checks every rule and reports all violations together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.business_timezone.parse::<Tz>().is_err() {
            problems.push(format!(
                "BUSINESS_TIMEZONE {:?} is not an IANA timezone",
                self.business_timezone
            ));
        }
        if self.hold_minutes == 0 {
            problems.push("HOLD_MINUTES must be at least 1".into());
        }
        if self.max_nights == 0 {
            problems.push("MAX_NIGHTS must be at least 1".into());
        }
        if self.deposit_percent > 100 {
            problems.push("DEPOSIT_PERCENT must be between 0 and 100".into());
        }
        if self.database_max_connections == 0 {
            problems.push("DATABASE_MAX_CONNECTIONS must be at least 1".into());
        }
        if self.expiry_schedule.parse::<cron::Schedule>().is_err() {
            problems.push(format!(
                "EXPIRY_SCHEDULE {:?} is not a cron expression with seconds",
                self.expiry_schedule
            ));
        }
        if self.redis_ca_cert.is_some() && !self.redis_url.expose().starts_with("rediss://") {
            problems.push("REDIS_CA_CERT is set but REDIS_URL is not a rediss:// URL".into());
        }
        if self.redis_namespace.is_empty() || self.redis_namespace.contains(char::is_whitespace) {
            problems.push("REDIS_NAMESPACE must be a non-empty word".into());
        }
        if self.jwt_secret.is_set() && self.jwt_secret.expose().len() < 32 {
            problems.push("JWT_SECRET must be at least 32 bytes".into());
        }
        if self.app_env == AppEnv::Production && !self.jwt_secret.is_set() {
            problems.push("JWT_SECRET must be set in production".into());
        }
        if self.jwt_ttl_hours == 0 {
            problems.push("JWT_TTL_HOURS must be at least 1".into());
        }
        if self.admin_max_failed_logins == 0 {
            problems.push("ADMIN_MAX_FAILED_LOGINS must be at least 1".into());
        }
        if !(1..=1024).contains(&self.admin_login_hash_concurrency) {
            problems.push("ADMIN_LOGIN_HASH_CONCURRENCY must be between 1 and 1024".into());
        }
        if self.admin_login_hash_wait_ms > 60_000 {
            problems.push("ADMIN_LOGIN_HASH_WAIT_MS must be at most 60000".into());
        }
        for origin in self.allowed_origins() {
            if !is_origin(&origin) {
                problems.push(format!(
                    "ALLOWED_ORIGINS entry {origin:?} is not an origin like https://example.com \
                     (scheme and host, optional port, no path, no wildcard)"
                ));
            }
        }
        self.validate_mercadopago(&mut problems);
        self.validate_webhook_hardening(&mut problems);
        self.validate_ical(&mut problems);
        self.validate_whatsapp(&mut problems);
        self.validate_email(&mut problems);
        self.validate_stt(&mut problems);
        for (name, status) in [
            (
                "WEBHOOK_ACK_STATUS_WHATSAPP",
                self.webhook_ack_status_whatsapp,
            ),
            (
                "WEBHOOK_ACK_STATUS_MERCADOPAGO",
                self.webhook_ack_status_mercadopago,
            ),
        ] {
            if !(200..=202).contains(&status) {
                problems.push(format!("{name} must be 200, 201 or 202"));
            }
        }
        if self.webhook_retention_days == 0 {
            problems.push("WEBHOOK_RETENTION_DAYS must be at least 1".into());
        }
        if self.idempotency_ttl_hours == 0 {
            problems.push("IDEMPOTENCY_TTL_HOURS must be at least 1".into());
        }
        if self.worker_heartbeat_seconds == 0 || self.worker_missed_heartbeats == 0 {
            problems.push(
                "WORKER_HEARTBEAT_SECONDS and WORKER_MISSED_HEARTBEATS must be at least 1".into(),
            );
        }
        self.validate_server(&mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    /// Mercado Pago settings: URLs, timeout, and the token in production.
    fn validate_server(&self, problems: &mut Vec<String>) {
        if self.metrics_port != 0 && self.metrics_port == self.port {
            problems.push("METRICS_PORT must differ from PORT (metrics are internal)".into());
        }
        if !(1..=120).contains(&self.max_months_ahead) {
            problems.push("MAX_MONTHS_AHEAD must be between 1 and 120".into());
        }
        if self.header_read_timeout_seconds == 0 || self.body_read_timeout_seconds == 0 {
            problems.push(
                "HEADER_READ_TIMEOUT_SECONDS and BODY_READ_TIMEOUT_SECONDS must be at least 1"
                    .into(),
            );
        }
        if self.http_max_connections == 0 {
            problems.push("HTTP_MAX_CONNECTIONS must be at least 1".into());
        }
    }

    fn validate_mercadopago(&self, problems: &mut Vec<String>) {
        let is_http = |url: &str| url.starts_with("https://") || url.starts_with("http://");
        if !is_http(&self.mercadopago_api_base) {
            problems.push("MERCADOPAGO_API_BASE must be an http(s) URL".into());
        }
        for (key, url) in [
            ("MERCADOPAGO_SUCCESS_URL", &self.mercadopago_success_url),
            ("MERCADOPAGO_FAILURE_URL", &self.mercadopago_failure_url),
            ("MERCADOPAGO_PENDING_URL", &self.mercadopago_pending_url),
        ] {
            if url.as_deref().is_some_and(|u| !is_http(u)) {
                problems.push(format!("{key} must be an http(s) URL"));
            }
        }
        if self.mercadopago_timeout_seconds == 0 || self.mercadopago_timeout_seconds > 60 {
            problems.push("MERCADOPAGO_TIMEOUT_SECONDS must be between 1 and 60".into());
        }
        if self.app_env == AppEnv::Production && !self.mercadopago_access_token.is_set() {
            problems.push("MERCADOPAGO_ACCESS_TOKEN must be set in production".into());
        }
    }

    /// Webhook secrets, replay window, refusal bounds and the payment poll. In production a
    /// missing webhook secret is fatal like a missing `JWT_SECRET`: every notification would
    /// be refused and, for WhatsApp, never delivered again.
    fn validate_webhook_hardening(&self, problems: &mut Vec<String>) {
        if self.app_env == AppEnv::Production {
            for name in self.missing_webhook_secrets() {
                problems.push(format!("{name} must be set in production"));
            }
        }
        if !(60..=86_400).contains(&self.webhook_ts_tolerance_seconds) {
            problems.push("WEBHOOK_TS_TOLERANCE_SECONDS must be between 60 and 86400".into());
        }
        if self.webhook_refusal_retention_days == 0 {
            problems.push("WEBHOOK_REFUSAL_RETENTION_DAYS must be at least 1".into());
        }
        if !(1..=120).contains(&self.guest_data_retention_months) {
            problems.push("GUEST_DATA_RETENTION_MONTHS must be between 1 and 120".into());
        }
        if self
            .payment_poll_schedule
            .parse::<cron::Schedule>()
            .is_err()
        {
            problems.push(format!(
                "PAYMENT_POLL_SCHEDULE {:?} is not a cron expression with seconds",
                self.payment_poll_schedule
            ));
        }
    }

    /// How far a signed webhook timestamp may be from now.
    pub fn webhook_ts_tolerance(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.webhook_ts_tolerance_seconds))
    }

    /// How long sampled refusal rows are kept.
    pub fn webhook_refusal_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.webhook_refusal_retention_days))
    }

    /// How long a guest's personal data is kept after the stay (or the last message).
    pub fn guest_data_retention(&self) -> chrono::Months {
        chrono::Months::new(self.guest_data_retention_months)
    }

    /// Where Mercado Pago posts a deposit's payment notifications: the API's Mercado Pago
    /// route ([`MERCADOPAGO_WEBHOOK_PATH`]) under `PUBLIC_BASE_URL`, asking for webhook-format
    /// notifications only. The API and the worker both create deposit links with it.
    pub fn mercadopago_notification_url(&self) -> String {
        format!(
            "{}{MERCADOPAGO_WEBHOOK_PATH}?source_news=webhooks",
            self.public_base_url.trim_end_matches('/')
        )
    }

    /// The business timezone (validated at load).
    pub fn timezone(&self) -> Tz {
        self.business_timezone
            .parse()
            .unwrap_or(chrono_tz::America::Argentina::Buenos_Aires)
    }

    /// How long a pre-reservation holds its nights.
    pub fn hold_duration(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.hold_minutes))
    }

    /// Emails allowed to log in to the admin API (lower-cased); empty means any active admin.
    pub fn allowed_admin_emails(&self) -> Vec<String> {
        self.admin_allowed_emails
            .split(',')
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .collect()
    }

    /// The CORS allowlist: `ALLOWED_ORIGINS` split on commas, trimmed, without a trailing `/`.
    pub fn allowed_origins(&self) -> Vec<String> {
        self.allowed_origins
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect()
    }

    /// Provider secrets that are missing: their webhooks are refused with 401 until set.
    /// Outside production this is a start-up warning, so a developer can run the app before
    /// the providers are configured; production refuses to start (see `validate`).
    pub fn missing_webhook_secrets(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.whatsapp_app_secret.is_set() {
            missing.push("WHATSAPP_APP_SECRET");
        }
        if !self.mercadopago_webhook_secret.is_set() {
            missing.push("MERCADOPAGO_WEBHOOK_SECRET");
        }
        missing
    }

    /// How long a connection may take to send a request's headers.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_seconds)
    }

    /// How long a request may take to send its body.
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout_seconds)
    }

    /// How long idempotency keys are remembered.
    pub fn idempotency_ttl(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.idempotency_ttl_hours))
    }

    /// How long raw webhook payloads are kept.
    pub fn webhook_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.webhook_retention_days))
    }

    /// Grace period for in-flight work on shutdown.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }

    /// The bound on concurrent admin password checks (`ADMIN_LOGIN_HASH_*`).
    pub fn admin_login_hashes(&self) -> crate::auth::hash_limit::HashLimiter {
        crate::auth::hash_limit::HashLimiter::new(
            usize::try_from(self.admin_login_hash_concurrency).unwrap_or(1),
            Duration::from_millis(self.admin_login_hash_wait_ms),
        )
    }
}

/// Whether `value` is a serialized origin: `http(s)://host[:port]`, nothing else.
fn is_origin(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let host = rest.rsplit_once(':').map_or(rest, |(host, port)| {
        if port.parse::<u16>().is_ok() {
            host
        } else {
            ""
        }
    });
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings from environment-like text values.
    fn from_text(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::load_from(Serialized::defaults(vars))
    }

    #[test]
    fn redacted_settings_show_no_secret_whatever_its_name() {
        let settings = Settings {
            smtp_password: Secret::new("smtp-pass-1"),
            stt_api_key: Secret::new("sk-live-2"),
            database_url: Secret::new("postgres://u:p@h/db"),
            ..Settings::default()
        };
        let shown = settings.redacted();
        let text = shown.to_string();
        for secret in ["smtp-pass-1", "sk-live-2", "u:p@h"] {
            assert!(!text.contains(secret), "{secret} shown");
        }
        assert_eq!(shown["smtp_password"], "set");
        assert_eq!(shown["jwt_secret"], "unset");
        assert_eq!(shown["port"], 8080);
        let plain = serde_json::to_value(&settings).expect("settings serialize");
        assert_eq!(
            plain["smtp_password"], "smtp-pass-1",
            "the defaults keep values"
        );
    }

    #[test]
    fn the_environment_is_text_whatever_it_looks_like() {
        let settings = from_text(&[
            ("whatsapp_phone_id", "106540352242922"),
            ("redis_namespace", "2026"),
            ("port", "8081"),
            ("force_hsts", "true"),
            ("deposit_percent", "40"),
        ])
        .expect("numeric text loads");
        assert_eq!(settings.whatsapp_phone_id, "106540352242922");
        assert_eq!(settings.redis_namespace, "2026");
        assert_eq!(settings.port, 8081);
        assert!(settings.force_hsts);
        assert_eq!(settings.deposit_percent, 40);
        let bad = from_text(&[("port", "eighty")]).expect_err("not a port");
        assert!(bad.problems.iter().any(|p| p.contains("port")), "{bad}");
    }

    #[test]
    fn allowed_origins_are_split_trimmed_and_checked() {
        let settings = Settings {
            allowed_origins: " https://cabanas.example , http://localhost:5173/,".into(),
            ..Settings::default()
        };
        assert_eq!(
            settings.allowed_origins(),
            vec!["https://cabanas.example", "http://localhost:5173"]
        );
        assert!(settings.validate().is_ok());
        for bad in [
            "*",
            "https://*.example.com",
            "cabanas.example",
            "https://a.com/path",
        ] {
            let settings = Settings {
                allowed_origins: bad.into(),
                ..Settings::default()
            };
            assert!(settings.validate().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn defaults_match_the_documented_limits() {
        let settings = Settings::default();
        assert_eq!(settings.rate_limit_per_minute, 100);
        assert_eq!(settings.login_rate_limit_per_minute, 10);
        assert_eq!(
            (settings.hold_limit_per_phone, settings.hold_limit_per_ip),
            (2, 5)
        );
        assert!(!settings.trust_proxy_headers && !settings.force_hsts);
        assert!(settings.allowed_origins().is_empty());
        assert_eq!(
            (
                settings.admin_login_hash_concurrency,
                settings.admin_login_hash_wait_ms
            ),
            (2, 2000)
        );
    }

    #[test]
    fn a_login_hash_concurrency_of_zero_is_refused() {
        let settings = Settings {
            admin_login_hash_concurrency: 0,
            ..Settings::default()
        };
        let err = settings.validate().expect_err("refused").to_string();
        assert!(err.contains("ADMIN_LOGIN_HASH_CONCURRENCY"), "{err}");
    }

    #[test]
    fn a_redis_ca_certificate_needs_a_rediss_url() {
        let plain = Settings {
            redis_ca_cert: Some("/etc/cabanas/redis-ca.pem".into()),
            ..Settings::default()
        };
        let err = plain.validate().expect_err("refused").to_string();
        assert!(err.contains("REDIS_CA_CERT"), "{err}");
        let tls = Settings {
            redis_url: Secret::new("rediss://default:pw@redis.example.com:6379"),
            ..plain
        };
        assert!(tls.validate().is_ok());
    }
}

#[cfg(test)]
mod mercadopago_settings_tests {
    use super::*;

    #[test]
    fn mercadopago_defaults_are_valid_outside_production() {
        let settings = Settings::default();
        assert_eq!(settings.mercadopago_api_base, "https://api.mercadopago.com");
        assert!(!settings.mercadopago_binary_mode);
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn production_needs_a_token_and_every_mercadopago_problem_is_reported() {
        let settings = Settings {
            app_env: AppEnv::Production,
            jwt_secret: Secret::new("x".repeat(32)),
            mercadopago_api_base: "api.mercadopago.com".into(),
            mercadopago_success_url: Some("ftp://nope".into()),
            mercadopago_timeout_seconds: 0,
            ..Settings::default()
        };
        let problems = settings.validate().expect_err("invalid").problems;
        for key in [
            "MERCADOPAGO_ACCESS_TOKEN",
            "MERCADOPAGO_API_BASE",
            "MERCADOPAGO_SUCCESS_URL",
            "MERCADOPAGO_TIMEOUT_SECONDS",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(key)),
                "{key}: {problems:?}"
            );
        }
    }

    #[test]
    fn the_access_token_is_never_printed() {
        let settings = Settings {
            mercadopago_access_token: Secret::new("APP_USR-secret-token"),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("APP_USR-secret-token"));
    }
}

#[cfg(test)]
mod webhook_settings_tests {
    use super::*;

    #[test]
    fn ack_statuses_must_be_200_201_or_202() {
        let mut settings = Settings::default();
        assert!(settings.validate().is_ok());
        settings.webhook_ack_status_mercadopago = 204;
        settings.webhook_retention_days = 0;
        let problems = settings.validate().expect_err("invalid").problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn server_limits_are_checked_together() {
        let settings = Settings {
            metrics_port: 8080,
            max_months_ahead: 0,
            header_read_timeout_seconds: 0,
            http_max_connections: 0,
            ..Settings::default()
        };
        let problems = settings.validate().expect_err("invalid").problems;
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(Settings::default().metrics_port, 9091);
        assert_eq!(Settings::default().max_months_ahead, 18);
    }

    #[test]
    fn missing_webhook_secrets_are_reported_not_fatal_outside_production() {
        for app_env in [AppEnv::Development, AppEnv::Test] {
            let settings = Settings {
                app_env,
                ..Settings::default()
            };
            assert!(settings.validate().is_ok(), "{app_env:?}");
        }
        let settings = Settings::default();
        assert!(settings.validate().is_ok());
        assert_eq!(
            settings.missing_webhook_secrets(),
            vec!["WHATSAPP_APP_SECRET", "MERCADOPAGO_WEBHOOK_SECRET"]
        );
        assert_eq!(
            format!("{:?}", Secret::new("s3cr3t")),
            "Secret(set)",
            "secrets never print"
        );
    }
}

#[cfg(test)]
#[path = "config_webhook_tests.rs"]
mod webhook_hardening_settings_tests;
