//! The `api` command line: serve, migrate, seed, openapi.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use shared::{clock::SystemClock, config::Settings, db, service::demo, shutdown, telemetry};

use crate::startup::{Application, openapi_json};

/// Cabañas API server.
#[derive(Debug, Parser)]
#[command(name = "api", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations (the Fly.io release command).
    Migrate,
    /// Insert the demo cabins that are missing.
    Seed,
    /// Print the OpenAPI document.
    Openapi,
}

impl Cli {
    /// Runs the chosen command.
    pub async fn run(self) -> anyhow::Result<()> {
        let command = self.command.unwrap_or(Command::Serve);
        if let Command::Openapi = command {
            println!("{}", openapi_json());
            return Ok(());
        }
        let settings = Settings::load()?;
        let _telemetry = telemetry::init_tracing(&settings, "api");
        let db = db::connect(&settings).await?;
        match command {
            Command::Migrate => {
                Migrator::up(&db, None).await?;
                tracing::info!("migrations applied");
            }
            Command::Seed => {
                let added = demo::seed_demo_cabins(&db).await?;
                tracing::info!(added, "demo cabins seeded");
            }
            Command::Serve => {
                let app = Application::bind(settings, db, Arc::new(SystemClock)).await?;
                app.run_until(shutdown::signal()).await?;
            }
            Command::Openapi => {}
        }
        Ok(())
    }
}
