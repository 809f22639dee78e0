//! Expand/contract: every migration leaves a schema the previous release still runs against.
//!
//! A deploy runs `api migrate` (the release command) before any Machine is replaced, so for a
//! while the previous release serves traffic on the new schema, and a rollback
//! (`docs/runbooks/rollback.md`) runs it there for good. The migrations are applied one at a
//! time; after each, the statements the schema before it supported are run against the schema
//! after it: reading every column it had, inserting into every column it had, calling every
//! function it had. Also refused: a column that became `NOT NULL` or appeared `NOT NULL` without
//! a default (the previous release's inserts would fail). A migration that must remove
//! something does it in a later release, once no running code uses it (contract).

use std::collections::{BTreeMap, BTreeSet};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tests::harness::TestDb;

/// Columns dropped before the first production deploy, when no previous release ran:
/// `(migration, table, column)`. Nothing may be added here once the system is live.
const DROPPED_BEFORE_FIRST_RELEASE: &[(&str, &str, &str)] = &[
    (
        "m20261129_000001_admin_hardening",
        "admin_users",
        "failed_attempts",
    ),
    (
        "m20261129_000001_admin_hardening",
        "admin_users",
        "locked_until",
    ),
];

/// One column as the previous release sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Column {
    data_type: String,
    nullable: bool,
    has_default: bool,
    /// Not `GENERATED ALWAYS` (an identity or a computed column): an insert may name it.
    writable: bool,
}

/// What a release's queries depend on: columns by `(table, column)` and function signatures.
#[derive(Debug, Default)]
struct Schema {
    columns: BTreeMap<(String, String), Column>,
    functions: BTreeSet<String>,
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("read the catalog")
}

async fn snapshot(db: &DatabaseConnection) -> Schema {
    let mut schema = Schema::default();
    let columns = rows(
        db,
        "SELECT c.relname AS table_name, a.attname AS column_name, \
                format_type(a.atttypid, a.atttypmod) AS data_type, \
                NOT a.attnotnull AS nullable, a.atthasdef OR a.attidentity <> '' AS has_default, \
                a.attidentity <> 'a' AND a.attgenerated = '' AS writable \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 \
           AND NOT a.attisdropped AND c.relname <> 'seaql_migrations'",
    )
    .await;
    for row in columns {
        let get = |name: &str| row.try_get::<String>("", name).expect("a catalog text");
        let flag = |name: &str| row.try_get::<bool>("", name).expect("a catalog flag");
        schema.columns.insert(
            (get("table_name"), get("column_name")),
            Column {
                data_type: get("data_type"),
                nullable: flag("nullable"),
                has_default: flag("has_default"),
                writable: flag("writable"),
            },
        );
    }
    let functions = rows(
        db,
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') → ' \
                || pg_get_function_result(p.oid) AS signature \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'public' AND p.prokind = 'f' \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d \
                           WHERE d.objid = p.oid AND d.deptype = 'e')",
    )
    .await;
    for row in functions {
        schema
            .functions
            .insert(row.try_get("", "signature").expect("a signature"));
    }
    schema
}

/// What the schema `after` takes away from a release written for `before`.
fn contractions(before: &Schema, after: &Schema) -> Vec<String> {
    let mut found = Vec::new();
    for ((table, name), old) in &before.columns {
        match after.columns.get(&(table.clone(), name.clone())) {
            None => found.push(format!("column {table}.{name} was dropped")),
            Some(new) if new.data_type != old.data_type => found.push(format!(
                "column {table}.{name} changed type from {} to {}",
                old.data_type, new.data_type
            )),
            Some(new) if old.nullable && !new.nullable => {
                found.push(format!("column {table}.{name} became NOT NULL"));
            }
            Some(new) if old.writable && !new.writable => {
                found.push(format!("column {table}.{name} can no longer be written"));
            }
            Some(_) => {}
        }
    }
    let old_tables: BTreeSet<&String> = before.columns.keys().map(|(t, _)| t).collect();
    for ((table, name), new) in &after.columns {
        let added = !before.columns.contains_key(&(table.clone(), name.clone()));
        if added && old_tables.contains(table) && !new.nullable && !new.has_default {
            found.push(format!(
                "column {table}.{name} was added NOT NULL without a default"
            ));
        }
    }
    for signature in before.functions.difference(&after.functions) {
        found.push(format!("function {signature} was dropped or changed"));
    }
    found
}

