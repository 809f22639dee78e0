//! The iCal export (issue 8, "Export"): one feed per consuming channel, RFC 5545 as the
//! channels parse it, no personal data, blocks as "Not available", conditional GETs, token
//! rotation and uniform 404s. The helpers here serve `ical_export_cache` too.

use chrono::{Duration, NaiveDate};
use icalendar::{Calendar, CalendarComponent, Component};
use poem::http::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;
use shared::{domain::ReservationCode, entities::accommodation};
use tests::harness::{
    Reply, TestApp,
    admin::{AdminSession, booking_body},
    fixtures, reply,
};

const GUEST: &str = "Martín Pérez";
const PHONE: &str = "+5491112345678";
const EMAIL: &str = "martin@example.com";

pub(super) async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = app.client.get(format!("/api/v1{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(request.send().await).await
}

pub(super) fn generic_path(cabin: &accommodation::Model) -> String {
    format!("/ical/{}.ics", cabin.ical_export_token.as_str())
}

/// Books `[check_in, check_in + nights)` as the admin, from `channel`, confirmed or held;
/// the reservation's uuid.
pub(super) async fn stay(
    app: &TestApp,
    admin: &AdminSession<'_>,
    cabin: i32,
    days_ahead: i64,
    channel: &str,
    confirm: bool,
) -> String {
    let check_in = app.today() + Duration::days(days_ahead);
    let body = booking_body(
        cabin,
        check_in,
        check_in + Duration::days(2),
        GUEST,
        json!({"channel": channel, "confirm": confirm, "guest_phone": PHONE, "guest_email": EMAIL}),
    );
    let code = admin.book(&body).await;
    fixtures::reservation(app.conn(), &code)
        .await
        .uuid
        .to_string()
}

/// Inserts a block of two nights from `days_ahead` on, as the import or the owner would
/// store it (`channel` `admin` for the owner's); its uuid.
pub(super) async fn block(app: &TestApp, cabin: i32, days_ahead: i64, channel: &str) -> String {
    let check_in = app.today() + Duration::days(days_ahead);
    let imported = channel != "admin";
    let row = app
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name,
                 guests, nights, price_per_night, total_price, deposit_amount, status, channel,
                 external_uid)
             VALUES ($1, $2, $3, $4, 'Blocked', 1, 2, 0, 0, 0, 'blocked', $5, $6)
             RETURNING uuid::text",
            [
                ReservationCode::generate(app.today()).to_string().into(),
                cabin.into(),
                check_in.into(),
                (check_in + Duration::days(2)).into(),
                channel.into(),
                imported
                    .then(|| format!("{channel}-{days_ahead}@example.com"))
                    .into(),
            ],
        ))
        .await
        .expect("insert a block")
        .expect("its row");
    row.try_get_by_index(0).expect("uuid")
}

/// The summary of each event, by UID.
fn summaries(text: &str) -> Vec<(String, String)> {
    let calendar: Calendar = text.parse().expect("the feed parses");
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some((
                e.get_uid()?.to_owned(),
                e.get_summary().unwrap_or_default().to_owned(),
            )),
            _ => None,
        })
        .collect()
}

/// The UIDs of the feed's events, parsed back with `icalendar`.
pub(super) fn uids(text: &str) -> Vec<String> {
    let calendar: Calendar = text.parse().expect("the feed parses");
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => e.get_uid().map(str::to_owned),
            _ => None,
        })
        .collect()
}

pub(super) fn has(text: &str, uuid: &str) -> bool {
    uids(text).contains(&format!("{uuid}@localhost"))
}

#[tokio::test]
async fn the_feed_is_rfc_5545_with_crlf_folding_escaping_and_no_personal_data() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let name = "Cabaña «Ñandú», lago; bosque \\ montaña — señorío patagónico de los Ñires";
    let cabin = fixtures::cabin(name).insert(app.conn()).await;
    let uuid = stay(&app, &admin, cabin.id, 10, "web", true).await;

    // Act
    let reply = get(&app, &generic_path(&cabin), &[]).await;

    // Assert
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let text = &reply.text;
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
    assert!(text.split("\r\n").all(|line| line.len() <= 75), "{text}");
    for line in [
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "SUMMARY:Reserved",
    ] {
        assert!(text.contains(&format!("\r\n{line}\r\n")), "{line}: {text}");
    }
    let check_in = app.today() + Duration::days(10);
    let date = |d: NaiveDate| d.format("%Y%m%d").to_string();
    assert!(text.contains(&format!("DTSTART;VALUE=DATE:{}\r\n", date(check_in))));
    assert!(text.contains(&format!(
        "DTEND;VALUE=DATE:{}\r\n",
        date(check_in + Duration::days(2))
    )));
    let calendar: Calendar = text.parse().expect("parses back");
    assert_eq!(calendar.property_value("X-WR-CALNAME"), Some(name));
    assert!(calendar.property_value("PRODID").is_some());
    assert_eq!(uids(text), [format!("{uuid}@localhost")]);
    for personal in [GUEST, "Martín", PHONE, "5491112345678", EMAIL] {
        assert!(!text.contains(personal), "{personal} in the feed");
    }
}

