//! A bound on concurrent password hashing.
//!
//! One Argon2id check with the default parameters allocates 19 MiB and keeps a core busy for
//! tens of milliseconds. Unbounded, 25 concurrent logins took the API to 590 MB RSS on a
//! 256–512 MB machine. Each check therefore needs a permit; a request waits up to `wait` for
//! one and is then refused as busy, so a burst costs a queue, not the process.
//!
//! The permit moves into the blocking task and is released when the hash finishes, not when
//! the request goes away: a client that disconnects cannot free a slot while its hash still
//! holds the memory.

use std::{sync::Arc, time::Duration};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{Error, Result};

/// How long a refused caller is told to wait (`Retry-After`).
const RETRY_AFTER_SECONDS: u64 = 1;

/// Shared permits for password hashing (cheap to clone).
#[derive(Clone, Debug)]
pub struct HashLimiter {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl HashLimiter {
    /// At most `permits` hashes at once (at least one); callers wait up to `wait` for a turn.
    pub fn new(permits: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
        }
    }

    /// Waits up to the configured time for a permit; `Error::TooMany` with code `busy` when
    /// none frees up. Take the permit before counting a login attempt, so a refused caller
    /// has not used up one of its allowed attempts.
    pub async fn acquire(&self) -> Result<HashPermit> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        Ok(HashPermit(permit))
    }
}

/// The right to run one hash.
#[derive(Debug)]
pub struct HashPermit(OwnedSemaphorePermit);

impl HashPermit {
    /// Runs `work` on the blocking pool, holding the permit until it finishes.
    pub async fn run<T, F>(self, work: F) -> Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self.0;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| Error::Internal(Box::new(e)))
    }
}

fn busy() -> Error {
    metrics::counter!("admin_login_busy_total").increment(1);
    Error::TooMany {
        code: "busy",
        message: "too many logins are being checked right now; retry shortly".into(),
        details: Vec::new(),
        retry_after_seconds: Some(RETRY_AFTER_SECONDS),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_never_runs_more_hashes_than_permits_and_the_excess_is_refused_as_busy() {
        // Arrange: one permit, a short wait, and work that lasts longer than the wait.
        let limiter = HashLimiter::new(1, Duration::from_millis(50));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));

        // Act
        let calls = (0..8).map(|_| {
            let (limiter, running, peak) = (limiter.clone(), running.clone(), peak.clone());
            async move {
                limiter
                    .acquire()
                    .await?
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        // Stands for a hash that outlasts the others' wait.
                        std::thread::sleep(Duration::from_millis(200));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            }
        });
        let results = futures::future::join_all(calls).await;

        // Assert
        assert_eq!(peak.load(Ordering::SeqCst), 1);
        let done = results.iter().filter(|r| r.is_ok()).count();
        let refused: Vec<_> = results.into_iter().filter_map(|r| r.err()).collect();
        assert!(done >= 1, "at least the first call runs");
        assert!(!refused.is_empty(), "the burst is partly refused");
        for err in refused {
            match err {
                Error::TooMany {
                    code,
                    retry_after_seconds,
                    ..
                } => {
                    assert_eq!(code, "busy");
                    assert_eq!(retry_after_seconds, Some(RETRY_AFTER_SECONDS));
                }
                other => panic!("expected busy, got {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_caller_that_gets_a_permit_within_the_wait_runs() {
        let limiter = HashLimiter::new(2, Duration::from_secs(5));
        let results = futures::future::join_all((0..4).map(|i| {
            let limiter = limiter.clone();
            async move { limiter.acquire().await?.run(move || i * 2).await }
        }))
        .await;
        let values: Vec<_> = results.into_iter().map(|r| r.expect("ran")).collect();
        assert_eq!(values, vec![0, 2, 4, 6]);
    }
}
