//! WhatsApp guests, their messages both ways, delivery statuses and conversations, inserted
//! directly (for the admin conversation tests, which need histories no webhook produces
//! quickly: a guest silent for two days, a conversation handed off long ago).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::json;
use shared::{
    domain::{
        conversation::{HandOffReason, MessageAuthor},
        whatsapp::{MessageDirection, MessageState},
    },
    entities::{conversation, whatsapp_contact, whatsapp_message, whatsapp_message_status},
};

/// A guest with this E.164 `phone` whose latest message was at `last_seen_at`.
pub async fn guest(
    db: &DatabaseConnection,
    phone: &str,
    name: &str,
    last_seen_at: DateTime<Utc>,
) -> whatsapp_contact::Model {
    whatsapp_contact::ActiveModel {
        wa_id: Set(phone.trim_start_matches('+').to_owned()),
        phone: Set(phone.to_owned()),
        profile_name: Set(Some(name.to_owned())),
        first_seen_at: Set(last_seen_at.into()),
        last_seen_at: Set(last_seen_at.into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert contact")
}

/// A text the guest sent at `at`, in `state`.
pub async fn inbound(
    db: &DatabaseConnection,
    guest: &whatsapp_contact::Model,
    text: &str,
    at: DateTime<Utc>,
    state: MessageState,
) -> whatsapp_message::Model {
    let wamid = format!("wamid.in.{}.{}", guest.wa_id, at.timestamp_micros());
    whatsapp_message::ActiveModel {
        wamid: Set(Some(wamid)),
        contact_id: Set(guest.id),
        direction: Set(MessageDirection::Inbound),
        message_type: Set("text".into()),
        text_body: Set(Some(text.to_owned())),
        raw: Set(json!({"type": "text", "text": {"body": text}})),
        sent_at: Set(Some(at.into())),
        received_at: Set(at.into()),
        state: Set(state),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert inbound message")
}

/// A text the bot sent at `at` with this `wamid`.
pub async fn bot_sent(
    db: &DatabaseConnection,
    guest: &whatsapp_contact::Model,
    text: &str,
    at: DateTime<Utc>,
    wamid: &str,
) -> whatsapp_message::Model {
    whatsapp_message::ActiveModel {
        wamid: Set(Some(wamid.to_owned())),
        contact_id: Set(guest.id),
        direction: Set(MessageDirection::Outbound),
        message_type: Set("text".into()),
        text_body: Set(Some(text.to_owned())),
        raw: Set(json!({"type": "text", "body": text})),
        sent_at: Set(Some(at.into())),
        received_at: Set(at.into()),
        state: Set(MessageState::Sent),
        author: Set(Some(MessageAuthor::Bot)),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert outbound message")
}

/// Meta's delivery status `status` of message `wamid`.
pub async fn delivery(db: &DatabaseConnection, wamid: &str, status: &str, at: DateTime<Utc>) {
    whatsapp_message_status::ActiveModel {
        wamid: Set(wamid.to_owned()),
        status: Set(status.to_owned()),
        status_at: Set(Some(at.into())),
        received_at: Set(at.into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert status");
}

/// The guest's conversation, last active at `at`; handed to the owner for `reason` if given.
pub async fn conversation(
    db: &DatabaseConnection,
    guest: &whatsapp_contact::Model,
    at: DateTime<Utc>,
    handed_off: Option<HandOffReason>,
) -> conversation::Model {
    conversation::ActiveModel {
        contact_id: Set(guest.id),
        misunderstood: Set(if handed_off == Some(HandOffReason::Misunderstood) {
            3
        } else {
            0
        }),
        handed_off: Set(handed_off.is_some()),
        handed_off_at: Set(handed_off.map(|_| at.into())),
        hand_off_reason: Set(handed_off),
        last_message_at: Set(Some(at.into())),
        last_message_preview: Set(Some("Le aviso a la dueña.".into())),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert conversation")
}
