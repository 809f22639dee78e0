//! A process-local circuit breaker for the Graph API.
//!
//! Closed: calls go through; each retryable failure (no answer, 429, 5xx) adds one to a count
//! that any answer from Meta resets. At `threshold` consecutive failures it opens: every call
//! fails fast (no request) until `cool_down` has passed. Then it is half-open: one call (the
//! probe) goes through while the others still fail fast; the probe's success closes it, its
//! failure opens it again for another cool-down. A probe whose caller vanished (the future was
//! dropped) does not wedge it: after one more cool-down another probe is let through.
//!
//! Time comes from a [`Clock`](crate::clock::Clock), so tests move it instead of sleeping. The
//! state gauge `whatsapp_circuit_state` is 0 closed, 1 open, 2 half-open;
//! `whatsapp_circuit_opened_total` counts openings.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::clock::SharedClock;

/// When the breaker opens and for how long.
#[derive(Clone, Copy, Debug)]
pub struct BreakerPolicy {
    /// Consecutive retryable failures that open the circuit.
    pub threshold: u32,
    /// How long it stays open before a probe is let through.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            cool_down: Duration::seconds(30),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: DateTime<Utc> },
    HalfOpen { probe_since: DateTime<Utc> },
}

/// The breaker's state, as the gauge reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls fail fast.
    Open,
    /// One probe is in flight; other calls fail fast.
    HalfOpen,
}

/// The breaker (share it: the client keeps it behind an `Arc`).
#[derive(Debug)]
pub struct CircuitBreaker {
    policy: BreakerPolicy,
    clock: SharedClock,
    state: Mutex<State>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(policy: BreakerPolicy, clock: SharedClock) -> Self {
        metrics::gauge!("whatsapp_circuit_state").set(0.0);
        Self {
            policy: BreakerPolicy {
                threshold: policy.threshold.max(1),
                cool_down: policy.cool_down.max(Duration::zero()),
            },
            clock,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent (plain copies).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current state.
    pub fn state(&self) -> CircuitState {
        match *self.lock() {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { .. } => CircuitState::Open,
            State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// May a call go out now? `Err(wait)` means fail fast; `wait` is roughly how long until
    /// a probe is allowed.
    pub fn admit(&self) -> Result<(), std::time::Duration> {
        let now = self.clock.now();
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now < until => Err(remaining(until - now)),
            State::HalfOpen { probe_since } if now < probe_since + self.policy.cool_down => {
                Err(remaining(probe_since + self.policy.cool_down - now))
            }
            State::Open { .. } | State::HalfOpen { .. } => {
                *state = State::HalfOpen { probe_since: now };
                gauge(CircuitState::HalfOpen);
                Ok(())
            }
        }
    }

    /// Meta answered (success or a refusal that says the API is up): close.
    pub fn record_success(&self) {
        let mut state = self.lock();
        if !matches!(*state, State::Closed { failures: 0 }) {
            if !matches!(*state, State::Closed { .. }) {
                tracing::info!("Graph API circuit closed");
            }
            *state = State::Closed { failures: 0 };
            gauge(CircuitState::Closed);
        }
    }

    /// A retryable failure (no answer, 429, 5xx): count it, open at the threshold.
    pub fn record_failure(&self) {
        let now = self.clock.now();
        let mut state = self.lock();
        let open = match *state {
            State::Closed { failures } if failures + 1 < self.policy.threshold => {
                *state = State::Closed {
                    failures: failures + 1,
                };
                false
            }
            State::Open { .. } => false,
            State::Closed { .. } | State::HalfOpen { .. } => true,
        };
        if open {
            *state = State::Open {
                until: now + self.policy.cool_down,
            };
            gauge(CircuitState::Open);
            metrics::counter!("whatsapp_circuit_opened_total").increment(1);
            tracing::warn!(
                cool_down_ms = self.policy.cool_down.num_milliseconds(),
                "Graph API circuit opened: failing fast"
            );
        }
    }
}

fn remaining(left: Duration) -> std::time::Duration {
    left.to_std().unwrap_or_default()
}

fn gauge(state: CircuitState) {
    let value = match state {
        CircuitState::Closed => 0.0,
        CircuitState::Open => 1.0,
        CircuitState::HalfOpen => 2.0,
    };
    metrics::gauge!("whatsapp_circuit_state").set(value);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::OffsetClock;

    fn breaker(threshold: u32) -> (CircuitBreaker, Arc<OffsetClock>) {
        let clock = Arc::new(OffsetClock::default());
        let policy = BreakerPolicy {
            threshold,
            cool_down: Duration::seconds(30),
        };
        (CircuitBreaker::new(policy, clock.clone()), clock)
    }

    #[test]
    fn it_opens_after_the_threshold_of_consecutive_failures() {
        let (breaker, _) = breaker(3);
        breaker.record_failure();
        breaker.record_failure();
        assert!(breaker.admit().is_ok());
        breaker.record_failure();
        assert_eq!(breaker.state(), CircuitState::Open);
        let wait = breaker.admit().expect_err("fails");
        assert!(wait > std::time::Duration::from_secs(29), "{wait:?}");
    }

    #[test]
    fn an_answer_resets_the_count() {
        let (breaker, _) = breaker(3);
        breaker.record_failure();
        breaker.record_failure();
        breaker.record_success();
        breaker.record_failure();
        breaker.record_failure();
        assert_eq!(breaker.state(), CircuitState::Closed);
    }

    #[test]
    fn after_the_cool_down_one_probe_goes_through_and_its_success_closes() {
        let (breaker, clock) = breaker(1);
        breaker.record_failure();
        clock.advance(Duration::seconds(31));
        assert!(breaker.admit().is_ok(), "the probe");
        assert_eq!(breaker.state(), CircuitState::HalfOpen);
        assert!(breaker.admit().is_err(), "others wait for the probe");
        breaker.record_success();
        assert_eq!(breaker.state(), CircuitState::Closed);
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn a_failed_probe_opens_it_again() {
        let (breaker, clock) = breaker(2);
        breaker.record_failure();
        breaker.record_failure();
        clock.advance(Duration::seconds(31));
        assert!(breaker.admit().is_ok());
        breaker.record_failure();
        assert_eq!(breaker.state(), CircuitState::Open);
        assert!(breaker.admit().is_err());
    }

    #[test]
    fn a_lost_probe_does_not_wedge_the_breaker() {
        let (breaker, clock) = breaker(1);
        breaker.record_failure();
        clock.advance(Duration::seconds(31));
        assert!(
            breaker.admit().is_ok(),
            "a probe whose caller never reports back"
        );
        clock.advance(Duration::seconds(31));
        assert!(
            breaker.admit().is_ok(),
            "another probe after one more cool-down"
        );
    }
}
