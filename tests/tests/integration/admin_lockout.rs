//! Login lockout per account and client network (atomic under a parallel burst, no login
//! while locked, `api admin unlock`), and the bound on concurrent password checks.

use chrono::{DateTime, Duration, Utc};
use poem::{http::StatusCode, test::TestResponse};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use serde_json::json;
use shared::{
    clock::Clock,
    entities::admin_user,
    service::{admin_auth, admin_lockout},
};
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD},
};

use crate::http_helpers::{header_u64, json, status};

const WRONG: &str = "wrong-password-again";

/// An app that believes `Fly-Client-IP`, so each test can log in from chosen networks.
async fn app_behind_proxy() -> TestApp {
    TestApp::with_settings(|s| s.trust_proxy_headers = true).await
}

async fn login_from(app: &TestApp, ip: &str, password: &str) -> TestResponse {
    app.client
        .post("/api/v1/admin/login")
        .header("fly-client-ip", ip)
        .body_json(&json!({ "email": ADMIN_EMAIL, "password": password }))
        .send()
        .await
}

/// Failures counted for the default admin from `client` (an address or an IPv6 /64).
async fn failures(app: &TestApp, client: &str) -> i32 {
    let row = app
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT f.failures FROM admin_login_failures f
             JOIN admin_users u ON u.id = f.admin_user_id
             WHERE u.email = $1 AND f.client = $2",
            [ADMIN_EMAIL.into(), client.into()],
        ))
        .await
        .expect("query");
    row.map_or(0, |r| r.try_get("", "failures").expect("failures"))
}

/// The failures counted against `email` from the in-process client (which has no IP, so its
/// network is `unknown`), and until when that pair is locked.
async fn unknown_client_failures(app: &TestApp, email: &str) -> (i32, Option<DateTime<Utc>>) {
    let row = app
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT f.failures, f.locked_until FROM admin_login_failures f
             JOIN admin_users u ON u.id = f.admin_user_id
             WHERE u.email = $1 AND f.client = 'unknown'",
            [email.into()],
        ))
        .await
        .expect("query failures");
    row.map_or((0, None), |row| {
        (
            row.try_get("", "failures").expect("failures"),
            row.try_get("", "locked_until").expect("locked_until"),
        )
    })
}

#[tokio::test]
async fn failed_logins_are_counted_and_a_success_resets_the_count() {
    // Arrange
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    app.login(ADMIN_EMAIL, "wrong-password-one").await;
    app.login(ADMIN_EMAIL, "wrong-password-two").await;
    let after_failures = unknown_client_failures(&app, ADMIN_EMAIL).await;
    let success = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(after_failures, (2, None));
    assert_eq!(success.status, StatusCode::OK);
    assert_eq!(unknown_client_failures(&app, ADMIN_EMAIL).await, (0, None));
    let after_success = admin_user::Entity::find()
        .filter(admin_user::Column::Email.eq(ADMIN_EMAIL))
        .one(app.conn())
        .await
        .expect("query")
        .expect("admin");
    assert!(after_success.last_login_at.is_some());
}

