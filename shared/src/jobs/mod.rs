//! Job payloads and [`JobQueue`], the one wrapper that names apalis-redis.
//!
//! Payloads carry ids, not snapshots: handlers re-read the database. Every job kind has a
//! versioned name that is also its queue name, so renaming a Rust type never splits a queue.

use apalis::prelude::TaskSink;
use apalis_redis::{Config, RedisStorage};
use serde::{Serialize, de::DeserializeOwned};

use crate::{Error, Result, redis::Keys, redis::RedisConn};

pub mod maintenance;

/// A job kind.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static {
    /// Versioned name, e.g. `expire_pre_reservations.v1`; also names the queue.
    const NAME: &'static str;
}

/// Enqueues jobs in Redis (cheap to clone).
#[derive(Clone, Debug)]
pub struct JobQueue {
    conn: RedisConn,
    keys: Keys,
}

impl JobQueue {
    /// A queue client on `conn` under the namespace of `keys`.
    pub fn new(conn: RedisConn, keys: Keys) -> Self {
        Self { conn, keys }
    }

    /// The apalis storage of a job kind (what workers consume and producers push to).
    pub fn storage<J: Job>(&self) -> RedisStorage<J> {
        RedisStorage::new(self.conn.clone()).with_config(
            Config::default()
                .queue(self.keys.queue(J::NAME))
                .idempotency_ttl(Some(std::time::Duration::from_secs(48 * 3600))),
        )
    }

    /// Enqueues a job.
    pub async fn push<J: Job>(&self, job: J) -> Result<()> {
        let mut storage = self.storage::<J>();
        storage
            .push(job)
            .await
            .map_err(|e| Error::Unavailable(Box::new(e)))
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
