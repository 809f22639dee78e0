//! `GET /openapi.json` and `GET /docs/`: the published contract and its browsable UI.

use poem::http::StatusCode;
use serde_json::{Value, json};
use tests::harness::{
    TestApp, fixtures, reply,
    webhooks::{post_whatsapp, text_message},
};

/// The document the app serves.
async fn spec(app: &TestApp) -> Value {
    let resp = reply(app.client.get("/openapi.json").send().await).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body
}

/// Where `value` holds a JSON `null`, as paths like `/days/0/reservation`.
fn nulls(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Null => found.push(at.to_owned()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nulls(item, &format!("{at}/{i}"), found);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                nulls(item, &format!("{at}/{key}"), found);
            }
        }
        _ => {}
    }
}

fn null_paths(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    nulls(value, "", &mut found);
    found
}

#[tokio::test]
async fn the_openapi_document_lists_every_path_under_the_versioned_server() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/openapi.json").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert!(resp.body.is_object(), "not JSON: {}", resp.text);
    assert_eq!(resp.body["openapi"], "3.0.0");
    assert_eq!(resp.body["servers"], json!([{"url": "/api/v1"}]));
    let mut paths: Vec<&str> = resp.body["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();
    for expected in [
        "/accommodations",
        "/accommodations/{id}",
        "/accommodations/{id}/availability",
        "/healthz",
        "/quotes",
        "/readyz",
        "/reservations",
        "/reservations/accommodations",
        "/reservations/pre-reserve",
        "/reservations/{code}",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_has_the_tags_and_the_error_body_schema() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/openapi.json").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    let mut tags: Vec<&str> = resp.body["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("tag name"))
        .collect();
    tags.sort_unstable();
    for expected in [
        "Accommodations",
        "Admin",
        "Compatibility",
        "Health",
        "Quotes",
        "Reservations",
    ] {
        assert!(tags.contains(&expected), "{expected} missing from {tags:?}");
    }
    let error_body = &resp.body["components"]["schemas"]["ErrorBody"];
    let mut properties: Vec<&str> = error_body["properties"]
        .as_object()
        .expect("ErrorBody properties")
        .keys()
        .map(String::as_str)
        .collect();
    properties.sort_unstable();
    assert_eq!(properties, vec!["code", "details", "message", "trace_id"]);
    assert_eq!(
        error_body["required"],
        json!(["code", "message", "trace_id"])
    );
}

#[tokio::test]
async fn creating_a_reservation_documents_every_status_it_can_answer() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/openapi.json").send().await).await;

    let post = &resp.body["paths"]["/reservations"]["post"];
    assert_eq!(post["tags"], json!(["Reservations"]));
    let mut statuses: Vec<&str> = post["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .map(String::as_str)
        .collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        vec![
            "201", "400", "401", "403", "404", "409", "413", "415", "422", "429", "500", "503"
        ]
    );
    assert_eq!(
        post["responses"]["409"]["content"]["application/json; charset=utf-8"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
}

#[tokio::test]
async fn the_docs_page_is_html() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/docs/").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(resp.text.contains("<title>Swagger UI</title>"));
    assert!(!resp.request_id().is_empty());
}

