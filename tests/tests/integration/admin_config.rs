//! `GET /admin/config`: the running configuration, with secrets shown only as set/unset.

use poem::http::{Method, StatusCode};
use serde_json::json;
use tests::harness::{TestApp, app::TEST_JWT_SECRET, redis_ns::redis_url};

#[tokio::test]
async fn the_config_shows_secrets_as_set_and_never_their_values() {
    // Arrange: secrets whose names say neither "secret" nor "token" too.
    let app = TestApp::with_settings(|s| {
        s.smtp_password = shared::config::Secret::new("smtp-password-value");
        s.stt_api_key = shared::config::Secret::new("stt-api-key-value");
    })
    .await;
    let admin = app.admin().await;

    // Act
    let reply = admin.get("/admin/config").await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let settings = &reply.body["settings"];
    assert_eq!(settings["DATABASE_URL"], "set");
    assert_eq!(settings["REDIS_URL"], "set");
    assert_eq!(settings["JWT_SECRET"], "set");
    assert_eq!(settings["SMTP_PASSWORD"], "set");
    assert_eq!(settings["STT_API_KEY"], "set");
    let text = reply.body.to_string();
    for secret in [
        TEST_JWT_SECRET,
        &app.db.url,
        &redis_url(),
        &app.db.name,
        "smtp-password-value",
        "stt-api-key-value",
    ] {
        assert!(!text.contains(secret), "the config shows {secret}");
    }
}

#[tokio::test]
async fn the_config_shows_plain_settings_the_version_and_the_git_commit() {
    // Arrange
    let app = TestApp::with_settings(|s| {
        s.git_commit = Some("0123abcd".into());
        s.hold_minutes = 45;
        s.admin_allowed_emails = "owner@cabanas.test".into();
    })
    .await;
    let admin = app.admin().await;

    // Act
    let reply = admin.get("/admin/config").await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(reply.body["git_commit"], "0123abcd");
    assert!(reply.body["build_time"].is_string());
    let settings = &reply.body["settings"];
    assert_eq!(settings["HOLD_MINUTES"], 45);
    assert_eq!(settings["APP_ENV"], "test");
    assert_eq!(settings["ADMIN_ALLOWED_EMAILS"], "owner@cabanas.test");
    assert_eq!(settings["REDIS_NAMESPACE"], json!(app.redis.namespace));
}

#[tokio::test]
async fn without_a_recorded_commit_the_git_commit_key_is_still_there() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin.get("/admin/config").await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK);
    let commit = reply.body["git_commit"].as_str().expect("git_commit");
    assert!(!commit.is_empty());
    assert_eq!(
        commit,
        option_env!("GIT_COMMIT").unwrap_or("unknown"),
        "the commit comes from the build when the settings name none"
    );
}

#[tokio::test]
async fn the_config_requires_an_admin_token() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let reply = app
        .request(Method::GET, "/api/v1/admin/config", None, None)
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        json!({
            "code": "unauthorized",
            "message": "authentication required",
            "trace_id": reply.request_id,
        })
    );
}
