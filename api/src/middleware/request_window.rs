//! The latency and status of this API's recent requests, for the owner's operations panel
//! (`GET /admin/health`): p95 latency and the share of 5xx answers.
//!
//! Why a rolling window of samples rather than reading `req_latency_seconds` back from the
//! Prometheus recorder: the recorder's histogram counts since the process started, so its p95
//! would be that of all time (yesterday's incident or a quiet week drowning today's), it is
//! process-wide (every in-process app of a test run shares it), and its buckets bound a
//! percentile only to a bucket's width (0.5 s to 1 s). The window keeps the requests of the
//! last [`WINDOW`] — the error-rate alert's window — per app, so the panel shows what guests
//! get now, exactly. It holds at most [`MAX_SAMPLES`] (the oldest go first under heavier load,
//! where a few seconds of samples still give a sound p95). Prometheus stays the source of the
//! alerts; this is the same series seen from inside.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// How far back the window reaches.
pub const WINDOW: Duration = Duration::from_secs(300);
/// Most samples kept (24 bytes each).
pub const MAX_SAMPLES: usize = 20_000;

/// One answered request.
#[derive(Clone, Copy, Debug)]
struct Sample {
    at: Instant,
    seconds: f64,
    server_error: bool,
}

/// The recent requests of one app (cheap to clone: clones share the window).
#[derive(Clone, Debug, Default)]
pub struct RequestWindow {
    samples: Arc<Mutex<VecDeque<Sample>>>,
}

/// What the window says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequestSummary {
    /// Requests answered in the window.
    pub requests: u64,
    /// Of those, answered 5xx.
    pub server_errors: u64,
    /// `server_errors / requests` (0 without requests).
    pub error_rate: f64,
    /// 95th percentile of the latency in seconds (`None` without requests).
    pub p95_seconds: Option<f64>,
}

impl RequestWindow {
    /// Records a request answered with `status` after `seconds`.
    pub fn record(&self, seconds: f64, status: u16) {
        let now = Instant::now();
        let mut samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        forget_before(&mut samples, now);
        if samples.len() >= MAX_SAMPLES {
            samples.pop_front();
        }
        samples.push_back(Sample {
            at: now,
            seconds,
            server_error: (500..600).contains(&status),
        });
    }

    /// The requests of the last [`WINDOW`].
    pub fn summary(&self) -> RequestSummary {
        let mut latencies: Vec<f64>;
        let server_errors;
        {
            let mut samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
            forget_before(&mut samples, Instant::now());
            latencies = samples.iter().map(|s| s.seconds).collect();
            server_errors = samples.iter().filter(|s| s.server_error).count() as u64;
        }
        latencies.sort_by(f64::total_cmp);
        let requests = latencies.len() as u64;
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let error_rate = if requests == 0 {
            0.0
        } else {
            server_errors as f64 / requests as f64
        };
        RequestSummary {
            requests,
            server_errors,
            error_rate,
            p95_seconds: percentile(&latencies, 95),
        }
    }
}

/// Drops the samples older than [`WINDOW`] at `now`.
fn forget_before(samples: &mut VecDeque<Sample>, now: Instant) {
    while samples
        .front()
        .is_some_and(|s| now.duration_since(s.at) > WINDOW)
    {
        samples.pop_front();
    }
}

/// The `pct`th percentile of sorted `values` (nearest rank).
fn percentile(sorted: &[f64], pct: usize) -> Option<f64> {
    let rank = (sorted.len() * pct).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank_and_the_error_rate_counts_5xx_only() {
        let window = RequestWindow::default();
        for ms in 1..=100 {
            let status = match ms {
                1 | 2 => 503,
                3 => 404,
                _ => 200,
            };
            window.record(f64::from(ms) / 1000.0, status);
        }

        let summary = window.summary();

        assert_eq!(summary.requests, 100);
        assert_eq!(summary.server_errors, 2);
        assert!((summary.error_rate - 0.02).abs() < 1e-9);
        assert_eq!(summary.p95_seconds, Some(0.095));
    }

    #[test]
    fn an_empty_window_has_no_p95() {
        let summary = RequestWindow::default().summary();
        assert_eq!(summary.requests, 0);
        assert_eq!(summary.error_rate, 0.0);
        assert_eq!(summary.p95_seconds, None);
    }

    #[test]
    fn percentiles_of_few_values() {
        assert_eq!(percentile(&[], 95), None);
        assert_eq!(percentile(&[1.0], 95), Some(1.0));
        assert_eq!(percentile(&[1.0, 2.0], 95), Some(2.0));
        assert_eq!(percentile(&[1.0, 2.0], 50), Some(1.0));
    }
}
