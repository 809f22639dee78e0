//! One PostgreSQL database per test, cloned from a template built once from the migrations.
//!
//! The template is named by a hash of the migration sources, so changing a migration builds a
//! new one. It is built under an advisory lock (nextest runs tests in separate processes) into
//! a scratch database that is renamed only when complete, so no test ever clones a half-built
//! template. Test databases are dropped WITH (FORCE) when the test ends.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

/// Server to create test databases on (its `postgres` maintenance database).
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `admin_url` with another database name.
fn url_for(database: &str) -> String {
    let admin = admin_url();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{database}")
}

fn template_name() -> String {
    format!("cabanas_tpl_{}", env!("MIGRATIONS_HASH"))
}

async fn admin_connection() -> DatabaseConnection {
    shared::db::connect_url(&admin_url(), 1)
        .await
        .expect("connect to the PostgreSQL maintenance database (is PostgreSQL running?)")
}

async fn database_exists(admin: &DatabaseConnection, name: &str) -> bool {
    let row = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT 1 AS found FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .expect("query pg_database");
    row.is_some()
}

async fn ensure_template(admin: &DatabaseConnection) {
    let template = template_name();
    if database_exists(admin, &template).await {
        return;
    }
    admin
        .execute_unprepared("SELECT pg_advisory_lock(hashtext('cabanas_test_template'))")
        .await
        .expect("take the template lock");
    if !database_exists(admin, &template).await {
        let scratch = format!("cabanas_tplbuild_{}", Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {scratch}"))
            .await
            .expect("create scratch template");
        let db = shared::db::connect_url(&url_for(&scratch), 2)
            .await
            .expect("connect scratch template");
        Migrator::up(&db, None).await.expect("migrate template");
        db.close().await.expect("close scratch template");
        admin
            .execute_unprepared(&format!("ALTER DATABASE {scratch} RENAME TO {template}"))
            .await
            .expect("publish template");
    }
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(hashtext('cabanas_test_template'))")
        .await
        .expect("release the template lock");
}

/// A migrated database owned by one test.
#[derive(Debug)]
pub struct TestDb {
    /// Its name.
    pub name: String,
    /// Its connection URL.
    pub url: String,
    /// A pool on it.
    pub conn: DatabaseConnection,
}

impl TestDb {
    /// Clones the template into a fresh database and connects a pool of `max_connections`.
    pub async fn new(max_connections: u32) -> Self {
        let admin = admin_connection().await;
        ensure_template(&admin).await;
        Self::create(
            admin,
            &format!("TEMPLATE {}", template_name()),
            max_connections,
        )
        .await
    }

    /// A database with no migration applied (for tests that apply them one by one).
    pub async fn empty(max_connections: u32) -> Self {
        Self::create(admin_connection().await, "", max_connections).await
    }

    async fn create(admin: DatabaseConnection, options: &str, max_connections: u32) -> Self {
        let name = format!("cabanas_test_{}", Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name} {options}"))
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        let url = url_for(&name);
        let conn = shared::db::connect_url(&url, max_connections)
            .await
            .expect("connect the test database");
        Self { name, url, conn }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime: use a thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for dropping the test database");
            runtime.block_on(async {
                let admin = admin_connection().await;
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
