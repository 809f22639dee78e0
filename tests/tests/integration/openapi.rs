//! `GET /openapi.json` and `GET /docs/`: the published contract and its browsable UI.

use serde_json::json;
use tests::harness::{TestApp, reply};

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
