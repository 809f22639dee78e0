//! `Idempotency-Key` on admin mutations: a stored answer is replayed only to the admin (same
//! subject and role) whose request produced it; the caller is authenticated before the key is
//! looked up.

use poem::{http::StatusCode, test::TestResponse};
use serde_json::Value;
use tests::harness::{TestApp, admin::AdminSession, fixtures};

const KEY: &str = "rotate-once";

fn rotate_path(cabin_id: i32) -> String {
    format!("/api/v1/admin/accommodations/{cabin_id}/ical-token/rotate")
}

async fn rotate(app: &TestApp, cabin_id: i32, token: Option<&str>) -> TestResponse {
    let mut request = app
        .client
        .post(rotate_path(cabin_id))
        .header("Idempotency-Key", KEY);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.send().await
}

async fn json(resp: TestResponse) -> (StatusCode, bool, Value) {
    let status = resp.0.status();
    let replayed = resp.0.headers().contains_key("idempotency-replayed");
    let body = resp.0.into_body().into_json().await.expect("JSON body");
    (status, replayed, body)
}

async fn owner_rotates(app: &TestApp) -> (i32, AdminSession<'_>, Value) {
    let cabin = fixtures::cabin("Cabaña Token").insert(app.conn()).await;
    let owner = app.admin().await;
    let (status, replayed, body) = json(rotate(app, cabin.id, Some(&owner.token)).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!replayed);
    (cabin.id, owner, body)
}

#[tokio::test]
async fn replaying_an_admin_mutation_without_a_token_gets_401_not_the_stored_answer() {
    // Arrange
    let app = TestApp::new().await;
    let (cabin_id, _owner, first) = owner_rotates(&app).await;
    let token = first["ical_export_token"]
        .as_str()
        .expect("token")
        .to_owned();

    // Act
    let (status, replayed, body) = json(rotate(&app, cabin_id, None).await).await;

    // Assert
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(!replayed);
    assert_eq!(body["code"], "unauthorized");
    assert!(!body.to_string().contains(&token), "{body}");
}

#[tokio::test]
async fn the_same_admin_repeating_its_request_gets_the_stored_answer() {
    // Arrange
    let app = TestApp::new().await;
    let (cabin_id, owner, first) = owner_rotates(&app).await;

    // Act
    let (status, replayed, body) = json(rotate(&app, cabin_id, Some(&owner.token)).await).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert!(replayed);
    assert_eq!(body, first);
}

#[tokio::test]
async fn another_admin_using_the_same_key_runs_its_own_request_instead_of_a_replay() {
    // Arrange
    let app = TestApp::new().await;
    let (cabin_id, _owner, first) = owner_rotates(&app).await;
    let other = app
        .admin_as("second-owner@cabanas.test", "second-owner-password")
        .await;

    // Act
    let (status, replayed, body) = json(rotate(&app, cabin_id, Some(&other.token)).await).await;

    // Assert: a fresh rotation, not the first owner's answer.
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!replayed);
    assert_ne!(body["ical_export_token"], first["ical_export_token"]);
}

#[tokio::test]
async fn a_staff_token_replaying_an_owner_only_request_gets_403() {
    // Arrange
    let app = TestApp::new().await;
    let (cabin_id, _owner, first) = owner_rotates(&app).await;
    let staff = app.staff().await;

    // Act
    let (status, replayed, body) = json(rotate(&app, cabin_id, Some(&staff.token)).await).await;

    // Assert
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!replayed);
    assert_eq!(body["code"], "forbidden");
    let token = first["ical_export_token"].as_str().expect("token");
    assert!(!body.to_string().contains(token), "{body}");
}
