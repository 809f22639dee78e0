//! The lifecycle notices of a WhatsApp booking, told in its conversation: payment received and
//! booking confirmed, hold about to lapse, hold lapsed (with "Reservar de nuevo"), cancellation,
//! and the deposit's link again when the owner resends it.
//! The same `guest_notice.v1` job that sends the emails calls [`notify`].
//!
//! Only reservations made in a conversation are told here (the hold itself was announced in
//! the conversation, so `HoldCreated` is not repeated). Once per reservation and event: the
//! dedupe mark and the queued reply commit together, and the reply goes out through the
//! conversation's outbox, in order with everything else, by [`super::conversation::drain`].

use chrono::Duration;
use sea_orm::TransactionTrait;

use super::{
    concierge_turn::{built, text},
    conversation::{self, Concierge},
    guest_notices::hold_link,
    whatsapp_outbox::reply_row,
};
use crate::{
    Result,
    concierge::{answers, texts},
    domain::{
        OutboundMessage, ReplyButton, ReservationStatus, Stay,
        conversation::{ConversationState, GuestAction, MessageAuthor},
    },
    jobs::notifications::{GuestNotice, NoticeEvent},
    store::{self, idempotency},
};

/// Dedupe scope of conversation notices ([`GuestNotice::key`]).
pub const NOTICE_SCOPE: &str = "whatsapp:notice";
/// How long a notice's dedupe mark is kept.
const NOTICE_TTL_DAYS: i64 = 60;

/// What [`notify`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notified {
    /// Queued in the conversation (and sent, unless another worker holds it).
    Queued,
    /// Told before: nothing done.
    AlreadyTold,
    /// Not for WhatsApp: the reason.
    Skipped(&'static str),
}

/// Tells the guest of a WhatsApp booking about `notice` in their conversation.
#[tracing::instrument(skip_all, fields(reservation_id = notice.reservation_id, event = ?notice.event), err)]
pub async fn notify(c: &Concierge, notice: &GuestNotice) -> Result<Notified> {
    let Some(mut talk) = store::conversations::by_reservation(&c.db, notice.reservation_id).await?
    else {
        return Ok(Notified::Skipped(
            "the reservation was not made on WhatsApp",
        ));
    };
    let Some(row) = store::reservations::find_by_id(&c.db, notice.reservation_id).await? else {
        return Ok(Notified::Skipped("the reservation is gone"));
    };
    let now = c.rules.clock.now();
    let stay = Stay::new(row.check_in, row.check_out);
    let code = row.code.as_str();
    let message = match notice.event {
        NoticeEvent::HoldCreated => return Ok(Notified::Skipped("told in the conversation")),
        NoticeEvent::Confirmed => {
            let cabin = store::accommodations::find(&c.db, row.accommodation_id).await?;
            let Some(stay) = stay else {
                return Ok(Notified::Skipped("the stay is malformed"));
            };
            talk.state = ConversationState::Booked;
            text(&texts::payment_confirmed(
                code,
                &cabin.name,
                &stay,
                &cabin.check_in_time.format("%H:%M").to_string(),
                row.total_price - row.paid_amount,
            ))?
        }
        NoticeEvent::Expiring | NoticeEvent::PaymentLinkResent => {
            let open = row.status == ReservationStatus::PreReserved
                && row.expires_at.is_some_and(|at| at.to_utc() > now);
            let (true, Some(expires_at)) = (open, row.expires_at) else {
                return Ok(Notified::Skipped("the hold is no longer open"));
            };
            let links = Some((c.mercadopago.as_ref(), c.payment_links.as_ref()));
            let Some(link) = hold_link(&c.db, c.rules.clock.as_ref(), links, &row, now).await
            else {
                return Ok(Notified::Skipped("the hold has no payment link"));
            };
            let expires_at = expires_at.to_utc();
            text(&if notice.event == NoticeEvent::Expiring {
                texts::hold_expiring(code, &link, expires_at)
            } else {
                let due = row.deposit_amount - row.paid_amount;
                texts::payment_link_again(code, due, &link, expires_at, now)
            })?
        }
        NoticeEvent::Expired => {
            let Some(stay) = stay else {
                return Ok(Notified::Skipped("the stay is malformed"));
            };
            talk.state = ConversationState::Collecting;
            let retry = GuestAction::Retry {
                reservation_id: row.id,
            };
            built(OutboundMessage::buttons(
                &texts::hold_expired(code, &stay),
                vec![built(ReplyButton::new(&retry.id(), texts::BUTTON_RETRY))?],
            ))?
        }
        NoticeEvent::Cancelled => text(&answers::cancelled(code))?,
    };
    talk.last_message_at = Some(now.into());
    talk.last_message_preview = Some(message.summary());
    let key = notice.key();
    let txn = c.db.begin().await?;
    let ttl = Duration::days(NOTICE_TTL_DAYS);
    let fresh = idempotency::claim_once(&txn, NOTICE_SCOPE, &key, now, ttl).await?;
    if fresh {
        store::conversations::save(&txn, &talk, now).await?;
        let reply = reply_row(&message, MessageAuthor::Bot)?;
        store::conversations::queue_replies(&txn, talk.contact_id, vec![reply], now).await?;
    }
    txn.commit().await?;
    // Also when told before: a retry after Meta was down sends what is still queued.
    conversation::drain(c, talk.contact_id).await?;
    Ok(if fresh {
        Notified::Queued
    } else {
        Notified::AlreadyTold
    })
}
