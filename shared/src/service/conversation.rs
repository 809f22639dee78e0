//! The concierge's conversations: each guest's messages answered one at a time, in order,
//! across any number of worker machines, with every reply going through an outbox.
//!
//! **Ordering.** [`drain`] takes the conversation's lease (one `UPDATE … RETURNING`, no
//! transaction held open while Meta is called), answers the guest's unanswered messages oldest
//! first, then gives the lease back and looks again, so a message that arrived meanwhile — whose
//! own job found the lease taken and left it to the holder — is never stranded. A holder that
//! dies leaves a lease that lapses after [`LEASE_SECONDS`]; the job's retry (or the next
//! message) takes it over.
//!
//! **Outbox.** A turn's replies are written `queued` in the same transaction that saves the
//! conversation and marks the guest's message answered; they are then sent in order and get
//! their `wamid`. A crash between the two sends them on the next drain; a repeated turn is
//! never decided twice.
//!
//! **The 24-hour window.** Free-form messages go out only while the guest's last message is
//! less than 24 hours old; otherwise (or when Meta answers 131047) the approved template is sent
//! instead, once, and the free-form replies are recorded `failed`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use super::{BookingRules, concierge_turn as turn, payment_link::PaymentLinkOptions};
use crate::{
    Error, Result,
    domain::{OutboundMessage, conversation::MessageAuthor, whatsapp::MessageState},
    entities::{conversation, whatsapp_contact, whatsapp_message},
    mask,
    providers::{
        MercadoPagoClient,
        stt::Transcriber,
        whatsapp::{SendError, WhatsappClient},
    },
    store::{self, conversations::QueuedReply},
};

/// How long a worker holds a conversation before another may take it over.
pub const LEASE_SECONDS: i64 = 60;
/// How long a drain waits for another worker's lease (a little longer than a lease).
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(LEASE_SECONDS as u64 + 5);
/// How often it looks while waiting.
const BUSY_POLL: std::time::Duration = std::time::Duration::from_millis(20);
/// WhatsApp's customer-service window.
pub const WINDOW_HOURS: i64 = 24;

/// Everything the concierge works with.
#[derive(Clone)]
pub struct Concierge {
    /// PostgreSQL.
    pub db: DatabaseConnection,
    /// Booking rules (clock, timezone, holds, notices queue).
    pub rules: BookingRules,
    /// The Graph API.
    pub whatsapp: WhatsappClient,
    /// Mercado Pago, for the deposit links.
    pub mercadopago: Arc<MercadoPagoClient>,
    /// How deposit links are made.
    pub payment_links: Arc<PaymentLinkOptions>,
    /// Voice notes to text.
    pub transcriber: Arc<dyn Transcriber>,
}

impl std::fmt::Debug for Concierge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Concierge").finish_non_exhaustive()
    }
}

/// What [`drain`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drained {
    /// Nothing is left to do; this many guest messages were answered.
    Done(usize),
    /// Another worker holds the conversation (and will see this message).
    Busy,
}

/// Answers every unanswered message of a guest and sends every queued reply, in order (see the
/// module docs). Safe to call any number of times, from any worker. Without WhatsApp
/// credentials (`WHATSAPP_PHONE_ID`, `WHATSAPP_ACCESS_TOKEN`) it only makes sure the
/// conversation exists: the messages wait for the owner.
#[tracing::instrument(skip_all, fields(contact_id), err)]
pub async fn drain(c: &Concierge, contact_id: i64) -> Result<Drained> {
    store::conversations::ensure(&c.db, contact_id).await?;
    if !c.whatsapp.is_configured() {
        // No way to answer: every message waits, unanswered, for the owner.
        return Ok(Drained::Done(0));
    }
    let token = Uuid::new_v4();
    let lease = Duration::seconds(LEASE_SECONDS);
    let wait_until = std::time::Instant::now() + BUSY_WAIT;
    let mut answered = 0;
    loop {
        let now = c.rules.clock.now();
        let Some(held) =
            store::conversations::acquire_lease(&c.db, contact_id, token, now, lease).await?
        else {
            // Another worker has it: it will answer this message too (it looks again after
            // giving the lease back). Wait for it all the same, so a holder that died is taken
            // over once its lease lapses instead of leaving the message stranded.
            if std::time::Instant::now() >= wait_until {
                return Ok(if answered == 0 {
                    Drained::Busy
                } else {
                    Drained::Done(answered)
                });
            }
            tokio::time::sleep(BUSY_POLL).await;
            continue;
        };
        let id = held.id;
        let worked = work(c, held, token, &mut answered).await;
        store::conversations::release_lease(&c.db, id, token).await?;
        let answering = !worked?.handed_off;
        if !store::conversations::has_pending(&c.db, contact_id, answering).await? {
            return Ok(Drained::Done(answered));
        }
    }
}

