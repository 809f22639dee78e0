//! The admin reservation list (filters, search, sort, pagination) and its CSV export, against
//! seeded data with exact expected results.

use chrono::Duration;
use poem::http::StatusCode;
use serde_json::{Value, json};
use tests::harness::{
    TestApp,
    admin::{AdminSession, booking_body},
    fixtures,
};

/// Books through the admin API and returns the code.
async fn book(
    admin: &AdminSession<'_>,
    accommodation_id: i32,
    days_ahead: i64,
    nights: i64,
    name: &str,
    extra: Value,
) -> String {
    let check_in = admin.app.today() + Duration::days(days_ahead);
    let check_out = check_in + Duration::days(nights);
    admin
        .book(&booking_body(
            accommodation_id,
            check_in,
            check_out,
            name,
            extra,
        ))
        .await
}

fn codes(reply: &Value) -> Vec<&str> {
    reply["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect()
}

struct Seeded {
    lago: String,
    bosque: String,
    domo: String,
    airbnb: String,
}

async fn seed(app: &TestApp, admin: &AdminSession<'_>) -> (i32, Seeded) {
    let lago = fixtures::cabin("Lago").insert(app.conn()).await;
    let bosque = fixtures::cabin("Bosque").insert(app.conn()).await;
    let seeded = Seeded {
        lago: book(
            admin,
            lago.id,
            10,
            2,
            "Ana Gómez",
            json!({"guest_phone": "+5491133334444"}),
        )
        .await,
        bosque: book(
            admin,
            bosque.id,
            20,
            3,
            "Bruno Díaz",
            json!({"confirm": true, "guest_email": "bruno@example.com"}),
        )
        .await,
        domo: book(
            admin,
            lago.id,
            30,
            1,
            "Carla Núñez",
            json!({"total_price": "10.00"}),
        )
        .await,
        airbnb: book(
            admin,
            bosque.id,
            40,
            4,
            "Huésped Airbnb",
            json!({"channel": "airbnb"}),
        )
        .await,
    };
    (lago.id, seeded)
}

#[tokio::test]
async fn filters_search_and_sort_give_exact_results() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (lago_id, s) = seed(&app, &admin).await;
    let from = (app.today() + Duration::days(19)).to_string();
    let to = (app.today() + Duration::days(31)).to_string();

    let by_check_in = admin.get("/admin/reservations?sort=check_in").await;
    let newest = admin.get("/admin/reservations").await;
    let confirmed = admin.get("/admin/reservations?status=confirmed").await;
    let two_statuses = admin
        .get("/admin/reservations?status=confirmed,pre_reserved&sort=-check_in")
        .await;
    let airbnb = admin.get("/admin/reservations?channel=airbnb").await;
    let lago = admin
        .get(&format!(
            "/admin/reservations?accommodation_id={lago_id}&sort=check_in"
        ))
        .await;
    let window = admin
        .get(&format!(
            "/admin/reservations?from={from}&to={to}&sort=check_in"
        ))
        .await;
    let by_name = admin.get("/admin/reservations?q=n%C3%BA%C3%B1ez").await;
    let by_phone = admin.get("/admin/reservations?q=3333-4444").await;
    let by_email = admin.get("/admin/reservations?q=BRUNO@").await;
    let by_code = admin
        .get(&format!("/admin/reservations?q={}", &s.domo[3..]))
        .await;
    let by_price = admin.get("/admin/reservations?sort=total_price").await;

    assert_eq!(by_check_in.status, StatusCode::OK, "{}", by_check_in.body);
    assert_eq!(by_check_in.body["total"], 4);
    assert_eq!(
        codes(&by_check_in.body),
        vec![
            s.lago.as_str(),
            s.bosque.as_str(),
            s.domo.as_str(),
            s.airbnb.as_str()
        ]
    );
    assert_eq!(
        codes(&newest.body),
        vec![
            s.airbnb.as_str(),
            s.domo.as_str(),
            s.bosque.as_str(),
            s.lago.as_str()
        ]
    );
    assert_eq!(codes(&confirmed.body), vec![s.bosque.as_str()]);
    assert_eq!(
        codes(&two_statuses.body),
        vec![
            s.airbnb.as_str(),
            s.domo.as_str(),
            s.bosque.as_str(),
            s.lago.as_str()
        ]
    );
    assert_eq!(codes(&airbnb.body), vec![s.airbnb.as_str()]);
    assert_eq!(codes(&lago.body), vec![s.lago.as_str(), s.domo.as_str()]);
    assert_eq!(
        codes(&window.body),
        vec![s.bosque.as_str(), s.domo.as_str()]
    );
    assert_eq!(codes(&by_name.body), vec![s.domo.as_str()]);
    assert_eq!(codes(&by_phone.body), vec![s.lago.as_str()]);
    assert_eq!(codes(&by_email.body), vec![s.bosque.as_str()]);
    assert_eq!(codes(&by_code.body), vec![s.domo.as_str()]);
    assert_eq!(codes(&by_price.body)[0], s.domo);
}

