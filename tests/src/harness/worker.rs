//! The real worker in process: stopped gracefully, or killed like a crashed machine.

use std::sync::Arc;

use shared::{clock::OffsetClock, config::Settings};
use tokio::{sync::watch, task::JoinHandle};

/// A worker running on this test's runtime; stop it with [`TestWorker::stop`].
pub struct TestWorker {
    stop: watch::Sender<bool>,
    handle: JoinHandle<anyhow::Result<()>>,
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

impl TestWorker {
    /// Starts `worker::run` with its own pool.
    pub async fn start(settings: Settings, clock: Arc<OffsetClock>) -> Self {
        let (stop, rx) = watch::channel(false);
        let db = shared::db::connect(&settings).await.expect("worker pool");
        let handle = tokio::spawn(worker::run(settings, db, clock, stopped(rx)));
        Self { stop, handle }
    }

    /// Graceful shutdown; waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.handle
            .await
            .expect("worker task")
            .expect("worker shut down cleanly");
    }
}

/// A worker on its own runtime, so it can die like a process: [`CrashableWorker::kill`] drops
/// every task (jobs, heartbeats, connections) at once, without any shutdown.
pub struct CrashableWorker {
    runtime: tokio::runtime::Runtime,
}

impl CrashableWorker {
    /// Starts `worker::run` on a fresh runtime.
    pub fn start(settings: Settings, clock: Arc<OffsetClock>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("worker runtime");
        runtime.spawn(async move {
            let db = shared::db::connect(&settings).await.expect("worker pool");
            worker::run(settings, db, clock, std::future::pending()).await
        });
        Self { runtime }
    }

    /// Kills it: no graceful shutdown, no deregistration.
    pub fn kill(self) {
        self.runtime.shutdown_background();
    }
}
