//! Request trace ids: taken from an incoming `traceparent` or `X-Request-ID`, generated
//! otherwise; returned in `X-Request-ID`, carried in every error body and on every log line
//! of the request (through a span field). With OpenTelemetry on, an incoming `traceparent`
//! is also the parent of the request's span (see `shared::trace`).

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;
use uuid::Uuid;

/// Response (and accepted request) header carrying the trace id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static TRACE_ID: String;
}

/// The trace id of the request being served (empty outside a request).
pub fn current() -> String {
    TRACE_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Extracts the trace id from a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
fn from_traceparent(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let (_version, trace, _span, _flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let valid = trace.len() == 32
        && trace.bytes().all(|b| b.is_ascii_hexdigit())
        && trace.bytes().any(|b| b != b'0');
    valid.then(|| trace.to_ascii_lowercase())
}

/// Accepts a client request id if it is short and printable (it ends up in logs and headers).
fn from_request_id(value: &str) -> Option<String> {
    let value = value.trim();
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| value.to_owned())
}

/// Middleware that assigns every request a trace id.
#[derive(Debug, Default, Clone, Copy)]
pub struct TraceId;

impl<E: Endpoint> Middleware<E> for TraceId {
    type Output = TraceIdEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        TraceIdEndpoint { inner: ep }
    }
}

/// Endpoint produced by [`TraceId`].
#[derive(Debug)]
pub struct TraceIdEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for TraceIdEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let span = tracing::info_span!(
            "request",
            trace_id = tracing::field::Empty,
            method = %req.method(),
            path = %req.uri().path(),
        );
        // With OpenTelemetry on, the request's trace continues the caller's, and a generated
        // id is the exported trace's, so logs and traces share one id.
        let otel_trace_id = shared::trace::continue_incoming(&span, header("traceparent"));
        let id = header("traceparent")
            .and_then(from_traceparent)
            .or_else(|| header(REQUEST_ID_HEADER).and_then(from_request_id))
            .or(otel_trace_id)
            .unwrap_or_else(|| Uuid::new_v4().simple().to_string());
        span.record("trace_id", id.as_str());
        let inner = &self.inner;
        let result = TRACE_ID
            .scope(id.clone(), async move { inner.call(req).await })
            .instrument(span)
            .await;
        let mut resp = match result {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        if let Ok(value) = id.parse() {
            resp.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_gives_its_trace_id() {
        assert_eq!(
            from_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
            Some("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
        assert_eq!(
            from_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(from_traceparent("garbage"), None);
    }

    #[test]
    fn request_ids_must_be_short_and_printable() {
        assert_eq!(from_request_id(" abc-123 "), Some("abc-123".into()));
        assert_eq!(from_request_id("a b"), None);
        assert_eq!(from_request_id(&"x".repeat(129)), None);
        assert_eq!(from_request_id("<script>"), None);
    }
}
