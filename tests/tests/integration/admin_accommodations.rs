//! Admin accommodation management: list, create, change, deactivate, rotate the iCal token,
//! and the audit row each change writes.

use chrono::Duration;
use poem::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use shared::entities::audit_log;
use tests::harness::{TestApp, admin::ADMIN_EMAIL, fixtures};

fn full_body() -> Value {
    json!({
        "name": "Cabaña del Lago",
        "kind": "dome",
        "capacity": 6,
        "base_price": "45000.00",
        "weekend_multiplier": "1.50",
        "weekend_nights": ["Friday", "saturday", "sunday"],
        "currency": "USD",
        "description": "Domo frente al lago",
        "amenities": ["wifi", "parrilla"],
        "photos": ["https://example.com/domo.jpg"],
        "location": "Villa La Angostura",
        "policies": "No se admiten mascotas",
        "check_in_time": "15:00",
        "check_out_time": "11:30",
    })
}

fn is_ical_token(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|t| t.len() == 48 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn audit_rows(app: &TestApp, entity_id: i32) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::EntityKind.eq("accommodation"))
        .filter(audit_log::Column::EntityId.eq(entity_id.to_string()))
        .order_by_asc(audit_log::Column::Id)
        .all(app.conn())
        .await
        .expect("query audit_log")
}

/// The body without the fields a change is expected to touch.
fn without(mut body: Value, fields: &[&str]) -> Value {
    let object = body.as_object_mut().expect("object");
    for field in fields {
        object.remove(*field);
    }
    body
}

#[tokio::test]
async fn creating_an_accommodation_returns_201_with_every_field_stored() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin.post("/admin/accommodations", &full_body()).await;

    // Assert
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["id"].as_i64().expect("id");
    assert!(is_ical_token(&reply.body["ical_export_token"]));
    let expected = json!({
        "id": id,
        "name": "Cabaña del Lago",
        "kind": "dome",
        "capacity": 6,
        "base_price": "45000.00",
        "weekend_price": "67500.00",
        "weekend_multiplier": "1.50",
        "weekend_nights": ["friday", "saturday", "sunday"],
        "currency": "USD",
        "description": "Domo frente al lago",
        "amenities": ["wifi", "parrilla"],
        "photos": ["https://example.com/domo.jpg"],
        "location": "Villa La Angostura",
        "policies": "No se admiten mascotas",
        "check_in_time": "15:00",
        "check_out_time": "11:30",
        "active": true,
    });
    assert_eq!(
        without(
            reply.body.clone(),
            &[
                "uuid",
                "ical_export_token",
                "ical_export_urls",
                "created_at",
                "updated_at"
            ]
        ),
        expected
    );
    assert_eq!(
        reply.body["ical_export_urls"]["generic"],
        format!(
            "http://localhost:8080/api/v1/ical/{}.ics",
            reply.body["ical_export_token"].as_str().expect("token")
        )
    );
    let listed = admin.get("/admin/accommodations").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body, json!([reply.body]));
}

#[tokio::test]
async fn an_accommodation_created_with_only_the_required_fields_takes_the_defaults() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let body = json!({ "name": "Cabaña Simple", "capacity": 2, "base_price": "30000" });

    // Act
    let reply = admin.post("/admin/accommodations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["kind"], "cabin");
    assert_eq!(reply.body["base_price"], "30000.00");
    assert_eq!(reply.body["weekend_multiplier"], "1.20");
    assert_eq!(reply.body["weekend_price"], "36000.00");
    assert_eq!(reply.body["weekend_nights"], json!(["friday", "saturday"]));
    assert_eq!(reply.body["currency"], "ARS");
    assert_eq!(reply.body["check_in_time"], "14:00");
    assert_eq!(reply.body["check_out_time"], "10:00");
    assert_eq!(reply.body["active"], true);
}

