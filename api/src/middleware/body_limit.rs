//! Request body size limits that work for both `Content-Length` and chunked bodies.
//!
//! `poem::middleware::SizeLimit` answers 411 to requests without `Content-Length` and does not
//! bound chunked bodies, so bodies are read here with a limit and handed on as bytes.

use poem::{
    Body, Endpoint, Middleware, Request, Result,
    error::ReadBodyError,
    http::{Method, StatusCode},
};

/// Default limit of a request body.
pub const DEFAULT_LIMIT: usize = 1024 * 1024;

/// Limit of a WhatsApp webhook body (Meta batches many messages in one POST).
pub const WHATSAPP_WEBHOOK_LIMIT: usize = 3 * 1024 * 1024;

/// Middleware refusing bodies larger than a limit with 413; some exact paths get their own
/// limit.
#[derive(Debug, Clone)]
pub struct BodyLimit {
    limit: usize,
    per_path: Vec<(String, usize)>,
}

impl BodyLimit {
    /// A limit of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            per_path: Vec::new(),
        }
    }

    /// A different limit for requests to exactly `path`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>, limit: usize) -> Self {
        self.per_path.push((path.into(), limit));
        self
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            limit: self.limit,
            per_path: self.per_path.clone(),
        }
    }
}

/// Endpoint produced by [`BodyLimit`].
#[derive(Debug)]
pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
    per_path: Vec<(String, usize)>,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return self.inner.call(req).await;
        }
        let path = req.uri().path().trim_end_matches('/');
        let limit = self
            .per_path
            .iter()
            .find(|(p, _)| p == path)
            .map_or(self.limit, |(_, limit)| *limit);
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let bytes = req
            .take_body()
            .into_bytes_limit(limit)
            .await
            .map_err(|e| match e {
                ReadBodyError::PayloadTooLarge => too_large(),
                other => poem::Error::from(other),
            })?;
        req.set_body(Body::from(bytes));
        self.inner.call(req).await
    }
}

fn too_large() -> poem::Error {
    poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE)
}
