//! The `api` command line: serve, migrate, seed, openapi, admin accounts, import-legacy.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use shared::{
    auth::role::AdminRole,
    clock::SystemClock,
    config::{AppEnv, Settings},
    db,
    service::{admin_auth, demo, legacy_import},
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
    /// Import the database of the system this replaces (read, never written): accommodations
    /// with their ids and iCal export tokens, reservations with their codes, payments. Running
    /// it again imports nothing twice. Prints the report; see docs/runbooks/cutover.md.
    ImportLegacy {
        /// The old database's URL (`postgres://…`); also read from `LEGACY_DATABASE_URL`, which
        /// keeps its password out of the shell history.
        #[arg(long = "from", env = "LEGACY_DATABASE_URL", hide_env_values = true)]
        from: String,
        /// Do everything, print the report, then roll back: nothing changes here.
        #[arg(long)]
        dry_run: bool,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
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
        #[arg(long, default_value = "owner", value_parser = parse_role)]
        role: AdminRole,
    },
    /// Deactivate an admin: it can no longer log in and its tokens stop working at once.
    /// `admin create` on the same email re-activates it with a new password.
    Deactivate {
        /// The admin's email.
        #[arg(long)]
        email: String,
    },
    /// Lift every login lock of an admin (from whichever network it was locked).
    Unlock {
        /// The admin's email.
        #[arg(long)]
        email: String,
    },
}

fn parse_role(value: &str) -> Result<AdminRole, String> {
    value
        .parse()
        .map_err(|_| "the role must be owner or staff".to_owned())
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
                admin_auth::create_or_reset(
                    &db,
                    DEMO_ADMIN_EMAIL,
                    DEMO_ADMIN_PASSWORD,
                    AdminRole::Owner,
                )
                .await?;
                println!("Demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}");
            }
            Command::Admin {
                command: AdminCommand::Create { email, role },
            } => {
                let password = read_password()?;
                let admin = admin_auth::create_or_reset(&db, &email, &password, role).await?;
                println!("Admin {} ({}) is ready.", admin.email, admin.role);
            }
            Command::Admin {
                command: AdminCommand::Deactivate { email },
            } => {
                let admin = admin_auth::deactivate(&db, &email).await?;
                println!(
                    "Admin {} is deactivated; its tokens no longer work.",
                    admin.email
                );
            }
            Command::Admin {
                command: AdminCommand::Unlock { email },
            } => {
                let networks = admin_auth::unlock(&db, &email).await?;
                println!("Admin {email} is unlocked ({networks} client networks cleared).");
            }
            Command::ImportLegacy {
                from,
                dry_run,
                report,
            } => import_legacy(&db, &from, dry_run, report.as_deref()).await?,
            Command::Serve => {
                let app = Application::bind(settings, db, Arc::new(SystemClock)).await?;
                app.run_until(shutdown::signal()).await?;
            }
            Command::Openapi => {}
        }
        Ok(())
    }
}

/// `api import-legacy`: connects to the old database, imports, prints the report and writes
/// it as JSON when asked. The old database's URL never appears in an error (it holds a
/// password).
async fn import_legacy(
    db: &sea_orm::DatabaseConnection,
    from: &str,
    dry_run: bool,
    report_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let source = db::connect_url(from, 2)
        .await
        .map_err(|e| anyhow::Error::new(e).context("could not connect to the old database"))?;
    let old = legacy_import::read_old(&source).await.map_err(|e| {
        anyhow::Error::new(e).context("could not read the old system's tables from that database")
    })?;
    source.close().await?;
    let report = legacy_import::import(db, &old, &SystemClock, dry_run).await?;
    if let Some(path) = report_file {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
        eprintln!("Report written to {}", path.display());
    }
    print!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin_command(args: &[&str]) -> AdminCommand {
        let cli = Cli::try_parse_from(args).expect("parses");
        match cli.command {
            Some(Command::Admin { command }) => command,
            other => panic!("expected an admin command, got {other:?}"),
        }
    }

    #[test]
    fn admin_unlock_and_deactivate_take_an_email() {
        assert!(matches!(
            admin_command(&["api", "admin", "unlock", "--email", "owner@cabanas.test"]),
            AdminCommand::Unlock { email } if email == "owner@cabanas.test"
        ));
        assert!(matches!(
            admin_command(&["api", "admin", "deactivate", "--email", "staff@cabanas.test"]),
            AdminCommand::Deactivate { email } if email == "staff@cabanas.test"
        ));
        assert!(Cli::try_parse_from(["api", "admin", "unlock"]).is_err());
    }

    #[test]
    fn import_legacy_takes_the_old_database_and_options() {
        let cli = Cli::try_parse_from([
            "api",
            "import-legacy",
            "--from",
            "postgres://old@db/cabanas",
            "--dry-run",
            "--report",
            "r.json",
        ])
        .expect("parses");
        assert!(matches!(
            cli.command,
            Some(Command::ImportLegacy { from, dry_run: true, report: Some(_) })
                if from == "postgres://old@db/cabanas"
        ));
    }

    #[test]
    fn admin_create_parses_the_role_and_refuses_unknown_ones() {
        assert!(matches!(
            admin_command(&[
                "api", "admin", "create", "--email", "s@x.test", "--role", "staff"
            ]),
            AdminCommand::Create {
                role: AdminRole::Staff,
                ..
            }
        ));
        assert!(matches!(
            admin_command(&["api", "admin", "create", "--email", "o@x.test"]),
            AdminCommand::Create {
                role: AdminRole::Owner,
                ..
            }
        ));
        assert!(
            Cli::try_parse_from([
                "api", "admin", "create", "--email", "o@x.test", "--role", "root"
            ])
            .is_err()
        );
    }
}
