//! Trace context across the queue: one trace from an incoming webhook through the jobs it
//! enqueued.
//!
//! Two ids travel with a job ([`JobTrace`], a `#[serde(default)]` field of the payloads
//! webhooks enqueue, so payloads queued by an older release still deserialize):
//! * `trace_id`, the id on every log line of the request (a W3C trace id, or the client's
//!   `X-Request-ID`), which the job's span repeats so its log lines share it;
//! * `traceparent`, the W3C context of the enqueuing span, present when OpenTelemetry is on,
//!   which the job's span takes as its parent so the exported trace continues in the worker.
//!
//! The format is W3C Trace Context whatever propagator is installed globally: it is written
//! into stored payloads, so it must not change with the process's configuration.

use std::collections::HashMap;

use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{SpanContext, TraceContextExt},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use serde::{Deserialize, Serialize};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// W3C header (and carrier key) of the trace context.
const TRACEPARENT: &str = "traceparent";

/// The trace a job belongs to: the request (or job) that enqueued it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobTrace {
    /// The `trace_id` of the enqueuing request's log lines.
    pub trace_id: String,
    /// W3C `traceparent` of the enqueuing span, when OpenTelemetry was on there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

impl JobTrace {
    /// The trace of the current span, whose log lines carry `trace_id`.
    pub fn current(trace_id: impl Into<String>) -> Self {
        let mut carrier = HashMap::new();
        TraceContextPropagator::new().inject_context(&Span::current().context(), &mut carrier);
        Self {
            trace_id: trace_id.into(),
            traceparent: carrier.remove(TRACEPARENT),
        }
    }

    /// The span a job of kind `job` runs in: it carries this trace's `trace_id` and, when
    /// OpenTelemetry is on, continues this trace as a child of the enqueuing span.
    pub fn span(&self, job: &'static str) -> Span {
        let span = tracing::info_span!("job", job, trace_id = %self.trace_id);
        if let Some(parent) = self.traceparent.as_deref().and_then(remote_parent) {
            // Fails only without the OpenTelemetry layer, where there is nothing to continue.
            let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent));
        }
        span
    }

    /// The span of a job that carries no trace (cron ticks, sweeps, payloads of an older
    /// release): a trace of its own, its id the OpenTelemetry one when that is on.
    pub fn root_span(job: &'static str) -> Span {
        let span = tracing::info_span!("job", job, trace_id = tracing::field::Empty);
        let trace_id =
            otel_trace_id(&span).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        span.record("trace_id", trace_id.as_str());
        span
    }
}

/// Continues in `span` the W3C trace of an incoming `traceparent` header (when valid), and
/// returns the span's OpenTelemetry trace id (`None` when OpenTelemetry is off).
pub fn continue_incoming(span: &Span, traceparent: Option<&str>) -> Option<String> {
    if let Some(parent) = traceparent.and_then(remote_parent) {
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent));
    }
    otel_trace_id(span)
}

/// The OpenTelemetry trace id of `span`, 32 lowercase hex digits, when it has one.
fn otel_trace_id(span: &Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// The remote span context of a valid `traceparent`.
fn remote_parent(traceparent: &str) -> Option<SpanContext> {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let context = TraceContextPropagator::new().extract(&carrier);
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_an_older_release_have_no_trace_and_new_ones_round_trip() {
        #[derive(Deserialize, Serialize)]
        struct Payload {
            id: i64,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            trace: Option<JobTrace>,
        }
        let old: Payload = serde_json::from_str(r#"{"id": 1}"#).expect("an old payload");
        assert_eq!(old.trace, None);
        let trace = JobTrace {
            trace_id: "client-req-1".into(),
            traceparent: None,
        };
        let json = serde_json::to_string(&Payload {
            id: 2,
            trace: Some(trace.clone()),
        })
        .expect("serialize");
        assert_eq!(json, r#"{"id":2,"trace":{"trace_id":"client-req-1"}}"#);
        let back: Payload = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back.trace, Some(trace));
    }

    #[test]
    fn only_a_valid_traceparent_is_a_parent() {
        let parent = remote_parent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .expect("a valid traceparent");
        assert_eq!(
            parent.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(parent.is_remote());
        assert!(remote_parent("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
        assert!(remote_parent("garbage").is_none());
    }

    #[test]
    fn without_opentelemetry_the_current_trace_has_no_traceparent() {
        let trace = JobTrace::current("abc");
        assert_eq!(trace.trace_id, "abc");
        assert_eq!(trace.traceparent, None);
    }
}
