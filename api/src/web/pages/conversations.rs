//! Conversaciones: the guests waiting for the owner (handed off by the bot) first, then the
//! latest conversations (`GET /admin/conversaciones`); a conversation's thread
//! (`GET /admin/conversaciones/:phone`) with the owner's reply, inside WhatsApp's 24-hour
//! window (`POST …/responder`), and giving it back to the bot (`POST …/resolver`). Replying and
//! resolving are the owner's, as in the admin API.

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;
use shared::{
    auth::role::AdminRole,
    domain::{
        PhoneNumber,
        conversation::{HandOffReason, MessageAuthor},
        whatsapp::MessageDirection,
    },
    service::{
        audit,
        conversation_admin::{self, ConversationFilter, ConversationMessage, ConversationSummary},
        conversation_reply::{self, NotConfigured},
    },
};

use super::{Nav, Refused, owner_form_context, problem, query_pairs, render, see_other};
use crate::{
    pagination::PageParams,
    state::AppState,
    web::{session::WebSession, view},
};

/// Conversations per list.
const LISTED: i64 = 50;

/// A conversation, as a row.
struct ConversationRow {
    href: String,
    who: String,
    phone: String,
    reason: &'static str,
    unanswered: u64,
    last: String,
    preview: String,
}

/// A message, as a bubble.
struct MessageRow {
    mine: bool,
    author: &'static str,
    at: String,
    text: String,
    problem: Option<String>,
}

/// The list.
#[derive(Template)]
#[template(path = "conversations.html")]
struct List {
    section: &'static str,
    nav: Nav,
    csrf: String,
    waiting: Vec<ConversationRow>,
    recent: Vec<ConversationRow>,
}

/// A thread.
#[derive(Template)]
#[template(path = "conversation.html")]
struct Thread {
    section: &'static str,
    nav: Nav,
    csrf: String,
    phone: String,
    path: String,
    guest: String,
    handed_off: bool,
    reason: &'static str,
    window_open: bool,
    owner: bool,
    has_older: bool,
    messages: Vec<MessageRow>,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

fn reason(reason: Option<HandOffReason>) -> &'static str {
    match reason {
        Some(HandOffReason::Cancel) => "Quiere cancelar",
        Some(HandOffReason::Human) => "Pidió hablar con una persona",
        Some(HandOffReason::Misunderstood) => "El bot no le entendió",
        Some(HandOffReason::Complaint) => "Tiene un reclamo",
        None => "",
    }
}

fn moment(at: Option<DateTime<Utc>>) -> String {
    at.map(view::moment).unwrap_or_default()
}

fn path_of(phone: &str) -> String {
    format!("/admin/conversaciones/{}", phone.trim_start_matches('+'))
}

fn row(c: &ConversationSummary) -> ConversationRow {
    ConversationRow {
        href: path_of(&c.phone),
        who: c.profile_name.clone().unwrap_or_else(|| c.phone.clone()),
        phone: c.phone.clone(),
        reason: if c.handed_off {
            reason(c.hand_off_reason)
        } else {
            ""
        },
        unanswered: c.unanswered,
        last: moment(c.last_message_at.max(Some(c.last_guest_message_at))),
        preview: c.last_message_preview.clone().unwrap_or_default(),
    }
}

fn bubble(m: &ConversationMessage) -> MessageRow {
    let mine = m.direction == MessageDirection::Outbound;
    MessageRow {
        mine,
        author: match (mine, m.author) {
            (false, _) => "Huésped",
            (true, Some(MessageAuthor::Owner)) => "Vos",
            (true, _) => "Bot",
        },
        at: view::moment(m.at),
        text: m.text.clone().unwrap_or_else(|| format!("[{}]", m.kind)),
        problem: m.error.clone(),
    }
}

/// `GET /admin/conversaciones`.
#[handler]
pub async fn list(session: WebSession, state: Data<&AppState>) -> Response {
    let now = state.rules.clock.now();
    let Ok(page) = PageParams::parse(Some(1), Some(LISTED)) else {
        return problem(StatusCode::INTERNAL_SERVER_ERROR, "Algo salió mal", "");
    };
    let waiting = ConversationFilter {
        handed_off: Some(true),
        ..ConversationFilter::default()
    };
    let everyone = ConversationFilter::default();
    let (waiting, recent) = tokio::join!(
        conversation_admin::list(&state.db, &waiting, page.into(), now),
        conversation_admin::list(&state.db, &everyone, page.into(), now)
    );
    let (waiting, recent) = match (waiting, recent) {
        (Ok(w), Ok(r)) => (w, r),
        (Err(e), _) | (_, Err(e)) => return super::failure(&e),
    };
    render(&List {
        section: "conversaciones",
        nav: Nav::of(&session),
        csrf: session.csrf,
        waiting: waiting.items.iter().map(row).collect(),
        recent: recent
            .items
            .iter()
            .filter(|c| !c.handed_off)
            .map(row)
            .collect(),
    })
}

