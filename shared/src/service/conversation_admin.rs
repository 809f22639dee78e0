//! The owner's side of the concierge (issue 9): the guests' conversations, what was said both
//! ways, and giving a handed-off conversation back to the bot. The owner's replies are in
//! [`super::conversation_reply`].
//!
//! A conversation goes to the owner ("Cancelar mi reserva", "hablar con alguien", a complaint,
//! three misunderstood messages in a row): the bot stops answering it, and the guest's messages
//! stay `unanswered` until the owner replies (they become `answered`) or resolves it (the rest
//! become `ignored`: the owner dealt with them some other way).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

use super::{
    audit::{self, AuditContext, Change},
    whatsapp_outbox,
};
use crate::{
    Error, Result,
    clock::Clock,
    domain::{
        PhoneNumber, ReservationCode,
        conversation::{ConversationState, HandOffReason, MessageAuthor},
        whatsapp::{MessageDirection, MessageState},
    },
    entities::{whatsapp_message, whatsapp_message_status},
    store::{
        conversation_admin::{self as store, ConversationRow},
        query::{Page, Paged},
    },
};

pub use crate::store::conversation_admin::ConversationFilter;

/// How many messages the detail shows: the latest ones (older ones are not returned).
pub const DETAIL_MESSAGES: u64 = 200;

/// A guest and their conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationSummary {
    /// The guest's E.164 phone (`whatsapp_contacts.phone`).
    pub phone: String,
    /// WhatsApp profile name.
    pub profile_name: Option<String>,
    /// Where the conversation stands (`New` when the concierge never looked at it).
    pub state: ConversationState,
    /// Whether the owner has it (the bot stays quiet).
    pub handed_off: bool,
    /// Since when.
    pub handed_off_at: Option<DateTime<Utc>>,
    /// Why.
    pub hand_off_reason: Option<HandOffReason>,
    /// The guest's messages nobody has answered.
    pub unanswered: u64,
    /// The latest message the conversation recorded (a bot turn, a notice, an owner's reply).
    pub last_message_at: Option<DateTime<Utc>>,
    /// Its first characters.
    pub last_message_preview: Option<String>,
    /// The guest's latest message.
    pub last_guest_message_at: DateTime<Utc>,
    /// Whether free text may be sent now (the guest wrote in the last 24 hours).
    pub window_open: bool,
    /// The code of the conversation's latest hold.
    pub reservation_code: Option<ReservationCode>,
}

impl ConversationSummary {
    fn new(row: ConversationRow, now: DateTime<Utc>) -> Self {
        let last_seen = row.last_seen_at.to_utc();
        Self {
            phone: row.phone,
            profile_name: row.profile_name,
            state: row.state.unwrap_or(ConversationState::New),
            handed_off: row.handed_off.unwrap_or(false),
            handed_off_at: row.handed_off_at.map(|t| t.to_utc()),
            hand_off_reason: row.hand_off_reason,
            unanswered: u64::try_from(row.unanswered).unwrap_or(0),
            last_message_at: row.last_message_at.map(|t| t.to_utc()),
            last_message_preview: row.last_message_preview,
            last_guest_message_at: last_seen,
            window_open: whatsapp_outbox::window_open_since(last_seen, now),
            reservation_code: row.reservation_code,
        }
    }
}

/// One message of a conversation, either way.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationMessage {
    /// `whatsapp_messages.id`.
    pub id: i64,
    /// From the guest, or to them.
    pub direction: MessageDirection,
    /// Who wrote an outbound message.
    pub author: Option<MessageAuthor>,
    /// `text`, `interactive`, `audio`, … (inbound); `text`, `buttons`, `list`, `image`,
    /// `template` (outbound).
    pub kind: String,
    /// The text (what the guest reads, for ours).
    pub text: Option<String>,
    /// Where it stands with us.
    pub state: MessageState,
    /// Why an outbound message was not sent.
    pub error: Option<String>,
    /// Meta's id (`None` while one of ours is queued, or when it failed before sending).
    pub wamid: Option<String>,
    /// Meta's timestamp (inbound) or when it was sent (outbound); else when we stored it.
    pub at: DateTime<Utc>,
    /// The furthest delivery status Meta reported for one of ours (`sent`, `delivered`,
    /// `read`, `failed`).
    pub delivery: Option<String>,
}

impl ConversationMessage {
    /// The view of a stored message with its delivery status.
    pub fn new(row: whatsapp_message::Model, delivery: Option<String>) -> Self {
        Self {
            id: row.id,
            direction: row.direction,
            author: row.author,
            kind: row.message_type,
            text: row.text_body,
            state: row.state,
            error: row.error,
            wamid: row.wamid,
            at: row.sent_at.unwrap_or(row.received_at).to_utc(),
            delivery,
        }
    }
}

/// A conversation and its latest messages.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationDetail {
    /// The guest and where the conversation stands.
    pub conversation: ConversationSummary,
    /// The latest [`DETAIL_MESSAGES`] messages, oldest first.
    pub messages: Vec<ConversationMessage>,
    /// Whether older messages exist that are not shown.
    pub has_older: bool,
}

/// What [`resolve`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The conversation now.
    pub conversation: ConversationSummary,
    /// Whether it was handed off (false: nothing changed).
    pub changed: bool,
    /// The guest's unanswered messages marked `ignored`.
    pub ignored: u64,
}

/// The guest a `{phone}` names: E.164 with or without its `+`.
pub fn guest_phone(raw: &str) -> Result<PhoneNumber> {
    let raw = raw.trim();
    let international = if raw.starts_with('+') {
        raw.to_owned()
    } else {
        format!("+{raw}")
    };
    PhoneNumber::parse("phone", &international).map_err(|e| Error::Invalid(vec![e]))
}

