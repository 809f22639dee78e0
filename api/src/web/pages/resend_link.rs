//! `POST /admin/reservas/:code/reenviar-link`: the deposit's payment link sent to the guest
//! again (`shared::service::payment_link_resend`), by WhatsApp when they booked there and by
//! email when they gave one. Back to the reservation's page saying how it went, or the page
//! with the reason it was not sent (not a hold with a deposit owed, lapsed, no way to reach
//! the guest, or sent a moment ago).

use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;
use shared::service::payment_link_resend::{
    self, Channels, RESEND_COOLDOWN, Resend, ResendRefusal,
};

use super::{
    reservation::{NOT_FOUND, prepare, show_page},
    see_other,
};
use crate::{
    state::AppState,
    web::{session::WebSession, view},
};

/// The resend form.
#[derive(Deserialize)]
pub struct ResendForm {
    csrf: String,
}

/// What the owner reads when the link was not sent.
fn explain(refusal: ResendRefusal) -> String {
    match refusal {
        ResendRefusal::NotPayable => {
            "Solo se reenvía el link de una pre-reserva con la seña sin pagar.".into()
        }
        ResendRefusal::HoldExpired => {
            "La pre-reserva ya venció: su link no sirve más. Si el huésped todavía quiere venir, hacé una reserva nueva.".into()
        }
        ResendRefusal::Unreachable => {
            "La reserva no tiene email ni conversación de WhatsApp: no hay a dónde mandar el link. Agregale un email con «Editar huésped y notas».".into()
        }
        ResendRefusal::TooSoon { again_at } => format!(
            "El link ya se reenvió hace menos de {} minutos. Si hace falta, podés mandarlo otra vez desde el {}.",
            RESEND_COOLDOWN.num_minutes(),
            view::moment(again_at)
        ),
    }
}

/// The page's message key for the channels used.
fn done_key(channels: Channels) -> &'static str {
    match (channels.whatsapp, channels.email) {
        (true, true) => "link-ambos",
        (true, false) => "link-whatsapp",
        _ => "link-email",
    }
}

/// `POST /admin/reservas/:code/reenviar-link`.
#[handler]
pub async fn resend(
    session: WebSession,
    state: Data<&AppState>,
    Path(code): Path<String>,
    Form(form): Form<ResendForm>,
) -> Response {
    let (code, ctx) = match prepare(&state, &session, &code, &form.csrf) {
        Ok(ok) => ok,
        Err(refused) => return refused.page(),
    };
    let clock = state.rules.clock.as_ref();
    match payment_link_resend::resend(&state.db, clock, &ctx, &code, &state.queue).await {
        Ok(Resend::Queued(channels)) => see_other(
            &format!("/admin/reservas/{code}?hecho={}", done_key(channels)),
            &[],
        ),
        Ok(Resend::Refused(refusal)) => {
            let refusal = Some((StatusCode::CONFLICT, vec![explain(refusal)]));
            show_page(&state, session, &code, None, refusal).await
        }
        Err(shared::Error::NotFound(_)) => NOT_FOUND.page(),
        Err(e) => super::failure(&e),
    }
}
