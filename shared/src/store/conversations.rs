//! Queries on `conversations` and on the messages a conversation works through: the guest's
//! unanswered messages (oldest first) and our queued replies (the outbox).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    Error, Result,
    domain::{
        conversation::MessageAuthor,
        whatsapp::{MessageDirection, MessageState},
    },
    entities::{conversation, whatsapp_contact, whatsapp_message},
};

/// Longest preview kept of the latest message.
pub const PREVIEW_CHARS: usize = 200;

/// The conversation of a contact, created on first use.
pub async fn ensure(db: &impl ConnectionTrait, contact_id: i64) -> Result<conversation::Model> {
    let row = conversation::ActiveModel {
        contact_id: Set(contact_id),
        ..Default::default()
    };
    conversation::Entity::insert(row)
        .on_conflict(
            OnConflict::column(conversation::Column::ContactId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    by_contact(db, contact_id)
        .await?
        .ok_or(Error::NotFound("conversation"))
}

/// The conversation of a contact, if any.
pub async fn by_contact(
    db: &impl ConnectionTrait,
    contact_id: i64,
) -> Result<Option<conversation::Model>> {
    Ok(conversation::Entity::find()
        .filter(conversation::Column::ContactId.eq(contact_id))
        .one(db)
        .await?)
}

/// The lease may be taken by `token` at `now`: nobody holds it, the holder's lapsed, or it is
/// `token`'s already.
fn lease_free(token: Uuid, now: DateTime<Utc>) -> sea_orm::sea_query::SimpleExpr {
    use conversation::Column;
    Column::LeaseUntil
        .is_null()
        .or(Column::LeaseUntil.lt(now))
        .or(Column::LeaseToken.eq(token))
}

/// Takes the conversation's processing lease when nobody holds it (or the holder's lapsed);
/// `None` when another worker holds it.
pub async fn acquire_lease(
    db: &impl ConnectionTrait,
    contact_id: i64,
    token: Uuid,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<conversation::Model>> {
    use conversation::Column;
    let updated = conversation::Entity::update_many()
        .col_expr(Column::LeaseToken, token.into())
        .col_expr(Column::LeaseUntil, (now + lease).into())
        .filter(Column::ContactId.eq(contact_id))
        .filter(lease_free(token, now))
        .exec_with_returning(db)
        .await?;
    Ok(updated.into_iter().next())
}

/// Creates the conversation of a contact on first use and takes its processing lease, in one
/// statement (an upsert whose update only happens when nobody holds the lease, or the
/// holder's lapsed, or it is `token`'s already); `None` when another worker holds it.
pub async fn take_lease(
    db: &impl ConnectionTrait,
    contact_id: i64,
    token: Uuid,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<conversation::Model>> {
    use conversation::Column;
    let row = conversation::ActiveModel {
        contact_id: Set(contact_id),
        lease_token: Set(Some(token)),
        lease_until: Set(Some((now + lease).into())),
        ..Default::default()
    };
    // Qualified by the table, so it reads the existing row (not `excluded`).
    let free = lease_free(token, now);
    let inserted = conversation::Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::ContactId)
                .update_columns([Column::LeaseToken, Column::LeaseUntil])
                .action_and_where(free)
                .to_owned(),
        )
        .try_insert()
        .exec_with_returning(db)
        .await?;
    Ok(match inserted {
        TryInsertResult::Inserted(row) => Some(row),
        TryInsertResult::Conflicted | TryInsertResult::Empty => None,
    })
}

/// Gives the lease back (only if still ours).
pub async fn release_lease(db: &impl ConnectionTrait, id: i64, token: Uuid) -> Result<()> {
    use conversation::Column;
    conversation::Entity::update_many()
        .col_expr(Column::LeaseToken, Option::<Uuid>::None.into())
        .col_expr(Column::LeaseUntil, Option::<DateTime<Utc>>::None.into())
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseToken.eq(token))
        .exec(db)
        .await?;
    Ok(())
}

fn pending_inbound(contact_id: i64) -> Condition {
    use whatsapp_message::Column;
    Condition::all()
        .add(Column::ContactId.eq(contact_id))
        .add(Column::Direction.eq(MessageDirection::Inbound))
        .add(Column::State.eq(MessageState::Unanswered))
}

fn queued_outbound(contact_id: i64) -> Condition {
    use whatsapp_message::Column;
    Condition::all()
        .add(Column::ContactId.eq(contact_id))
        .add(Column::State.eq(MessageState::Queued))
}

/// The guest's oldest unanswered message (by Meta's timestamp, then arrival).
pub async fn next_inbound(
    db: &impl ConnectionTrait,
    contact_id: i64,
) -> Result<Option<whatsapp_message::Model>> {
    use whatsapp_message::Column;
    Ok(whatsapp_message::Entity::find()
        .filter(pending_inbound(contact_id))
        .order_by_asc(Column::SentAt)
        .order_by_asc(Column::Id)
        .limit(1)
        .one(db)
        .await?)
}

/// Our replies decided but not sent yet, in order.
pub async fn queued(
    db: &impl ConnectionTrait,
    contact_id: i64,
) -> Result<Vec<whatsapp_message::Model>> {
    Ok(whatsapp_message::Entity::find()
        .filter(queued_outbound(contact_id))
        .order_by_asc(whatsapp_message::Column::Id)
        .all(db)
        .await?)
}

/// Whether the conversation has work: queued replies, or guest messages waiting for the bot
/// (`answering`: not handed off).
pub async fn has_pending(
    db: &impl ConnectionTrait,
    contact_id: i64,
    answering: bool,
) -> Result<bool> {
    let mut any = Condition::any().add(queued_outbound(contact_id));
    if answering {
        any = any.add(pending_inbound(contact_id));
    }
    Ok(whatsapp_message::Entity::find()
        .select_only()
        .column(whatsapp_message::Column::Id)
        .filter(any)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// Sets the state of an inbound message.
pub async fn set_inbound_state(
    db: &impl ConnectionTrait,
    message_id: i64,
    state: MessageState,
) -> Result<()> {
    whatsapp_message::Entity::update_many()
        .col_expr(whatsapp_message::Column::State, state.into())
        .filter(whatsapp_message::Column::Id.eq(message_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A reply to queue.
#[derive(Clone, Debug)]
pub struct QueuedReply {
    /// Graph message type (`text`, `interactive`, …).
    pub kind: &'static str,
    /// What the admin list shows of it.
    pub summary: String,
    /// The message, as JSON (read back to send it).
    pub payload: serde_json::Value,
    /// Who wrote it.
    pub author: MessageAuthor,
}

/// Queues replies to a contact (the outbox), in order.
pub async fn queue_replies(
    db: &impl ConnectionTrait,
    contact_id: i64,
    replies: Vec<QueuedReply>,
    now: DateTime<Utc>,
) -> Result<()> {
    if replies.is_empty() {
        return Ok(());
    }
    let rows = replies
        .into_iter()
        .map(|reply| queued_row(contact_id, reply, now));
    whatsapp_message::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Queues one reply to a contact and returns its row (to follow it until it is sent).
pub async fn queue_reply(
    db: &impl ConnectionTrait,
    contact_id: i64,
    reply: QueuedReply,
    now: DateTime<Utc>,
) -> Result<whatsapp_message::Model> {
    Ok(
        whatsapp_message::Entity::insert(queued_row(contact_id, reply, now))
            .exec_with_returning(db)
            .await?,
    )
}

/// The outbox row of a reply: no `wamid` until Meta answers.
fn queued_row(
    contact_id: i64,
    reply: QueuedReply,
    now: DateTime<Utc>,
) -> whatsapp_message::ActiveModel {
    whatsapp_message::ActiveModel {
        wamid: Set(None),
        contact_id: Set(contact_id),
        direction: Set(MessageDirection::Outbound),
        message_type: Set(reply.kind.to_owned()),
        text_body: Set(Some(reply.summary)),
        raw: Set(reply.payload),
        received_at: Set(now.into()),
        state: Set(MessageState::Queued),
        author: Set(Some(reply.author)),
        ..Default::default()
    }
}

/// Records a queued reply as sent with its `wamid`.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    message_id: i64,
    wamid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use whatsapp_message::Column;
    whatsapp_message::Entity::update_many()
        .col_expr(Column::Wamid, Some(wamid.to_owned()).into())
        .col_expr(Column::State, MessageState::Sent.into())
        .col_expr(Column::SentAt, Some(now).into())
        .filter(Column::Id.eq(message_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a queued reply as refused for good.
pub async fn mark_failed(db: &impl ConnectionTrait, message_id: i64, error: &str) -> Result<()> {
    use whatsapp_message::Column;
    let error: String = error.chars().take(1000).collect();
    whatsapp_message::Entity::update_many()
        .col_expr(Column::State, MessageState::Failed.into())
        .col_expr(Column::Error, Some(error).into())
        .filter(Column::Id.eq(message_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The contact behind a conversation.
pub async fn contact(
    db: &impl ConnectionTrait,
    contact_id: i64,
) -> Result<whatsapp_contact::Model> {
    whatsapp_contact::Entity::find_by_id(contact_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("whatsapp contact"))
}

/// The conversation of a reservation's guest (the one that made the hold), if any.
pub async fn by_reservation(
    db: &impl ConnectionTrait,
    reservation_id: i64,
) -> Result<Option<conversation::Model>> {
    Ok(conversation::Entity::find()
        .filter(conversation::Column::ReservationId.eq(reservation_id))
        .one(db)
        .await?)
}

/// Saves a conversation row as changed by a turn (state, slots, counters, hand-off,
/// reservation, latest message), leaving the lease alone.
pub async fn save(
    db: &impl ConnectionTrait,
    row: &conversation::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    use conversation::Column;
    let preview = row
        .last_message_preview
        .as_ref()
        .map(|p| p.chars().take(PREVIEW_CHARS).collect::<String>());
    conversation::Entity::update_many()
        .col_expr(Column::State, row.state.into())
        .col_expr(Column::Slots, row.slots.clone().into())
        .col_expr(Column::Misunderstood, row.misunderstood.into())
        .col_expr(Column::HandedOff, row.handed_off.into())
        .col_expr(Column::HandedOffAt, row.handed_off_at.into())
        .col_expr(Column::HandOffReason, row.hand_off_reason.into())
        .col_expr(Column::ReservationId, row.reservation_id.into())
        .col_expr(Column::LastMessageAt, row.last_message_at.into())
        .col_expr(Column::LastMessagePreview, preview.into())
        .col_expr(Column::UpdatedAt, now.into())
        .filter(Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a message sent outside the outbox (the window template) with its `wamid`.
pub async fn record_sent(
    db: &impl ConnectionTrait,
    contact_id: i64,
    reply: QueuedReply,
    wamid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = whatsapp_message::ActiveModel {
        wamid: Set(Some(wamid.to_owned())),
        contact_id: Set(contact_id),
        direction: Set(MessageDirection::Outbound),
        message_type: Set(reply.kind.to_owned()),
        text_body: Set(Some(reply.summary)),
        raw: Set(reply.payload),
        sent_at: Set(Some(now.into())),
        received_at: Set(now.into()),
        state: Set(MessageState::Sent),
        author: Set(Some(reply.author)),
        ..Default::default()
    };
    whatsapp_message::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// One of our messages by its `wamid`.
pub async fn outbound_by_wamid(
    db: &impl ConnectionTrait,
    wamid: &str,
) -> Result<Option<whatsapp_message::Model>> {
    use whatsapp_message::Column;
    Ok(whatsapp_message::Entity::find()
        .filter(Column::Wamid.eq(wamid))
        .filter(Column::Direction.eq(MessageDirection::Outbound))
        .one(db)
        .await?)
}

/// Contacts whose conversation has work nobody is doing: a reply queued, or a guest message
/// unanswered in a conversation not handed off, received in `[since, before)`, with no live
/// lease. At most `limit`.
pub async fn stranded(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<i64>> {
    use sea_orm::{ActiveEnum, FromQueryResult};

    #[derive(FromQueryResult)]
    struct Row {
        contact_id: i64,
    }
    let sql = "SELECT DISTINCT m.contact_id FROM whatsapp_messages m \
               LEFT JOIN conversations c ON c.contact_id = m.contact_id \
               WHERE m.state IN ($1, $2) AND m.received_at >= $3 AND m.received_at < $4 \
                 AND (m.state = $2 OR (m.direction = $5 AND NOT COALESCE(c.handed_off, false))) \
                 AND (c.lease_until IS NULL OR c.lease_until < $6) \
               LIMIT $7";
    let rows = Row::find_by_statement(crate::db::stmt(
        sql,
        vec![
            MessageState::Unanswered.to_value().into(),
            MessageState::Queued.to_value().into(),
            since.into(),
            before.into(),
            MessageDirection::Inbound.to_value().into(),
            now.into(),
            i64::try_from(limit).unwrap_or(i64::MAX).into(),
        ],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.contact_id).collect())
}