/// The work done under the lease; returns the conversation as left.
async fn work(
    c: &Concierge,
    mut conversation: conversation::Model,
    token: Uuid,
    answered: &mut usize,
) -> Result<conversation::Model> {
    let contact = store::conversations::contact(&c.db, conversation.contact_id).await?;
    send_queued(c, &contact).await?;
    while !conversation.handed_off {
        let Some(message) = store::conversations::next_inbound(&c.db, contact.id).await? else {
            break;
        };
        let now = c.rules.clock.now();
        let lease = Duration::seconds(LEASE_SECONDS);
        if store::conversations::acquire_lease(&c.db, contact.id, token, now, lease)
            .await?
            .is_none()
        {
            break;
        }
        let (_, answered_now) = tokio::join!(
            mark_read(c, &message),
            answer_one(c, conversation, &contact, &message, now)
        );
        conversation = answered_now?;
        *answered += 1;
        send_queued(c, &contact).await?;
    }
    Ok(conversation)
}

/// Blue ticks for the guest (while the answer is being decided).
async fn mark_read(c: &Concierge, message: &whatsapp_message::Model) {
    if let Some(wamid) = message.wamid.as_deref()
        && let Err(e) = c.whatsapp.mark_read(wamid).await
    {
        tracing::debug!(error = %e, "inbound message not marked read");
    }
}

/// Decides the replies to one message and commits them with the conversation.
async fn answer_one(
    c: &Concierge,
    conversation: conversation::Model,
    contact: &whatsapp_contact::Model,
    message: &whatsapp_message::Model,
    now: DateTime<Utc>,
) -> Result<conversation::Model> {
    let started = std::time::Instant::now();
    let mut next = conversation.clone();
    let mut state = turn::TurnState {
        conversation: &mut next,
        contact,
        now,
    };
    let replies = match turn::answer(c, &mut state, message).await {
        Ok(replies) => replies,
        Err(e @ (Error::NotFound(_) | Error::Invalid(_) | Error::Conflict { .. })) => {
            tracing::info!(error = %e, "turn not understood");
            vec![turn::text(&crate::concierge::texts::not_understood())?]
        }
        Err(e) => return Err(e),
    };
    next.last_message_at = Some(now.into());
    next.last_message_preview = replies
        .last()
        .map(OutboundMessage::summary)
        .or_else(|| message.text_body.clone());
    let queued = replies
        .iter()
        .map(|reply| reply_row(reply, MessageAuthor::Bot))
        .collect::<Result<Vec<_>>>()?;
    let txn = c.db.begin().await?;
    store::conversations::save(&txn, &next, now).await?;
    store::conversations::set_inbound_state(&txn, message.id, MessageState::Answered).await?;
    store::conversations::queue_replies(&txn, contact.id, queued, now).await?;
    txn.commit().await?;
    metrics::histogram!("concierge_turn_seconds").record(started.elapsed().as_secs_f64());
    metrics::counter!("concierge_turns_total", "kind" => kind_label(&message.message_type))
        .increment(1);
    tracing::info!(
        from = %mask::phone(&contact.phone),
        kind = %message.message_type,
        replies = replies.len(),
        handed_off = next.handed_off,
        "WhatsApp message answered"
    );
    Ok(next)
}

