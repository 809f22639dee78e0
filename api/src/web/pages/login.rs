//! Ingresar and Salir: `GET`/`POST /admin/login`, `POST /admin/logout`.
//!
//! The login form is protected by a double-submit token (a cookie and a hidden field, both
//! random, compared on submit); logout by the session's own CSRF token. A wrong password, an
//! unknown email and a locked account all read the same, as in the admin API.

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form},
};
use serde::Deserialize;
use shared::service::admin_sessions;

use super::{form_context, render, see_other};
use crate::{
    client_ip::ClientIp,
    routes::admin::session::log_in,
    state::AppState,
    web::{
        PREFIX, csrf,
        session::{self, COOKIE, WebSession},
    },
};

/// The cookie of the login form's double-submit token.
const LOGIN_CSRF_COOKIE: &str = "cabanas_login_csrf";
/// How long a login form stays valid (seconds).
const LOGIN_FORM_SECONDS: i64 = 3600;

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
struct Login<'a> {
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

/// The login form as submitted.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
}

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// The login page with a fresh form token, `status`, the email to keep and an error to show.
fn login_page(status: StatusCode, email: &str, error: Option<&str>) -> Response {
    let token = csrf::random();
    let mut resp = render(&Login {
        csrf: &token,
        email,
        error,
    });
    if resp.status() == StatusCode::OK {
        resp.set_status(status);
    }
    resp.headers_mut().append(
        poem::http::header::SET_COOKIE,
        session::set_cookie(LOGIN_CSRF_COOKIE, &token, LOGIN_FORM_SECONDS),
    );
    resp
}

/// `GET /admin/login`.
#[handler]
pub fn show_form() -> Response {
    login_page(StatusCode::OK, "", None)
}

/// `POST /admin/login`: the session cookie and a redirect to Inicio, or the form again with
/// the reason.
#[handler]
pub async fn submit(
    req: &Request,
    state: Data<&AppState>,
    client: ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    if !csrf::same(session::cookie(req, LOGIN_CSRF_COOKIE), &form.csrf) {
        return login_page(
            StatusCode::FORBIDDEN,
            &form.email,
            Some("El formulario venció. Volvé a ingresar tus datos."),
        );
    }
    match log_in(&state, client, &form.email, &form.password).await {
        Ok(session) => {
            let max_age = session.claims.exp - session.claims.iat;
            see_other(
                PREFIX,
                &[
                    session::set_cookie(COOKIE, &session.token, max_age),
                    session::set_cookie(LOGIN_CSRF_COOKIE, "", 0),
                ],
            )
        }
        Err(shared::Error::Unauthorized | shared::Error::Invalid(_)) => login_page(
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some("Email o contraseña incorrectos, o la cuenta está bloqueada por unos minutos."),
        ),
        Err(shared::Error::TooMany { .. }) => login_page(
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            Some("Hay demasiados ingresos en curso. Probá de nuevo en unos segundos."),
        ),
        Err(e) => super::failure(&e),
    }
}

/// `POST /admin/logout`: revokes the session and clears its cookie.
#[handler]
pub async fn logout(
    session: WebSession,
    state: Data<&AppState>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = form_context(&state, &session, &form.csrf) {
        return refused.page();
    }
    let now = state.rules.clock.now();
    if let Err(e) = admin_sessions::revoke(&state.db, &session.claims, now).await {
        return super::failure(&e);
    }
    see_other(
        &format!("{PREFIX}/login"),
        &[session::set_cookie(COOKIE, "", 0)],
    )
}
