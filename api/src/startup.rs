//! Builds the application (also used by the tests) and serves it.

use std::{future::Future, io};

use poem::{
    Endpoint, EndpointExt, Response, Route, Server, get, handler,
    listener::{Acceptor, TcpAcceptor},
    web::Data,
};
use poem_openapi::OpenApiService;
use sea_orm::DatabaseConnection;
use shared::{clock::SharedClock, config::Settings};

use crate::{
    error,
    listener::GuardedAcceptor,
    middleware::{
        body_limit::{self, BodyLimit},
        body_timeout::BodyTimeout,
        cors::Cors,
        metrics::RequestMetrics,
        no_store::NoStore,
        rate_limit::RateLimit,
        security_headers::SecurityHeaders,
        trace_id::TraceId,
    },
    routes::{
        accommodations::AccommodationsApi,
        admin::{
            accommodations::AdminAccommodationsApi, blocks::AdminBlocksApi,
            calendar::AdminCalendarApi, config::AdminConfigApi,
            conversations::AdminConversationsApi, dashboard::AdminDashboardApi,
            guests::AdminGuestsApi, health::AdminHealthApi, ical_feeds::AdminIcalFeedsApi,
            nlu::AdminNluApi, operations::AdminOperationsApi, payments::AdminPaymentsApi,
            reservation_list::AdminReservationListApi, reservations::AdminReservationsApi,
            session::SessionApi,
        },
        health::HealthApi,
        ical::IcalApi,
        legacy::LegacyApi,
        payments::PaymentsApi,
        quotes::QuotesApi,
        reservations::ReservationsApi,
        webhooks::WebhooksApi,
    },
    state::AppState,
    web,
};

/// Public APIs.
type PublicApis = (
    AccommodationsApi,
    QuotesApi,
    ReservationsApi,
    PaymentsApi,
    LegacyApi,
    HealthApi,
    WebhooksApi,
    IcalApi,
);

/// Admin APIs (token required, except login).
type AdminApis = (
    SessionApi,
    AdminAccommodationsApi,
    AdminReservationsApi,
    AdminCalendarApi,
    AdminDashboardApi,
    AdminOperationsApi,
    AdminPaymentsApi,
    AdminReservationListApi,
    AdminConfigApi,
    AdminBlocksApi,
    AdminIcalFeedsApi,
    AdminNluApi,
    AdminConversationsApi,
    AdminGuestsApi,
    AdminHealthApi,
);

/// Every API under `/api/v1`.
pub type Apis = (PublicApis, AdminApis);

/// Where the versioned API is mounted.
pub const API_PREFIX: &str = "/api/v1";

/// The OpenAPI service (routes + spec).
pub fn api_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            (
                AccommodationsApi,
                QuotesApi,
                ReservationsApi,
                PaymentsApi,
                LegacyApi,
                HealthApi,
                WebhooksApi,
                IcalApi,
            ),
            (
                SessionApi,
                AdminAccommodationsApi,
                AdminReservationsApi,
                AdminCalendarApi,
                AdminDashboardApi,
                AdminOperationsApi,
                AdminPaymentsApi,
                AdminReservationListApi,
                AdminConfigApi,
                AdminBlocksApi,
                AdminIcalFeedsApi,
                AdminNluApi,
                AdminConversationsApi,
                AdminGuestsApi,
                AdminHealthApi,
            ),
        ),
        "Cabañas API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Booking API of Cabañas: accommodations, quotes and pre-reservations. \
         Money is a decimal string with two places plus a `currency`; dates of stay are \
         `YYYY-MM-DD` in the business timezone (America/Argentina/Buenos_Aires) and a stay is \
         the half-open range `[check_in, check_out)`. Every error body is \
         `{code, message, details?, trace_id}`.",
    )
    .server(API_PREFIX)
}

/// The OpenAPI document as pretty JSON (what `docs/openapi.json` holds).
pub fn openapi_json() -> String {
    api_service().spec()
}

#[handler]
fn metrics_endpoint(state: Data<&AppState>) -> String {
    shared::telemetry::record_process_metrics();
    state.metrics.render()
}

/// The internal application: `GET /metrics` and nothing else, served on `METRICS_PORT` so the
/// public port never exposes request counts, routes or queue figures. Not counted in the
/// request metrics itself (a scrape would otherwise count its own scrapes).
pub fn build_metrics_app(state: AppState) -> impl Endpoint<Output = Response> + 'static {
    Route::new()
        .at("/metrics", get(metrics_endpoint))
        .data(state)
}

