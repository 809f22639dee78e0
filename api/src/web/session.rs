//! The dashboard's session: the admin JWT of `POST /api/v1/admin/login`, kept in a cookie.
//!
//! The cookie is `HttpOnly` (no script reads it), `Secure` (HTTPS only; browsers also accept
//! it from `http://localhost`), `SameSite=Strict` (never sent by another site's page) and
//! scoped to [`super::PREFIX`]. Each request verifies the token completely, as the admin API
//! does ([`crate::auth::verify`]): a revoked, expired or superseded session sends the browser
//! back to the login page.

use poem::{
    FromRequest, IntoResponse, Request, RequestBody, Response,
    http::{HeaderValue, StatusCode, header},
    web::Redirect,
};
use shared::auth::token::Claims;

use super::{PREFIX, csrf};
use crate::{auth, state::AppState};

/// The session cookie's name.
pub const COOKIE: &str = "cabanas_admin";

/// A logged-in owner or staff member, with the CSRF token of their forms.
pub struct WebSession {
    /// The verified token's claims.
    pub claims: Claims,
    /// The value every form of this session carries (see [`csrf`]).
    pub csrf: String,
}

/// The value of cookie `name` in the request, if any (the first one, when repeated).
pub fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// A `Set-Cookie` value for `name` under the dashboard, alive `max_age` seconds (0 deletes it).
pub fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    let value = format!(
        "{name}={value}; Path={PREFIX}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The answer to a request without a valid session: the login page.
pub fn to_login() -> Response {
    Redirect::see_other(format!("{PREFIX}/login")).into_response()
}

impl<'a> FromRequest<'a> for WebSession {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
        let Some(token) = cookie(req, COOKIE) else {
            return Err(poem::Error::from_response(to_login()));
        };
        match auth::verify(state, token).await {
            Ok(claims) => Ok(Self {
                csrf: csrf::token(&state.settings.jwt_secret, &claims.jti),
                claims,
            }),
            Err(e) if e.status() == StatusCode::UNAUTHORIZED => {
                Err(poem::Error::from_response(to_login()))
            }
            Err(e) => Err(e),
        }
    }
}
