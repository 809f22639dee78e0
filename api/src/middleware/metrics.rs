//! Request count and latency by route template (`/api/v1/reservations/:code`, never the raw
//! path, so label cardinality stays bounded).
//!
//! Every label value comes from a closed set: the method is one of the standard ones or
//! `other` (a client may send any token as a method, and each would otherwise mint a series),
//! the route is the matched template or `unmatched`, the status is a number below 1000.

use std::time::Instant;

use poem::{
    Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, Result, http::Method,
};

use super::request_window::RequestWindow;

/// Middleware recording `http_requests_total`, `http_request_duration_seconds` (by method and
/// route) and `req_latency_seconds` (by route and status class: the latency and error-rate
/// alerts' series), and feeding the app's [`RequestWindow`] (the operations panel's view of
/// the same requests).
#[derive(Debug, Default, Clone)]
pub struct RequestMetrics {
    window: RequestWindow,
}

impl RequestMetrics {
    /// Metrics that also record every request into `window`.
    pub fn recording_into(window: RequestWindow) -> Self {
        Self { window }
    }
}

impl<E: Endpoint> Middleware<E> for RequestMetrics {
    type Output = RequestMetricsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestMetricsEndpoint {
            inner: ep,
            window: self.window.clone(),
        }
    }
}

/// Endpoint produced by [`RequestMetrics`].
#[derive(Debug)]
pub struct RequestMetricsEndpoint<E> {
    inner: E,
    window: RequestWindow,
}

impl<E: Endpoint> Endpoint for RequestMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let method = method_label(req.method());
        let started = Instant::now();
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let (status, route) = match &result {
            Ok(resp) => (
                resp.status(),
                resp.data::<PathPattern>().map(|p| p.0.clone()),
            ),
            Err(err) => (err.status(), err.data::<PathPattern>().map(|p| p.0.clone())),
        };
        let route = route.map_or_else(|| "unmatched".to_string(), |r| r.to_string());
        let elapsed = started.elapsed().as_secs_f64();
        self.window.record(elapsed, status.as_u16());
        metrics::counter!(
            "http_requests_total",
            "method" => method,
            "route" => route.clone(),
            "status" => status.as_u16().to_string()
        )
        .increment(1);
        metrics::histogram!("req_latency_seconds", "route" => route.clone(), "status_class" => status_class(status.as_u16()))
            .record(elapsed);
        metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
            .record(elapsed);
        result
    }
}

/// The status class as a metric label (`2xx` … `5xx`, `other`), what error-rate alerts read.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

/// The method as a metric label: a standard method's name, or `other`.
pub fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    STANDARD
        .iter()
        .find(|m| *m == method)
        .map_or("other", Method::as_str)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn standard_methods_keep_their_names() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
    }

    proptest! {
        #[test]
        fn any_other_method_is_other(name in "[A-Z]{1,12}") {
            let method = Method::from_bytes(name.as_bytes()).unwrap_or(Method::GET);
            let standard = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];
            let expected = if standard.contains(&method.as_str()) { method.as_str() } else { "other" };
            prop_assert_eq!(method_label(&method), expected);
        }
    }
}
