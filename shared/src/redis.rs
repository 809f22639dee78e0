//! Redis connection and the only place Redis keys and queue names are formatted.
//!
//! Every key starts with the configured namespace, so several environments (and every test)
//! can share one server without seeing each other's data.

use std::time::Duration;

use redis::{
    Client, TlsCertificates,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

use crate::{Error, Result, config::Settings};

/// A multiplexed, auto-reconnecting Redis connection (cheap to clone).
pub type RedisConn = ConnectionManager;

/// Opens a connection manager that fails fast when Redis is down, so health checks and
/// webhooks answer quickly instead of hanging.
///
/// `rediss://` URLs connect over TLS and verify the server against the system roots, or
/// against `REDIS_CA_CERT` alone when it is set (a provider with a private CA).
pub async fn connect(settings: &Settings) -> Result<RedisConn> {
    manager(client(settings)?).await
}

/// The client of `REDIS_URL` (and `REDIS_CA_CERT`).
fn client(settings: &Settings) -> Result<Client> {
    let url = settings.redis_url.expose();
    Ok(match &settings.redis_ca_cert {
        None => Client::open(url)?,
        Some(path) => {
            let root_cert = std::fs::read(path).map_err(|e| {
                Error::Internal(format!("cannot read REDIS_CA_CERT {path}: {e}").into())
            })?;
            let certificates = TlsCertificates {
                client_tls: None,
                root_cert: Some(root_cert),
            };
            Client::build_with_tls(url, certificates)?
        }
    })
}

/// A pub/sub connection of its own (for the dashboard's live updates), with the same TLS
/// settings as [`connect`].
pub async fn pubsub(settings: &Settings) -> Result<redis::aio::PubSub> {
    crate::tls::install_crypto_provider();
    Ok(client(settings)?.get_async_pubsub().await?)
}

/// Opens a connection manager to `url` (TLS for `rediss://`, with the system roots).
pub async fn connect_url(url: &str) -> Result<RedisConn> {
    manager(Client::open(url)?).await
}

async fn manager(client: Client) -> Result<RedisConn> {
    crate::tls::install_crypto_provider();
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2);
    Ok(client.get_connection_manager_with_config(config).await?)
}

/// Formats keys under one namespace.
#[derive(Clone, Debug)]
pub struct Keys {
    namespace: String,
}

impl Keys {
    /// Keys under `namespace`.
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
        }
    }

    /// The namespace itself.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The apalis queue of a job kind.
    pub fn queue(&self, job_name: &str) -> String {
        format!("{}:queue:{job_name}", self.namespace)
    }

    /// A durable counter shown on the dashboard.
    pub fn stat(&self, name: &str) -> String {
        format!("{}:stats:{name}", self.namespace)
    }

    /// apalis-redis's list of ready jobs of a queue (layout of apalis-redis 1.0).
    pub fn queue_ready(&self, job_name: &str) -> String {
        format!("{}:active", self.queue(job_name))
    }

    /// apalis-redis's set of jobs scheduled for later (delayed and retried ones).
    pub fn queue_scheduled(&self, job_name: &str) -> String {
        format!("{}:scheduled", self.queue(job_name))
    }

    /// The queue epoch: a sorted set whose one member scores the earliest enqueue time of a
    /// webhook job this Redis has seen. Redis restarted empty loses it with the queues, so an
    /// event enqueued before the epoch's score cannot still be queued ([`crate::jobs::JobQueue::epoch`]).
    pub fn queue_epoch(&self) -> String {
        format!("{}:queue:epoch", self.namespace)
    }

    /// The pub/sub channel of the dashboard's live updates (`service::live`).
    pub fn live(&self) -> String {
        format!("{}:live", self.namespace)
    }

    /// When a worker last said it was alive (`/healthz`'s worker check).
    pub fn worker_heartbeat(&self) -> String {
        format!("{}:worker:heartbeat", self.namespace)
    }

    /// The marker that a cron slot of a job was already enqueued.
    pub fn cron_slot(&self, job_name: &str, slot: i64) -> String {
        format!("{}:cron:{job_name}:{slot}", self.namespace)
    }

    /// The rate-limit counter of one client in one bucket (`api`, `login`). The client is an
    /// IP address (or `unknown`); the counter expires with its window.
    pub fn rate_limit(&self, bucket: &str, client: &str) -> String {
        format!("{}:ratelimit:{bucket}:{client}", self.namespace)
    }
}
