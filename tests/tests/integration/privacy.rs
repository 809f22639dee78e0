//! Guest personal data (docs/privacy.md): the retention job anonymises stays and deletes
//! WhatsApp conversations past `GUEST_DATA_RETENTION_MONTHS`, keeping the books; the owner
//! exports or erases one guest's data on request.

use chrono::{Duration, Months, NaiveDate, TimeZone, Utc};
use poem::http::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shared::{
    clock::Clock,
    domain::whatsapp::MessageState,
    entities::{audit_log, email_log, payment, reservation, whatsapp_contact, whatsapp_message},
    service::guest_data::{self, ANONYMISED_NAME, RetentionReport},
};
use tests::harness::{TestApp, admin::booking_body, conversation_fixtures as talk, fixtures};

const LUCIA: &str = "+5491155550111";
const MARCOS: &str = "+5491155550222";
const OLGA: &str = "+5491155550333";

/// The first day of `months` calendar months before `today` plus `days`.
fn months_ago(today: NaiveDate, months: u32, days: i64) -> NaiveDate {
    today.checked_sub_months(Months::new(months)).expect("date") + Duration::days(days)
}

/// Books (as the owner, confirmed) a two-night stay of `guest` checking out on `check_out`,
/// travelling the clock to a week before it; returns the code. The clock is left there.
async fn stay(
    app: &TestApp,
    cabin: i32,
    check_out: NaiveDate,
    guest: (&str, &str, &str),
) -> String {
    let (name, phone, email) = guest;
    let check_in = check_out - Duration::days(2);
    app.travel_to(check_in - Duration::days(7));
    let admin = app.admin().await;
    let body = booking_body(
        cabin,
        check_in,
        check_out,
        name,
        json!({
            "guest_phone": phone,
            "guest_email": email,
            "notes": "Llega tarde, viaja con un perro",
            "confirm": true,
        }),
    );
    admin.book(&body).await
}

/// A Mercado Pago payment of the stay, with the payer as Mercado Pago reports it, and the
/// confirmation email sent to the guest.
async fn paid_and_emailed(app: &TestApp, code: &str, email: &str) -> reservation::Model {
    let row = fixtures::reservation(app.conn(), code).await;
    let raw = json!({
        "id": 9001,
        "status": "approved",
        "transaction_amount": 1000,
        "currency_id": "ARS",
        "external_reference": code,
        "payer": {"email": email, "first_name": "Lucía", "identification": {"number": "30111222"}},
    });
    app.conn()
        .execute_raw(shared::db::stmt(
            "INSERT INTO payments (reservation_id, provider_payment_id, amount, credited_amount,
                 currency, status, raw_provider)
             VALUES ($1, $2, 1000, 1000, 'ARS', 'approved', $3)",
            vec![row.id.into(), format!("mp-{}", row.id).into(), raw.into()],
        ))
        .await
        .expect("insert payment");
    app.conn()
        .execute_raw(shared::db::stmt(
            "INSERT INTO email_log (reservation_id, event, recipient, subject, outcome, sent_at)
             VALUES ($1, 'confirmed', $2, '¡Reserva confirmada!', 'sent', now())",
            vec![row.id.into(), email.into()],
        ))
        .await
        .expect("insert email");
    row
}

/// Every audit snapshot of the reservation, as text.
async fn audit_text(app: &TestApp, id: i64) -> String {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::ReservationId.eq(id))
        .all(app.conn())
        .await
        .expect("audit rows");
    assert!(!rows.is_empty());
    rows.iter()
        .map(|r| format!("{:?} {:?}", r.before, r.after))
        .collect()
}

async fn retention(app: &TestApp) -> RetentionReport {
    guest_data::apply_retention(
        app.conn(),
        app.clock.as_ref(),
        app.settings.timezone(),
        app.settings.guest_data_retention(),
    )
    .await
    .expect("retention")
}

