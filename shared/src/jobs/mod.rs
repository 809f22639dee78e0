//! Job payloads and [`JobQueue`], the one wrapper that names apalis-redis.
//!
//! Payloads carry ids, not snapshots: handlers re-read the database. Every job kind has a
//! versioned name that is also its queue name, so renaming a Rust type never splits a queue.

use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_redis::{Config, RedisStorage};
use chrono::{DateTime, Utc};
use serde::{Serialize, de::DeserializeOwned};

use crate::{Error, Result, redis::Keys, redis::RedisConn, trace::JobTrace};

pub mod calendar;
pub mod error;
pub mod maintenance;
pub mod notifications;
pub mod payments;
pub mod schedules;
pub mod whatsapp;

pub use error::JobError;

/// A job kind.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static {
    /// Versioned name, e.g. `expire_pre_reservations.v1`; also names the queue.
    const NAME: &'static str;
    /// Attempts before a retryable failure is given up on and recorded in `failed_jobs`.
    const MAX_ATTEMPTS: usize = 5;

    /// The trace of the request that enqueued this job, when it carries one (see
    /// [`crate::trace`]); the job then runs in that trace.
    fn trace(&self) -> Option<&JobTrace> {
        None
    }
}

/// Every job name a queue exists for (what `push_json` accepts, what queue depth samples).
pub const JOB_NAMES: &[&str] = &[
    maintenance::ExpirePreReservations::NAME,
    maintenance::ExpireIdempotencyKeys::NAME,
    maintenance::SweepWebhookEvents::NAME,
    maintenance::PurgeWebhookPayloads::NAME,
    maintenance::ApplyGuestDataRetention::NAME,
    whatsapp::WhatsappInbound::NAME,
    whatsapp::WhatsappStatus::NAME,
    whatsapp::SweepConversations::NAME,
    payments::ReconcilePayment::NAME,
    payments::PollPayments::NAME,
    calendar::SyncIcalFeeds::NAME,
    notifications::GuestNotice::NAME,
    notifications::HoldReminders::NAME,
];

/// The one member of the queue epoch sorted set.
const EPOCH_MEMBER: &str = "since";

/// Enqueues jobs in Redis (cheap to clone).
#[derive(Clone, Debug)]
pub struct JobQueue {
    conn: RedisConn,
    keys: Keys,
    heartbeat: Duration,
    missed_heartbeats: usize,
}

impl JobQueue {
    /// A queue client on `conn` under the namespace of `keys`, with apalis's liveness
    /// defaults (30 s heartbeat, 10 missed).
    pub fn new(conn: RedisConn, keys: Keys) -> Self {
        Self {
            conn,
            keys,
            heartbeat: Duration::from_secs(30),
            missed_heartbeats: 10,
        }
    }

    /// Sets the worker heartbeat: a worker silent for `interval × missed` is presumed dead
    /// and its in-flight jobs are handed to the others.
    #[must_use]
    pub fn with_heartbeat(mut self, interval: Duration, missed: usize) -> Self {
        self.heartbeat = interval;
        self.missed_heartbeats = missed.max(1);
        self
    }

    fn config(&self, name: &str) -> Config {
        Config::default()
            .queue(self.keys.queue(name))
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats)
            .idempotency_ttl(Some(Duration::from_secs(48 * 3600)))
    }

    /// The apalis storage of a job kind (what workers consume and producers push to).
    pub fn storage<J: Job>(&self) -> RedisStorage<J> {
        RedisStorage::new(self.conn.clone()).with_config(self.config(J::NAME))
    }

    /// Enqueues a job.
    pub async fn push<J: Job>(&self, job: J) -> Result<()> {
        let mut storage = self.storage::<J>();
        storage
            .push(job)
            .await
            .map_err(|e| Error::Unavailable(Box::new(e)))
    }

    /// Enqueues a stored payload on the queue of job `name` (retrying a failed job by name).
    pub async fn push_json(&self, name: &str, payload: serde_json::Value) -> Result<()> {
        if !JOB_NAMES.contains(&name) {
            return Err(Error::invalid(
                "job_name",
                "unknown_job",
                format!("no queue for job {name:?}"),
            ));
        }
        let mut storage: RedisStorage<serde_json::Value> =
            RedisStorage::new(self.conn.clone()).with_config(self.config(name));
        storage
            .push(payload)
            .await
            .map_err(|e| Error::Unavailable(Box::new(e)))
    }

    /// Jobs waiting in the queue of job `name` (ready plus scheduled for later).
    pub async fn depth(&self, name: &str) -> Result<u64> {
        let mut conn = self.conn.clone();
        let (ready, scheduled): (u64, u64) = redis::pipe()
            .cmd("LLEN")
            .arg(self.keys.queue_ready(name))
            .cmd("ZCARD")
            .arg(self.keys.queue_scheduled(name))
            .query_async(&mut conn)
            .await?;
        Ok(ready + scheduled)
    }

    /// Records that a job of an event enqueued at `at` is about to be pushed: lowers the
    /// queue epoch ([`Keys::queue_epoch`]) to `at` (`ZADD LT`), creating it when Redis has none.
    /// Called before the push, so every job in this Redis belongs to an event enqueued at or
    /// after the epoch.
    pub async fn mark_epoch(&self, at: DateTime<Utc>) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("ZADD")
            .arg(self.keys.queue_epoch())
            .arg("LT")
            .arg(at.timestamp_millis())
            .arg(EPOCH_MEMBER)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// Since when this Redis has held the webhook queues: the earliest enqueue time marked
    /// ([`JobQueue::mark_epoch`]), or `now` when the epoch is missing (Redis restarted empty
    /// and nothing was enqueued since: marked now, atomically with the read). Jobs of events
    /// enqueued before it were lost with the previous Redis.
    pub async fn epoch(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let mut conn = self.conn.clone();
        let (score,): (f64,) = redis::pipe()
            .atomic()
            .cmd("ZADD")
            .arg(self.keys.queue_epoch())
            .arg("LT")
            .arg(now.timestamp_millis())
            .arg(EPOCH_MEMBER)
            .ignore()
            .cmd("ZSCORE")
            .arg(self.keys.queue_epoch())
            .arg(EPOCH_MEMBER)
            .query_async(&mut conn)
            .await?;
        // Milliseconds since 1970 fit an f64 exactly.
        DateTime::from_timestamp_millis(score as i64)
            .ok_or_else(|| crate::Error::Internal("queue epoch out of range".into()))
    }

    /// Jobs waiting in each queue of [`JOB_NAMES`] (ready plus scheduled), in that order, in
    /// one round trip.
    pub async fn depths(&self) -> Result<Vec<u64>> {
        let mut pipe = redis::pipe();
        for name in JOB_NAMES {
            pipe.cmd("LLEN")
                .arg(self.keys.queue_ready(name))
                .cmd("ZCARD")
                .arg(self.keys.queue_scheduled(name));
        }
        let mut conn = self.conn.clone();
        let counts: Vec<u64> = pipe.query_async(&mut conn).await?;
        Ok(counts.chunks(2).map(|pair| pair.iter().sum()).collect())
    }

    /// The Redis connection.
    pub fn conn(&self) -> &RedisConn {
        &self.conn
    }

    /// The key formatter.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }
}
