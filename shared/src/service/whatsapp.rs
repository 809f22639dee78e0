//! Storing what guests send on WhatsApp, exactly once per message.
//!
//! The dedupe mark (`idempotency_keys`, by wamid or wamid + status) and the effect commit in
//! one transaction, and the tables are unique by the same keys as a second line of defence,
//! so a message delivered three times — or a job run twice — is stored and handed on once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
    sea_query::{Expr, Func, OnConflict},
};

use super::webhooks;
use crate::{
    Error, Result,
    domain::{
        PhoneNumber,
        whatsapp::{BatchItem, MessageDirection, MessageState, WebhookBatch},
    },
    entities::{
        webhook_event::{self, WebhookState},
        whatsapp_contact, whatsapp_message, whatsapp_message_status,
    },
    mask,
    store::idempotency,
};

/// Dedupe scope of inbound messages.
pub const MESSAGE_SCOPE: &str = "whatsapp:message";
/// Dedupe scope of delivery statuses.
pub const STATUS_SCOPE: &str = "whatsapp:status";

/// What a handler did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    New,
    /// Already handled before.
    Duplicate,
}

async fn load_batch(db: &impl ConnectionTrait, event_id: i64) -> Result<WebhookBatch> {
    let event = webhook_event::Entity::find_by_id(event_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("webhook event"))?;
    let payload = event
        .raw_payload
        .ok_or_else(|| Error::invalid("raw_payload", "purged", "the webhook payload was purged"))?;
    WebhookBatch::parse(payload.as_bytes())
}

/// Stores inbound message `wamid` of event `event_id` and its sender, as `unanswered`;
/// returns what happened and the sender's contact id.
///
/// The conversation engine (`service::conversation::drain`) answers it from there; a message
/// of a conversation handed to the owner waits, unanswered, for the owner.
#[tracing::instrument(skip_all, fields(webhook_event_id = event_id, wamid), err)]
pub async fn store_inbound<C>(
    db: &C,
    event_id: i64,
    wamid: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<(Stored, i64)>
where
    C: ConnectionTrait + TransactionTrait,
{
    let batch = load_batch(db, event_id).await?;
    let message = batch.message(wamid).ok_or_else(|| {
        Error::invalid("wamid", "not_in_event", "the message is not in the event")
    })?;
    let phone = PhoneNumber::parse("from", &format!("+{}", message.from))
        .map_err(|e| Error::Invalid(vec![e]))?;
    let txn = db.begin().await?;
    if !idempotency::claim_once(&txn, MESSAGE_SCOPE, wamid, now, ttl).await? {
        txn.commit().await?;
        metrics::counter!("whatsapp_duplicates_total", "kind" => "message").increment(1);
        complete_event(db, event_id, now).await?;
        let contact = whatsapp_contact::Entity::find()
            .filter(whatsapp_contact::Column::WaId.eq(&message.from))
            .one(db)
            .await?
            .ok_or(Error::NotFound("whatsapp contact"))?;
        return Ok((Stored::Duplicate, contact.id));
    }
    let contact_id = upsert_contact(
        &txn,
        &message.from,
        &phone,
        message.profile_name.clone(),
        now,
    )
    .await?;
    let row = whatsapp_message::ActiveModel {
        wamid: Set(Some(wamid.to_owned())),
        contact_id: Set(contact_id),
        direction: Set(MessageDirection::Inbound),
        message_type: Set(message.kind.clone()),
        text_body: Set(message.text.clone()),
        interactive_id: Set(message.interactive_id.clone()),
        media_id: Set(message.media_id.clone()),
        raw: Set(message.raw.clone()),
        sent_at: Set(message.sent_at.map(Into::into)),
        received_at: Set(now.into()),
        state: Set(MessageState::Unanswered),
        webhook_event_id: Set(Some(event_id)),
        ..Default::default()
    };
    let inserted = whatsapp_message::Entity::insert(row)
        .on_conflict(
            OnConflict::column(whatsapp_message::Column::Wamid)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    let stored = if inserted == 1 {
        metrics::counter!("whatsapp_messages_stored_total").increment(1);
        tracing::info!(
            wamid,
            from = %mask::phone(phone.as_str()),
            kind = %message.kind,
            "inbound WhatsApp message stored as unanswered"
        );
        Stored::New
    } else {
        Stored::Duplicate
    };
    complete_event(db, event_id, now).await?;
    Ok((stored, contact_id))
}

/// Graph's error code for "the 24-hour window is closed".
const WINDOW_CLOSED_CODE: i64 = 131_047;

/// Whether a failed status's `errors[]` says the 24-hour window had closed.
fn says_window_closed(errors: Option<&serde_json::Value>) -> bool {
    errors
        .and_then(serde_json::Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|e| {
                e.get("code").and_then(serde_json::Value::as_i64) == Some(WINDOW_CLOSED_CODE)
            })
        })
}

