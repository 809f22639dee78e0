//! `POST /admin/conversations/{phone}/reply`: the owner writes to a guest inside the 24-hour
//! window only, through the outbox (Graph stood in by [`GraphStub`]): sent, refused, queued
//! while Meta is down, refused without WhatsApp settings or with a bad text; and a whole
//! hand-off with the real bot.

use chrono::Duration;
use poem::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use shared::{
    config::Secret,
    domain::whatsapp::{MessageDirection, MessageState},
    entities::audit_log,
};
use tests::harness::{
    TestApp,
    admin::{ADMIN_EMAIL, AdminSession, Reply},
    concierge::{ConciergeApp, GUEST},
    graph_stub::{self, GraphStub},
};

use crate::admin_conversations::{
    LAURA, conversation_of, messages_of, owner_replies, three_guests,
};

/// An app whose Graph API is `stub`.
async fn app_with(stub: &GraphStub) -> TestApp {
    let base = stub.base_url();
    TestApp::with_settings(|s| {
        s.whatsapp_api_base = base;
        s.whatsapp_phone_id = graph_stub::PHONE_ID.into();
        s.whatsapp_access_token = Secret::new(graph_stub::TOKEN);
    })
    .await
}

async fn reply(owner: &AdminSession<'_>, phone: &str, text: &str) -> Reply {
    owner
        .post(
            &format!("/admin/conversations/{phone}/reply"),
            &json!({ "text": text }),
        )
        .await
}

#[tokio::test]
async fn a_reply_inside_the_window_reaches_the_guest_and_answers_their_messages() {
    // Arrange
    let stub = GraphStub::start().await;
    let app = app_with(&stub).await;
    three_guests(&app, None).await;
    let owner = app.admin().await;
    let text = "Hola Laura, soy Marta. Te cancelo la reserva sin cargo.";

    // Act
    let answer = reply(&owner, LAURA, text).await;

    // Assert
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["state"], "sent");
    assert_eq!(answer.body["author"], "owner");
    assert_eq!(answer.body["direction"], "outbound");
    assert_eq!(answer.body["text"], text);
    assert_eq!(stub.texts_to(LAURA), [text]);
    assert_eq!(answer.body["wamid"], stub.sent_to(LAURA)[0].wamid.as_str());
    let messages = messages_of(&app, LAURA).await;
    let ours = owner_replies(&messages);
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].state, MessageState::Sent);
    assert_eq!(ours[0].direction, MessageDirection::Outbound);
    let waiting = messages
        .iter()
        .filter(|m| m.state == MessageState::Unanswered)
        .count();
    assert_eq!(waiting, 0, "the guest's messages are answered");
    let still = conversation_of(&app, LAURA).await;
    assert!(still.handed_off, "the owner keeps it until resolved");
    assert_eq!(still.last_message_preview.as_deref(), Some(text));
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("conversation.reply"))
        .all(app.conn())
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, ADMIN_EMAIL);
}

#[tokio::test]
async fn a_reply_retried_with_its_idempotency_key_is_sent_once() {
    let stub = GraphStub::start().await;
    let app = app_with(&stub).await;
    three_guests(&app, None).await;
    let owner = app.admin().await;
    let send = || async {
        app.client
            .post(format!("/api/v1/admin/conversations/{LAURA}/reply"))
            .header("authorization", format!("Bearer {}", owner.token))
            .header("Idempotency-Key", "reply-once")
            .body_json(&json!({"text": "Ya te escribo"}))
            .send()
            .await
            .0
            .status()
    };

    assert_eq!(send().await, StatusCode::OK);
    assert_eq!(send().await, StatusCode::OK);

    assert_eq!(stub.texts_to(LAURA), ["Ya te escribo"]);
    assert_eq!(owner_replies(&messages_of(&app, LAURA).await).len(), 1);
}