async fn contact(app: &TestApp, phone: &str) -> Option<whatsapp_contact::Model> {
    whatsapp_contact::Entity::find()
        .filter(whatsapp_contact::Column::Phone.eq(phone))
        .one(app.conn())
        .await
        .expect("contact")
}

#[tokio::test]
async fn retention_anonymises_only_stays_past_the_cutoff_keeps_the_books_and_is_idempotent() {
    // Arrange: stays that checked out 25 and 23 months ago, and one next month.
    let app = TestApp::new().await;
    let today = app.today();
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let old = stay(
        &app,
        cabin.id,
        months_ago(today, 25, 0),
        ("Lucía Pérez", LUCIA, "lucia@example.com"),
    )
    .await;
    let recent = stay(
        &app,
        cabin.id,
        months_ago(today, 23, 0),
        ("Marcos Díaz", MARCOS, "marcos@example.com"),
    )
    .await;
    app.travel_to(today);
    let future = stay(
        &app,
        cabin.id,
        today + Duration::days(40),
        ("Olga Ruiz", OLGA, "olga@example.com"),
    )
    .await;
    app.travel_to(today);
    let before = paid_and_emailed(&app, &old, "lucia@example.com").await;

    // Act
    let first = retention(&app).await;
    let second = retention(&app).await;

    // Assert: the old stay lost who the guest was and kept the books.
    assert_eq!(first.stays, 1, "{first:?}");
    assert_eq!(second, RetentionReport::default());
    let after = fixtures::reservation(app.conn(), &old).await;
    assert_eq!(after.guest_name.as_str(), ANONYMISED_NAME);
    assert_eq!(
        (after.guest_phone, after.guest_email, after.notes),
        (None, None, None)
    );
    assert_eq!(
        (
            after.check_in,
            after.check_out,
            after.total_price,
            after.paid_amount,
            after.status,
            after.accommodation_id
        ),
        (
            before.check_in,
            before.check_out,
            before.total_price,
            before.paid_amount,
            before.status,
            before.accommodation_id
        )
    );
    let audit = audit_text(&app, after.id).await;
    for personal in ["Lucía", "55550111", "lucia@example.com", "perro"] {
        assert!(
            !audit.contains(personal),
            "{personal} left in the audit: {audit}"
        );
    }
    assert!(audit.contains("total_price"), "{audit}");
    let paid = payment::Entity::find()
        .filter(payment::Column::ReservationId.eq(after.id))
        .one(app.conn())
        .await
        .expect("payment")
        .expect("a payment");
    let raw = paid.raw_provider.expect("raw kept");
    assert_eq!(raw["transaction_amount"], 1000);
    assert!(raw.get("payer").is_none(), "{raw}");
    assert_eq!(paid.amount.to_string(), "1000.00");
    let sent = email_log::Entity::find()
        .filter(email_log::Column::ReservationId.eq(after.id))
        .one(app.conn())
        .await
        .expect("email")
        .expect("an email");
    assert_eq!(sent.recipient, None);
    let anonymised = fixtures::scalar(
        app.conn(),
        "SELECT count(*) FROM audit_log WHERE action = 'reservation.anonymise'",
    )
    .await;
    assert_eq!(anonymised, 1);
    // The others are untouched.
    for (code, name) in [(&recent, "Marcos Díaz"), (&future, "Olga Ruiz")] {
        let row = fixtures::reservation(app.conn(), code).await;
        assert_eq!(row.guest_name.as_str(), name);
        assert!(row.guest_phone.is_some() && row.guest_email.is_some());
    }
}

