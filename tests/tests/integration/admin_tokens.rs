//! Admin tokens stop working at once when the account is deactivated or its password reset,
//! and a logout survives the loss of every Redis key.

use poem::http::{Method, StatusCode};
use shared::{auth::role::AdminRole, service::admin_auth};
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD},
};

const PROTECTED: &str = "/api/v1/admin/reservations";

async fn status_with(app: &TestApp, token: &str) -> StatusCode {
    app.request(Method::GET, PROTECTED, Some(token), None)
        .await
        .status
}

#[tokio::test]
async fn resetting_a_password_invalidates_the_tokens_issued_before() {
    // Arrange
    let app = TestApp::new().await;
    let before = app.admin().await;
    assert_eq!(status_with(&app, &before.token).await, StatusCode::OK);

    // Act: `api admin create` on an existing email resets it.
    admin_auth::create_or_reset(
        app.conn(),
        ADMIN_EMAIL,
        "a-brand-new-password",
        AdminRole::Owner,
    )
    .await
    .expect("reset");

    // Assert
    assert_eq!(
        status_with(&app, &before.token).await,
        StatusCode::UNAUTHORIZED
    );
    let after = app.session(ADMIN_EMAIL, "a-brand-new-password").await;
    assert_eq!(status_with(&app, &after.token).await, StatusCode::OK);
}

#[tokio::test]
async fn deactivating_an_admin_invalidates_its_tokens_and_its_logins() {
    // Arrange
    let app = TestApp::new().await;
    let owner = app.admin().await;
    let staff = app.staff().await;

    // Act
    let deactivated = admin_auth::deactivate(app.conn(), STAFF_EMAIL)
        .await
        .expect("deactivate");

    // Assert
    assert!(!deactivated.active);
    assert_eq!(
        status_with(&app, &staff.token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(STAFF_EMAIL, STAFF_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(status_with(&app, &owner.token).await, StatusCode::OK);
}

#[tokio::test]
async fn deactivating_an_unknown_admin_is_not_found() {
    let app = TestApp::new().await;
    let result = admin_auth::deactivate(app.conn(), "nobody@cabanas.test").await;
    assert!(
        matches!(result, Err(shared::Error::NotFound(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_logged_out_token_stays_revoked_when_redis_loses_every_key() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await.token;
    let logout = app
        .request(Method::POST, "/api/v1/admin/logout", Some(&admin), None)
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);

    // Act: as a FLUSHDB would, but only within this test's namespace.
    let keys = app.redis.all_keys().await;
    if !keys.is_empty() {
        let mut conn = app.redis.conn.clone();
        redis::cmd("DEL")
            .arg(keys)
            .query_async::<()>(&mut conn)
            .await
            .expect("delete keys");
    }

    // Assert
    assert!(app.redis.all_keys().await.is_empty());
    assert_eq!(status_with(&app, &admin).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_whose_role_no_longer_matches_the_account_gets_401() {
    // Arrange: an owner demoted to staff (a reset with another role).
    let app = TestApp::new().await;
    let owner = app.admin().await;

    // Act
    admin_auth::create_or_reset(app.conn(), ADMIN_EMAIL, ADMIN_PASSWORD, AdminRole::Staff)
        .await
        .expect("demote");

    // Assert
    assert_eq!(
        status_with(&app, &owner.token).await,
        StatusCode::UNAUTHORIZED
    );
    let staff = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        app.request(
            Method::GET,
            "/api/v1/admin/config",
            Some(&staff.token),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
