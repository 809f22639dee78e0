//! The concierge's conversations: each guest's messages answered one at a time, in order,
//! across any number of worker machines, with every reply going through an outbox.
//!
//! **Ordering.** [`drain`] takes the conversation's lease (one upsert `… RETURNING` that also
//! creates the conversation on the guest's first message; no transaction held open while Meta
//! is called), answers the guest's unanswered messages oldest first, then gives the lease back
//! and looks again, so a message that arrived meanwhile is answered by the holder. A job that
//! finds the lease taken waits for it, so a holder that dies is taken over once its lease
//! lapses ([`outbox::LEASE_SECONDS`]); what is still left is found by [`sweep`] every minute.
//!
//! **Outbox.** A turn's replies are written `queued` in the same transaction that saves the
//! conversation and marks the guest's message answered; they are then sent in order and get
//! their `wamid`. A crash between the two sends them on the next drain; a repeated turn is
//! never decided twice.
//!
//! **The 24-hour window** is the outbox's rule (see [`super::whatsapp_outbox`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use super::{
    BookingRules, concierge_turn as turn,
    payment_link::PaymentLinkOptions,
    whatsapp_outbox::{self as outbox, Outbox},
};
use crate::{
    Error, Result,
    domain::{OutboundMessage, conversation::MessageAuthor, whatsapp::MessageState},
    entities::{conversation, whatsapp_contact, whatsapp_message},
    mask,
    providers::{MercadoPagoClient, stt::Transcriber, whatsapp::WhatsappClient},
    store,
};

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

impl Concierge {
    /// The outbox over this concierge's database, Graph client and clock.
    pub fn outbox(&self) -> Outbox<'_> {
        Outbox {
            db: &self.db,
            whatsapp: &self.whatsapp,
            clock: self.rules.clock.as_ref(),
        }
    }
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
    if !c.whatsapp.is_configured() {
        // No way to answer: every message waits, unanswered, for the owner.
        store::conversations::ensure(&c.db, contact_id).await?;
        return Ok(Drained::Done(0));
    }
    let outbox = c.outbox();
    let token = Uuid::new_v4();
    let mut answered = 0;
    loop {
        // `open` also creates the conversation on the guest's first message.
        let Some(held) = outbox.open(contact_id, token).await? else {
            return Ok(if answered == 0 {
                Drained::Busy
            } else {
                Drained::Done(answered)
            });
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
    c.outbox().send_queued(&contact).await?;
    // The lease was just taken: renewed before each message after the first.
    let mut renew = false;
    while !conversation.handed_off {
        let Some(message) = store::conversations::next_inbound(&c.db, contact.id).await? else {
            break;
        };
        let now = c.rules.clock.now();
        if renew && !c.outbox().renew(contact.id, token).await? {
            break;
        }
        renew = true;
        let (_, answered_now) = tokio::join!(
            mark_read(c, &message),
            answer_one(c, conversation, &contact, &message, now)
        );
        conversation = answered_now?;
        *answered += 1;
        c.outbox().send_queued(&contact).await?;
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
    let cabins = store::accommodations::list_active(&c.db).await?;
    let mut state = turn::TurnState {
        cabins,
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
        .map(|reply| outbox::reply_row(reply, MessageAuthor::Bot))
        .collect::<Result<Vec<_>>>()?;
    let txn = c.db.begin().await?;
    store::conversations::save(&txn, &next, now).await?;
    store::conversations::set_inbound_state(&txn, message.id, MessageState::Answered).await?;
    store::conversations::queue_replies(&txn, contact.id, queued, now).await?;
    txn.commit().await?;
    if next.handed_off && !conversation.handed_off {
        let phone = contact.phone.clone();
        super::live::publish(
            c.rules.notices.as_ref(),
            &super::live::LiveEvent::HandOff { phone },
        )
        .await;
    }
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

/// Meta said in a status callback that message `wamid` was not delivered because the 24-hour
/// window had closed (131047): see [`Outbox::window_closed`].
pub async fn window_closed(c: &Concierge, wamid: &str) -> Result<()> {
    c.outbox().window_closed(wamid).await
}

/// How long a message waits before the sweep takes it as stranded.
const STRANDED_AFTER_SECONDS: i64 = 60;
/// How far back the sweep looks: older messages are the owner's to answer.
const SWEEP_HORIZON_MINUTES: i64 = 60;
/// Most conversations one sweep drains.
const SWEEP_LIMIT: u64 = 100;

/// Drains the conversations left with work (see `jobs::whatsapp::SweepConversations`);
/// returns how many were drained. A conversation that fails is logged and left for the next
/// sweep.
pub async fn sweep(c: &Concierge) -> Result<usize> {
    if !c.whatsapp.is_configured() {
        return Ok(0);
    }
    let now = c.rules.clock.now();
    let since = now - chrono::Duration::minutes(SWEEP_HORIZON_MINUTES);
    let before = now - chrono::Duration::seconds(STRANDED_AFTER_SECONDS);
    let stranded = store::conversations::stranded(&c.db, since, before, now, SWEEP_LIMIT).await?;
    for contact_id in &stranded {
        if let Err(e) = drain(c, *contact_id).await {
            tracing::warn!(contact_id, error = %e, "stranded conversation not drained");
        }
    }
    if !stranded.is_empty() {
        tracing::info!(count = stranded.len(), "stranded conversations drained");
    }
    Ok(stranded.len())
}
