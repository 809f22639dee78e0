//! `Cache-Control: no-store` on every admin answer (tokens, guest data, errors), and only
//! there.

use poem::test::TestResponse;
use serde_json::json;
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, ADMIN_PASSWORD},
};

use crate::http_helpers::{header, status};

fn assert_no_store(resp: &TestResponse, what: &str) {
    assert_eq!(
        header(resp, "cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
    assert_eq!(
        header(resp, "pragma").as_deref(),
        Some("no-cache"),
        "{what}"
    );
}

async fn login(app: &TestApp, password: &str) -> TestResponse {
    app.client
        .post("/api/v1/admin/login")
        .body_json(&json!({ "email": ADMIN_EMAIL, "password": password }))
        .send()
        .await
}

#[tokio::test]
async fn login_success_and_failure_are_not_stored() {
    let app = TestApp::new().await;
    app.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let ok = login(&app, ADMIN_PASSWORD).await;
    let refused = login(&app, "wrong-password-again").await;

    assert_eq!(status(&ok), 200);
    assert_no_store(&ok, "login success");
    assert_eq!(status(&refused), 401);
    assert_no_store(&refused, "login failure");
}

#[tokio::test]
async fn admin_answers_and_refusals_are_not_stored_but_public_ones_may_be() {
    let app = TestApp::new().await;
    let owner = app.admin().await;

    for path in [
        "/api/v1/admin/accommodations",
        "/api/v1/admin/reservations",
        "/api/v1/admin/config",
    ] {
        let ok = app
            .client
            .get(path)
            .header("authorization", format!("Bearer {}", owner.token))
            .send()
            .await;
        assert_eq!(status(&ok), 200, "{path}");
        assert_no_store(&ok, path);
        let refused = app.client.get(path).send().await;
        assert_eq!(status(&refused), 401, "{path}");
        assert_no_store(&refused, path);
    }
    let public = app.client.get("/api/v1/accommodations").send().await;
    assert_eq!(status(&public), 200);
    assert_eq!(header(&public, "cache-control"), None);
}
