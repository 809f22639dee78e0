//! A reservation's page (`GET /admin/reservas/:code`): guest, stay, price, payments and
//! history, and the owner's actions on it, each a form behind a confirmation step:
//! `POST …/confirmar`, `POST …/cancelar` (with a reason), `POST …/editar` (guest and
//! notes; owner only, as in the admin API) and `POST …/reenviar-link` ([`super::resend_link`]). Success comes back to the page with a message
//! (`?hecho=…`, one of a fixed set); a refusal shows the page again with the reason.

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;
use shared::{
    FieldError,
    auth::role::AdminRole,
    domain::{ReservationCode, ReservationStatus},
    service::{
        admin_reservations::{self, ReservationPatch},
        audit::AuditContext,
        conversation_admin,
        reservations::{self, ReservationDetail},
        transitions,
    },
};

use super::{Nav, Refused, form_context, problem, render_as, see_other};
use crate::{
    state::AppState,
    web::{session::WebSession, view},
};

/// A payment, as a row.
struct PaymentRow {
    created: String,
    status: &'static str,
    amount: String,
    credited: String,
    approved: String,
}

/// An audit entry, as a line.
struct AuditRow {
    at: String,
    action: String,
    actor: String,
}

/// The page.
#[derive(Template)]
#[template(path = "reservation.html")]
struct Detail {
    section: &'static str,
    nav: Nav,
    csrf: String,
    done: Option<&'static str>,
    errors: Vec<String>,
    /// The guest's WhatsApp conversation, when they wrote.
    conversation: Option<String>,
    code: String,
    status: &'static str,
    status_name: &'static str,
    status_class: &'static str,
    guest_name: String,
    guest_phone: String,
    guest_email: String,
    guests: i32,
    notes: String,
    channel: &'static str,
    cabin: String,
    check_in: String,
    check_out: String,
    nights: String,
    expires: Option<String>,
    cancellation_reason: Option<String>,
    price_per_night: String,
    total: String,
    deposit_percent: i16,
    deposit: String,
    paid: String,
    balance: String,
    can_confirm: bool,
    can_cancel: bool,
    can_edit: bool,
    /// A hold with its deposit still owed: its link can be sent again.
    can_resend: bool,
    payments: Vec<PaymentRow>,
    audit: Vec<AuditRow>,
}

/// What the owner reads after an action succeeded.
fn done_message(key: &str) -> Option<&'static str> {
    match key {
        "confirmada" => Some("Reserva confirmada."),
        "cancelada" => Some("Reserva cancelada: las noches quedaron libres."),
        "editada" => Some("Cambios guardados."),
        "creada" => Some("Reserva creada."),
        "link-email" => Some("Link de pago reenviado por email."),
        "link-whatsapp" => Some("Link de pago reenviado por WhatsApp."),
        "link-ambos" => Some("Link de pago reenviado por WhatsApp y por email."),
        _ => None,
    }
}

/// What the owner reads for a refused change.
fn explain(error: &shared::Error) -> Vec<String> {
    match error {
        shared::Error::Invalid(fields) => fields.iter().map(explain_field).collect(),
        shared::Error::Conflict { .. } => {
            vec!["La reserva cambió de estado mientras tanto: revisá los datos de abajo.".into()]
        }
        _ => vec!["No se pudo completar la operación. Probá de nuevo.".into()],
    }
}

fn explain_field(error: &FieldError) -> String {
    match error.field.as_str() {
        "guest_name" => "El nombre necesita de 2 a 100 caracteres y alguna letra.".into(),
        "guest_phone" => "El teléfono no es válido (por ejemplo +54 9 294 412 3456).".into(),
        "guest_email" => "El email no es válido.".into(),
        "notes" => "Las notas pueden tener hasta 2000 caracteres.".into(),
        "reason" => "El motivo es obligatorio y puede tener hasta 500 caracteres.".into(),
        other => format!("El campo «{other}» no es válido."),
    }
}

