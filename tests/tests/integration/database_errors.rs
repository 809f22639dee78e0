//! Database errors other than overlaps and duplicates get the right status and the uniform
//! body, never a bare 500; a deadlock victim or serialization failure is retried once.
//!
//! Two kinds of evidence: real errors provoked in the test database (a true deadlock, a true
//! serialization failure, a lock that is not available, a statement timeout, check and
//! foreign-key violations) classified by `shared::Error`, and faults injected into the
//! booking route by a trigger that raises a chosen SQLSTATE for the first N inserts (a
//! sequence counts attempts, since it is not rolled back with the failed transaction).

use api::error::ApiError;
use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use shared::Error;
use tests::harness::{TestApp, fixtures};

async fn run(db: &impl ConnectionTrait, sql: &str) -> Result<(), DbErr> {
    db.execute_unprepared(sql).await.map(drop)
}

/// The error PostgreSQL answers `sql` with, as `shared::Error` classifies it.
async fn refused(db: &impl ConnectionTrait, sql: &str, what: &str) -> Error {
    Error::from(run(db, sql).await.expect_err(what))
}

/// The status the API answers for `err`.
fn status_of(err: Error) -> u16 {
    use poem::IntoResponse;
    ApiError::from(err).into_response().status().as_u16()
}

async fn probe_tables(db: &DatabaseConnection) {
    run(
        db,
        "CREATE TABLE probe (id int PRIMARY KEY, n int NOT NULL CHECK (n > 0));
         CREATE TABLE probe_child (id int PRIMARY KEY, probe_id int REFERENCES probe (id));
         INSERT INTO probe VALUES (1, 1), (2, 2);
         INSERT INTO probe_child VALUES (1, 1);",
    )
    .await
    .expect("probe tables");
}

#[tokio::test]
async fn constraint_and_data_errors_are_422_or_409_naming_the_column() {
    let app = TestApp::new().await;
    let db = app.conn();
    probe_tables(db).await;

    let check = refused(db, "INSERT INTO probe VALUES (3, -1)", "check").await;
    let missing = refused(db, "INSERT INTO probe_child VALUES (2, 99)", "fk").await;
    let in_use = refused(db, "DELETE FROM probe WHERE id = 1", "fk").await;
    let not_null = refused(db, "INSERT INTO probe VALUES (4, NULL)", "not null").await;
    let overflow = refused(db, "SELECT 2147483647::int + 1", "22003").await;
    let bad_date = refused(db, "SELECT '-262143-01-01'::date", "22008").await;

    let fields = |e: &Error| -> Vec<(String, String)> {
        match e {
            Error::Invalid(details) => details
                .iter()
                .map(|d| (d.field.clone(), d.code.clone()))
                .collect(),
            other => panic!("not Invalid: {other:?}"),
        }
    };
    assert_eq!(
        fields(&check),
        vec![("n".to_string(), "out_of_range".to_string())]
    );
    assert_eq!(
        fields(&missing),
        vec![("probe_id".to_string(), "unknown_reference".to_string())]
    );
    assert_eq!(
        fields(&not_null),
        vec![("n".to_string(), "required".to_string())]
    );
    assert!(matches!(overflow, Error::Invalid(_)), "{overflow:?}");
    assert!(matches!(bad_date, Error::Invalid(_)), "{bad_date:?}");
    assert!(
        matches!(
            in_use,
            Error::Conflict {
                kind: shared::error::ConflictKind::InUse,
                ..
            }
        ),
        "{in_use:?}"
    );
    for (err, status) in [(check, 422), (missing, 422), (in_use, 409), (overflow, 422)] {
        assert_eq!(status_of(err), status);
    }
}

#[tokio::test]
async fn lock_timeouts_and_statement_timeouts_are_503() {
    let app = TestApp::new().await;
    let db = app.conn();
    probe_tables(db).await;

    // A row locked by another transaction, asked for with NOWAIT: 55P03.
    let holder = db.begin().await.expect("begin");
    run(&holder, "SELECT * FROM probe WHERE id = 1 FOR UPDATE")
        .await
        .expect("lock");
    let waiter = db.begin().await.expect("begin");
    let locked = run(
        &waiter,
        "SELECT * FROM probe WHERE id = 1 FOR UPDATE NOWAIT",
    )
    .await
    .expect_err("55P03");
    drop(waiter);
    holder.rollback().await.expect("rollback");
    // A statement past its timeout: 57014.
    let txn = db.begin().await.expect("begin");
    let timed_out = run(
        &txn,
        "SET LOCAL statement_timeout = '50ms'; SELECT pg_sleep(2)",
    )
    .await
    .expect_err("57014");
    drop(txn);

    for err in [locked, timed_out] {
        let state = shared::error::sql_state(&err).map(|(c, _)| c);
        let err = Error::from(err);
        assert!(matches!(err, Error::Unavailable(_)), "{state:?}: {err:?}");
        assert!(!err.is_contention(), "{state:?}");
        assert_eq!(status_of(err), 503);
    }
}

