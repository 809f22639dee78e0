//! Request count and latency by route template (`/api/v1/reservations/:code`, never the raw
//! path, so label cardinality stays bounded).

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, Result};

/// Middleware recording `http_requests_total` and `http_request_duration_seconds`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestMetrics;

impl<E: Endpoint> Middleware<E> for RequestMetrics {
    type Output = RequestMetricsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestMetricsEndpoint { inner: ep }
    }
}

/// Endpoint produced by [`RequestMetrics`].
#[derive(Debug)]
pub struct RequestMetricsEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let method = req.method().to_string();
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
        metrics::counter!(
            "http_requests_total",
            "method" => method.clone(),
            "route" => route.clone(),
            "status" => status.as_u16().to_string()
        )
        .increment(1);
        metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
            .record(elapsed);
        result
    }
}
