//! Security headers on every response, errors included.
//!
//! * `Strict-Transport-Security` when the client used HTTPS: the request scheme, or
//!   `X-Forwarded-Proto: https` when proxy headers are trusted (Fly.io terminates TLS), or
//!   always with `FORCE_HSTS`. Browsers ignore it over plain HTTP, and sending it there would
//!   lock developers out of `http://localhost`, hence the condition.
//! * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`.
//! * `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` on everything: JSON
//!   needs no resources, and a response opened in a browser tab can then load and run nothing.
//!   The Swagger UI under `/docs` is the exception: poem-openapi serves it as one HTML page with
//!   inline scripts and styles and the spec embedded, so it gets a policy allowing inline
//!   code, `data:` images and same-origin calls ("Try it out"), and still nothing else.
//!   The owner's dashboard under `/admin` loads its own stylesheet and script and calls
//!   itself, nothing inline and nothing from elsewhere.

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, header},
};

use crate::client_ip;

/// HSTS value: one year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";
/// CSP of every response but the API docs.
pub const CSP_STRICT: &str = "default-src 'none'; frame-ancestors 'none'";
/// CSP of the Swagger UI (`/docs`): inline code, no outside resources.
pub const CSP_DOCS: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// CSP of the owner's dashboard (`/admin`): same-origin files only, no inline code.
pub const CSP_DASHBOARD: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";
/// Where the Swagger UI is mounted.
pub const DOCS_PREFIX: &str = "/docs";

/// Middleware adding the security headers.
#[derive(Clone, Copy, Debug)]
pub struct SecurityHeaders {
    force_hsts: bool,
    trust_proxy_headers: bool,
}

impl SecurityHeaders {
    /// Headers as configured by `FORCE_HSTS` and `TRUST_PROXY_HEADERS`.
    pub fn new(force_hsts: bool, trust_proxy_headers: bool) -> Self {
        Self {
            force_hsts,
            trust_proxy_headers,
        }
    }
}

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        SecurityHeadersEndpoint {
            inner: ep,
            config: *self,
        }
    }
}

/// Endpoint produced by [`SecurityHeaders`].
#[derive(Debug)]
pub struct SecurityHeadersEndpoint<E> {
    inner: E,
    config: SecurityHeaders,
}

fn is_docs(path: &str) -> bool {
    path == DOCS_PREFIX || path.starts_with("/docs/")
}

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let hsts =
            self.config.force_hsts || client_ip::is_https(&req, self.config.trust_proxy_headers);
        let path = req.uri().path();
        let csp = if is_docs(path) {
            CSP_DOCS
        } else if path == crate::web::PREFIX || path.starts_with("/admin/") {
            CSP_DASHBOARD
        } else {
            CSP_STRICT
        };
        let mut resp = match self.inner.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => err.into_response(),
        };
        let headers = resp.headers_mut();
        if hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
        Ok(resp)
    }
}
