//! The dashboard's pages and the answers they share (rendered HTML, the problem page).

pub mod calendar;
pub mod conversations;
pub mod home;
pub mod login;
pub mod new_reservation;
pub mod operations;
pub mod resend_link;
pub mod reservation;
pub mod reservations;
pub mod settings;
pub mod webhook_log;

use std::collections::HashMap;

use askama::Template;
use poem::{
    IntoResponse, Request, Response,
    http::{StatusCode, header},
};

use crate::middleware::trace_id;

/// The problem page: what went wrong in the owner's words, with the trace id to report.
#[derive(Template)]
#[template(path = "problem.html")]
struct Problem<'a> {
    title: &'a str,
    message: &'a str,
    trace_id: String,
}

/// `template` as a `200` HTML page.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(e) => broken(&e),
    }
}

/// `template` as an HTML page answered with `status` (the 500 page if it fails to render).
pub fn render_as(status: StatusCode, template: &impl Template) -> Response {
    let mut resp = render(template);
    if resp.status() == StatusCode::OK {
        resp.set_status(status);
    }
    resp
}

fn html_response(status: StatusCode, html: String) -> Response {
    html.with_content_type("text/html; charset=utf-8")
        .with_status(status)
        .into_response()
}

/// The problem page with `status`.
pub fn problem(status: StatusCode, title: &str, message: &str) -> Response {
    let page = Problem {
        title,
        message,
        trace_id: trace_id::current(),
    };
    // The problem page has no data of its own to fail on; plain text if it ever does.
    page.render().map_or_else(
        |_| (status, message.to_owned()).into_response(),
        |html| html_response(status, html),
    )
}

/// A template that failed to render (a bug): logged, and a 500 problem page.
pub fn broken(error: &askama::Error) -> Response {
    tracing::error!(error = %error, "dashboard template failed to render");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Algo salió mal",
        "No pudimos mostrar esta página. Si vuelve a pasar, avisá con el código de abajo.",
    )
}

/// A service error as a problem page (logged as the API logs it).
pub fn failure(error: &shared::Error) -> Response {
    match error {
        shared::Error::Unavailable(source) => {
            tracing::warn!(error = %source, "dashboard: dependency unavailable");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Servicio no disponible",
                "La base de datos o Redis no responde. Probá de nuevo en unos segundos.",
            )
        }
        shared::Error::NotFound(_) => problem(
            StatusCode::NOT_FOUND,
            "No encontrado",
            "Lo que buscás no existe o fue borrado.",
        ),
        other => {
            tracing::error!(error = %other, "dashboard: unexpected error");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Algo salió mal",
                "No pudimos completar la operación. Si vuelve a pasar, avisá con el código de abajo.",
            )
        }
    }
}

/// A `303 See Other` to `location` with `Set-Cookie` headers.
pub fn see_other(location: &str, cookies: &[poem::http::HeaderValue]) -> Response {
    let mut resp = poem::web::Redirect::see_other(location).into_response();
    for cookie in cookies {
        resp.headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    resp
}

/// The query string's parameters, the first value of each key, trimmed. Never fails: a
/// repeated key, an odd encoding or no query at all is no error.
pub fn query_pairs(req: &Request) -> HashMap<String, String> {
    pairs_of(req.uri().query().unwrap_or_default())
}

/// [`query_pairs`] of a query string (`a=1&b=2`) carried some other way, e.g. in a form.
pub fn pairs_of(query: &str) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut first = HashMap::new();
    for (key, value) in pairs {
        first.entry(key).or_insert_with(|| value.trim().to_owned());
    }
    first
}

/// Where a list's page is among its pages (the summary line and `pager.html`).
#[derive(Default)]
pub struct Pager {
    /// Rows matching the filter, over all pages.
    pub total: u64,
    /// This page's number (1-based).
    pub page: u64,
    /// How many pages there are (at least 1).
    pub pages: u64,
    /// The previous page's address.
    pub prev: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

impl Pager {
    /// Page `paging` of `total` rows; `link` gives the address of page `n`.
    pub fn new(
        total: u64,
        paging: crate::pagination::PageParams,
        link: impl Fn(u64) -> String,
    ) -> Self {
        let page = paging.page();
        let pages = total.div_ceil(paging.page_size()).max(1);
        Self {
            total,
            page,
            pages,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// Rows per page of the dashboard's lists.
pub const PAGE_SIZE: i64 = 25;

/// `pairs` as a query string (`a=1&b=2`), those with an empty value left out.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let pairs: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// A list's `page` parameter as sent: absent when empty, and a number that is no page (0,
/// which the page check refuses) when it is not one.
pub fn page_number(raw: &str) -> Option<i64> {
    (!raw.is_empty()).then(|| raw.parse::<i64>().unwrap_or(0))
}

/// What the navigation bar of every page knows of the session: who is in, and whether the
/// owner-only sections (Operación, Configuración) are offered. Staff do not see those links;
/// a staff member who types their address still gets the 403 page.
pub struct Nav {
    /// The email shown beside «Salir».
    pub who: String,
    /// Whether the owner-only links are shown.
    pub owner: bool,
}

impl Nav {
    /// The bar of `session`.
    pub fn of(session: &super::session::WebSession) -> Self {
        Self {
            who: session.claims.email.clone(),
            owner: session.claims.role == shared::auth::role::AdminRole::Owner,
        }
    }
}

/// Why a request is refused before any work (small, so the `Result`s that carry it stay small).
#[derive(Clone, Copy, Debug)]
pub enum Refused {
    /// Nothing has that key: the page's title and message.
    NotFound(&'static str, &'static str),
    /// The form's CSRF token is not this session's.
    Forged,
    /// The owner's only: what the staff member reads.
    OwnerOnly(&'static str),
}

impl Refused {
    /// The problem page.
    pub fn page(self) -> Response {
        match self {
            Self::NotFound(title, message) => problem(StatusCode::NOT_FOUND, title, message),
            Self::Forged => problem(
                StatusCode::FORBIDDEN,
                "Formulario vencido",
                "Recargá la página y probá de nuevo.",
            ),
            Self::OwnerOnly(message) => problem(StatusCode::FORBIDDEN, "Sin permiso", message),
        }
    }
}

/// The audit context of a session's form, once its CSRF token checks out.
pub fn form_context(
    state: &crate::state::AppState,
    session: &super::session::WebSession,
    token: &str,
) -> Result<shared::service::audit::AuditContext, Refused> {
    if !super::csrf::verify(&state.settings.jwt_secret, &session.claims.jti, token) {
        return Err(Refused::Forged);
    }
    Ok(shared::service::audit::admin_context(
        &session.claims.email,
        trace_id::current(),
    ))
}

/// [`form_context`] of a form only the owner may send: `refused` for anyone else.
pub fn owner_form_context(
    state: &crate::state::AppState,
    session: &super::session::WebSession,
    token: &str,
    refused: Refused,
) -> Result<shared::service::audit::AuditContext, Refused> {
    let ctx = form_context(state, session, token)?;
    if session.claims.role != shared::auth::role::AdminRole::Owner {
        return Err(refused);
    }
    Ok(ctx)
}
