//! One trace from an incoming webhook through the job it enqueued: the job's log lines carry
//! the request's `trace_id`, and its exported span is a child in the request's trace.
//!
//! The test installs, for its own thread only, the subscriber both processes install
//! (`shared::telemetry::subscriber`, JSON logs), with OpenTelemetry's layer exporting into
//! memory instead of over OTLP.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry::trace::{SpanId, TracerProvider as _};
use opentelemetry_sdk::{
    error::OTelSdkResult,
    trace::{SdkTracerProvider, SpanData, SpanExporter},
};
use poem::http::StatusCode;
use serde_json::Value;
use shared::config::LogFormat;
use tests::harness::{
    TestApp, wait_until,
    webhooks::{post_signed_whatsapp, text_message},
    worker::TestWorker,
};

/// Log lines written by the subscriber under test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Every JSON line so far.
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().expect("log buffer").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

/// Spans as an OTLP collector would receive them, kept in memory.
#[derive(Clone, Debug, Default)]
struct Collector(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collector {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().expect("span buffer").extend(batch);
        Ok(())
    }
}

impl Collector {
    fn named(&self, name: &str) -> Vec<SpanData> {
        let spans = self.0.lock().expect("span buffer");
        spans.iter().filter(|s| s.name == name).cloned().collect()
    }
}

/// The `trace_id` a JSON log line carries (on the innermost span that has one).
fn trace_id(line: &Value) -> Option<&str> {
    line["spans"]
        .as_array()?
        .iter()
        .rev()
        .find_map(|span| span["trace_id"].as_str())
}

/// The "job done" line of job `name`.
fn job_done<'a>(lines: &'a [Value], name: &str) -> Option<&'a Value> {
    lines
        .iter()
        .find(|line| line["message"] == "job done" && line["span"]["job"] == name)
}

#[tokio::test]
async fn a_webhook_and_the_job_it_enqueued_share_one_trace() {
    // Arrange: JSON logs and an in-memory trace collector, on this test's thread (the app and
    // the worker run on it: a current-thread runtime).
    let app = TestApp::with_settings(|s| {
        s.log_format = LogFormat::Json;
        s.rust_log = "info".into();
    })
    .await;
    let logs = Captured::default();
    let collector = Collector::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(collector.clone())
        .build();
    let writer = logs.clone();
    let subscriber =
        shared::telemetry::subscriber(&app.settings, Some(provider.tracer("tests")), move || {
            writer.clone()
        });
    let _installed = tracing::subscriber::set_default(subscriber);
    let worker = TestWorker::start(app.settings.clone(), app.clock.clone()).await;

    // Act
    let resp = post_signed_whatsapp(
        &app.client,
        text_message("wamid.TRACE1", "5493511111111", "Hola"),
    )
    .await;
    resp.assert_status(StatusCode::ACCEPTED);
    let request_trace_id = resp
        .0
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a trace id")
        .to_owned();
    wait_until(
        "the inbound job to finish and its span to be exported",
        Duration::from_secs(20),
        || async {
            job_done(&logs.lines(), "whatsapp_inbound.v1").is_some()
                && !collector.named("job").is_empty()
        },
    )
    .await;
    worker.stop().await;

    // Assert: the request's log line and the job's share the trace id the caller was given.
    let lines = logs.lines();
    let recorded = lines
        .iter()
        .find(|line| line["message"] == "webhook recorded")
        .expect("the webhook's log line");
    assert_eq!(
        trace_id(recorded),
        Some(request_trace_id.as_str()),
        "{recorded}"
    );
    let done = job_done(&lines, "whatsapp_inbound.v1").expect("the job's log line");
    assert_eq!(trace_id(done), Some(request_trace_id.as_str()), "{done}");
    // ...and the exported job span continues the request's trace, under one of its spans.
    let request = collector
        .named("request")
        .into_iter()
        .find(|s| s.span_context.trace_id().to_string() == request_trace_id)
        .expect("the request's span, its trace id the one the caller was given");
    let job = collector.named("job").pop().expect("the job's span");
    assert_eq!(job.span_context.trace_id(), request.span_context.trace_id());
    assert_ne!(job.parent_span_id, SpanId::INVALID);
    let spans = collector.0.lock().expect("span buffer").clone();
    assert!(
        spans
            .iter()
            .any(|s| s.span_context.span_id() == job.parent_span_id
                && s.span_context.trace_id() == request.span_context.trace_id()),
        "the job's parent is a span of the request"
    );
}
