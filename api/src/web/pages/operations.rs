//! Operación (`GET /admin/operacion`, owner only as in the admin API): the health checks,
//! p95 latency and error rate of this API process's last 5 minutes, every channel feed's
//! last sync, the jobs given up on and the webhooks that failed — the same figures as
//! `GET /api/v1/admin/health`, in the owner's words.

use askama::Template;
use poem::{Response, handler, http::StatusCode, web::Data};
use shared::{
    auth::role::AdminRole,
    service::{catalog, operations_health},
};

use super::{problem, render};
use crate::{
    dto::{
        admin::{
            health::{AdminHealthView, FeedSyncView},
            ical_feed::{IcalFeedSource, IcalFeedStatus},
        },
        health::CheckView,
    },
    routes::health::check_health,
    state::AppState,
    web::{session::WebSession, view},
};

/// One health check, in words.
struct CheckRow {
    name: &'static str,
    value: String,
    ok: bool,
}

/// A feed, in words.
struct FeedRow {
    cabin: String,
    source: &'static str,
    status: &'static str,
    ok: bool,
    last_success: String,
    error: String,
}

/// A job given up on, or a webhook that failed.
struct ProblemRow {
    at: String,
    what: String,
    error: String,
}

/// The page.
#[derive(Template)]
#[template(path = "operations.html")]
struct Operations {
    section: &'static str,
    who: String,
    csrf: String,
    overall: &'static str,
    overall_ok: bool,
    checks: Vec<CheckRow>,
    requests: u64,
    p95: String,
    error_rate: String,
    feeds: Vec<FeedRow>,
    failed_jobs_total: u64,
    failed_jobs: Vec<ProblemRow>,
    failed_webhooks_total: u64,
    failed_webhooks: Vec<ProblemRow>,
    refused_webhooks: u64,
}

fn dependency(name: &'static str, check: &CheckView) -> CheckRow {
    let ok = check.error.is_none();
    CheckRow {
        name,
        value: if ok {
            format!("Responde ({} ms)", check.latency_ms)
        } else {
            "No responde".into()
        },
        ok,
    }
}

fn checks(view: &AdminHealthView) -> Vec<CheckRow> {
    let c = &view.checks;
    let worker = match c.worker.status.as_str() {
        "alive" => "Activo".to_owned(),
        "stale" => format!(
            "Sin señales hace {} s",
            c.worker.heartbeat_age_seconds.unwrap_or_default()
        ),
        "missing" => "No hay ningún worker corriendo".to_owned(),
        _ => "Desconocido".to_owned(),
    };
    vec![
        dependency("Base de datos", &c.database),
        dependency("Redis", &c.redis),
        CheckRow {
            name: "Calendarios externos",
            value: if c.calendar_sync.stale_feeds == 0 {
                "Al día".into()
            } else {
                format!(
                    "{} sin sincronizar hace más de 30 min",
                    c.calendar_sync.stale_feeds
                )
            },
            ok: c.calendar_sync.status == "ok",
        },
        CheckRow {
            name: "Cola de trabajos",
            value: format!(
                "{} esperando (la cola más larga: {}, aviso desde {})",
                c.queue.waiting, c.queue.largest_queue, c.queue.threshold
            ),
            ok: c.queue.status == "ok",
        },
        CheckRow {
            name: "Worker",
            value: worker,
            ok: c.worker.status == "alive",
        },
    ]
}

fn feed_row(feed: &FeedSyncView, cabins: &[(i32, String)]) -> FeedRow {
    let source = match feed.source {
        IcalFeedSource::Airbnb => "Airbnb",
        IcalFeedSource::Booking => "Booking.com",
        IcalFeedSource::Vrbo => "Vrbo",
        IcalFeedSource::Other => "Otro calendario",
    };
    let (status, ok) = match feed.status {
        IcalFeedStatus::Pending => ("Todavía no sincronizó", true),
        IcalFeedStatus::Ok => ("Al día", true),
        IcalFeedStatus::Failing => ("Falla", false),
        IcalFeedStatus::Stale => ("Atrasado", false),
    };
    FeedRow {
        cabin: cabins
            .iter()
            .find(|(id, _)| *id == feed.accommodation_id)
            .map_or_else(String::new, |(_, name)| name.clone()),
        source,
        status,
        ok,
        last_success: feed
            .last_success_at
            .map(view::moment)
            .unwrap_or_else(|| "nunca".into()),
        error: feed.last_error.clone().unwrap_or_default(),
    }
}

/// `GET /admin/operacion`.
#[handler]
pub async fn show(session: WebSession, state: Data<&AppState>) -> Response {
    if session.claims.role != AdminRole::Owner {
        return problem(
            StatusCode::FORBIDDEN,
            "Sin permiso",
            "La operación del sistema la ve solo la dueña o el dueño.",
        );
    }
    let now = state.rules.clock.now();
    let (health, snapshot, cabins) = tokio::join!(
        check_health(&state),
        operations_health::snapshot(&state.db, now),
        catalog::list_all(&state.db)
    );
    let (snapshot, cabins) = match (snapshot, cabins) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(e), _) | (_, Err(e)) => return super::failure(&e),
    };
    let cabins: Vec<(i32, String)> = cabins.into_iter().map(|c| (c.id, c.name)).collect();
    let view = AdminHealthView::new(health, state.requests.summary(), snapshot);
    let (overall, overall_ok) = match view.checks.status.as_str() {
        "healthy" => ("Todo funciona", true),
        "degraded" => ("Funciona, con avisos", false),
        _ => ("Hay un problema", false),
    };
    let page = Operations {
        section: "operacion",
        who: session.claims.email.clone(),
        csrf: session.csrf,
        overall,
        overall_ok,
        checks: checks(&view),
        requests: view.requests.requests,
        p95: view
            .requests
            .p95_ms
            .map_or_else(|| "sin datos".into(), |ms| format!("{ms:.0} ms")),
        error_rate: format!("{:.1} %", view.requests.error_rate * 100.0),
        feeds: view
            .ical_feeds
            .iter()
            .map(|f| feed_row(f, &cabins))
            .collect(),
        failed_jobs_total: view.failed_jobs.total,
        failed_jobs: view
            .failed_jobs
            .latest
            .iter()
            .map(|j| ProblemRow {
                at: view::moment(j.failed_at),
                what: j.job_name.clone(),
                error: j.error.chars().take(200).collect(),
            })
            .collect(),
        failed_webhooks_total: view.webhooks.failed_total,
        failed_webhooks: view
            .webhooks
            .latest_failed
            .iter()
            .map(|w| ProblemRow {
                at: view::moment(w.received_at),
                what: w.provider.clone(),
                error: w
                    .last_error
                    .clone()
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
            })
            .collect(),
        refused_webhooks: view.webhooks.refused_last_24h,
    };
    render(&page)
}
