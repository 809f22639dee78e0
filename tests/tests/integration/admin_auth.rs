//! Admin login, allowlist, tokens and logout (lockout: `admin_lockout`; invalidation:
//! `admin_tokens`).

use chrono::{DateTime, Duration, Utc};
use poem::http::{Method, StatusCode};
use serde_json::json;
use shared::{
    auth::{
        role::AdminRole,
        token::{self, Claims},
    },
    clock::Clock,
    config::Secret,
    service::admin_auth,
};
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, jwt_claims},
    app::TEST_JWT_SECRET,
};

const PROTECTED: &str = "/api/v1/admin/accommodations";

async fn get_protected(app: &TestApp, token: Option<&str>) -> Reply {
    app.request(Method::GET, PROTECTED, token, None).await
}

fn unauthorized_body(reply: &Reply) -> serde_json::Value {
    json!({
        "code": "unauthorized",
        "message": "authentication required",
        "trace_id": reply.request_id,
    })
}

#[tokio::test]
async fn logging_in_returns_a_24_hour_bearer_token_with_the_admin_claims() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let before = app.clock.now().timestamp();

    // Act
    let reply = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Assert
    let after = app.clock.now().timestamp();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 86400);
    let token = reply.body["access_token"].as_str().expect("token");
    let claims = jwt_claims(token);
    assert_eq!(claims["sub"], admin.uuid.to_string());
    assert_eq!(claims["email"], ADMIN_EMAIL);
    assert_eq!(claims["scope"], "admin");
    assert_eq!(claims["role"], "owner");
    assert_eq!(claims["gen"], admin.token_generation);
    let iat = claims["iat"].as_i64().expect("iat");
    let exp = claims["exp"].as_i64().expect("exp");
    assert!(
        (before..=after).contains(&iat),
        "iat {iat} not in [{before}, {after}]"
    );
    assert_eq!(exp - iat, 86400);
    let jti = claims["jti"].as_str().expect("jti");
    assert_eq!(jti.len(), 32);
    assert!(jti.bytes().all(|b| b.is_ascii_hexdigit()));
    let expires_at: DateTime<Utc> = reply.body["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("RFC 3339");
    assert_eq!(expires_at.timestamp(), exp);
    assert_eq!(
        get_protected(&app, Some(token)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    // Arrange
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    let wrong_password = app.login(ADMIN_EMAIL, "not-the-password-at-all").await;
    let unknown_email = app.login("nobody@cabanas.test", ADMIN_PASSWORD).await;

    // Assert
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.body,
            json!({
                "code": "invalid_credentials",
                "message": "invalid email or password, or the account is temporarily locked",
                "trace_id": reply.request_id,
            })
        );
    }
}

#[tokio::test]
async fn the_login_email_is_case_insensitive() {
    // Arrange
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    let reply = app.login("  Owner@CABANAS.test ", ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let claims = jwt_claims(reply.body["access_token"].as_str().expect("token"));
    assert_eq!(claims["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn an_admin_missing_from_the_allowlist_gets_401_even_with_the_right_password() {
    // Arrange
    let app = TestApp::with_settings(|s| {
        s.admin_allowed_emails = "boss@cabanas.test, other@cabanas.test".into();
    })
    .await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.create_admin("boss@cabanas.test", ADMIN_PASSWORD).await;

    // Act
    let outsider = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let listed = app.login("Boss@Cabanas.test", ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(outsider.status, StatusCode::UNAUTHORIZED);
    assert_eq!(outsider.body["code"], "invalid_credentials");
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
}

#[tokio::test]
async fn re_creating_an_existing_admin_resets_its_password_and_unlocks_it() {
    // Arrange
    let app = TestApp::new().await;
    let original = app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        app.login(ADMIN_EMAIL, "wrong-password-again").await;
    }

    // Act
    let reset = admin_auth::create_or_reset(
        app.conn(),
        "OWNER@cabanas.test",
        "a-brand-new-password",
        AdminRole::Owner,
    )
    .await
    .expect("reset");

    // Assert
    assert_eq!(reset.id, original.id);
    assert_eq!(reset.uuid, original.uuid);
    let old = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let new = app.login(ADMIN_EMAIL, "a-brand-new-password").await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
}

#[tokio::test]
async fn creating_an_admin_with_a_short_password_is_refused() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let result =
        admin_auth::create_or_reset(app.conn(), ADMIN_EMAIL, "short", AdminRole::Owner).await;

    // Assert
    match result {
        Err(shared::Error::Invalid(errors)) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, "password");
            assert_eq!(errors[0].code, "too_short");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_request_without_a_token_gets_401_with_the_uniform_error_body() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let reply = get_protected(&app, None).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.request_id.len(), 32);
    assert_eq!(reply.body, unauthorized_body(&reply));
}

#[tokio::test]
async fn a_garbage_token_gets_401() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let reply = get_protected(&app, Some("not.a.jwt")).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, unauthorized_body(&reply));
}

#[tokio::test]
async fn a_token_signed_with_another_secret_gets_401() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let claims = Claims::for_admin(&admin, app.clock.now(), Duration::hours(24));
    let forged = token::issue(
        &Secret::new("another-secret-another-secret-another"),
        &claims,
    )
    .expect("issue");
    let genuine = token::issue(&Secret::new(TEST_JWT_SECRET), &claims).expect("issue");

    // Act
    let reply = get_protected(&app, Some(&forged)).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, unauthorized_body(&reply));
    assert_eq!(
        get_protected(&app, Some(&genuine)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_stops_working_when_its_24_hours_are_over() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    app.clock
        .advance(Duration::hours(24) - Duration::seconds(2));
    let just_before = get_protected(&app, Some(&admin.token)).await;
    app.clock.advance(Duration::seconds(3));
    let after = get_protected(&app, Some(&admin.token)).await;

    // Assert
    assert_eq!(just_before.status, StatusCode::OK);
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.body, unauthorized_body(&after));
}

#[tokio::test]
async fn a_valid_token_of_another_scope_gets_403() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut claims = Claims::for_admin(&admin, app.clock.now(), Duration::hours(24));
    claims.scope = "guest".into();
    let guest_token = token::issue(&Secret::new(TEST_JWT_SECRET), &claims).expect("issue");

    // Act
    let reply = get_protected(&app, Some(&guest_token)).await;

    // Assert
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        json!({ "code": "forbidden", "message": "not allowed", "trace_id": reply.request_id })
    );
}

#[tokio::test]
async fn logging_out_revokes_only_the_presented_token() {
    // Arrange
    let app = TestApp::new().await;
    let first = app.admin().await;
    let second = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Act
    let logout = app
        .request(
            Method::POST,
            "/api/v1/admin/logout",
            Some(&first.token),
            None,
        )
        .await;

    // Assert
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(logout.body, serde_json::Value::Null);
    let revoked = get_protected(&app, Some(&first.token)).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(revoked.body, unauthorized_body(&revoked));
    assert_eq!(
        get_protected(&app, Some(&second.token)).await.status,
        StatusCode::OK
    );
    let again = app
        .request(
            Method::POST,
            "/api/v1/admin/logout",
            Some(&first.token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}