/// Runs, on `db`, a read and a prepared insert of every column of every table of `before`:
/// the queries a release written for `before` may send. Returns what PostgreSQL refused.
async fn previous_queries_fail(db: &DatabaseConnection, before: &Schema) -> Vec<String> {
    let mut tables: BTreeMap<&str, Vec<(&str, &Column)>> = BTreeMap::new();
    for ((table, name), column) in &before.columns {
        tables.entry(table).or_default().push((name, column));
    }
    let mut refused = Vec::new();
    for (table, columns) in tables {
        let quoted = |(name, _): &(&str, &Column)| format!("\"{name}\"");
        let names: Vec<String> = columns.iter().map(quoted).collect();
        let written: Vec<&(&str, &Column)> = columns.iter().filter(|(_, c)| c.writable).collect();
        let params: Vec<String> = written
            .iter()
            .enumerate()
            .map(|(i, (_, c))| format!("${}::{}", i + 1, c.data_type))
            .collect();
        let written: Vec<String> = written.into_iter().map(quoted).collect();
        let select = format!("SELECT {} FROM \"{table}\" WHERE false", names.join(", "));
        let insert = format!(
            "PREPARE expand_contract_insert AS INSERT INTO \"{table}\" ({}) VALUES ({}); \
             DEALLOCATE expand_contract_insert",
            written.join(", "),
            params.join(", ")
        );
        for sql in [select, insert] {
            if let Err(e) = db.execute_unprepared(&sql).await {
                refused.push(format!("a previous query on {table} failed: {e}"));
            }
        }
    }
    refused
}

#[tokio::test]
async fn each_migration_keeps_the_previous_release_running() {
    // Arrange: an empty database; the migrations in order.
    let db = TestDb::empty(2).await;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mut broken = Vec::new();

    for name in &names {
        // Act: one migration, between two snapshots (less what it may drop).
        let mut before = snapshot(&db.conn).await;
        for (_, table, column) in DROPPED_BEFORE_FIRST_RELEASE
            .iter()
            .filter(|(migration, ..)| migration == name)
        {
            before
                .columns
                .remove(&((*table).to_owned(), (*column).to_owned()));
        }
        Migrator::up(&db.conn, Some(1))
            .await
            .unwrap_or_else(|e| panic!("apply {name}: {e}"));
        let after = snapshot(&db.conn).await;

        // Assert (collected): nothing the previous release uses is taken away.
        broken.extend(
            contractions(&before, &after)
                .into_iter()
                .chain(previous_queries_fail(&db.conn, &before).await)
                .map(|found| format!("{name}: {found}")),
        );
    }

    assert!(
        broken.is_empty(),
        "migrations that break the release before them (expand now, contract in a later release):\n{}",
        broken.join("\n")
    );
}

#[tokio::test]
async fn a_contraction_is_caught() {
    // Arrange: the full schema, then what a careless migration would do.
    let db = TestDb::new(2).await;
    let before = snapshot(&db.conn).await;
    db.conn
        .execute_unprepared(
            "ALTER TABLE reservations DROP COLUMN notes; \
             ALTER TABLE reservations ALTER COLUMN guest_email SET NOT NULL; \
             ALTER TABLE accommodations ADD COLUMN region TEXT NOT NULL; \
             DROP FUNCTION reservation_audit_snapshot(reservations)",
        )
        .await
        .expect("contract the schema");

    // Act
    let after = snapshot(&db.conn).await;
    let found = contractions(&before, &after);
    let refused = previous_queries_fail(&db.conn, &before).await;

    // Assert: each contraction is named, and the previous release's queries fail on the drop.
    let expected = [
        "column reservations.notes was dropped",
        "column reservations.guest_email became NOT NULL",
        "column accommodations.region was added NOT NULL without a default",
    ];
    for e in expected {
        assert!(found.iter().any(|f| f == e), "{e} not in {found:?}");
    }
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("function reservation_audit_snapshot(")),
        "{found:?}"
    );
    assert!(
        refused
            .iter()
            .any(|r| r.contains(" on reservations failed") && r.contains("notes")),
        "{refused:?}"
    );
}