#[tokio::test]
async fn a_real_deadlock_and_a_real_serialization_failure_are_contention() {
    let app = TestApp::new().await;
    let db = app.conn();
    probe_tables(db).await;

    // Deadlock: a locks 1 then 2, b locks 2 then 1; PostgreSQL aborts one of them.
    let a = db.begin().await.expect("begin");
    let b = db.begin().await.expect("begin");
    run(&a, "UPDATE probe SET n = n + 1 WHERE id = 1")
        .await
        .expect("a locks 1");
    run(&b, "UPDATE probe SET n = n + 1 WHERE id = 2")
        .await
        .expect("b locks 2");
    let (ra, rb) = tokio::join!(
        run(&a, "UPDATE probe SET n = n + 1 WHERE id = 2"),
        run(&b, "UPDATE probe SET n = n + 1 WHERE id = 1"),
    );
    let deadlock = ra
        .err()
        .or(rb.err())
        .expect("one side is the deadlock victim");
    drop((a, b));

    // Serialization failure: two serializable transactions that each read what the other
    // writes.
    let a = db.begin().await.expect("begin");
    let b = db.begin().await.expect("begin");
    for t in [&a, &b] {
        run(t, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
            .await
            .expect("serializable");
        run(t, "SELECT sum(n) FROM probe").await.expect("read");
    }
    run(&a, "INSERT INTO probe VALUES (10, 1)")
        .await
        .expect("a writes");
    let b_write = run(&b, "INSERT INTO probe VALUES (11, 1)").await;
    a.commit().await.expect("a commits first");
    let serialization = match b_write {
        Err(e) => e,
        Ok(()) => b.commit().await.expect_err("b cannot commit"),
    };

    for (err, code) in [(deadlock, "40P01"), (serialization, "40001")] {
        assert_eq!(
            shared::error::sql_state(&err).map(|(c, _)| c).as_deref(),
            Some(code)
        );
        let err = Error::from(err);
        assert!(err.is_contention(), "{code}: {err:?}");
        assert_eq!(status_of(err), 503);
    }
}

/// Makes the first `failures` inserts into `reservations` raise `sqlstate`.
async fn inject(db: &DatabaseConnection, sqlstate: &str, failures: i64) {
    run(
        db,
        &format!(
            "CREATE SEQUENCE fault_attempts;
             CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF nextval('fault_attempts') <= {failures} THEN
                 RAISE EXCEPTION 'injected fault' USING ERRCODE = '{sqlstate}';
               END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER inject_fault BEFORE INSERT ON reservations
               FOR EACH ROW EXECUTE FUNCTION inject_fault();"
        ),
    )
    .await
    .expect("install the fault");
}

async fn attempts(db: &DatabaseConnection) -> i64 {
    fixtures::scalar(db, "SELECT last_value FROM fault_attempts").await
}

#[tokio::test]
async fn a_booking_aborted_once_as_a_deadlock_victim_is_retried_and_succeeds() {
    for sqlstate in ["40P01", "40001"] {
        // Arrange
        let app = TestApp::new().await;
        let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
        inject(app.conn(), sqlstate, 1).await;
        let check_in = app.today() + Duration::days(10);
        let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));

        // Act
        let resp = app.book(&body).await;

        // Assert
        assert_eq!(resp.status, 201, "{sqlstate}: {}", resp.text);
        assert_eq!(attempts(app.conn()).await, 2, "{sqlstate}");
        assert_eq!(fixtures::reservations(app.conn()).await.len(), 1);
    }
}

#[tokio::test]
async fn faults_through_the_booking_route_get_the_uniform_body_and_are_retried_only_once() {
    for (sqlstate, status, tries) in [
        ("40P01", 503, 2),
        ("55P03", 503, 1),
        ("57014", 503, 1),
        ("23514", 422, 1),
        ("23503", 422, 1),
    ] {
        // Arrange: every insert fails.
        let app = TestApp::new().await;
        let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
        inject(app.conn(), sqlstate, 100).await;
        let check_in = app.today() + Duration::days(10);
        let body = fixtures::booking(cabin.id, check_in, check_in + Duration::days(2));

        // Act
        let resp = app.book(&body).await;

        // Assert
        assert_eq!(resp.status, status, "{sqlstate}: {}", resp.text);
        for key in ["code", "message", "trace_id"] {
            assert!(resp.body.get(key).is_some(), "{sqlstate}: {}", resp.text);
        }
        assert!(
            !resp.text.contains("injected"),
            "{sqlstate}: raw error leaked: {}",
            resp.text
        );
        assert_eq!(attempts(app.conn()).await, tries, "{sqlstate}");
        assert!(fixtures::reservations(app.conn()).await.is_empty());
    }
}

#[tokio::test]
async fn an_admin_booking_of_an_unknown_accommodation_is_a_client_error() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let today = app.today();

    let resp = admin
        .post(
            "/admin/reservations",
            &tests::harness::admin::booking_body(
                987_654,
                today + Duration::days(3),
                today + Duration::days(5),
                "Ana",
                serde_json::json!({}),
            ),
        )
        .await;

    assert!([404, 422].contains(&resp.status.as_u16()), "{}", resp.body);
    assert!(resp.body.get("trace_id").is_some(), "{}", resp.body);
}
