//! The real API server (on port 0) and the real worker, in this process, for end-to-end tests.

use std::sync::Arc;

use api::startup::Application;
use shared::{clock::OffsetClock, config::Settings};
use tokio::{sync::watch, task::JoinHandle};

/// A running API + worker pair; stop it with [`RunningSystem::stop`].
pub struct RunningSystem {
    /// Base URL of the API (`http://127.0.0.1:<port>`).
    pub api_url: String,
    /// Base URL of the API's internal metrics port.
    pub metrics_url: String,
    /// An HTTP client.
    pub http: reqwest::Client,
    stop: watch::Sender<bool>,
    api: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<anyhow::Result<()>>,
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

impl RunningSystem {
    /// Starts the API and the worker with `settings` (ports 0) and `clock`.
    pub async fn start(settings: Settings, clock: Arc<OffsetClock>) -> Self {
        let (stop, rx) = watch::channel(false);
        let api_db = shared::db::connect(&settings).await.expect("api pool");
        let app = Application::bind(settings.clone(), api_db, clock.clone())
            .await
            .expect("bind the API");
        let api_url = format!("http://127.0.0.1:{}", app.port());
        let metrics_url = format!("http://127.0.0.1:{}", app.metrics_port());
        let api = tokio::spawn(app.run_until(stopped(rx.clone())));
        let worker_db = shared::db::connect(&settings).await.expect("worker pool");
        let worker = tokio::spawn(worker::run(settings, worker_db, clock, stopped(rx)));
        Self {
            api_url,
            metrics_url,
            http: reqwest::Client::new(),
            stop,
            api,
            worker,
        }
    }

    /// Sends the shutdown signal and waits for both processes to finish cleanly.
    pub async fn stop(self) {
        self.stop.send(true).expect("signal shutdown");
        self.api
            .await
            .expect("API task")
            .expect("API shut down cleanly");
        self.worker
            .await
            .expect("worker task")
            .expect("worker shut down cleanly");
    }
}