#[tokio::test]
async fn retention_deletes_conversations_silent_past_the_cutoff_unless_the_phone_books_a_later_stay()
 {
    // Arrange: Lucía and Marcos last wrote 25 months ago, Marcos has a stay next month; Olga
    // wrote 23 months ago.
    let app = TestApp::new().await;
    let today = app.today();
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    stay(
        &app,
        cabin.id,
        today + Duration::days(30),
        ("Marcos Díaz", MARCOS, "marcos@example.com"),
    )
    .await;
    app.travel_to(today);
    let tz = app.settings.timezone();
    let at = |date: NaiveDate| {
        tz.from_local_datetime(&date.and_hms_opt(10, 0, 0).expect("time"))
            .single()
            .expect("instant")
            .with_timezone(&Utc)
    };
    for (phone, name, months) in [
        (LUCIA, "Lucía", 25),
        (MARCOS, "Marcos", 25),
        (OLGA, "Olga", 23),
    ] {
        let when = at(months_ago(today, months, 0));
        let guest = talk::guest(app.conn(), phone, name, when).await;
        talk::conversation(app.conn(), &guest, when, None).await;
        talk::inbound(
            app.conn(),
            &guest,
            "Hola, ¿tienen lugar?",
            when,
            MessageState::Answered,
        )
        .await;
    }

    // Act
    let first = retention(&app).await;
    let second = retention(&app).await;

    // Assert
    assert_eq!(first.conversations, 1, "{first:?}");
    assert_eq!(second.conversations, 0);
    assert!(contact(&app, LUCIA).await.is_none());
    assert!(contact(&app, MARCOS).await.is_some());
    assert!(contact(&app, OLGA).await.is_some());
    let texts = whatsapp_message::Entity::find()
        .all(app.conn())
        .await
        .expect("messages");
    assert_eq!(texts.len(), 2);
}

/// Lucía (a past stay, a conversation) and Marcos (a past stay), today.
async fn two_guests(app: &TestApp) -> (String, String) {
    let today = app.today();
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let lucia = stay(
        app,
        cabin.id,
        today - Duration::days(60),
        ("Lucía Pérez", LUCIA, "lucia@example.com"),
    )
    .await;
    let marcos = stay(
        app,
        cabin.id,
        today - Duration::days(30),
        ("Marcos Díaz", MARCOS, "marcos@example.com"),
    )
    .await;
    app.travel_to(today);
    let now = app.clock.now();
    let guest = talk::guest(app.conn(), LUCIA, "Lucía", now - Duration::days(70)).await;
    talk::inbound(
        app.conn(),
        &guest,
        "¿Aceptan mascotas?",
        now - Duration::days(70),
        MessageState::Answered,
    )
    .await;
    paid_and_emailed(app, &lucia, "lucia@example.com").await;
    (lucia, marcos)
}

fn codes(export: &Value) -> Vec<&str> {
    export["stays"]
        .as_array()
        .expect("stays")
        .iter()
        .map(|s| s["reservation"]["code"].as_str().expect("code"))
        .collect()
}

#[tokio::test]
async fn export_returns_the_guests_data_and_no_one_elses() {
    // Arrange
    let app = TestApp::new().await;
    let (lucia, _) = two_guests(&app).await;
    let owner = app.admin().await;

    // Act: by phone as typed locally, and by email in capitals.
    let by_phone = owner.get("/admin/guests/export?phone=11%205555-0111").await;
    let by_email = owner
        .get("/admin/guests/export?email=LUCIA@example.com")
        .await;

    // Assert
    for export in [&by_phone, &by_email] {
        assert_eq!(export.status, StatusCode::OK, "{}", export.body);
        assert_eq!(codes(&export.body), vec![lucia.as_str()]);
        let stay = &export.body["stays"][0];
        assert_eq!(stay["reservation"]["guest_email"], "lucia@example.com");
        assert_eq!(
            stay["payments"][0]["provider_data"]["payer"]["email"],
            "lucia@example.com"
        );
        assert_eq!(stay["emails"][0]["recipient"], "lucia@example.com");
        let talk = &export.body["conversations"];
        assert_eq!(talk.as_array().map(Vec::len), Some(1), "{talk}");
        assert_eq!(talk[0]["phone"], LUCIA);
        assert_eq!(talk[0]["messages"][0]["text"], "¿Aceptan mascotas?");
        let text = export.body.to_string();
        assert!(!text.contains("Marcos") && !text.contains(MARCOS), "{text}");
    }
}