fn detail_page(session: WebSession, d: ReservationDetail, now: DateTime<Utc>) -> Detail {
    let r = d.reservation;
    let can_resend = r.status == ReservationStatus::PreReserved
        && r.paid_amount < r.deposit_amount
        && r.expires_at.is_some_and(|at| at.to_utc() > now);
    let (status, status_class) = view::status(r.status);
    let editable = ReservationStatus::EDITABLE.contains(&r.status);
    let balance = r.total_price - r.paid_amount;
    Detail {
        section: "reservas",
        can_confirm: r.status.can_become(ReservationStatus::Confirmed),
        can_cancel: r.status.can_become(ReservationStatus::Cancelled),
        can_edit: editable && session.claims.role == AdminRole::Owner,
        can_resend,
        nav: Nav::of(&session),
        csrf: session.csrf,
        done: None,
        errors: Vec::new(),
        conversation: None,
        code: r.code.to_string(),
        status,
        status_name: r.status.as_str(),
        status_class,
        guest_name: r.guest_name.as_str().to_owned(),
        guest_phone: r
            .guest_phone
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        guest_email: r
            .guest_email
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
        guests: r.guests,
        notes: r.notes.unwrap_or_default(),
        channel: view::channel(r.channel),
        cabin: d.accommodation_name,
        check_in: view::date(r.check_in),
        check_out: view::date(r.check_out),
        nights: view::nights(i64::from(r.nights)),
        expires: (r.status == ReservationStatus::PreReserved)
            .then_some(r.expires_at)
            .flatten()
            .map(|at| view::moment(at.to_utc())),
        cancellation_reason: r.cancellation_reason,
        price_per_night: view::money(r.price_per_night),
        total: view::money(r.total_price),
        deposit_percent: r.deposit_percent,
        deposit: view::money(r.deposit_amount),
        paid: view::money(r.paid_amount),
        balance: view::money(balance),
        payments: d
            .payments
            .into_iter()
            .map(|p| PaymentRow {
                created: view::moment(p.created_at.to_utc()),
                status: view::payment(p.status),
                amount: view::money(p.amount),
                credited: view::money(p.credited_amount),
                approved: p
                    .approved_at
                    .map(|at| view::moment(at.to_utc()))
                    .unwrap_or_default(),
            })
            .collect(),
        audit: d
            .audit
            .into_iter()
            .map(|a| AuditRow {
                at: view::moment(a.occurred_at.to_utc()),
                action: view::action(&a.action),
                actor: a.actor,
            })
            .collect(),
    }
}

/// The page of an unknown code.
pub(super) const NOT_FOUND: Refused = Refused::NotFound(
    "Reserva no encontrada",
    "No hay ninguna reserva con ese código.",
);

fn parse_code(raw: &str) -> Result<ReservationCode, Refused> {
    ReservationCode::parse(raw).ok_or(NOT_FOUND)
}

/// The code of a form's reservation and the session's audit context, once the form's CSRF
/// token checks out.
pub(super) fn prepare(
    state: &AppState,
    session: &WebSession,
    code: &str,
    token: &str,
) -> Result<(ReservationCode, AuditContext), Refused> {
    Ok((parse_code(code)?, form_context(state, session, token)?))
}

/// The page of `code`, with `done` or `refusal` shown, answered with `status`.
pub(super) async fn show_page(
    state: &AppState,
    session: WebSession,
    code: &ReservationCode,
    done: Option<&'static str>,
    refusal: Option<(StatusCode, Vec<String>)>,
) -> Response {
    let now = state.rules.clock.now();
    match reservations::detail(&state.db, code).await {
        Ok(d) => {
            let conversation = match &d.reservation.guest_phone {
                Some(phone) => conversation_admin::summary(&state.db, phone, now)
                    .await
                    .ok()
                    .map(|(_, c)| {
                        format!("/admin/conversaciones/{}", c.phone.trim_start_matches('+'))
                    }),
                None => None,
            };
            let mut page = detail_page(session, d, now);
            page.conversation = conversation;
            page.done = done;
            let status = refusal.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
            page.errors = refusal.map(|(_, e)| e).unwrap_or_default();
            render_as(status, &page)
        }
        Err(shared::Error::NotFound(_)) => NOT_FOUND.page(),
        Err(e) => super::failure(&e),
    }
}