/// The thread of `phone`, with a message or an error, answered with `status`.
async fn thread(
    state: &AppState,
    session: WebSession,
    phone: &PhoneNumber,
    done: Option<&'static str>,
    error: Option<(StatusCode, &'static str)>,
) -> Response {
    let now = state.rules.clock.now();
    let detail = match conversation_admin::detail(&state.db, phone, now).await {
        Ok(d) => d,
        Err(e) => return super::failure(&e),
    };
    let c = &detail.conversation;
    let page = Thread {
        section: "conversaciones",
        owner: session.claims.role == AdminRole::Owner,
        nav: Nav::of(&session),
        csrf: session.csrf,
        phone: c.phone.clone(),
        path: path_of(&c.phone),
        guest: c.profile_name.clone().unwrap_or_else(|| c.phone.clone()),
        handed_off: c.handed_off,
        reason: reason(c.hand_off_reason),
        window_open: c.window_open,
        has_older: detail.has_older,
        messages: detail.messages.iter().map(bubble).collect(),
        done,
        error: error.map(|(_, e)| e),
    };
    let mut resp = render(&page);
    if let Some((status, _)) = error
        && resp.status() == StatusCode::OK
    {
        resp.set_status(status);
    }
    resp
}

/// The page of an unknown guest.
const NOT_FOUND: Refused = Refused::NotFound(
    "Conversación no encontrada",
    "No hay ninguna conversación con ese teléfono.",
);

fn guest(raw: &str) -> Result<PhoneNumber, Refused> {
    conversation_admin::guest_phone(raw).map_err(|_| NOT_FOUND)
}

/// `GET /admin/conversaciones/:phone`.
#[handler]
pub async fn show(
    req: &Request,
    session: WebSession,
    state: Data<&AppState>,
    Path(phone): Path<String>,
) -> Response {
    let phone = match guest(&phone) {
        Ok(p) => p,
        Err(refused) => return refused.page(),
    };
    let done = match query_pairs(req).get("hecho").map(String::as_str) {
        Some("respondida") => Some("Respuesta enviada."),
        Some("resuelta") => Some("La conversación volvió al bot."),
        _ => None,
    };
    thread(&state, session, &phone, done, None).await
}

/// The reply form.
#[derive(Deserialize)]
pub struct ReplyForm {
    csrf: String,
    #[serde(default)]
    text: String,
}

/// The resolve form.
#[derive(Deserialize)]
pub struct ResolveForm {
    csrf: String,
}

/// The guest and the owner's audit context of an owner's form, or the refusal.
fn owner_form(
    state: &AppState,
    session: &WebSession,
    phone: &str,
    token: &str,
) -> Result<(PhoneNumber, audit::AuditContext), Refused> {
    let phone = guest(phone)?;
    let only = Refused::OwnerOnly("Solo la dueña o el dueño responde a los huéspedes.");
    Ok((phone, owner_form_context(state, session, token, only)?))
}

/// `POST /admin/conversaciones/:phone/responder`.
#[handler]
pub async fn reply(
    session: WebSession,
    state: Data<&AppState>,
    Path(phone): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let (phone, ctx) = match owner_form(&state, &session, &phone, &form.csrf) {
        Ok(ok) => ok,
        Err(refused) => return refused.page(),
    };
    match conversation_reply::reply(state.outbox(), &ctx, &phone, &form.text).await {
        Ok(_) => see_other(
            &format!("{}?hecho=respondida", path_of(phone.as_str())),
            &[],
        ),
        Err(shared::Error::Invalid(_)) => {
            let error = "Escribí un texto de hasta 4096 caracteres.";
            thread(
                &state,
                session,
                &phone,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, error)),
            )
            .await
        }
        Err(shared::Error::Conflict { .. }) => {
            let error = "El huésped escribió hace más de 24 horas: WhatsApp no deja responder con texto libre hasta que vuelva a escribir.";
            thread(
                &state,
                session,
                &phone,
                None,
                Some((StatusCode::CONFLICT, error)),
            )
            .await
        }
        Err(shared::Error::Unavailable(source)) if source.is::<NotConfigured>() => {
            let error =
                "WhatsApp no está configurado en este servidor: no se pueden enviar respuestas.";
            thread(
                &state,
                session,
                &phone,
                None,
                Some((StatusCode::SERVICE_UNAVAILABLE, error)),
            )
            .await
        }
        Err(e) => super::failure(&e),
    }
}

/// `POST /admin/conversaciones/:phone/resolver`.
#[handler]
pub async fn resolve(
    session: WebSession,
    state: Data<&AppState>,
    Path(phone): Path<String>,
    Form(form): Form<ResolveForm>,
) -> Response {
    let (phone, ctx) = match owner_form(&state, &session, &phone, &form.csrf) {
        Ok(ok) => ok,
        Err(refused) => return refused.page(),
    };
    let clock = state.rules.clock.as_ref();
    match conversation_admin::resolve(&state.db, clock, &ctx, &phone).await {
        Ok(_) => see_other(&format!("{}?hecho=resuelta", path_of(phone.as_str())), &[]),
        Err(e) => super::failure(&e),
    }
}
