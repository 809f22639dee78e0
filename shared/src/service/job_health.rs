//! Whether the job side keeps up: the queues' backlog and the workers' heartbeat.
//!
//! Cheap enough for the public `/healthz`, which any client may call: two Redis round trips
//! (one pipeline of `LLEN`/`ZCARD` per queue, one `GET`), no database. Neither check makes the
//! API unhealthy — restarting the API would not drain a queue or revive a worker — so both
//! only degrade it.
//!
//! The heartbeat is one key per namespace that every worker process refreshes every
//! [`HEARTBEAT_EVERY`]: it says some worker is alive, not that every machine is (Fly's own
//! check of the worker group watches each machine).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{Result, jobs::JobQueue};

/// How often a worker process refreshes the heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);
/// Older than this (four missed beats), the worker is `stale`.
pub const HEARTBEAT_STALE_AFTER: Duration = Duration::from_secs(60);
/// The key expires after this: with no worker for that long it is `missing`.
const HEARTBEAT_TTL: Duration = Duration::from_secs(300);

/// Whether some worker is alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerLiveness {
    /// A heartbeat within [`HEARTBEAT_STALE_AFTER`].
    Alive,
    /// The last heartbeat is older than that.
    Stale,
    /// No heartbeat at all (no worker started, or none for [`HEARTBEAT_TTL`]).
    Missing,
}

impl WorkerLiveness {
    /// The wire name (`alive`, `stale`, `missing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alive => "alive",
            Self::Stale => "stale",
            Self::Missing => "missing",
        }
    }
}

/// The job side as `/healthz` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobHealth {
    /// Jobs waiting, every queue together.
    pub waiting: u64,
    /// Jobs waiting in the fullest queue (what the threshold applies to).
    pub largest_queue: u64,
    /// `HEALTH_QUEUE_BACKLOG`.
    pub threshold: u64,
    /// Whether some worker is alive.
    pub worker: WorkerLiveness,
    /// Seconds since the last heartbeat, when there is one.
    pub heartbeat_age_seconds: Option<u64>,
}

impl JobHealth {
    /// Whether some queue holds more than the threshold.
    pub fn backlogged(&self) -> bool {
        self.largest_queue > self.threshold
    }

    /// Whether the API should say `degraded`: a backlog, or no live worker.
    pub fn degraded(&self) -> bool {
        self.backlogged() || self.worker != WorkerLiveness::Alive
    }
}

/// Records that a worker is alive at `now` (the worker calls this every [`HEARTBEAT_EVERY`]).
pub async fn beat(queue: &JobQueue, now: DateTime<Utc>) -> Result<()> {
    let mut conn = queue.conn().clone();
    redis::cmd("SET")
        .arg(queue.keys().worker_heartbeat())
        .arg(now.timestamp())
        .arg("EX")
        .arg(HEARTBEAT_TTL.as_secs())
        .query_async::<()>(&mut conn)
        .await?;
    Ok(())
}

/// The backlog against `threshold` and the heartbeat's age at `now`.
pub async fn check(queue: &JobQueue, now: DateTime<Utc>, threshold: u64) -> Result<JobHealth> {
    let mut conn = queue.conn().clone();
    let mut heartbeat = redis::cmd("GET");
    heartbeat.arg(queue.keys().worker_heartbeat());
    let (depths, last_beat) = tokio::try_join!(queue.depths(), async {
        Ok(heartbeat.query_async::<Option<i64>>(&mut conn).await?)
    })?;
    let heartbeat_age_seconds =
        last_beat.map(|at| u64::try_from(now.timestamp() - at).unwrap_or(0));
    Ok(JobHealth {
        waiting: depths.iter().sum(),
        largest_queue: depths.iter().copied().max().unwrap_or(0),
        threshold,
        worker: liveness(heartbeat_age_seconds),
        heartbeat_age_seconds,
    })
}

/// What a heartbeat of that age (seconds; `None`: none) says.
fn liveness(age_seconds: Option<u64>) -> WorkerLiveness {
    match age_seconds {
        None => WorkerLiveness::Missing,
        Some(age) if age > HEARTBEAT_STALE_AFTER.as_secs() => WorkerLiveness::Stale,
        Some(_) => WorkerLiveness::Alive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_is_alive_up_to_a_minute_old_then_stale() {
        assert_eq!(liveness(None), WorkerLiveness::Missing);
        assert_eq!(liveness(Some(0)), WorkerLiveness::Alive);
        assert_eq!(liveness(Some(60)), WorkerLiveness::Alive);
        assert_eq!(liveness(Some(61)), WorkerLiveness::Stale);
    }

    #[test]
    fn the_threshold_applies_to_the_fullest_queue() {
        let health = JobHealth {
            waiting: 900,
            largest_queue: 500,
            threshold: 500,
            worker: WorkerLiveness::Alive,
            heartbeat_age_seconds: Some(3),
        };
        assert!(!health.degraded());
        let backlogged = JobHealth {
            largest_queue: 501,
            ..health
        };
        assert!(backlogged.backlogged() && backlogged.degraded());
        let stale = JobHealth {
            worker: WorkerLiveness::Stale,
            ..health
        };
        assert!(stale.degraded() && !stale.backlogged());
    }
}
