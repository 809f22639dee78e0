//! `worker` binary: consumes Redis jobs and runs the scheduled maintenance jobs until SIGTERM.

use std::sync::Arc;

use shared::{clock::SystemClock, config::Settings, db, shutdown, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    shared::tls::install_crypto_provider();
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("worker: Cabañas job worker. Configured by environment variables (see README).");
        return std::process::ExitCode::SUCCESS;
    }
    let result = async {
        let settings = Settings::load()?;
        let _telemetry = telemetry::init_tracing(&settings, "worker");
        let db = db::connect(&settings).await?;
        worker::run(settings, db, Arc::new(SystemClock), shutdown::signal()).await
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