/// The whole HTTP application over `state`.
///
/// Middleware, from the outside in:
/// 1. [`SecurityHeaders`]: outermost, so every response gets them, errors and 429s included.
/// 2. [`TraceId`]: every body and log line below carries the trace id.
/// 3. [`Cors`]: answers preflights before they are counted, and decorates 429s too, so a
///    browser client can read `Retry-After`.
/// 4. [`NoStore`]: `Cache-Control: no-store` on every admin answer (the admin API's and the
///    dashboard's), refusals included.
/// 5. [`RateLimit`]: refuses before any route work; outside the error catcher so it sees
///    (and adds its headers to) the final response of every request.
/// 6. the error catcher, state, metrics, body deadline and body limit, around the routes
///    (the deadline wraps the limit, which reads the body).
pub fn build_app(state: AppState) -> impl Endpoint<Output = Response> + 'static {
    let api = api_service();
    let swagger = api.swagger_ui();
    let spec = api.spec_endpoint();
    let settings = state.settings.clone();
    let rate_limit = RateLimit::from_state(&state);
    Route::new()
        .nest(API_PREFIX, api)
        .nest("/docs", swagger)
        .nest(web::PREFIX, web::routes())
        .at("/openapi.json", spec)
        .with(BodyLimit::new(body_limit::DEFAULT_LIMIT).with_path(
            format!("{API_PREFIX}/webhooks/whatsapp"),
            body_limit::WHATSAPP_WEBHOOK_LIMIT,
        ))
        .with(BodyTimeout::new(settings.body_read_timeout()))
        .with(RequestMetrics::recording_into(state.requests.clone()))
        .data(state)
        .catch_all_error(error::catch_all)
        .with(rate_limit)
        .with(NoStore::under(format!("{API_PREFIX}/admin")))
        .with(NoStore::under(web::PREFIX))
        .with(Cors::new(settings.allowed_origins()))
        .with(TraceId)
        .with(SecurityHeaders::new(
            settings.force_hsts,
            settings.trust_proxy_headers,
        ))
}

/// A bound, ready-to-run API server: the public port and the internal metrics port.
pub struct Application {
    acceptor: GuardedAcceptor<TcpAcceptor>,
    metrics_acceptor: TcpAcceptor,
    state: AppState,
    port: u16,
    metrics_port: u16,
}

impl Application {
    /// Binds `settings.host:settings.port` and `settings.host:settings.metrics_port` (port 0
    /// picks a free one) over existing connections.
    pub async fn bind(
        settings: Settings,
        db: DatabaseConnection,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let redis = shared::redis::connect(&settings).await?;
        let (acceptor, port) = bind(&settings.host, settings.port).await?;
        let acceptor = GuardedAcceptor::new(
            acceptor,
            usize::try_from(settings.http_max_connections).unwrap_or(usize::MAX),
            settings.header_read_timeout(),
        );
        let (metrics_acceptor, metrics_port) = bind(&settings.host, settings.metrics_port).await?;
        for name in settings.missing_webhook_secrets() {
            tracing::warn!(
                setting = name,
                "webhook secret not set: that provider's webhooks are refused with 401"
            );
        }
        let state = AppState::new(db, redis, settings, clock)?;
        Ok(Self {
            acceptor,
            metrics_acceptor,
            state,
            port,
            metrics_port,
        })
    }

    /// The public port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The internal metrics port actually bound.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_port
    }

    /// Serves both ports until `shutdown` resolves, then drains in-flight requests within the
    /// grace period.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> io::Result<()> {
        let grace = self.state.settings.shutdown_grace();
        let state = self.state.clone();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            // An error means the sender is gone, which also means "stop".
            let _ = rx.wait_for(|stop| *stop).await;
        };
        tracing::info!(
            addr = ?self.acceptor.local_addr(),
            metrics = ?self.metrics_acceptor.local_addr(),
            "API listening"
        );
        let public = Server::new_with_acceptor(self.acceptor).run_with_graceful_shutdown(
            build_app(self.state.clone()),
            wait(stopped.clone()),
            Some(grace),
        );
        let internal = Server::new_with_acceptor(self.metrics_acceptor).run_with_graceful_shutdown(
            build_metrics_app(self.state),
            wait(stopped),
            Some(grace),
        );
        let signal = async move {
            shutdown.await;
            state.begin_shutdown();
            tracing::info!("shutting down: draining requests");
            // Nobody listening means both servers are already gone.
            let _ = stop.send(true);
            Ok(())
        };
        tokio::try_join!(public, internal, signal).map(drop)
    }
}

async fn bind(host: &str, port: u16) -> anyhow::Result<(TcpAcceptor, u16)> {
    let listener = tokio::net::TcpListener::bind((host, port)).await?;
    let port = listener.local_addr()?.port();
    Ok((TcpAcceptor::from_tokio(listener)?, port))
}
