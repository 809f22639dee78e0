//! A deadline for reading a request body: a client that trickles its body cannot hold a
//! connection and a task for longer than `BODY_READ_TIMEOUT_SECONDS`.
//!
//! The body is handed on as a stream that fails with `TimedOut` once the deadline (counted
//! from the moment the request's headers arrived) has passed; whoever reads it (the body
//! limit, an extractor) sees an I/O error, and this middleware answers
//! `408 request_timeout` in place of whatever that reader made of it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures::StreamExt;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result, http::StatusCode};
use tokio::time::Instant;

use crate::error::ErrorBody;

/// Middleware giving each request `timeout` to send its body.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout {
    timeout: Duration,
}

impl BodyTimeout {
    /// Bodies must arrive within `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<E: Endpoint> Middleware<E> for BodyTimeout {
    type Output = BodyTimeoutEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyTimeoutEndpoint {
            inner: ep,
            timeout: self.timeout,
        }
    }
}

/// Endpoint produced by [`BodyTimeout`].
#[derive(Debug)]
pub struct BodyTimeoutEndpoint<E> {
    inner: E,
    timeout: Duration,
}

impl<E: Endpoint> Endpoint for BodyTimeoutEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let deadline = Instant::now() + self.timeout;
        let expired = Arc::new(AtomicBool::new(false));
        let flag = expired.clone();
        let chunks = req.take_body().into_bytes_stream();
        let timed = futures::stream::unfold(
            (Box::pin(chunks), flag, false),
            move |(mut chunks, flag, done)| async move {
                if done {
                    return None;
                }
                match tokio::time::timeout_at(deadline, chunks.next()).await {
                    Ok(Some(chunk)) => Some((chunk, (chunks, flag, false))),
                    Ok(None) => None,
                    Err(_) => {
                        flag.store(true, Ordering::Release);
                        let err = std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "request body not received in time",
                        );
                        Some((Err(err), (chunks, flag, true)))
                    }
                }
            },
        );
        req.set_body(Body::from_bytes_stream(timed));
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        if expired.load(Ordering::Acquire) {
            return Ok(poem_openapi::payload::Json(ErrorBody::new(
                "request_timeout",
                format!(
                    "the request body did not arrive within {} seconds",
                    self.timeout.as_secs()
                ),
            ))
            .with_status(StatusCode::REQUEST_TIMEOUT)
            .into_response());
        }
        result
    }
}
