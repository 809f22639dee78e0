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
    middleware::{
        body_limit::{self, BodyLimit},
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
            accommodations::AdminAccommodationsApi, calendar::AdminCalendarApi,
            config::AdminConfigApi, dashboard::AdminDashboardApi, operations::AdminOperationsApi,
            payments::AdminPaymentsApi, reservation_list::AdminReservationListApi,
            reservations::AdminReservationsApi, session::SessionApi,
        },
        health::HealthApi,
        legacy::LegacyApi,
        payments::PaymentsApi,
        quotes::QuotesApi,
        reservations::ReservationsApi,
        webhooks::WebhooksApi,
    },
    state::AppState,
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
    state.metrics.render()
}

/// The whole HTTP application over `state`.
///
/// Middleware, from the outside in:
/// 1. [`SecurityHeaders`]: outermost, so every response gets them, errors and 429s included.
/// 2. [`TraceId`]: every body and log line below carries the trace id.
/// 3. [`Cors`]: answers preflights before they are counted, and decorates 429s too, so a
///    browser client can read `Retry-After`.
/// 4. [`RateLimit`]: refuses before any route work; outside the error catcher so it sees
///    (and adds its headers to) the final response of every request.
/// 6. the error catcher, state, metrics and body limit, around the routes.
pub fn build_app(state: AppState) -> impl Endpoint<Output = Response> + 'static {
    let api = api_service();
    let swagger = api.swagger_ui();
    let spec = api.spec_endpoint();
    let settings = state.settings.clone();
    let rate_limit = RateLimit::from_state(&state);
    Route::new()
        .nest(API_PREFIX, api)
        .nest("/docs", swagger)
        .at("/openapi.json", spec)
        .at("/metrics", get(metrics_endpoint))
        .with(BodyLimit::new(body_limit::DEFAULT_LIMIT).with_path(
            format!("{API_PREFIX}/webhooks/whatsapp"),
            body_limit::WHATSAPP_WEBHOOK_LIMIT,
        ))
        .with(RequestMetrics)
        .data(state)
        .catch_all_error(error::catch_all)
        .with(rate_limit)
        .with(NoStore::under(format!("{API_PREFIX}/admin")))
        .with(Cors::new(settings.allowed_origins()))
        .with(TraceId)
        .with(SecurityHeaders::new(
            settings.force_hsts,
            settings.trust_proxy_headers,
        ))
}

/// A bound, ready-to-run API server.
pub struct Application {
    acceptor: TcpAcceptor,
    state: AppState,
    port: u16,
}

impl Application {
    /// Binds `settings.host:settings.port` (port 0 picks a free one) over existing connections.
    pub async fn bind(
        settings: Settings,
        db: DatabaseConnection,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let redis = shared::redis::connect(&settings).await?;
        let listener =
            tokio::net::TcpListener::bind((settings.host.as_str(), settings.port)).await?;
        let port = listener.local_addr()?.port();
        let acceptor = TcpAcceptor::from_tokio(listener)?;
        for name in settings.missing_webhook_secrets() {
            tracing::warn!(
                setting = name,
                "webhook secret not set: that provider's webhooks are refused with 401"
            );
        }
        let state = AppState::new(db, redis, settings, clock)?;
        Ok(Self {
            acceptor,
            state,
            port,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests within the grace period.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> io::Result<()> {
        let grace = self.state.settings.shutdown_grace();
        let state = self.state.clone();
        let local = self.acceptor.local_addr();
        tracing::info!(addr = ?local, "API listening");
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                build_app(self.state),
                async move {
                    shutdown.await;
                    state.begin_shutdown();
                    tracing::info!("shutting down: draining requests");
                },
                Some(grace),
            )
            .await
    }
}
