//! Configuración (`GET /admin/configuracion`, owner only as in the admin API): version, the
//! allowed origins, the scheduled jobs, which secrets are set, every other setting; and the
//! same as JSON (`GET /admin/configuracion.json`, the admin API's `GET /admin/config`).
//! Read-only: settings change by deploy (`fly secrets set`, `fly.toml`), not here.

use askama::Template;
use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::Data,
};
use poem_openapi::types::ToJSON;
use shared::{auth::role::AdminRole, jobs::schedules};

use super::{Nav, problem, render};
use crate::{routes::admin::config::ConfigView, state::AppState, web::session::WebSession};

/// A scheduled job, in words.
struct JobRow {
    name: &'static str,
    what: &'static str,
    cron: String,
}

/// The page.
#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    section: &'static str,
    nav: Nav,
    csrf: String,
    version: String,
    git_commit: String,
    build_time: String,
    origins: Vec<String>,
    jobs: Vec<JobRow>,
    /// Secrets by name, and whether each is set.
    secrets: Vec<(String, bool)>,
    /// Every other setting by name, as shown.
    others: Vec<(String, String)>,
}

/// What a scheduled job does, for the owner.
fn job_description(name: &str) -> &'static str {
    match name {
        "expire_pre_reservations.v1" => "Vence las pre-reservas sin pago",
        "expire_idempotency_keys.v1" => "Borra las claves de reintento vencidas",
        "webhook_sweep.v1" => "Reencola webhooks que quedaron sin procesar",
        "webhook_retention_purge.v1" => "Borra el contenido de webhooks viejos",
        "guest_data_retention.v1" => "Anonimiza datos personales de estadías viejas",
        "payment_poll.v1" => "Consulta pagos pendientes en Mercado Pago",
        "ical_sync.v1" => "Sincroniza los calendarios de Airbnb y Booking",
        "hold_reminders.v1" => "Avisa a huéspedes con pre-reservas por vencer",
        "conversation_sweep.v1" => "Retoma conversaciones de WhatsApp pendientes",
        _ => "",
    }
}

fn owner_only(session: &WebSession) -> Option<Response> {
    (session.claims.role != AdminRole::Owner).then(|| {
        problem(
            StatusCode::FORBIDDEN,
            "Sin permiso",
            "La configuración la ve solo la dueña o el dueño.",
        )
    })
}

/// `GET /admin/configuracion`.
#[handler]
pub fn show(session: WebSession, state: Data<&AppState>) -> Response {
    if let Some(refused) = owner_only(&session) {
        return refused;
    }
    let view = ConfigView::of(&state);
    let (secrets, others): (Vec<_>, Vec<_>) = view
        .settings
        .iter()
        .partition(|(_, v)| matches!(v.as_str(), Some("set" | "unset")));
    let page = SettingsPage {
        section: "configuracion",
        nav: Nav::of(&session),
        csrf: session.csrf,
        version: view.version.clone(),
        git_commit: view.git_commit.clone(),
        build_time: view.build_time.clone(),
        origins: state.settings.allowed_origins(),
        jobs: schedules::all(&state.settings)
            .into_iter()
            .map(|s| JobRow {
                name: s.job,
                what: job_description(s.job),
                cron: s.cron,
            })
            .collect(),
        secrets: secrets
            .into_iter()
            .map(|(k, v)| (k.clone(), v.as_str() == Some("set")))
            .collect(),
        others: others
            .into_iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect(),
    };
    render(&page)
}

/// `GET /admin/configuracion.json`: the same as the admin API's `GET /admin/config`.
#[handler]
pub fn export(session: WebSession, state: Data<&AppState>) -> Response {
    if let Some(refused) = owner_only(&session) {
        return refused;
    }
    let json = ConfigView::of(&state).to_json_string();
    json.with_content_type("application/json")
        .with_header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"cabanas-config.json\"",
        )
        .into_response()
}