#[tokio::test]
async fn creating_without_the_required_fields_answers_422_naming_each_one() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post("/admin/accommodations", &json!({ "kind": "cabin" }))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body,
        json!({
            "code": "validation_error",
            "message": "the request has invalid fields",
            "details": [
                { "field": "name", "code": "required", "message": "name is required" },
                { "field": "capacity", "code": "required", "message": "capacity is required" },
                { "field": "base_price", "code": "required", "message": "base_price is required" },
            ],
            "trace_id": reply.request_id,
        })
    );
    assert_eq!(admin.get("/admin/accommodations").await.body, json!([]));
}

#[tokio::test]
async fn creating_with_invalid_values_answers_422_listing_every_bad_field() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let body = json!({
        "name": "Cabaña Mala",
        "capacity": 4,
        "base_price": "1.234",
        "weekend_multiplier": "0",
        "weekend_nights": ["viernes"],
        "currency": "ars",
        "photos": ["ftp://x"],
        "check_in_time": "25:00",
    });

    // Act
    let reply = admin.post("/admin/accommodations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reported: Vec<(&str, &str)> = reply.body["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["field"].as_str().expect("field"),
                d["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert_eq!(
        reported,
        vec![
            ("base_price", "invalid_amount"),
            ("weekend_multiplier", "invalid_multiplier"),
            ("weekend_nights", "invalid_weekday"),
            ("currency", "invalid_currency"),
            ("photos", "invalid_url"),
            ("check_in_time", "invalid_time"),
        ]
    );
    assert_eq!(admin.get("/admin/accommodations").await.body, json!([]));
}

#[tokio::test]
async fn a_photo_that_only_starts_like_a_url_is_refused() {
    // Arrange: prefixes a URL parser rejects (an unclosed IPv6 host, no host at all).
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for photo in ["http://[", "https://", "http:// spaces in host/x.jpg"] {
        let body =
            json!({ "name": "Cabaña", "capacity": 4, "base_price": "1000", "photos": [photo] });

        // Act
        let reply = admin.post("/admin/accommodations", &body).await;

        // Assert
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{photo}");
        assert_eq!(reply.body["details"][0]["code"], "invalid_url", "{photo}");
    }
    assert_eq!(admin.get("/admin/accommodations").await.body, json!([]));
}

#[tokio::test]
async fn a_negative_base_price_is_refused() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let body = json!({ "name": "Cabaña", "capacity": 4, "base_price": "-1" });

    // Act
    let reply = admin.post("/admin/accommodations", &body).await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["details"],
        json!([{
            "field": "base_price",
            "code": "invalid_amount",
            "message": "base_price must be a non-negative amount with at most two decimals",
        }])
    );
}

#[tokio::test]
async fn patching_an_accommodation_changes_only_the_fields_sent() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let admin = app.admin().await;
    let before = admin.get("/admin/accommodations").await.body[0].clone();

    // Act
    let reply = admin
        .patch(
            &format!("/admin/accommodations/{}", cabin.id),
            &json!({ "base_price": "60000.00", "capacity": 5 }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["base_price"], "60000.00");
    assert_eq!(reply.body["weekend_price"], "72000.00");
    assert_eq!(reply.body["capacity"], 5);
    let untouched = ["base_price", "weekend_price", "capacity", "updated_at"];
    assert_eq!(
        without(reply.body.clone(), &untouched),
        without(before, &untouched)
    );
}

#[tokio::test]
async fn patching_with_an_invalid_value_answers_422_and_changes_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let admin = app.admin().await;
    let before = admin.get("/admin/accommodations").await.body;

    // Act
    let reply = admin
        .patch(
            &format!("/admin/accommodations/{}", cabin.id),
            &json!({ "name": "Otro nombre", "currency": "pesos" }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["details"][0]["field"], "currency");
    assert_eq!(admin.get("/admin/accommodations").await.body, before);
}

#[tokio::test]
async fn patching_an_unknown_accommodation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .patch("/admin/accommodations/999999", &json!({ "capacity": 3 }))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body,
        json!({
            "code": "not_found",
            "message": "accommodation not found",
            "trace_id": reply.request_id,
        })
    );
}

