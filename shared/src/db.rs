//! PostgreSQL connection pool.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::{Result, config::Settings};

/// Opens the pool described by the settings (sqlx query logging off: it would log guest data).
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection> {
    connect_url(
        settings.database_url.expose(),
        settings.database_max_connections,
    )
    .await
}

/// Opens a pool to `url` with at most `max_connections`.
pub async fn connect_url(url: &str, max_connections: u32) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // A ping on every checkout is a round trip per query; only connections idle long
        // enough to have been dropped by a proxy or failover are checked first.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    Ok(Database::connect(options).await?)
}

/// Whether PostgreSQL answers a trivial query on a pooled connection: the health checks of
/// both processes. Fails as the driver does (the caller decides what to show of the error).
pub async fn ping(db: &impl sea_orm::ConnectionTrait) -> std::result::Result<(), sea_orm::DbErr> {
    db.execute_unprepared("SELECT 1").await.map(drop)
}

/// A PostgreSQL statement with positional values (`$1`, `$2`, …): how every raw statement
/// of the workspace is built.
pub fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    sea_orm::Statement::from_sql_and_values(sea_orm::DatabaseBackend::Postgres, sql, values)
}