/// Stores delivery status `status` of message `wamid` from event `event_id`; also says whether
/// it is a new failure because the 24-hour window had closed (the template goes instead).
#[tracing::instrument(skip_all, fields(webhook_event_id = event_id, wamid, status), err)]
pub async fn store_status<C>(
    db: &C,
    event_id: i64,
    wamid: &str,
    status: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<(Stored, bool)>
where
    C: ConnectionTrait + TransactionTrait,
{
    let batch = load_batch(db, event_id).await?;
    let found = batch
        .status(wamid, status)
        .ok_or_else(|| Error::invalid("wamid", "not_in_event", "the status is not in the event"))?;
    let txn = db.begin().await?;
    let key = format!("{wamid}:{status}");
    if !idempotency::claim_once(&txn, STATUS_SCOPE, &key, now, ttl).await? {
        txn.commit().await?;
        metrics::counter!("whatsapp_duplicates_total", "kind" => "status").increment(1);
        complete_event(db, event_id, now).await?;
        return Ok((Stored::Duplicate, false));
    }
    let row = whatsapp_message_status::ActiveModel {
        wamid: Set(wamid.to_owned()),
        status: Set(status.to_owned()),
        recipient_id: Set(found.recipient_id.clone()),
        status_at: Set(found.at.map(Into::into)),
        errors: Set(found.errors.clone()),
        received_at: Set(now.into()),
        ..Default::default()
    };
    let inserted = whatsapp_message_status::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                whatsapp_message_status::Column::Wamid,
                whatsapp_message_status::Column::Status,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    if status == "failed" {
        tracing::warn!(wamid, errors = ?found.errors, "outbound WhatsApp message failed");
    }
    complete_event(db, event_id, now).await?;
    Ok(if inserted == 1 {
        let window_closed = status == "failed" && says_window_closed(found.errors.as_ref());
        (Stored::New, window_closed)
    } else {
        (Stored::Duplicate, false)
    })
}

/// Stores (or refreshes) the sender `wa_id`, in one atomic upsert; returns its id.
///
/// A message arriving late never moves `last_seen_at` back, and one without a profile name
/// keeps the name already known.
async fn upsert_contact(
    db: &impl ConnectionTrait,
    wa_id: &str,
    phone: &PhoneNumber,
    profile_name: Option<String>,
    now: DateTime<Utc>,
) -> Result<i64> {
    use whatsapp_contact::{ActiveModel, Column, Entity};
    let excluded = |column: Column| Expr::col(("excluded", column));
    let row = ActiveModel {
        wa_id: Set(wa_id.to_owned()),
        phone: Set(phone.as_str().to_owned()),
        profile_name: Set(profile_name),
        first_seen_at: Set(now.into()),
        last_seen_at: Set(now.into()),
        ..Default::default()
    };
    let upsert = OnConflict::column(Column::WaId)
        .value(
            Column::LastSeenAt,
            Func::greatest([
                Expr::col((Entity, Column::LastSeenAt)),
                excluded(Column::LastSeenAt),
            ]),
        )
        .value(
            Column::ProfileName,
            Func::coalesce([
                excluded(Column::ProfileName),
                Expr::col((Entity, Column::ProfileName)),
            ]),
        )
        .to_owned();
    Ok(Entity::insert(row)
        .on_conflict(upsert)
        .exec(db)
        .await?
        .last_insert_id)
}

/// Marks WhatsApp event `id` processed once every message and status of it is stored.
pub async fn complete_event(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(event) = webhook_event::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    // A `failed` event can still complete: its failed job may have been retried.
    if matches!(
        event.state,
        WebhookState::Processed | WebhookState::Rejected
    ) {
        return Ok(false);
    }
    let Some(payload) = event.raw_payload.as_deref() else {
        return Ok(false);
    };
    let items = WebhookBatch::parse(payload.as_bytes())?.items();
    let (mut wamids, mut statuses) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            BatchItem::Message { wamid } => wamids.push(wamid),
            BatchItem::Status { wamid, status } => statuses.push((wamid, status)),
        }
    }
    let stored = whatsapp_message::Entity::find()
        .filter(whatsapp_message::Column::Wamid.is_in(wamids.clone()))
        .all(db)
        .await?
        .len();
    if stored < wamids.len() {
        return Ok(false);
    }
    for (wamid, status) in &statuses {
        let found = whatsapp_message_status::Entity::find()
            .filter(whatsapp_message_status::Column::Wamid.eq(wamid.as_str()))
            .filter(whatsapp_message_status::Column::Status.eq(status.as_str()))
            .one(db)
            .await?;
        if found.is_none() {
            return Ok(false);
        }
    }
    webhooks::mark_processed(db, id, now).await
}
