//! Operación (`GET /admin/operacion`, owner only as in the admin API): the health checks,
//! p95 latency and error rate of this API process's last 5 minutes, every channel feed's
//! last sync, the jobs given up on and the webhooks that failed — the same figures as
//! `GET /api/v1/admin/health`, in the owner's words.

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;
use shared::{
    auth::role::AdminRole,
    service::{
        catalog,
        ical_feeds::{self, NewFeed},
        operations_health,
    },
};

use super::{Nav, Refused, owner_form_context, problem, query_pairs, render, see_other};
use crate::{
    dto::{
        admin::{
            health::{AdminHealthView, FeedSyncView},
            ical_feed::{IcalFeedSource, IcalFeedStatus},
        },
        health::CheckView,
    },
    routes::{
        admin::{ical_feeds::sync_now, operations},
        health::check_health,
    },
    state::AppState,
    web::{rows::Choice, session::WebSession, view},
};

/// One health check, in words.
struct CheckRow {
    name: &'static str,
    value: String,
    ok: bool,
}

/// A feed, in words.
struct FeedRow {
    id: i64,
    cabin: String,
    source: &'static str,
    status: &'static str,
    ok: bool,
    last_success: String,
    error: String,
}

/// A job given up on, or a webhook that failed, and the path of the action that retries it
/// (`None` once a job was retried).
struct ProblemRow {
    action: Option<String>,
    at: String,
    what: String,
    error: String,
}

/// The page.
#[derive(Template)]
#[template(path = "operations.html")]
struct Operations {
    section: &'static str,
    nav: Nav,
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
    done: Option<&'static str>,
    cabins: Vec<Choice>,
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
        id: feed.id,
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

/// Where Operación lives.
pub(super) const PATH: &str = "/admin/operacion";
/// What staff read here.
pub(super) const OWNER_ONLY: Refused =
    Refused::OwnerOnly("La operación del sistema la ve solo la dueña o el dueño.");

/// `GET /admin/operacion`.
#[handler]
pub async fn show(req: &Request, session: WebSession, state: Data<&AppState>) -> Response {
    if session.claims.role != AdminRole::Owner {
        return OWNER_ONLY.page();
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
    let choices = Choice::cabins(&cabins, "");
    let cabins: Vec<(i32, String)> = cabins.into_iter().map(|c| (c.id, c.name)).collect();
    let view = AdminHealthView::new(health, state.requests.summary(), snapshot);
    let (overall, overall_ok) = match view.checks.status.as_str() {
        "healthy" => ("Todo funciona", true),
        "degraded" => ("Funciona, con avisos", false),
        _ => ("Hay un problema", false),
    };
    let page = Operations {
        section: "operacion",
        nav: Nav::of(&session),
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
                action: j
                    .retried_at
                    .is_none()
                    .then(|| format!("{PATH}/trabajos/{}/reintentar", j.id)),
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
                action: Some(format!("{PATH}/webhooks/{}/reenviar", w.id)),
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
        cabins: choices,
        done: match query_pairs(req).get("hecho").map(String::as_str) {
            Some("reintentado") => Some("El trabajo volvió a la cola."),
            Some("reenviado") => Some("El webhook se volvió a procesar."),
            Some("sincronizado") => Some("Calendario sincronizado."),
            Some("agregado") => Some("Calendario agregado: se sincroniza en el próximo ciclo."),
            Some("quitado") => Some("Calendario quitado: sus noches quedaron libres."),
            _ => None,
        },
    };
    render(&page)
}

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
}

/// Which action of Operación.
#[derive(Clone, Copy)]
enum Action {
    RetryJob,
    SyncFeed,
    RemoveFeed,
}

/// Runs `action` on `id` for the owner and comes back to Operación with what happened.
async fn act(
    state: &AppState,
    session: &WebSession,
    token: &str,
    action: Action,
    id: i64,
) -> Response {
    let ctx = match owner_form_context(state, session, token, OWNER_ONLY) {
        Ok(ctx) => ctx,
        Err(refused) => return refused.page(),
    };
    let (result, done) = match action {
        Action::RetryJob => (
            operations::retry(state, &ctx, id).await.map(drop),
            "reintentado",
        ),
        Action::SyncFeed => (sync_now(state, id).await.map(drop), "sincronizado"),
        Action::RemoveFeed => (
            ical_feeds::remove(&state.db, state.rules.clock.as_ref(), &ctx, id)
                .await
                .map(drop),
            "quitado",
        ),
    };
    acted(result, &format!("{PATH}?hecho={done}"))
}

/// After an action of Operación: to `location`, or the page saying why it could not be done.
pub(super) fn acted(result: shared::Result<()>, location: &str) -> Response {
    match result {
        Ok(()) => see_other(location, &[]),
        Err(shared::Error::Invalid(_) | shared::Error::Conflict { .. }) => problem(
            StatusCode::CONFLICT,
            "No se pudo",
            "Esto ya no se puede hacer: puede que ya se haya hecho, o que sus datos ya no estén.",
        ),
        Err(e) => super::failure(&e),
    }
}

/// `POST /admin/operacion/trabajos/:id/reintentar`: a failed job back on its queue.
#[handler]
pub async fn retry_job(
    session: WebSession,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(&state, &session, &form.csrf, Action::RetryJob, id).await
}

/// `POST /admin/operacion/calendarios/:id/sincronizar`: a channel feed synced now.
#[handler]
pub async fn sync_feed(
    session: WebSession,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(&state, &session, &form.csrf, Action::SyncFeed, id).await
}

/// `POST /admin/operacion/calendarios/:id/quitar`: stop importing a channel feed.
#[handler]
pub async fn remove_feed(
    session: WebSession,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Response {
    act(&state, &session, &form.csrf, Action::RemoveFeed, id).await
}

/// The form adding a channel feed.
#[derive(Deserialize)]
pub struct FeedForm {
    csrf: String,
    #[serde(default)]
    cabin: String,
    #[serde(default)]
    url: String,
}

/// `POST /admin/operacion/calendarios`: import a channel's calendar for a cabin.
#[handler]
pub async fn add_feed(
    session: WebSession,
    state: Data<&AppState>,
    Form(form): Form<FeedForm>,
) -> Response {
    let ctx = match owner_form_context(&state, &session, &form.csrf, OWNER_ONLY) {
        Ok(ctx) => ctx,
        Err(refused) => return refused.page(),
    };
    let Ok(cabin) = form.cabin.parse::<i32>() else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Falta la cabaña",
            "Elegí la cabaña del calendario.",
        );
    };
    let feed = NewFeed::new(cabin, form.url.trim().to_owned(), None);
    match ical_feeds::create(&state.db, state.rules.clock.as_ref(), &ctx, &feed).await {
        Ok(_) => see_other(&format!("{PATH}?hecho=agregado"), &[]),
        Err(shared::Error::Invalid(_)) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Dirección inválida",
            "Pegá la dirección https que da el canal en «Exportar calendario», sin usuario ni contraseña.",
        ),
        Err(shared::Error::Conflict { .. }) => problem(
            StatusCode::CONFLICT,
            "Ya estaba",
            "Esa cabaña ya importa ese calendario.",
        ),
        Err(shared::Error::NotFound(_)) => problem(
            StatusCode::NOT_FOUND,
            "Cabaña no encontrada",
            "Esa cabaña no existe.",
        ),
        Err(e) => super::failure(&e),
    }
}