#[tokio::test]
async fn each_channel_feed_leaves_out_that_channels_own_stays() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    let from_airbnb = stay(&app, &admin, cabin.id, 5, "airbnb", true).await;
    let from_booking = stay(&app, &admin, cabin.id, 10, "booking", true).await;
    let from_web = stay(&app, &admin, cabin.id, 15, "web", false).await;
    let view = admin.get("/admin/accommodations").await.body[0]["ical_export_urls"].clone();
    let path = |channel: &str| {
        let url = view[channel].as_str().expect("url").to_owned();
        url.strip_prefix("http://localhost:8080/api/v1")
            .unwrap_or_else(|| panic!("not an absolute export URL: {url}"))
            .to_owned()
    };

    // Act
    let airbnb = get(&app, &path("airbnb"), &[]).await.text;
    let booking = get(&app, &path("booking"), &[]).await.text;
    let generic = get(&app, &path("generic"), &[]).await.text;

    // Assert
    assert!(!has(&airbnb, &from_airbnb) && has(&airbnb, &from_booking) && has(&airbnb, &from_web));
    assert!(
        has(&booking, &from_airbnb) && !has(&booking, &from_booking) && has(&booking, &from_web)
    );
    assert_eq!(uids(&generic).len(), 3);
}

#[tokio::test]
async fn blocks_are_not_available_everywhere_but_an_imported_one_skips_its_own_channel() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Ñire").insert(app.conn()).await;
    let guest = stay(&app, &admin, cabin.id, 2, "web", true).await;
    let owner_block = block(&app, cabin.id, 6, "admin").await;
    let from_airbnb = block(&app, cabin.id, 10, "airbnb").await;
    let from_booking = block(&app, cabin.id, 14, "booking").await;
    let path = |token: &str| format!("/ical/{token}.ics");

    // Act
    let airbnb = get(&app, &path(cabin.ical_token_airbnb.as_str()), &[])
        .await
        .text;
    let booking = get(&app, &path(cabin.ical_token_booking.as_str()), &[])
        .await
        .text;
    let generic = get(&app, &generic_path(&cabin), &[]).await.text;

    // Assert
    let uid = |uuid: &str| format!("{uuid}@localhost");
    let event = |uuid: &str, summary: &str| (uid(uuid), summary.to_owned());
    assert_eq!(
        summaries(&airbnb),
        [
            event(&guest, "Reserved"),
            event(&owner_block, "Not available"),
            event(&from_booking, "Not available"),
        ]
    );
    assert_eq!(
        summaries(&booking),
        [
            event(&guest, "Reserved"),
            event(&owner_block, "Not available"),
            event(&from_airbnb, "Not available"),
        ]
    );
    assert_eq!(summaries(&generic).len(), 4);
    assert!(has(&generic, &from_airbnb) && has(&generic, &from_booking));
    assert!(!generic.contains("Blocked"), "the block's placeholder name");
}

#[tokio::test]
async fn cancelled_expired_and_lapsed_stays_are_not_exported_nor_nights_over_30_days_past() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Bosque")
        .insert(app.conn())
        .await;
    let kept_check_out = app.today() + Duration::days(22);
    let cancelled = stay(&app, &admin, cabin.id, 5, "web", true).await;
    let expired = stay(&app, &admin, cabin.id, 10, "web", false).await;
    let lapsing = stay(&app, &admin, cabin.id, 15, "web", false).await;
    let kept = stay(&app, &admin, cabin.id, 20, "web", true).await;
    let rows = fixtures::reservations(app.conn()).await;
    let code_of = |uuid: &str| {
        rows.iter()
            .find(|r| r.uuid.to_string() == uuid)
            .expect("row")
            .code
            .to_string()
    };
    fixtures::set_status(app.conn(), &code_of(&cancelled), "cancelled").await;
    fixtures::set_status(app.conn(), &code_of(&expired), "expired").await;

    // Act: the hold lapses (the sweep has not run); later the kept stay's departure is 29,
    // then 30 days past
    app.clock.advance(Duration::days(1));
    let now = get(&app, &generic_path(&cabin), &[]).await.text;
    app.travel_to(kept_check_out + Duration::days(29));
    let left_29_days_ago = get(&app, &generic_path(&cabin), &[]).await.text;
    app.travel_to(kept_check_out + Duration::days(30));
    let left_30_days_ago = get(&app, &generic_path(&cabin), &[]).await.text;

    // Assert
    assert!(!has(&now, &cancelled) && !has(&now, &expired) && !has(&now, &lapsing));
    assert!(has(&now, &kept));
    assert!(
        has(&left_29_days_ago, &kept),
        "its last night was 30 days ago"
    );
    assert!(uids(&left_30_days_ago).is_empty());
}