#[tokio::test]
async fn bad_filters_and_sorts_are_refused_with_the_allowed_values() {
    let app = TestApp::new().await;
    let admin = app.admin().await;

    let sort = admin.get("/admin/reservations?sort=guest_phone").await;
    let status = admin.get("/admin/reservations?status=paid").await;
    let dates = admin
        .get("/admin/reservations?from=2027-02-10&to=2027-02-01")
        .await;

    assert_eq!(sort.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(sort.body["details"][0]["code"], "unknown_sort_field");
    let message = sort.body["details"][0]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("check_in, check_out, created_at, total_price"),
        "{message}"
    );
    assert_eq!(status.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        status.body["details"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("pre_reserved"))
    );
    assert_eq!(dates.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dates.body["details"][0]["field"], "to");
}

#[tokio::test]
async fn pagination_edges_are_exact() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Lago").insert(app.conn()).await;
    for i in 0..5 {
        book(
            &admin,
            cabin.id,
            10 + 3 * i,
            2,
            &format!("Huésped {i}"),
            json!({}),
        )
        .await;
    }

    let last = admin.get("/admin/reservations?page=3&page_size=2").await;
    let past = admin.get("/admin/reservations?page=9&page_size=2").await;
    let max = admin.get("/admin/reservations?page_size=100").await;
    let over = admin.get("/admin/reservations?page_size=101").await;
    let zero = admin.get("/admin/reservations?page=0").await;

    assert_eq!(last.status, StatusCode::OK, "{}", last.body);
    assert_eq!(
        (
            last.body["page"].clone(),
            last.body["page_size"].clone(),
            last.body["total"].clone()
        ),
        (json!(3), json!(2), json!(5))
    );
    assert_eq!(codes(&last.body).len(), 1);
    assert_eq!(codes(&past.body).len(), 0);
    assert_eq!(past.body["total"], 5);
    assert_eq!(codes(&max.body).len(), 5);
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(over.body["details"][0]["field"], "page_size");
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_csv_export_quotes_commas_quotes_accents_and_newlines() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Lago").insert(app.conn()).await;
    let code = book(
        &admin,
        cabin.id,
        10,
        2,
        "José \"Pepe\" Núñez, hijo",
        json!({"notes": "llega tarde\nsegunda línea", "guest_email": "=cmd@example.com"}),
    )
    .await;
    book(&admin, cabin.id, 20, 2, "Ana", json!({"channel": "phone"})).await;

    // Act
    let resp = app
        .client
        .get("/api/v1/admin/reservations/export.csv?channel=admin")
        .header("authorization", format!("Bearer {}", admin.token))
        .send()
        .await;

    // Assert
    resp.assert_status_is_ok();
    resp.assert_content_type("text/csv; charset=utf-8");
    let disposition = resp
        .0
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"reservations-"),
        "{disposition}"
    );
    let text = resp.0.into_body().into_string().await.expect("utf-8 csv");
    let mut rows = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rows.headers().expect("header").clone();
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    assert_eq!(records.len(), 1, "{text}");
    let field = |name: &str| {
        let i = headers.iter().position(|h| h == name).expect(name);
        records[0][i].to_string()
    };
    assert_eq!(field("code"), code);
    assert_eq!(field("guest_name"), "José \"Pepe\" Núñez, hijo");
    assert_eq!(field("notes"), "llega tarde\nsegunda línea");
    assert_eq!(field("guest_email"), "'=cmd@example.com");
    assert!(text.contains("\"José \"\"Pepe\"\" Núñez, hijo\""), "{text}");
    assert!(text.ends_with("\r\n"));
}
