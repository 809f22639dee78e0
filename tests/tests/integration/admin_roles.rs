//! Every admin route × {owner, staff, no token}: who gets through (the table of
//! `docs/adr/0040-admin-roles.md`). "Allowed" means the request passed authentication and
//! authorization: the handler answered (2xx, or 4xx about the request itself such as 404 for
//! a made-up id), never 401 or 403.
//!
//! Mutations carry one `Idempotency-Key` for all three callers, in the order owner, staff, no
//! token: a stored owner answer must never reach the other two.

use std::collections::BTreeSet;

use poem::http::{Method, StatusCode};
use serde_json::json;
use tests::harness::{TestApp, fixtures};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Owner and staff.
    Staff,
    /// The owner only.
    Owner,
}

/// (method, path as in the OpenAPI document, access).
const ROUTES: &[(&str, &str, Access)] = &[
    ("get", "/admin/accommodations", Access::Staff),
    ("post", "/admin/accommodations", Access::Owner),
    ("patch", "/admin/accommodations/{id}", Access::Owner),
    (
        "post",
        "/admin/accommodations/{id}/ical-token/rotate",
        Access::Owner,
    ),
    ("get", "/admin/calendar", Access::Staff),
    ("get", "/admin/calendar/availability", Access::Staff),
    ("get", "/admin/config", Access::Owner),
    ("get", "/admin/conversations", Access::Staff),
    ("get", "/admin/conversations/{phone}", Access::Staff),
    ("post", "/admin/conversations/{phone}/reply", Access::Owner),
    (
        "post",
        "/admin/conversations/{phone}/resolve",
        Access::Owner,
    ),
    ("get", "/admin/dashboard/stats", Access::Staff),
    ("get", "/admin/guests/export", Access::Owner),
    ("post", "/admin/guests/erase", Access::Owner),
    ("get", "/admin/ical-feeds", Access::Staff),
    ("post", "/admin/ical-feeds", Access::Owner),
    ("get", "/admin/ical-feeds/{id}", Access::Staff),
    ("delete", "/admin/ical-feeds/{id}", Access::Owner),
    ("post", "/admin/ical-feeds/{id}/sync", Access::Staff),
    ("get", "/admin/ical-conflicts", Access::Staff),
    ("post", "/admin/nlu/analyze", Access::Staff),
    ("get", "/admin/webhooks", Access::Owner),
    ("post", "/admin/webhooks/{id}/replay", Access::Owner),
    ("get", "/admin/jobs/failed", Access::Owner),
    ("post", "/admin/jobs/failed/{id}/retry", Access::Owner),
    ("get", "/admin/health", Access::Owner),
    ("get", "/admin/payments/alerts", Access::Staff),
    ("get", "/admin/reservations", Access::Staff),
    ("get", "/admin/reservations/export.csv", Access::Staff),
    ("post", "/admin/reservations", Access::Owner),
    ("get", "/admin/reservations/{code}", Access::Staff),
    ("post", "/admin/reservations/{code}/confirm", Access::Staff),
    ("post", "/admin/reservations/{code}/cancel", Access::Staff),
    ("patch", "/admin/reservations/{code}", Access::Owner),
    ("get", "/admin/accommodations/{id}/blocks", Access::Staff),
    ("post", "/admin/accommodations/{id}/blocks", Access::Owner),
    (
        "delete",
        "/admin/accommodations/{id}/blocks/{block_id}",
        Access::Owner,
    ),
];

/// Admin routes outside the table: login is public, logout takes any valid token (it is
/// tested in `admin_auth`).
const OUTSIDE_THE_TABLE: &[(&str, &str)] = &[("post", "/admin/login"), ("post", "/admin/logout")];

fn method(name: &str) -> Method {
    name.to_uppercase().parse().expect("method")
}

async fn call(app: &TestApp, route: (&str, &str), cabin_id: i32, token: Option<&str>) -> u16 {
    let (name, path) = route;
    let url = format!(
        "/api/v1{}",
        path.replace("{id}", &cabin_id.to_string())
            .replace("{code}", "CAB-NOPE00")
            .replace("{block_id}", "00000000-0000-0000-0000-000000000000")
            .replace("{phone}", "5491100000000")
    );
    let url = match path {
        "/admin/calendar" | "/admin/calendar/availability" => {
            format!("{url}?accommodation_id={cabin_id}")
        }
        _ => url,
    };
    let mut request = app.client.request(method(name), url);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if name != "get" {
        request = request
            .header("Idempotency-Key", format!("roles-{name}-{path}"))
            .body_json(&json!({}));
    }
    request.send().await.0.status().as_u16()
}

fn allowed(status: u16) -> bool {
    status != 401 && status != 403 && status < 500
}

#[tokio::test]
async fn every_admin_route_answers_each_role_as_the_table_says() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Roles").insert(app.conn()).await;
    let owner = app.admin().await;
    let staff = app.staff().await;

    // Act
    let mut wrong = Vec::new();
    for &(name, path, access) in ROUTES {
        let as_owner = call(&app, (name, path), cabin.id, Some(&owner.token)).await;
        let as_staff = call(&app, (name, path), cabin.id, Some(&staff.token)).await;
        let anonymous = call(&app, (name, path), cabin.id, None).await;
        let staff_ok = match access {
            Access::Staff => allowed(as_staff),
            Access::Owner => as_staff == 403,
        };
        if !allowed(as_owner) || !staff_ok || anonymous != 401 {
            wrong.push(format!(
                "{name} {path} ({access:?}): owner {as_owner}, staff {as_staff}, none {anonymous}"
            ));
        }
    }

    // Assert
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every (method, path) of the OpenAPI document under `/admin` (each path is one entry:
/// `openapi::every_path_is_one_entry_of_the_document` holds that).
fn documented_admin_routes() -> BTreeSet<(String, String)> {
    let spec: serde_json::Value =
        serde_json::from_str(&api::startup::openapi_json()).expect("the document is JSON");
    let paths = spec["paths"].as_object().expect("paths");
    paths
        .iter()
        .filter(|(path, _)| path.starts_with("/admin"))
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|methods| methods.keys())
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_table_covers_every_admin_route_of_the_api() {
    let tabled: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|&(m, p, _)| (m, p))
        .chain(OUTSIDE_THE_TABLE.iter().copied())
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    assert_eq!(documented_admin_routes(), tabled);
}

#[tokio::test]
async fn a_staff_refusal_has_the_standard_error_body() {
    let app = TestApp::new().await;
    let staff = app.staff().await;
    let reply = app
        .request(
            Method::GET,
            "/api/v1/admin/config",
            Some(&staff.token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        json!({ "code": "forbidden", "message": "not allowed", "trace_id": reply.request_id })
    );
}