/// One page of conversations matching `filter`, latest activity first.
pub async fn list(
    db: &DatabaseConnection,
    filter: &ConversationFilter,
    page: Page,
    now: DateTime<Utc>,
) -> Result<Paged<ConversationSummary>> {
    let (rows, total) = store::list(db, filter, page).await?;
    Ok(Paged {
        items: rows
            .into_iter()
            .map(|row| ConversationSummary::new(row, now))
            .collect(),
        total,
    })
}

/// The conversation of the guest with this phone; `NotFound` if they never wrote.
pub async fn summary(
    db: &impl sea_orm::ConnectionTrait,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
) -> Result<(i64, ConversationSummary)> {
    let row = store::by_phone(db, phone.as_str())
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    Ok((row.contact_id, ConversationSummary::new(row, now)))
}

/// The conversation of the guest with this phone and its latest messages both ways.
pub async fn detail(
    db: &DatabaseConnection,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
) -> Result<ConversationDetail> {
    let (contact_id, conversation) = summary(db, phone, now).await?;
    let mut rows = store::latest_messages(db, contact_id, DETAIL_MESSAGES + 1).await?;
    let has_older = rows.len() as u64 > DETAIL_MESSAGES;
    if has_older {
        rows.remove(0);
    }
    let wamids = rows.iter().filter_map(|m| m.wamid.clone()).collect();
    let mut delivery = furthest_statuses(store::statuses(db, wamids).await?);
    let messages = rows
        .into_iter()
        .map(|row| {
            let status = row.wamid.as_ref().and_then(|w| delivery.remove(w));
            ConversationMessage::new(row, status)
        })
        .collect();
    Ok(ConversationDetail {
        conversation,
        messages,
        has_older,
    })
}

/// How far a delivery status got: statuses may arrive out of order (a `read` before its
/// `delivered`), so the furthest one stands, and `failed` beats them all.
fn progress(status: &str) -> u8 {
    match status {
        "sent" => 1,
        "delivered" => 2,
        "read" => 3,
        "played" => 4,
        "failed" => 5,
        _ => 0,
    }
}

/// The furthest status of each wamid.
fn furthest_statuses(rows: Vec<whatsapp_message_status::Model>) -> HashMap<String, String> {
    let mut furthest: HashMap<String, String> = HashMap::new();
    for row in rows {
        let better = furthest
            .get(&row.wamid)
            .is_none_or(|seen| progress(&row.status) > progress(seen));
        if better {
            furthest.insert(row.wamid, row.status);
        }
    }
    furthest
}

/// Gives the conversation of the guest with this phone back to the bot: the hand-off is
/// cleared, the misunderstood count reset, and the guest's unanswered messages marked
/// `ignored` (the owner dealt with them). Audit-logged. Idempotent: a conversation not handed
/// off is left as it is (`changed` false).
pub async fn resolve(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    ctx: &AuditContext,
    phone: &PhoneNumber,
) -> Result<Resolved> {
    let now = clock.now();
    let (contact_id, _) = summary(db, phone, now).await?;
    let txn = db.begin().await?;
    let mut ignored = 0;
    let before = store::hand_back(&txn, contact_id, now).await?;
    if let Some(before) = &before {
        ignored = store::settle_inbound(
            &txn,
            contact_id,
            MessageState::Unanswered,
            MessageState::Ignored,
        )
        .await?;
        let change = Change {
            action: "conversation.resolve",
            entity_kind: "conversation",
            entity_id: before.id.to_string(),
            reservation_id: None,
            before: Some(json!({
                "handed_off": true,
                "handed_off_at": before.handed_off_at,
                "hand_off_reason": before.hand_off_reason.map(|r| sea_orm::ActiveEnum::to_value(&r)),
                "misunderstood": before.misunderstood,
            })),
            after: Some(json!({ "handed_off": false, "ignored_messages": ignored })),
        };
        audit::record(&txn, ctx, now, change).await?;
    }
    txn.commit().await?;
    let (_, conversation) = summary(db, phone, now).await?;
    Ok(Resolved {
        conversation,
        changed: before.is_some(),
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(wamid: &str, status: &str) -> whatsapp_message_status::Model {
        whatsapp_message_status::Model {
            id: 0,
            wamid: wamid.to_owned(),
            status: status.to_owned(),
            recipient_id: None,
            status_at: None,
            errors: None,
            received_at: Utc::now().into(),
        }
    }

    #[test]
    fn the_furthest_status_stands_whatever_order_they_came_in() {
        let found = furthest_statuses(vec![
            status("a", "read"),
            status("a", "delivered"),
            status("a", "sent"),
            status("b", "sent"),
            status("b", "failed"),
            status("c", "delivered"),
        ]);
        assert_eq!(found["a"], "read");
        assert_eq!(found["b"], "failed");
        assert_eq!(found["c"], "delivered");
    }

    #[test]
    fn a_phone_is_read_with_or_without_its_plus() {
        for raw in ["+5491155550000", "5491155550000", " 5491155550000 "] {
            assert_eq!(guest_phone(raw).expect("valid").as_str(), "+5491155550000");
        }
        for raw in ["", "abc", "+0054911", "12", "++5491155550000"] {
            let Err(Error::Invalid(errors)) = guest_phone(raw) else {
                panic!("{raw} should be refused");
            };
            assert_eq!(errors[0].field, "phone");
        }
    }
}