#[tokio::test]
async fn a_deactivated_accommodation_disappears_from_the_public_api_but_not_from_the_admin_list() {
    // Arrange
    let app = TestApp::new().await;
    let hidden = fixtures::cabin("Cabaña Oculta").insert(app.conn()).await;
    let visible = fixtures::cabin("Cabaña Visible").insert(app.conn()).await;
    let admin = app.admin().await;
    let check_in = app.today() + Duration::days(10);

    // Act
    let reply = admin
        .patch(
            &format!("/admin/accommodations/{}", hidden.id),
            &json!({ "active": false }),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["active"], false);
    let public = app
        .request(Method::GET, "/api/v1/accommodations", None, None)
        .await;
    let public_ids: Vec<i64> = public
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(public_ids, vec![i64::from(visible.id)]);
    let one = app
        .request(
            Method::GET,
            &format!("/api/v1/accommodations/{}", hidden.id),
            None,
            None,
        )
        .await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
    let booking = app
        .request(
            Method::POST,
            "/api/v1/reservations",
            None,
            Some(&fixtures::booking(
                hidden.id,
                check_in,
                check_in + Duration::days(2),
            )),
        )
        .await;
    assert_eq!(booking.status, StatusCode::NOT_FOUND);
    assert_eq!(booking.body["code"], "not_found");
    let admin_list = admin.get("/admin/accommodations").await.body;
    assert_eq!(admin_list.as_array().expect("list").len(), 2);
    assert_eq!(admin_list[0]["active"], false);
}

#[tokio::test]
async fn rotating_the_ical_token_replaces_it_with_a_new_48_hex_character_one() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña Coihue").insert(app.conn()).await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post_empty(&format!(
            "/admin/accommodations/{}/ical-token/rotate",
            cabin.id
        ))
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(is_ical_token(&reply.body["ical_export_token"]));
    assert_ne!(
        reply.body["ical_export_token"],
        cabin.ical_export_token.as_str()
    );
    let listed = admin.get("/admin/accommodations").await.body;
    assert_eq!(
        listed[0]["ical_export_token"],
        reply.body["ical_export_token"]
    );
}

#[tokio::test]
async fn rotating_the_ical_token_of_an_unknown_accommodation_answers_404() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let reply = admin
        .post_empty("/admin/accommodations/999999/ical-token/rotate")
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["code"], "not_found");
}

#[tokio::test]
async fn each_accommodation_change_writes_one_audit_row_with_before_and_after() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;

    // Act
    let created = admin
        .post(
            "/admin/accommodations",
            &json!({ "name": "Cabaña Auditada", "capacity": 4, "base_price": "50000.00" }),
        )
        .await;
    let id = i32::try_from(created.body["id"].as_i64().expect("id")).expect("i32");
    let updated = admin
        .patch(
            &format!("/admin/accommodations/{id}"),
            &json!({ "base_price": "55000.00" }),
        )
        .await;
    let rotated = admin
        .post_empty(&format!("/admin/accommodations/{id}/ical-token/rotate"))
        .await;

    // Assert
    let rows = audit_rows(&app, id).await;
    let summary: Vec<(&str, &str, &str, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.actor_kind.as_str(),
                r.actor.as_str(),
                r.trace_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "accommodation.create",
                "admin",
                ADMIN_EMAIL,
                Some(created.request_id.as_str())
            ),
            (
                "accommodation.update",
                "admin",
                ADMIN_EMAIL,
                Some(updated.request_id.as_str())
            ),
            (
                "accommodation.rotate_ical_token",
                "admin",
                ADMIN_EMAIL,
                Some(rotated.request_id.as_str())
            ),
        ]
    );
    let snapshot = |price: &str| {
        json!({
            "name": "Cabaña Auditada", "kind": "cabin", "capacity": 4,
            "base_price": price, "weekend_multiplier": "1.20",
            "weekend_nights": ["friday", "saturday"], "currency": "ARS", "active": true,
        })
    };
    assert_eq!(rows[0].before, None);
    assert_eq!(rows[0].after, Some(snapshot("50000.00")));
    assert_eq!(rows[1].before, Some(snapshot("50000.00")));
    assert_eq!(rows[1].after, Some(snapshot("55000.00")));
    assert_eq!(rows[2].before, Some(snapshot("55000.00")));
    assert_eq!(rows[2].after, Some(snapshot("55000.00")));
}
