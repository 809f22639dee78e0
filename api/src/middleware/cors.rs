//! CORS for browser clients on the `ALLOWED_ORIGINS` allowlist.
//!
//! Written here rather than using `poem::middleware::Cors`, which answers `403` to *simple*
//! requests from origins not on the list (a request a browser would have sent anyway, e.g. a
//! form post or a server-to-server call with an `Origin` header) and, with an empty list,
//! allows every origin. The rules here:
//!
//! * empty allowlist: no CORS headers at all (the API is same-origin only);
//! * allowed origin: the origin is echoed (never `*`), `Vary: Origin` is set, and the headers
//!   a client needs to read (`X-Request-ID`, `Retry-After`, `X-RateLimit-*`) are exposed;
//! * preflight (`OPTIONS` with `Access-Control-Request-Method`): `204` with the allowed
//!   methods, headers and `Max-Age` for an allowed origin, `403 origin_not_allowed` without
//!   CORS headers for any other; preflights never reach routes nor count against rate limits;
//! * any other request from a disallowed origin is served normally, without CORS headers, and
//!   the browser withholds the response from the page.
//!
//! Credentials (cookies) are not allowed: admin clients send `Authorization: Bearer`, which
//! needs only the header allowance.

use std::{collections::HashSet, sync::Arc};

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};
use poem_openapi::payload::Json;

use crate::error::ErrorBody;

/// Methods a cross-origin client may use.
pub const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers a cross-origin client may send.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type, Idempotency-Key, X-Request-ID";
/// Response headers a cross-origin client may read.
pub const EXPOSE_HEADERS: &str =
    "X-Request-ID, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
/// How long browsers may cache a preflight answer (seconds).
pub const MAX_AGE_SECONDS: u32 = 600;

/// Middleware answering preflights and decorating responses for allowed origins.
#[derive(Clone, Debug)]
pub struct Cors {
    allowed: Arc<HashSet<String>>,
}

impl Cors {
    /// CORS for `origins` (serialized origins such as `https://cabanas.example`).
    pub fn new(origins: impl IntoIterator<Item = String>) -> Self {
        Self {
            allowed: Arc::new(origins.into_iter().collect()),
        }
    }
}

impl<E: Endpoint> Middleware<E> for Cors {
    type Output = CorsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        CorsEndpoint {
            inner: ep,
            allowed: self.allowed.clone(),
        }
    }
}

/// Endpoint produced by [`Cors`].
#[derive(Debug)]
pub struct CorsEndpoint<E> {
    inner: E,
    allowed: Arc<HashSet<String>>,
}

fn preflight_allowed(origin: HeaderValue) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from(MAX_AGE_SECONDS),
    );
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    resp
}

fn preflight_refused() -> Response {
    let mut resp = Json(ErrorBody::new(
        "origin_not_allowed",
        "this origin may not call the API from a browser",
    ))
    .with_status(StatusCode::FORBIDDEN)
    .into_response();
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static(VARY));
    resp
}

/// What a preflight answer depends on.
const VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

impl<E: Endpoint> Endpoint for CorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        if self.allowed.is_empty() {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let origin = req.headers().get(header::ORIGIN).cloned();
        let allowed_origin = origin.filter(|o| o.to_str().is_ok_and(|o| self.allowed.contains(o)));
        let is_preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if is_preflight && req.headers().contains_key(header::ORIGIN) {
            return Ok(match allowed_origin {
                Some(origin) => preflight_allowed(origin),
                None => preflight_refused(),
            });
        }
        let mut resp = match self.inner.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => err.into_response(),
        };
        let headers = resp.headers_mut();
        // Caches must not hand one origin's response to another.
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = allowed_origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
        Ok(resp)
    }
}
