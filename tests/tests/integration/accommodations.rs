//! `GET /accommodations` and `GET /accommodations/{id}`: what guests see of a cabin.

use serde_json::json;
use tests::harness::{TestApp, fixtures, reply};

#[tokio::test]
async fn the_list_shows_only_active_accommodations_in_id_order() {
    // Arrange
    let app = TestApp::new().await;
    let lake = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    fixtures::cabin("Cabaña Cerrada")
        .inactive()
        .insert(app.conn())
        .await;
    let forest = fixtures::cabin("Cabaña del Bosque")
        .insert(app.conn())
        .await;

    // Act
    let resp = reply(app.client.get("/api/v1/accommodations").send().await).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    let listed: Vec<(i64, &str)> = resp
        .body
        .as_array()
        .expect("an array")
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().expect("id"),
                a["name"].as_str().expect("name"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (i64::from(lake.id), "Cabaña del Lago"),
            (i64::from(forest.id), "Cabaña del Bosque")
        ]
    );
}

#[tokio::test]
async fn an_accommodation_shows_money_as_two_place_strings_and_its_weekend_price() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña del Lago")
        .capacity(6)
        .base_price("45000")
        .weekend_multiplier("1.15")
        .insert(app.conn())
        .await;

    // Act
    let resp = reply(app.client.get("/api/v1/accommodations").send().await).await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(
        resp.body,
        json!([{
            "id": cabin.id,
            "uuid": cabin.uuid.to_string(),
            "name": "Cabaña del Lago",
            "kind": "cabin",
            "capacity": 6,
            "base_price": "45000.00",
            "weekend_price": "51750.00",
            "weekend_multiplier": "1.15",
            "weekend_nights": ["friday", "saturday"],
            "currency": "ARS",
            "description": "",
            "amenities": ["wifi"],
            "photos": [],
            "location": "Villa La Angostura",
            "policies": "",
            "check_in_time": "14:00",
            "check_out_time": "10:00",
        }])
    );
}

#[tokio::test]
async fn the_list_is_empty_when_there_are_no_active_accommodations() {
    let app = TestApp::new().await;
    fixtures::cabin("Cerrada")
        .inactive()
        .insert(app.conn())
        .await;

    let resp = reply(app.client.get("/api/v1/accommodations").send().await).await;

    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body, json!([]));
}

#[tokio::test]
async fn one_accommodation_is_found_by_its_id() {
    // Arrange
    let app = TestApp::new().await;
    fixtures::cabin("Otra").insert(app.conn()).await;
    let cabin = fixtures::cabin("Domo Las Estrellas")
        .capacity(2)
        .base_price("55000.50")
        .insert(app.conn())
        .await;

    // Act
    let resp = reply(
        app.client
            .get(format!("/api/v1/accommodations/{}", cabin.id))
            .send()
            .await,
    )
    .await;

    // Assert
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["id"], json!(cabin.id));
    assert_eq!(resp.body["name"], "Domo Las Estrellas");
    assert_eq!(resp.body["capacity"], 2);
    assert_eq!(resp.body["base_price"], "55000.50");
    // 55000.50 × 1.20 = 66000.60
    assert_eq!(resp.body["weekend_price"], "66000.60");
}

#[tokio::test]
async fn an_unknown_accommodation_is_not_found() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Única").insert(app.conn()).await;

    let resp = reply(
        app.client
            .get(format!("/api/v1/accommodations/{}", cabin.id + 1000))
            .send()
            .await,
    )
    .await;

    assert_eq!(resp.status, 404, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "message", "trace_id"]);
    assert_eq!(resp.body["code"], "not_found");
    assert_eq!(resp.body["message"], "accommodation not found");
}

#[tokio::test]
async fn an_inactive_accommodation_is_not_found() {
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cerrada")
        .inactive()
        .insert(app.conn())
        .await;

    let resp = reply(
        app.client
            .get(format!("/api/v1/accommodations/{}", cabin.id))
            .send()
            .await,
    )
    .await;

    assert_eq!(resp.status, 404, "{}", resp.text);
    assert_eq!(resp.body["code"], "not_found");
}

#[tokio::test]
async fn a_non_numeric_accommodation_id_is_a_bad_request() {
    let app = TestApp::new().await;

    let resp = reply(app.client.get("/api/v1/accommodations/lago").send().await).await;

    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(resp.keys(), vec!["code", "message", "trace_id"]);
    assert_eq!(resp.body["code"], "bad_request");
    assert_eq!(resp.body["trace_id"], resp.request_id());
}
