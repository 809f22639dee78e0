//! Tracing and metrics, one init for both processes.
//!
//! Logs are JSON in production and pretty in development; traces are exported over OTLP/HTTP
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Metrics go to one Prometheus recorder per
//! process, rendered at `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{
    Resource,
    trace::{SdkTracer, SdkTracerProvider},
};
use tracing::Subscriber;
use tracing_subscriber::{
    EnvFilter, fmt::MakeWriter, layer::SubscriberExt, util::SubscriberInitExt,
};

use crate::config::{LogFormat, Settings};

/// Latency buckets in seconds for every `*_duration_seconds` histogram and
/// `req_latency_seconds`.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Keeps the trace exporter alive; dropping it flushes the last spans.
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("trace exporter shutdown failed: {e}");
        }
    }
}

/// Installs the global tracing subscriber (logs + optional OTLP traces).
pub fn init_tracing(settings: &Settings, service_name: &'static str) -> TelemetryGuard {
    let provider = settings
        .otel_exporter_otlp_endpoint
        .as_deref()
        .and_then(|endpoint| match build_provider(endpoint, service_name) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("OTLP exporter disabled: {e}");
                None
            }
        });
    let tracer = provider.as_ref().map(|p| p.tracer(service_name));
    if let Err(e) = subscriber(settings, tracer, std::io::stdout).try_init() {
        eprintln!("tracing already initialised: {e}");
    }
    TelemetryGuard { provider }
}

/// The subscriber [`init_tracing`] installs: the `RUST_LOG` filter, OpenTelemetry's layer
/// when `tracer` is given, and log lines in the configured format written to `writer`
/// (standard output; tests capture the very same lines).
pub fn subscriber<W>(
    settings: &Settings,
    tracer: Option<SdkTracer>,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.rust_log).unwrap_or_else(|_| EnvFilter::new("info"));
    let otel = tracer.map(|tracer| tracing_opentelemetry::layer().with_tracer(tracer));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    match settings.log_format {
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(writer),
            ),
        ),
        LogFormat::Pretty => {
            Box::new(registry.with(tracing_subscriber::fmt::layer().with_writer(writer)))
        }
    }
}

fn build_provider(
    endpoint: &str,
    service_name: &'static str,
) -> Result<SdkTracerProvider, Box<dyn std::error::Error>> {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service_name).build())
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    Ok(provider)
}

/// The process-wide Prometheus recorder (installed on first use; later calls share it, which
/// also lets many in-process test apps coexist).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            started();
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("req_latency_seconds".into()),
                        LATENCY_BUCKETS,
                    )
                })
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed: render an empty, private one.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// When this process started (its recorder was installed), for `process_uptime_seconds`.
fn started() -> std::time::Instant {
    static STARTED: OnceLock<std::time::Instant> = OnceLock::new();
    *STARTED.get_or_init(std::time::Instant::now)
}

/// Sets `process_resident_memory_bytes`, `process_open_fds` and `process_uptime_seconds`
/// from `/proc/self` (Linux, where it runs; elsewhere only the uptime). Called by the metrics
/// endpoints before they render.
pub fn record_process_metrics() {
    metrics::gauge!("process_uptime_seconds").set(started().elapsed().as_secs_f64());
    let rss_kb = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        });
    if let Some(kb) = rss_kb {
        metrics::gauge!("process_resident_memory_bytes").set(kb.saturating_mul(1024) as f64);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!("process_open_fds").set(fds.count() as f64);
    }
}