#[tokio::test]
async fn erase_refuses_a_guest_with_a_booking_not_over_yet_and_changes_nothing() {
    // Arrange: Olga checks out tomorrow.
    let app = TestApp::new().await;
    let today = app.today();
    let cabin = fixtures::cabin("Cabaña").insert(app.conn()).await;
    let code = stay(
        &app,
        cabin.id,
        today + Duration::days(1),
        ("Olga Ruiz", OLGA, "olga@example.com"),
    )
    .await;
    app.travel_to(today);
    let owner = app.admin().await;

    // Act
    let refused = owner
        .post("/admin/guests/erase", &json!({"phone": OLGA}))
        .await;

    // Assert
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(refused.body["code"], "guest_has_live_booking");
    assert!(
        refused.body["message"]
            .as_str()
            .expect("message")
            .contains(&code)
    );
    assert!(refused.body["trace_id"].is_string());
    let row = fixtures::reservation(app.conn(), &code).await;
    assert_eq!(row.guest_name.as_str(), "Olga Ruiz");
}

#[tokio::test]
async fn erase_leaves_nothing_to_export_is_audited_and_repeating_it_changes_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let (lucia, marcos) = two_guests(&app).await;
    let owner = app.admin().await;

    // Act
    let erased = owner
        .post(
            "/admin/guests/erase",
            &json!({"email": "lucia@example.com"}),
        )
        .await;
    let again = owner
        .post(
            "/admin/guests/erase",
            &json!({"phone": LUCIA, "email": "lucia@example.com"}),
        )
        .await;
    let export = owner
        .get(&format!("/admin/guests/export?phone={}", &LUCIA[1..]))
        .await;

    // Assert
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    assert_eq!(
        (
            erased.body["stays"].as_u64(),
            erased.body["conversations"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        (
            again.body["stays"].as_u64(),
            again.body["conversations"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.body, json!({"stays": [], "conversations": []}));
    let row = fixtures::reservation(app.conn(), &lucia).await;
    assert_eq!(row.guest_name.as_str(), ANONYMISED_NAME);
    assert!(row.total_price.to_string() != "0.00");
    assert_eq!(
        fixtures::reservation(app.conn(), &marcos)
            .await
            .guest_name
            .as_str(),
        "Marcos Díaz"
    );
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("guest.erase"))
        .all(app.conn())
        .await
        .expect("audit");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].entity_id,
        erased.body["erasure_id"].as_str().expect("id")
    );
    assert_eq!(entries[0].actor, owner.email);
    let text = format!("{:?}", entries[0].after);
    assert!(
        !text.contains("lucia") && !text.contains("55550111"),
        "{text}"
    );
}

#[tokio::test]
async fn guest_data_is_the_owners_and_a_guest_must_be_named() {
    // Arrange
    let app = TestApp::new().await;
    let staff = app.staff().await;
    let owner = app.admin().await;

    // Act
    let anonymous = app
        .request(
            poem::http::Method::GET,
            "/api/v1/admin/guests/export?phone=5491155550111",
            None,
            None,
        )
        .await;
    let by_staff = staff.get("/admin/guests/export?phone=5491155550111").await;
    let staff_erase = staff
        .post("/admin/guests/erase", &json!({"phone": LUCIA}))
        .await;
    let nobody = owner.post("/admin/guests/erase", &json!({})).await;
    let bad = owner
        .get("/admin/guests/export?phone=12&email=not-an-email")
        .await;

    // Assert
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(by_staff.status, StatusCode::FORBIDDEN);
    assert_eq!(staff_erase.status, StatusCode::FORBIDDEN);
    for refused in [&nobody, &bad] {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(refused.body["code"].is_string() && refused.body["trace_id"].is_string());
    }
    assert_eq!(
        tests::harness::http::field_errors(&nobody.body),
        vec![("phone".to_owned(), "required".to_owned())]
    );
    let fields: Vec<String> = tests::harness::http::field_errors(&bad.body)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, vec!["email".to_owned(), "phone".to_owned()]);
}
