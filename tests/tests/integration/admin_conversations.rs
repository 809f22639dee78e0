//! The owner's WhatsApp conversations: `GET /admin/conversations` (filters), `GET
//! /admin/conversations/{phone}` (both ways, delivery status), who may do what, and `POST
//! …/{phone}/resolve` (back to the bot); the fixtures the reply tests share
//! (`admin_conversations_reply`).

use chrono::Duration;
use poem::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use shared::{
    clock::Clock,
    domain::{
        conversation::{HandOffReason, MessageAuthor},
        whatsapp::MessageState,
    },
    entities::{audit_log, conversation, whatsapp_contact, whatsapp_message},
};
use tests::harness::{TestApp, admin::booking_body, conversation_fixtures as talk, fixtures};

pub(crate) const LAURA: &str = "+5491155550101";
const PEDRO: &str = "+5491155550202";
const ANA: &str = "+5491155550303";

fn phones(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|row| row["phone"].as_str().expect("phone"))
        .collect()
}

/// Laura: handed off an hour ago for a cancellation, two messages unanswered since, holding
/// `reservation_id`. Pedro: with the bot, everything answered, last active two hours ago. Ana:
/// wrote 30 hours ago, once, never answered (no conversation row: the bot never saw it).
pub(crate) async fn three_guests(
    app: &TestApp,
    reservation_id: Option<i64>,
) -> whatsapp_contact::Model {
    let db = app.conn();
    let now = app.clock.now();
    let laura = talk::guest(db, LAURA, "Laura Gómez", now - Duration::minutes(5)).await;
    let hour_ago = now - Duration::hours(1);
    let mut row = talk::conversation(db, &laura, hour_ago, Some(HandOffReason::Cancel)).await;
    if let Some(id) = reservation_id {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let mut active = row.into_active_model();
        active.reservation_id = Set(Some(id));
        row = active.update(db).await.expect("link the hold");
    }
    assert!(row.handed_off);
    talk::inbound(
        db,
        &laura,
        "Quiero cancelar mi reserva",
        hour_ago,
        MessageState::Answered,
    )
    .await;
    for (minutes, text) in [(30, "¿Hola?"), (5, "¿Me escuchan?")] {
        let at = now - Duration::minutes(minutes);
        talk::inbound(db, &laura, text, at, MessageState::Unanswered).await;
    }
    let pedro = talk::guest(db, PEDRO, "Pedro", now - Duration::hours(2)).await;
    talk::conversation(db, &pedro, now - Duration::hours(2), None).await;
    talk::inbound(
        db,
        &pedro,
        "Hola",
        now - Duration::hours(2),
        MessageState::Answered,
    )
    .await;
    let ana = talk::guest(db, ANA, "Ana", now - Duration::hours(30)).await;
    talk::inbound(
        db,
        &ana,
        "¿Tienen lugar?",
        now - Duration::hours(30),
        MessageState::Unanswered,
    )
    .await;
    laura
}

#[tokio::test]
async fn the_list_filters_by_hand_off_and_by_unanswered_messages() {
    // Arrange
    let app = TestApp::new().await;
    let owner = app.admin().await;
    let cabin = fixtures::cabin("Cabaña del Lago").insert(app.conn()).await;
    let check_in = app.today() + Duration::days(20);
    let code = owner
        .book(&booking_body(
            cabin.id,
            check_in,
            check_in + Duration::days(2),
            "Laura Gómez",
            json!({}),
        ))
        .await;
    let hold = fixtures::reservation(app.conn(), &code).await;
    three_guests(&app, Some(hold.id)).await;

    // Act
    let all = owner.get("/admin/conversations").await;
    let handed_off = owner.get("/admin/conversations?handed_off=true").await;
    let with_bot = owner.get("/admin/conversations?handed_off=false").await;
    let waiting = owner.get("/admin/conversations?unanswered=true").await;
    let both = owner
        .get("/admin/conversations?handed_off=true&unanswered=true")
        .await;
    let second_page = owner.get("/admin/conversations?page=2&page_size=2").await;

    // Assert
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(
        phones(&all.body),
        [LAURA, PEDRO, ANA],
        "latest activity first"
    );
    assert_eq!(all.body["total"], 3);
    let laura = &all.body["items"][0];
    assert_eq!(laura["profile_name"], "Laura Gómez");
    assert_eq!(laura["state"], "new");
    assert_eq!(laura["handed_off"], true);
    assert_eq!(laura["hand_off_reason"], "cancel");
    assert!(laura["handed_off_at"].is_string());
    assert_eq!(laura["unanswered"], 2);
    assert_eq!(laura["window_open"], true);
    assert_eq!(laura["reservation_code"], code.as_str());
    assert_eq!(laura["last_message_preview"], "Le aviso a la dueña.");
    let ana = &all.body["items"][2];
    assert_eq!(ana["window_open"], false, "Ana wrote 30 hours ago");
    assert_eq!(ana["unanswered"], 1);
    assert_eq!(ana["handed_off"], false);
    assert!(ana.get("hand_off_reason").is_none());
    assert_eq!(phones(&handed_off.body), [LAURA]);
    assert_eq!(phones(&with_bot.body), [PEDRO, ANA]);
    assert_eq!(phones(&waiting.body), [LAURA, ANA]);
    assert_eq!(phones(&both.body), [LAURA]);
    assert_eq!(phones(&second_page.body), [ANA]);
    assert_eq!(second_page.body["total"], 3);
}