/// A bounded label for the message type.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "text" => "text",
        "interactive" | "button" => "interactive",
        "audio" => "audio",
        _ => "other",
    }
}

/// A reply as an outbox row.
pub(crate) fn reply_row(reply: &OutboundMessage, author: MessageAuthor) -> Result<QueuedReply> {
    Ok(QueuedReply {
        kind: reply.kind(),
        summary: reply.summary(),
        payload: serde_json::to_value(reply).map_err(|e| Error::Internal(Box::new(e)))?,
        author,
    })
}

/// Whether the guest wrote in the last 24 hours.
pub fn window_open(contact: &whatsapp_contact::Model, now: DateTime<Utc>) -> bool {
    now - contact.last_seen_at.to_utc() < Duration::hours(WINDOW_HOURS)
}

/// Sends the contact's queued replies in order. `Unavailable` (Meta down, circuit open) leaves
/// the rest queued for the retry; a refusal for good is recorded on the row.
pub(crate) async fn send_queued(c: &Concierge, contact: &whatsapp_contact::Model) -> Result<()> {
    let queued = store::conversations::queued(&c.db, contact.id).await?;
    let mut template_sent = false;
    for row in queued {
        let now = c.rules.clock.now();
        let Ok(message) = serde_json::from_value::<OutboundMessage>(row.raw.clone()) else {
            store::conversations::mark_failed(&c.db, row.id, "unreadable queued message").await?;
            continue;
        };
        let closed = message.needs_open_window() && !window_open(contact, now);
        let refused = if closed {
            Some("window_closed".to_owned())
        } else {
            match c.whatsapp.send(&contact.wa_id, &message).await {
                Ok(wamid) => {
                    store::conversations::mark_sent(&c.db, row.id, &wamid, now).await?;
                    continue;
                }
                Err(SendError::WindowClosed(_)) => Some("window_closed".to_owned()),
                Err(SendError::Failed(e @ Error::Unavailable(_))) => return Err(e),
                Err(SendError::Failed(e)) => {
                    store::conversations::mark_failed(&c.db, row.id, &e.to_string()).await?;
                    None
                }
            }
        };
        if let Some(reason) = refused {
            store::conversations::mark_failed(&c.db, row.id, &reason).await?;
            if !template_sent {
                send_template(c, contact, now).await?;
                template_sent = true;
            }
        }
    }
    Ok(())
}

/// The approved template, in place of free text outside the window (recorded like any reply).
async fn send_template(
    c: &Concierge,
    contact: &whatsapp_contact::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let name = contact
        .profile_name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .unwrap_or("¡Hola!");
    let Some(template) = c.whatsapp.window_template(&[name]) else {
        tracing::warn!(from = %mask::phone(&contact.phone), "the window is closed and no template is configured");
        return Ok(());
    };
    match c.whatsapp.send(&contact.wa_id, &template).await {
        Ok(wamid) => {
            let row = reply_row(&template, MessageAuthor::Bot)?;
            let txn = c.db.begin().await?;
            store::conversations::record_sent(&txn, contact.id, row, &wamid, now).await?;
            txn.commit().await?;
            Ok(())
        }
        Err(SendError::Failed(e @ Error::Unavailable(_))) => Err(e),
        Err(e) => {
            tracing::warn!(error = %e, "window template not sent");
            Ok(())
        }
    }
}

/// Meta said in a status callback that message `wamid` was not delivered because the 24-hour
/// window had closed (131047): it is recorded `failed` and the template goes instead (not for a
/// template that failed itself).
pub async fn window_closed(c: &Concierge, wamid: &str) -> Result<()> {
    let Some(row) = store::conversations::outbound_by_wamid(&c.db, wamid).await? else {
        return Ok(());
    };
    store::conversations::mark_failed(&c.db, row.id, "window_closed").await?;
    if row.message_type == "template" {
        return Ok(());
    }
    let contact = store::conversations::contact(&c.db, row.contact_id).await?;
    send_template(c, &contact, c.rules.clock.now()).await
}
