//! The owner writes to a guest (issue 9), through the same outbox as the bot: the reply is
//! queued, authored `owner`, in one transaction with closing the guest's waiting messages
//! (`answered`) and the audit entry, and then sent under the conversation's lease, in order
//! after anything the bot had queued.
//!
//! Free text only, inside WhatsApp's 24-hour window: when the guest last wrote more than 24
//! hours ago the reply is refused (`window_closed`) and nothing is stored; the owner waits for
//! the guest (the bot's template fallback is for the bot's own replies).
//!
//! If Meta cannot be reached the reply stays `queued`: it is sent, in order, the next time the
//! conversation's outbox is flushed (the guest's next message, a booking notice). Sending waits
//! for the conversation's lease, so a reply made while a worker is answering the same guest
//! goes out after that turn (at most [`whatsapp_outbox::LEASE_SECONDS`] and a little more).

use sea_orm::TransactionTrait;
use serde_json::json;

use super::{
    audit::{self, AuditContext, Change},
    conversation_admin::{ConversationMessage, summary},
    whatsapp_outbox::{self, Outbox},
};
use crate::{
    Error, Result,
    domain::{
        OutboundMessage, PhoneNumber,
        conversation::MessageAuthor,
        whatsapp::MessageState,
        whatsapp_outbound::{MAX_TEXT_BODY, units},
    },
    error::ConflictKind,
    mask,
    store::{self, conversation_admin},
};

/// WhatsApp is not configured (`WHATSAPP_PHONE_ID`, `WHATSAPP_ACCESS_TOKEN`): nothing can be
/// sent. Reported as the source of an `Error::Unavailable`.
#[derive(Debug, thiserror::Error)]
#[error("WhatsApp is not configured: set WHATSAPP_PHONE_ID and WHATSAPP_ACCESS_TOKEN")]
pub struct NotConfigured;

/// The owner's text as a message: 1 to 4096 UTF-16 units once trimmed (what Meta counts, never
/// fewer than the characters), so it is never cut.
fn owner_text(text: &str) -> Result<OutboundMessage> {
    if units(text.trim()) > MAX_TEXT_BODY {
        return Err(Error::invalid(
            "text",
            "too_long",
            format!("a WhatsApp message has at most {MAX_TEXT_BODY} characters"),
        ));
    }
    OutboundMessage::text(text)
        .map_err(|_| Error::invalid("text", "required", "write the message to send"))
}

/// Sends the owner's `text` to the guest with this phone (see the module docs) and returns the
/// stored message as it stands after the attempt: `sent` (with its wamid), `failed` (Meta
/// refused it for good: see `error`) or `queued` (Meta could not be reached; it goes out
/// later).
///
/// Refusals, before anything is stored: `Invalid` (text), `NotFound` (no such guest),
/// `Unavailable` with [`NotConfigured`], `Conflict(WindowClosed)`.
#[tracing::instrument(skip_all, fields(to = %mask::phone(phone.as_str())), err)]
pub async fn reply(
    outbox: Outbox<'_>,
    ctx: &AuditContext,
    phone: &PhoneNumber,
    text: &str,
) -> Result<ConversationMessage> {
    let message = owner_text(text)?;
    let db = outbox.db;
    let now = outbox.clock.now();
    let (contact_id, _) = summary(db, phone, now).await?;
    if !outbox.whatsapp.is_configured() {
        return Err(Error::Unavailable(Box::new(NotConfigured)));
    }
    let contact = store::conversations::contact(db, contact_id).await?;
    if !whatsapp_outbox::window_open(&contact, now) {
        return Err(Error::conflict(
            ConflictKind::WindowClosed,
            "the guest last wrote more than 24 hours ago: WhatsApp only lets you write once they write again",
        ));
    }
    let queued = whatsapp_outbox::reply_row(&message, MessageAuthor::Owner)?;
    let txn = db.begin().await?;
    let talk = store::conversations::ensure(&txn, contact_id).await?;
    let stored = store::conversations::queue_reply(&txn, contact_id, queued, now).await?;
    let answered = conversation_admin::settle_inbound(
        &txn,
        contact_id,
        MessageState::Unanswered,
        MessageState::Answered,
    )
    .await?;
    conversation_admin::touch(&txn, talk.id, &message.summary(), now).await?;
    let change = Change {
        action: "conversation.reply",
        entity_kind: "conversation",
        entity_id: talk.id.to_string(),
        reservation_id: None,
        before: None,
        after: Some(json!({ "message_id": stored.id, "answered_messages": answered })),
    };
    audit::record(&txn, ctx, now, change).await?;
    txn.commit().await?;
    if let Err(e) = outbox.flush(contact_id).await {
        tracing::warn!(error = %e, message_id = stored.id, "owner's reply left queued");
    }
    let after = conversation_admin::message(db, stored.id)
        .await?
        .unwrap_or(stored);
    Ok(ConversationMessage::new(after, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_text_is_between_1_and_4096_units() {
        assert!(owner_text("Hola, ¿cómo estás?").is_ok());
        assert!(owner_text(&"a".repeat(MAX_TEXT_BODY)).is_ok());
        for bad in [
            "",
            "   \n ",
            &"a".repeat(MAX_TEXT_BODY + 1),
            &"😀".repeat(2049),
        ] {
            let Err(Error::Invalid(errors)) = owner_text(bad) else {
                panic!("{} units should be refused", units(bad));
            };
            assert_eq!(errors[0].field, "text");
        }
    }
}