#[tokio::test]
async fn five_failed_logins_lock_the_account_even_against_the_right_password() {
    // Arrange
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    for attempt in 1..=5 {
        let reply = app.login(ADMIN_EMAIL, "wrong-password-again").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let locked_at = app.clock.now();
    let sixth = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(sixth.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sixth.body["code"], "invalid_credentials");
    let (count, until) = unknown_client_failures(&app, ADMIN_EMAIL).await;
    assert_eq!(count, 5);
    let until = until.expect("locked");
    let lock = until - locked_at;
    assert!(
        lock > Duration::minutes(14) && lock <= Duration::minutes(15),
        "locked for {lock}"
    );
}

#[tokio::test]
async fn a_locked_account_logs_in_again_after_15_minutes_with_its_failures_reset() {
    // Arrange
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        app.login(ADMIN_EMAIL, "wrong-password-again").await;
    }

    // Act
    app.clock.advance(Duration::minutes(14));
    let still_locked = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.clock.advance(Duration::minutes(1));
    let unlocked = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(still_locked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
    assert_eq!(unknown_client_failures(&app, ADMIN_EMAIL).await, (0, None));
}

#[tokio::test]
async fn a_parallel_burst_of_wrong_logins_gets_exactly_the_allowed_attempts() {
    // Arrange
    let app = app_behind_proxy().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let burst = 15;

    // Act
    let replies =
        futures::future::join_all((0..burst).map(|_| login_from(&app, "203.0.113.7", WRONG))).await;

    // Assert: all refused, exactly 5 counted (and checked), and the network is locked.
    assert!(replies.iter().all(|r| status(r) == 401));
    assert_eq!(failures(&app, "203.0.113.7").await, 5);
    let right = login_from(&app, "203.0.113.7", ADMIN_PASSWORD).await;
    assert_eq!(status(&right), 401);
    assert_eq!(failures(&app, "203.0.113.7").await, 5);
}

#[tokio::test]
async fn the_right_password_during_a_lock_does_not_log_in() {
    // Arrange
    let app = app_behind_proxy().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        login_from(&app, "203.0.113.7", WRONG).await;
    }

    // Act
    let right = login_from(&app, "203.0.113.7", ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(status(&right), 401);
    assert_eq!(json(right).await["code"], "invalid_credentials");
}

#[tokio::test]
async fn failures_from_one_network_do_not_lock_the_owner_out_from_another() {
    // Arrange: an attacker locks the account from its address and from its IPv6 /64.
    let app = app_behind_proxy().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        login_from(&app, "203.0.113.7", WRONG).await;
        login_from(&app, "2001:db8:1:2::1", WRONG).await;
    }

    // Act
    let attacker_v4 = login_from(&app, "203.0.113.7", ADMIN_PASSWORD).await;
    let attacker_v6 = login_from(&app, "2001:db8:1:2::ffff", ADMIN_PASSWORD).await;
    let owner_v4 = login_from(&app, "198.51.100.9", ADMIN_PASSWORD).await;
    let owner_v6 = login_from(&app, "2001:db8:1:3::1", ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(status(&attacker_v4), 401);
    assert_eq!(
        status(&attacker_v6),
        401,
        "the same /64 is the same network"
    );
    assert_eq!(status(&owner_v4), 200);
    assert_eq!(status(&owner_v6), 200);
    assert_eq!(failures(&app, "2001:db8:1:2::/64").await, 5);
}

#[tokio::test]
async fn unlock_lifts_every_lock_of_the_account() {
    // Arrange
    let app = app_behind_proxy().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        login_from(&app, "203.0.113.7", WRONG).await;
        login_from(&app, "203.0.113.8", WRONG).await;
    }
    assert_eq!(
        status(&login_from(&app, "203.0.113.7", ADMIN_PASSWORD).await),
        401
    );

    // Act: what `api admin unlock --email` calls.
    let cleared = admin_auth::unlock(app.conn(), "Owner@Cabanas.test")
        .await
        .expect("unlock");

    // Assert
    assert_eq!(cleared, 2);
    assert_eq!(
        status(&login_from(&app, "203.0.113.7", ADMIN_PASSWORD).await),
        200
    );
    assert_eq!(
        status(&login_from(&app, "203.0.113.8", ADMIN_PASSWORD).await),
        200
    );
    let unknown = admin_auth::unlock(app.conn(), "nobody@cabanas.test").await;
    assert!(matches!(unknown, Err(shared::Error::NotFound(_))));
}

#[tokio::test]
async fn logins_beyond_the_password_check_slots_get_429_busy_with_retry_after() {
    // Arrange: one check at a time and no waiting for a slot.
    let app = TestApp::with_settings(|s| {
        s.admin_login_hash_concurrency = 1;
        s.admin_login_hash_wait_ms = 0;
        s.admin_max_failed_logins = 100;
    })
    .await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    let replies = futures::future::join_all((0..10).map(|_| {
        app.client
            .post("/api/v1/admin/login")
            .body_json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
    }))
    .await;

    // Assert: some served, the rest refused with the standard body and Retry-After.
    let served = replies.iter().filter(|r| status(r) == 200).count();
    assert!(served >= 1);
    let mut busy = 0;
    for reply in replies {
        match status(&reply) {
            200 => {}
            429 => {
                busy += 1;
                assert_eq!(header_u64(&reply, "retry-after"), Some(1));
                let body = json(reply).await;
                assert_eq!(body["code"], "busy");
                assert!(body["trace_id"].as_str().is_some_and(|t| t.len() == 32));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        busy >= 1,
        "a burst of 10 with one slot and no wait is partly refused"
    );
}

#[tokio::test]
async fn stale_failures_and_lapsed_locks_are_forgotten_by_the_housekeeping() {
    // Arrange: one network with two failures, another locked.
    let app = app_behind_proxy().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for _ in 0..2 {
        assert_eq!(status(&login_from(&app, "203.0.113.7", WRONG).await), 401);
    }
    for _ in 0..app.settings.admin_max_failed_logins {
        login_from(&app, "198.51.100.9", WRONG).await;
    }
    let now = app.clock.now();

    // Act + Assert: within the lock and the day, both rows stay.
    let kept = admin_lockout::forget_stale(app.conn(), now + Duration::minutes(1))
        .await
        .expect("forget");
    assert_eq!(kept, 0);
    assert_eq!(failures(&app, "203.0.113.7").await, 2);

    // Past the lock and the day, both go.
    let forgotten = admin_lockout::forget_stale(app.conn(), now + Duration::hours(25))
        .await
        .expect("forget");
    assert_eq!(forgotten, 2);
}
