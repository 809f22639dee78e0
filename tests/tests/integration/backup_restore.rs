//! `ops/backup.sh` and `ops/restore.sh` against a real database: a backup of a seeded database
//! restored into a new one holds the same rows in every table; rotation keeps the newest
//! backups; a dump that does not match its checksum, or a target that already has tables, is
//! refused.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tests::harness::{TestApp, admin_url, fixtures};
use uuid::Uuid;

/// Runs `ops/<script>` with `args`.
fn run(script: &str, args: &[&str]) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ops")
        .join(script);
    Command::new("bash")
        .arg(path)
        .args(args)
        .output()
        .expect("run the script")
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{database}")
}

/// Every table's row count and a digest of its rows in a stable order.
async fn contents(db: &DatabaseConnection) -> Vec<(String, i64, String)> {
    let tables = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        ))
        .await
        .expect("list tables");
    let mut out = Vec::new();
    for table in tables {
        let name: String = table.try_get("", "tablename").expect("name");
        let row = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                format!(
                    "SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest
                     FROM \"{name}\" t"
                ),
            ))
            .await
            .expect("digest a table")
            .expect("one row");
        out.push((
            name,
            row.try_get("", "n").expect("count"),
            row.try_get("", "digest").expect("digest"),
        ));
    }
    out
}

/// Drops `database` when the test ends, whatever happens.
struct Dropped(String);

impl Drop for Dropped {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([admin_url().as_str(), "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.0
            ))
            .output();
    }
}

#[tokio::test]
async fn a_restored_backup_holds_every_row_and_bad_dumps_or_targets_are_refused() {
    // Arrange: a database with cabins, holds and their audit; a scratch folder.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Respaldo").insert(app.conn()).await;
    for week in 1..=3 {
        let check_in = app.today() + Duration::weeks(week);
        let mut body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));
        body["guest_phone"] = format!("+54911444000{week:02}").into();
        assert_eq!(app.book(&body).await.status, 201);
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("cabanas-backups-{}", Uuid::new_v4()));
    let dir_arg = dir.to_str().expect("a UTF-8 path");
    let target = format!("cabanas_restore_{}", Uuid::new_v4().simple());
    let _cleanup = Dropped(target.clone());
    let target_url = with_database(&app.db.url, &target);

    // Act: three backups kept two at a time, then a restore of the newest.
    let mut written = Vec::new();
    for _ in 0..3 {
        let backup = run("backup.sh", &["--dir", dir_arg, "--keep", "2", &app.db.url]);
        assert!(
            backup.status.success(),
            "{}",
            String::from_utf8_lossy(&backup.stderr)
        );
        written.push(
            String::from_utf8(backup.stdout)
                .expect("a path")
                .trim()
                .to_owned(),
        );
    }
    let newest = written.last().expect("a backup").clone();
    let restore = run("restore.sh", &["--create", &newest, &target_url]);

    // Assert: rotation, then the same rows everywhere.
    let mut kept: Vec<String> = std::fs::read_dir(&dir)
        .expect("the backup folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 4, "two dumps and their checksums: {kept:?}");
    assert!(
        !Path::new(&written[0]).exists(),
        "the oldest backup was rotated out"
    );
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    let restored = shared::db::connect_url(&target_url, 1)
        .await
        .expect("connect");
    let (source, copy) = (contents(app.conn()).await, contents(&restored).await);
    let _ = restored.close().await;
    assert!(
        source
            .iter()
            .any(|(t, n, _)| t == "reservations" && *n == 3)
    );
    assert_eq!(source, copy, "every table restored with the same rows");

    // A target with tables is refused; so is a dump that does not match its checksum.
    let again = run("restore.sh", &[&newest, &target_url]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has"));
    let mut bytes = std::fs::read(&newest).expect("the dump");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&newest, bytes).expect("corrupt the dump");
    let fresh = with_database(&app.db.url, &format!("{target}_2"));
    let _cleanup_2 = Dropped(format!("{target}_2"));
    let corrupt = run("restore.sh", &["--create", &newest, &fresh]);
    assert!(!corrupt.status.success());
    assert!(String::from_utf8_lossy(&corrupt.stderr).contains("does not match its checksum"));
    std::fs::remove_dir_all(&dir).expect("remove the scratch folder");
}