#[tokio::test]
async fn reading_needs_an_admin_and_writing_needs_the_owner() {
    // Arrange
    let app = TestApp::new().await;
    three_guests(&app, None).await;
    let staff = app.staff().await;
    let path = format!("/api/v1/admin/conversations/{LAURA}");

    // Act
    let anonymous = app
        .request(Method::GET, "/api/v1/admin/conversations", None, None)
        .await;
    let anonymous_detail = app.request(Method::GET, &path, None, None).await;
    let staff_list = staff.get("/admin/conversations").await;
    let staff_detail = staff.get(&format!("/admin/conversations/{LAURA}")).await;
    let staff_reply = staff
        .post(
            &format!("/admin/conversations/{LAURA}/reply"),
            &json!({"text": "Hola"}),
        )
        .await;
    let staff_resolve = staff
        .post_empty(&format!("/admin/conversations/{LAURA}/resolve"))
        .await;

    // Assert
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous_detail.status, StatusCode::UNAUTHORIZED);
    assert_eq!(staff_list.status, StatusCode::OK);
    assert_eq!(staff_detail.status, StatusCode::OK);
    assert_eq!(staff_reply.status, StatusCode::FORBIDDEN);
    assert_eq!(staff_resolve.status, StatusCode::FORBIDDEN);
    let still = conversation_of(&app, LAURA).await;
    assert!(still.handed_off, "a refused resolve changes nothing");
}