/// `GET /admin/reservas/:code`.
#[handler]
pub async fn show(
    req: &Request,
    session: WebSession,
    state: Data<&AppState>,
    Path(code): Path<String>,
) -> Response {
    let code = match parse_code(&code) {
        Ok(code) => code,
        Err(refused) => return refused.page(),
    };
    let done = req
        .uri()
        .query()
        .and_then(|q| q.strip_prefix("hecho="))
        .and_then(done_message);
    show_page(&state, session, &code, done, None).await
}

/// After an action: back to the page with its message, or the page with the refusal.
async fn outcome<T>(
    state: &AppState,
    session: WebSession,
    code: &ReservationCode,
    result: shared::Result<T>,
    done: &str,
) -> Response {
    match result {
        Ok(_) => see_other(&format!("/admin/reservas/{code}?hecho={done}"), &[]),
        Err(shared::Error::NotFound(_)) => NOT_FOUND.page(),
        Err(e @ (shared::Error::Invalid(_) | shared::Error::Conflict { .. })) => {
            let status = if matches!(e, shared::Error::Invalid(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            show_page(state, session, code, None, Some((status, explain(&e)))).await
        }
        Err(e) => super::failure(&e),
    }
}

/// The confirm form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
}

/// The cancel form.
#[derive(Deserialize)]
pub struct CancelForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// The edit form.
#[derive(Deserialize)]
pub struct EditForm {
    csrf: String,
    #[serde(default)]
    guest_name: String,
    #[serde(default)]
    guest_phone: String,
    #[serde(default)]
    guest_email: String,
    #[serde(default)]
    notes: String,
}

/// `POST /admin/reservas/:code/confirmar`.
#[handler]
pub async fn confirm(
    session: WebSession,
    state: Data<&AppState>,
    Path(code): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let (code, ctx) = match prepare(&state, &session, &code, &form.csrf) {
        Ok(ok) => ok,
        Err(refused) => return refused.page(),
    };
    let clock = state.rules.clock.as_ref();
    let result = transitions::transition_notifying(
        &state.db,
        clock,
        &ctx,
        &code,
        ReservationStatus::Confirmed,
        None,
        Some(&state.queue),
    )
    .await;
    outcome(&state, session, &code, result, "confirmada").await
}

/// `POST /admin/reservas/:code/cancelar`.
#[handler]
pub async fn cancel(
    session: WebSession,
    state: Data<&AppState>,
    Path(code): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let (code, ctx) = match prepare(&state, &session, &code, &form.csrf) {
        Ok(ok) => ok,
        Err(refused) => return refused.page(),
    };
    let result = if form.reason.trim().is_empty() {
        Err(shared::Error::Invalid(vec![FieldError::new(
            "reason",
            "required",
            "the reason is required",
        )]))
    } else {
        transitions::transition_notifying(
            &state.db,
            state.rules.clock.as_ref(),
            &ctx,
            &code,
            ReservationStatus::Cancelled,
            Some(&form.reason),
            Some(&state.queue),
        )
        .await
    };
    outcome(&state, session, &code, result, "cancelada").await
}

/// `POST /admin/reservas/:code/editar` (owner only).
#[handler]
pub async fn edit(
    session: WebSession,
    state: Data<&AppState>,
    Path(code): Path<String>,
    Form(form): Form<EditForm>,
) -> Response {
    let (code, ctx) = match prepare(&state, &session, &code, &form.csrf) {
        Ok(ok) => ok,
        Err(refused) => return refused.page(),
    };
    if session.claims.role != AdminRole::Owner {
        return problem(
            StatusCode::FORBIDDEN,
            "Sin permiso",
            "Solo la dueña o el dueño puede editar reservas.",
        );
    }
    let patch = ReservationPatch {
        guest_name: Some(form.guest_name),
        guest_phone: Some(form.guest_phone),
        guest_email: Some(form.guest_email),
        notes: Some(form.notes),
        ..ReservationPatch::default()
    };
    let result = admin_reservations::update(&state.db, &state.rules, &ctx, &code, &patch).await;
    outcome(&state, session, &code, result, "editada").await
}
