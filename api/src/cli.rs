//! The `api` command line: serve, migrate, seed, openapi.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use shared::{
    clock::SystemClock,
    config::{AppEnv, Settings},
    db,
    service::{admin_auth, demo},
    shutdown, telemetry,
};

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
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an admin, or reset its password (unlocking it). The password is read from a
    /// prompt on a terminal, or from the first line of standard input otherwise; never from
    /// the command line, where it would end up in the shell history.
    Create {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// owner or staff.
        #[arg(long, default_value = "owner")]
        role: String,
    },
}

/// Demo admin created by `api seed` outside production.
const DEMO_ADMIN_EMAIL: &str = "owner@cabanas.test";
const DEMO_ADMIN_PASSWORD: &str = "demo-owner-password";

fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New admin password: ")?;
        let again = rpassword::prompt_password("Repeat it: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(password)
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
                anyhow::ensure!(
                    settings.app_env != AppEnv::Production,
                    "refusing to seed demo data in production"
                );
                let added = demo::seed_demo_cabins(&db).await?;
                tracing::info!(added, "demo cabins seeded");
                admin_auth::create_or_reset(&db, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "owner")
                    .await?;
                println!("Demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}");
            }
            Command::Admin {
                command: AdminCommand::Create { email, role },
            } => {
                let password = read_password()?;
                let admin = admin_auth::create_or_reset(&db, &email, &password, &role).await?;
                println!("Admin {} is ready.", admin.email);
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