#[tokio::test]
async fn a_current_copy_is_answered_304_by_etag_or_by_date() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Río").insert(app.conn()).await;
    stay(&app, &admin, cabin.id, 5, "web", true).await;
    let path = generic_path(&cabin);
    let first = get(&app, &path, &[]).await;
    let etag = first.header("etag").expect("ETag").to_owned();
    let last_modified = first
        .header("last-modified")
        .expect("Last-Modified")
        .to_owned();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );

    // Act
    let by_etag = get(&app, &path, &[("If-None-Match", &etag)]).await;
    let by_date = get(&app, &path, &[("If-Modified-Since", &last_modified)]).await;
    let other_etag = get(&app, &path, &[("If-None-Match", "\"other\"")]).await;
    stay(&app, &admin, cabin.id, 10, "web", true).await;
    let after_change = get(&app, &path, &[("If-None-Match", &etag)]).await;

    // Assert
    for not_modified in [&by_etag, &by_date] {
        assert_eq!(not_modified.status, 304);
        assert!(not_modified.text.is_empty());
        assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
    }
    assert_eq!(other_etag.status, 200);
    assert_eq!(
        other_etag.text, first.text,
        "the same stays give the same bytes"
    );
    assert_eq!(after_change.status, 200);
    assert_ne!(after_change.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn both_paths_and_the_ics_suffix_serve_the_feed_and_wrong_tokens_are_uniform_404s() {
    // Arrange
    let app = TestApp::new().await;
    let cabin = fixtures::cabin("Cabaña del Valle").insert(app.conn()).await;
    let token = cabin.ical_export_token.as_str();
    let other = fixtures::cabin("Domo").insert(app.conn()).await;

    // Act
    let ok = [
        format!("/ical/export/{}/{token}", cabin.id),
        format!("/ical/export/{}/{token}.ics", cabin.id),
        format!(
            "/ical/export/{}/{}",
            cabin.id,
            cabin.ical_token_airbnb.as_str()
        ),
        format!("/ical/{token}.ics"),
        format!("/ical/{}.ics", cabin.ical_token_booking.as_str()),
    ];
    let missing = [
        format!("/ical/export/{}/{}x", cabin.id, &token[1..]),
        format!("/ical/export/{}/{token}", other.id),
        format!("/ical/export/999999/{token}"),
        format!("/ical/export/not-a-number/{token}"),
        format!("/ical/{token}"),
        format!("/ical/{}x.ics", &token[1..]),
    ];

    // Assert
    for path in &ok {
        assert_eq!(get(&app, path, &[]).await.status, 200, "{path}");
    }
    let mut bodies = Vec::new();
    for path in &missing {
        let reply = get(&app, path, &[]).await;
        assert_eq!(reply.status, 404, "{path}");
        bodies.push((reply.body["code"].clone(), reply.body["message"].clone()));
    }
    bodies.dedup();
    assert_eq!(bodies, [(json!("not_found"), json!("calendar not found"))]);
}

#[tokio::test]
async fn rotating_a_channels_token_retires_only_that_url() {
    // Arrange
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Cerro").insert(app.conn()).await;
    let rotate = |channel: &str| {
        format!(
            "/admin/accommodations/{}/ical-token/rotate?channel={channel}",
            cabin.id
        )
    };

    // Act
    let reply = admin.post_empty(&rotate("airbnb")).await;
    let generic = admin
        .post_empty(&format!(
            "/admin/accommodations/{}/ical-token/rotate",
            cabin.id
        ))
        .await;
    let unknown = admin.post_empty(&rotate("vrbo")).await;

    // Assert
    assert_eq!(reply.status, 200, "{}", reply.body);
    let new_airbnb = reply.body["ical_export_urls"]["airbnb"]
        .as_str()
        .expect("url");
    assert!(!new_airbnb.contains(cabin.ical_token_airbnb.as_str()));
    let path = |url: &str| {
        url.trim_start_matches("http://localhost:8080/api/v1")
            .to_owned()
    };
    assert_eq!(get(&app, &path(new_airbnb), &[]).await.status, 200);
    let old_airbnb = format!("/ical/{}.ics", cabin.ical_token_airbnb.as_str());
    assert_eq!(get(&app, &old_airbnb, &[]).await.status, 404);
    let booking = format!("/ical/{}.ics", cabin.ical_token_booking.as_str());
    assert_eq!(
        get(&app, &booking, &[]).await.status,
        200,
        "other channels keep theirs"
    );
    assert_eq!(generic.status, 200);
    assert_eq!(get(&app, &generic_path(&cabin), &[]).await.status, 404);
    assert_eq!(
        unknown.status,
        StatusCode::BAD_REQUEST.as_u16(),
        "{}",
        unknown.body
    );
}
