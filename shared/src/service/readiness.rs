//! Whether an API instance may take traffic: its database answers with every migration this
//! binary knows applied (during a rolling deploy, a machine of the new release must not serve
//! before the release command has migrated), and Redis answers.

use sea_orm::ConnectionTrait;

use crate::{Result, db::stmt, redis::RedisConn};

/// Why an instance is not ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotReady {
    /// PostgreSQL or Redis does not answer.
    DependenciesDown,
    /// Migrations this binary expects are not applied yet.
    MigrationsPending,
}

impl NotReady {
    /// The wire name (`dependencies_down`, `migrations_pending`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DependenciesDown => "dependencies_down",
            Self::MigrationsPending => "migrations_pending",
        }
    }
}

/// How many of `migrations` (names) the database has not applied; `Err` when it does not answer.
pub async fn missing_migrations(db: &impl ConnectionTrait, migrations: &[String]) -> Result<i64> {
    let row = db
        .query_one_raw(stmt(
            "SELECT count(*) AS applied FROM seaql_migrations WHERE version = ANY($1)",
            vec![migrations.to_vec().into()],
        ))
        .await?;
    let applied: i64 = match row {
        Some(row) => row.try_get("", "applied")?,
        None => 0,
    };
    Ok(i64::try_from(migrations.len()).unwrap_or(i64::MAX) - applied)
}

/// Ready, or why not: Redis and the database answer and every one of `migrations` is applied.
pub async fn check(
    db: &impl ConnectionTrait,
    redis: &RedisConn,
    migrations: &[String],
) -> std::result::Result<(), NotReady> {
    let mut conn = redis.clone();
    let redis_up = redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .is_ok();
    match missing_migrations(db, migrations).await {
        Ok(0) if redis_up => Ok(()),
        Ok(missing) if missing > 0 => Err(NotReady::MigrationsPending),
        _ => Err(NotReady::DependenciesDown),
    }
}
