//! Nueva reserva (`GET`/`POST /admin/reservas/nueva`, owner only as in the admin API): a stay
//! booked for a guest who called or wrote, held (the deposit link goes out as for any hold) or
//! confirmed at once, through the admin API's booking. A refusal shows the form again, with
//! what was typed and why, in Spanish.

use askama::Template;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form},
};
use serde::Deserialize;
use shared::{
    FieldError,
    auth::role::AdminRole,
    domain::Channel,
    service::{
        admin_reservations::{self, AdminBooking},
        booking::BookingRequest,
        catalog,
        overlaps::{self, Requester},
        quote::QuoteRequest,
    },
};

use super::{Nav, Refused, owner_form_context, render, see_other};
use crate::{
    state::AppState,
    web::{rows::Choice, session::WebSession},
};

/// What staff read here.
const OWNER_ONLY: Refused = Refused::OwnerOnly("Solo la dueña o el dueño carga reservas.");

/// The form as typed (every field text, so nothing typed is lost on a refusal).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewForm {
    csrf: String,
    cabin: String,
    check_in: String,
    check_out: String,
    guests: String,
    guest_name: String,
    guest_phone: String,
    guest_email: String,
    notes: String,
    total_price: String,
    confirm: Option<String>,
}

/// The page.
#[derive(Template)]
#[template(path = "new_reservation.html")]
struct NewPage {
    section: &'static str,
    nav: Nav,
    csrf: String,
    cabins: Vec<Choice>,
    form: NewForm,
    errors: Vec<String>,
}

/// What the owner reads for a refused field.
fn explain(error: &FieldError) -> String {
    match error.field.as_str() {
        "accommodation_id" => "Elegí una cabaña activa.".into(),
        "check_in" | "check_out" | "dates" => {
            "Revisá las fechas: la salida va después de la entrada, dentro de lo permitido.".into()
        }
        "guests" => "La cantidad de personas no entra en esa cabaña.".into(),
        "guest_name" => "El nombre necesita de 2 a 100 caracteres y alguna letra.".into(),
        "guest_phone" => "El teléfono no es válido (por ejemplo +54 9 294 412 3456).".into(),
        "guest_email" => "El email no es válido.".into(),
        "total_price" => "El total es un monto como 150000 o 150000.50.".into(),
        "notes" => "Las notas pueden tener hasta 2000 caracteres.".into(),
        other => format!("Revisá «{other}»: {}", error.message),
    }
}

async fn page(
    state: &AppState,
    session: WebSession,
    form: NewForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let cabins = match catalog::list_active(&state.db).await {
        Ok(cabins) => cabins,
        Err(e) => return super::failure(&e),
    };
    let mut resp = render(&NewPage {
        section: "reservas",
        nav: Nav::of(&session),
        csrf: session.csrf,
        cabins: Choice::cabins(&cabins, &form.cabin),
        form,
        errors,
    });
    if resp.status() == StatusCode::OK {
        resp.set_status(status);
    }
    resp
}

/// `GET /admin/reservas/nueva`.
#[handler]
pub async fn show(session: WebSession, state: Data<&AppState>) -> Response {
    if session.claims.role != AdminRole::Owner {
        return OWNER_ONLY.page();
    }
    let form = NewForm {
        guests: "2".into(),
        ..NewForm::default()
    };
    page(&state, session, form, Vec::new(), StatusCode::OK).await
}

/// `POST /admin/reservas/nueva`.
#[handler]
pub async fn create(
    session: WebSession,
    state: Data<&AppState>,
    Form(form): Form<NewForm>,
) -> Response {
    let ctx = match owner_form_context(&state, &session, &form.csrf, OWNER_ONLY) {
        Ok(ctx) => ctx,
        Err(refused) => return refused.page(),
    };
    let text = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    let booking = AdminBooking {
        request: BookingRequest {
            stay: QuoteRequest {
                accommodation_id: form.cabin.parse().unwrap_or_default(),
                check_in: form.check_in.clone(),
                check_out: form.check_out.clone(),
                guests: form.guests.trim().parse().unwrap_or_default(),
            },
            guest_name: form.guest_name.clone(),
            guest_phone: form.guest_phone.clone(),
            guest_email: text(&form.guest_email),
            channel: Channel::Admin,
            notes: text(&form.notes),
            rejected: Vec::new(),
        },
        total_price: text(&form.total_price),
        confirm: form.confirm.is_some(),
    };
    let booked = admin_reservations::book(&state.db, &state.rules, &ctx, &booking).await;
    let (status, mut errors) =
        match overlaps::counted(&state.redis, &state.keys, Requester::Owner, booked).await {
            Ok(row) => {
                return see_other(&format!("/admin/reservas/{}?hecho=creada", row.code), &[]);
            }
            Err(shared::Error::Invalid(fields)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                fields.iter().map(explain).collect::<Vec<_>>(),
            ),
            Err(shared::Error::Conflict { .. }) => (
                StatusCode::CONFLICT,
                vec!["Esas noches ya están tomadas en esa cabaña.".into()],
            ),
            Err(shared::Error::NotFound(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["Elegí una cabaña activa.".into()],
            ),
            Err(e) => return super::failure(&e),
        };
    errors.dedup();
    if errors.is_empty() {
        errors.push("Revisá los datos.".into());
    }
    page(&state, session, form, errors, status).await
}