#[tokio::test]
async fn a_reply_outside_the_window_is_refused_and_nothing_is_sent_or_stored() {
    // Arrange
    let stub = GraphStub::start().await;
    let app = app_with(&stub).await;
    three_guests(&app, None).await;
    let before = messages_of(&app, LAURA).await.len();
    app.clock.advance(Duration::hours(25));
    let owner = app.admin().await;

    // Act
    let answer = reply(&owner, LAURA, "Perdón la demora").await;

    // Assert
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
    assert_eq!(answer.body["code"], "window_closed");
    assert!(stub.sent().is_empty());
    let messages = messages_of(&app, LAURA).await;
    assert_eq!(messages.len(), before);
    assert!(owner_replies(&messages).is_empty());
    let waiting = messages
        .iter()
        .filter(|m| m.state == MessageState::Unanswered)
        .count();
    assert_eq!(waiting, 2, "still waiting for an answer");
}

#[tokio::test]
async fn a_reply_while_meta_is_down_is_kept_queued_and_says_so() {
    // Arrange
    let stub = GraphStub::start().await;
    let app = app_with(&stub).await;
    three_guests(&app, None).await;
    let owner = app.admin().await;
    stub.fail_all(Some(graph_stub::Reply::graph(500, 131_000)));

    // Act
    let answer = reply(&owner, LAURA, "Hola, ya te respondo").await;

    // Assert
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body["state"], "queued");
    assert!(answer.body.get("wamid").is_none());
    assert!(stub.sent().is_empty());
    let messages = messages_of(&app, LAURA).await;
    let ours = owner_replies(&messages);
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].state, MessageState::Queued);
    assert!(ours[0].wamid.is_none());
}

#[tokio::test]
async fn a_reply_without_whatsapp_configured_is_503_and_a_bad_text_422() {
    let app = TestApp::new().await;
    three_guests(&app, None).await;
    let owner = app.admin().await;

    let unconfigured = reply(&owner, LAURA, "Hola").await;
    let empty = reply(&owner, LAURA, "   ").await;
    let long = reply(&owner, LAURA, &"a".repeat(4097)).await;

    assert_eq!(unconfigured.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unconfigured.body["code"], "whatsapp_not_configured");
    for refused in [&empty, &long] {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.body["details"][0]["field"], "text");
    }
    assert!(owner_replies(&messages_of(&app, LAURA).await).is_empty());
}

/// The whole hand-off, with the real bot and worker: the guest asks for a person, the owner
/// finds the conversation waiting, answers, resolves it, and the bot answers the guest again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_takes_over_a_handed_off_conversation_and_gives_it_back() {
    // Arrange: the bot hands the guest over and stays quiet on the next message.
    let env = ConciergeApp::start().await;
    let guest = format!("+{GUEST}");
    env.say(GUEST, "quiero hablar con alguien").await;
    env.replies(GUEST, 1).await;
    env.say(GUEST, "hola? hay alguien?").await;
    env.settled("whatsapp_inbound.v1", 2).await;
    let owner = env.app.admin().await;

    // Act
    let waiting = owner
        .get("/admin/conversations?handed_off=true&unanswered=true")
        .await;
    let answer = reply(&owner, &guest, "Hola Ana, soy la dueña. ¿En qué te ayudo?").await;
    let resolved = owner
        .post_empty(&format!("/admin/conversations/{GUEST}/resolve"))
        .await;
    env.say(GUEST, "hola").await;
    let sent = env.replies(GUEST, 3).await;

    // Assert
    assert_eq!(waiting.body["items"][0]["phone"], guest.as_str());
    assert_eq!(waiting.body["items"][0]["hand_off_reason"], "human");
    assert_eq!(waiting.body["items"][0]["unanswered"], 1);
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["state"], "sent");
    assert_eq!(sent[1].text, "Hola Ana, soy la dueña. ¿En qué te ayudo?");
    assert_eq!(resolved.body["changed"], true);
    assert_eq!(
        resolved.body["ignored"], 0,
        "the reply answered the waiting message"
    );
    assert_ne!(
        sent[2].text, sent[1].text,
        "the bot answers again: {:?}",
        sent[2].text
    );
    let talk = conversation_of(&env.app, &guest).await;
    assert!(!talk.handed_off);
    env.stop().await;
}