#[tokio::test]
async fn the_detail_shows_both_directions_with_the_delivery_status() {
    // Arrange
    let app = TestApp::new().await;
    let db = app.conn();
    let now = app.clock.now();
    let guest = talk::guest(db, LAURA, "Laura", now - Duration::minutes(1)).await;
    talk::conversation(db, &guest, now, None).await;
    let asked = now - Duration::minutes(10);
    talk::inbound(
        db,
        &guest,
        "¿Tienen lugar el finde?",
        asked,
        MessageState::Answered,
    )
    .await;
    let wamid = "wamid.out.1";
    talk::bot_sent(
        db,
        &guest,
        "¡Sí! ¿Para cuántas personas?",
        asked + Duration::minutes(1),
        wamid,
    )
    .await;
    for status in ["read", "sent", "delivered"] {
        talk::delivery(db, wamid, status, asked + Duration::minutes(2)).await;
    }
    talk::inbound(
        db,
        &guest,
        "Somos 4",
        now - Duration::minutes(1),
        MessageState::Unanswered,
    )
    .await;
    let owner = app.admin().await;

    // Act
    let with_plus = owner.get(&format!("/admin/conversations/{LAURA}")).await;
    let without_plus = owner.get("/admin/conversations/5491155550101").await;
    let encoded = owner.get("/admin/conversations/%2B5491155550101").await;

    // Assert
    assert_eq!(with_plus.status, StatusCode::OK, "{}", with_plus.body);
    assert_eq!(without_plus.body, with_plus.body);
    assert_eq!(encoded.body, with_plus.body);
    let body = &with_plus.body;
    assert_eq!(body["conversation"]["phone"], LAURA);
    assert_eq!(body["conversation"]["unanswered"], 1);
    assert_eq!(body["has_older"], false);
    let messages = body["messages"].as_array().expect("messages");
    let seen: Vec<(&str, &str, &str)> = messages
        .iter()
        .map(|m| {
            (
                m["direction"].as_str().unwrap_or_default(),
                m["text"].as_str().unwrap_or_default(),
                m["state"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("inbound", "¿Tienen lugar el finde?", "answered"),
            ("outbound", "¡Sí! ¿Para cuántas personas?", "sent"),
            ("inbound", "Somos 4", "unanswered"),
        ]
    );
    assert_eq!(messages[1]["author"], "bot");
    assert_eq!(messages[1]["wamid"], wamid);
    assert_eq!(
        messages[1]["delivery"], "read",
        "the furthest status stands"
    );
    assert_eq!(messages[1]["type"], "text");
    assert!(messages[0].get("delivery").is_none());
    assert!(messages[0].get("author").is_none());
}

#[tokio::test]
async fn an_unknown_phone_is_404_and_a_malformed_one_422() {
    let app = TestApp::new().await;
    let owner = app.admin().await;

    let unknown = owner.get("/admin/conversations/5491100000000").await;
    let malformed = owner.get("/admin/conversations/not-a-phone").await;
    let unknown_resolve = owner
        .post_empty("/admin/conversations/5491100000000/resolve")
        .await;

    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert_eq!(unknown.body["code"], "not_found");
    assert_eq!(unknown_resolve.status, StatusCode::NOT_FOUND);
    assert_eq!(
        malformed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        malformed.body
    );
    assert_eq!(malformed.body["code"], "validation_error");
    assert_eq!(malformed.body["details"][0]["field"], "phone");
}

pub(crate) async fn conversation_of(app: &TestApp, phone: &str) -> conversation::Model {
    let contact = whatsapp_contact::Entity::find()
        .filter(whatsapp_contact::Column::Phone.eq(phone))
        .one(app.conn())
        .await
        .expect("query")
        .expect("contact");
    conversation::Entity::find()
        .filter(conversation::Column::ContactId.eq(contact.id))
        .one(app.conn())
        .await
        .expect("query")
        .expect("conversation")
}

/// Every message of the guest with `phone`, in order.
pub(crate) async fn messages_of(app: &TestApp, phone: &str) -> Vec<whatsapp_message::Model> {
    let contact = conversation_of(app, phone).await.contact_id;
    whatsapp_message::Entity::find()
        .filter(whatsapp_message::Column::ContactId.eq(contact))
        .order_by_asc(whatsapp_message::Column::Id)
        .all(app.conn())
        .await
        .expect("messages")
}

pub(crate) fn owner_replies(messages: &[whatsapp_message::Model]) -> Vec<&whatsapp_message::Model> {
    messages
        .iter()
        .filter(|m| m.author == Some(MessageAuthor::Owner))
        .collect()
}

#[tokio::test]
async fn resolving_gives_the_conversation_back_to_the_bot_once() {
    // Arrange
    let app = TestApp::new().await;
    three_guests(&app, None).await;
    let owner = app.admin().await;
    let path = format!("/admin/conversations/{LAURA}/resolve");

    // Act
    let first = owner.post_empty(&path).await;
    let again = owner.post_empty(&path).await;

    // Assert
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["changed"], true);
    assert_eq!(first.body["ignored"], 2);
    assert_eq!(first.body["conversation"]["handed_off"], false);
    assert_eq!(first.body["conversation"]["unanswered"], 0);
    assert!(first.body["conversation"].get("hand_off_reason").is_none());
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["changed"], false);
    assert_eq!(again.body["ignored"], 0);
    let row = conversation_of(&app, LAURA).await;
    assert!(!row.handed_off);
    assert!(row.handed_off_at.is_none());
    assert!(row.hand_off_reason.is_none());
    assert_eq!(row.misunderstood, 0);
    let states: Vec<MessageState> = messages_of(&app, LAURA)
        .await
        .iter()
        .map(|m| m.state)
        .collect();
    assert_eq!(
        states,
        [
            MessageState::Answered,
            MessageState::Ignored,
            MessageState::Ignored
        ]
    );
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("conversation.resolve"))
        .all(app.conn())
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1, "the no-op second resolve is not logged");
}
