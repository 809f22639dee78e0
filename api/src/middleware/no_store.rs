//! `Cache-Control: no-store` on every admin response (login, tokens, guest data, errors).
//!
//! Admin answers carry bearer tokens, iCal export tokens and guests' personal data; no
//! browser, proxy or CDN may keep a copy. Applied by path, outside the error catcher and the
//! rate limiter, so 401s, 429s and failed logins get it too.

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result, http::HeaderValue};

/// Middleware adding `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches)
/// to responses of requests under `prefix`.
#[derive(Debug, Clone)]
pub struct NoStore {
    prefix: String,
}

impl NoStore {
    /// Applies to requests whose path starts with `prefix` (e.g. `/api/v1/admin`).
    pub fn under(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }
}

impl<E: Endpoint> Middleware<E> for NoStore {
    type Output = NoStoreEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        NoStoreEndpoint {
            inner: ep,
            prefix: self.prefix.clone(),
        }
    }
}

/// Endpoint produced by [`NoStore`].
#[derive(Debug)]
pub struct NoStoreEndpoint<E> {
    inner: E,
    prefix: String,
}

impl<E: Endpoint> Endpoint for NoStoreEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let path = req.uri().path();
        let applies = path == self.prefix
            || path
                .strip_prefix(self.prefix.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        let mut resp = match self.inner.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => crate::error::catch_all(err).await,
        };
        if applies {
            let headers = resp.headers_mut();
            headers.insert(
                poem::http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            );
            headers.insert(
                poem::http::header::PRAGMA,
                HeaderValue::from_static("no-cache"),
            );
        }
        Ok(resp)
    }
}