#[tokio::test]
async fn every_admin_operation_documents_the_token_failures_with_the_error_body() {
    let app = TestApp::new().await;

    let spec = spec(&app).await;

    let mut missing = Vec::new();
    let mut secured = 0;
    for (path, operations) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            if operation.get("security").is_none() {
                continue;
            }
            secured += 1;
            for status in ["401", "403", "429", "503"] {
                let schema = &operation["responses"][status]["content"]["application/json; charset=utf-8"]
                    ["schema"]["$ref"];
                if schema != "#/components/schemas/ErrorBody" {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(secured >= 20, "only {secured} secured operations");
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

#[tokio::test]
async fn request_schemas_state_the_constraints_the_services_check() {
    let app = TestApp::new().await;

    let spec = spec(&app).await;

    let schemas = &spec["components"]["schemas"];
    let booking = &schemas["CreateReservationBody"]["properties"];
    assert_eq!(booking["check_in"]["format"], "date");
    assert_eq!(booking["guests"]["minimum"], 1.0);
    assert_eq!(booking["guests"]["maximum"], 50.0);
    assert_eq!(booking["guest_name"]["maxLength"], 100);
    assert_eq!(
        booking["channel"]["enum"],
        json!(["whatsapp", "web", "phone"])
    );
    assert_eq!(booking["notes"]["maxLength"], 2000);
    let accommodation = &schemas["AccommodationBody"]["properties"];
    assert_eq!(accommodation["capacity"]["maximum"], 50.0);
    assert_eq!(accommodation["currency"]["pattern"], "^[A-Z]{3}$");
    assert_eq!(
        accommodation["weekend_nights"]["items"]["enum"][0],
        "monday"
    );
    assert_eq!(
        accommodation["kind"]["enum"],
        json!(["cabin", "apartment", "house", "room", "dome", "other"])
    );
    assert_eq!(
        schemas["CancelBody"]["properties"]["reason"]["maxLength"],
        500
    );
    let list = &spec["paths"]["/admin/jobs/failed"]["get"]["parameters"];
    let page = list
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "page")
        .expect("page");
    assert_eq!(page["schema"]["minimum"], 1.0);
    assert_eq!(page["schema"]["maximum"], 1_000_000.0);
    let export = &spec["paths"]["/admin/reservations/export.csv"]["get"]["parameters"];
    let status = export
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "status")
        .expect("status");
    assert!(
        status["schema"]["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("pre_reserved|confirmed")),
        "{status}"
    );
}

#[tokio::test]
async fn absent_optional_fields_are_omitted_rather_than_null() {
    // Arrange: a month with free nights, and a refused (unsigned) webhook delivery.
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let refused = post_whatsapp(
        &app.client,
        text_message("wamid.1", "5491100000000", "hola"),
        None,
    )
    .await;
    refused.assert_status(StatusCode::UNAUTHORIZED);
    let admin = app.admin().await;

    // Act
    let calendar = admin
        .get(&format!("/admin/calendar?accommodation_id={}", cabin.id))
        .await;
    let webhooks = admin.get("/admin/webhooks").await;

    // Assert
    assert_eq!(calendar.status, StatusCode::OK, "{}", calendar.body);
    assert_eq!(webhooks.status, StatusCode::OK, "{}", webhooks.body);
    assert_eq!(webhooks.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(null_paths(&calendar.body), Vec::<String>::new());
    assert_eq!(null_paths(&webhooks.body), Vec::<String>::new());
}

#[tokio::test]
async fn a_nul_character_in_text_is_a_validation_error_not_a_server_error() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let admin = app.admin().await;

    let login = app.login("owner\u{0}@cabanas.test", "whatever").await;
    let patch = admin
        .patch(
            &format!("/admin/accommodations/{}", cabin.id),
            &json!({ "amenities": ["wifi\u{0}"] }),
        )
        .await;

    for reply in [login, patch] {
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert_eq!(reply.body["code"], "validation_error");
        assert_eq!(reply.body["details"][0]["code"], "invalid_character");
    }
}

#[tokio::test]
async fn a_page_number_past_the_documented_maximum_is_a_validation_error() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    for path in [
        "/admin/jobs/failed?page=9223372036854775807",
        "/admin/webhooks?page=1000001",
        "/admin/reservations?page=1000001",
    ] {
        let reply = admin.get(path).await;

        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.body
        );
        assert_eq!(reply.body["details"][0]["field"], "page");
    }
}

#[tokio::test]
async fn every_path_is_one_entry_of_the_document() {
    // A path whose methods live in two `OpenApi` impls is written twice under the same key,
    // and a client generator reading the JSON keeps only one of them. Read the keys as text.
    let document = api::startup::openapi_json();
    let mut seen = std::collections::BTreeSet::new();
    let repeated: Vec<&str> = document
        .lines()
        .filter_map(|line| line.strip_prefix("    \"")?.strip_suffix("\": {"))
        .filter(|path| path.starts_with('/') && !seen.insert(*path))
        .collect();
    assert!(repeated.is_empty(), "paths written twice: {repeated:?}");
}
