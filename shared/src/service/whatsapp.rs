//! Storing what guests send on WhatsApp, exactly once per message.
//!
//! The dedupe mark (`idempotency_keys`, by wamid or wamid + status) and the effect commit in
//! one transaction, and the tables are unique by the same keys as a second line of defence,
//! so a message delivered three times — or a job run twice — is stored and handed on once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, EntityTrait, Statement, TransactionSession, TransactionTrait,
    Value,
};

use super::{idempotency, webhooks};
use crate::{
    Error, Result,
    domain::{PhoneNumber, whatsapp::WebhookBatch},
    entities::webhook_event,
    mask,
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

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)
}

/// Stores inbound message `wamid` of event `event_id` and its sender, as `unanswered`.
///
/// The conversation engine (a later issue) takes it from there; until then nothing is
/// dropped: every message waits, unanswered, for the owner.
#[tracing::instrument(skip_all, fields(webhook_event_id = event_id, wamid), err)]
pub async fn store_inbound<C>(
    db: &C,
    event_id: i64,
    wamid: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Stored>
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
        webhooks::complete_whatsapp_event(db, event_id, now).await?;
        return Ok(Stored::Duplicate);
    }
    let contact = txn
        .query_one_raw(stmt(
            "INSERT INTO whatsapp_contacts (wa_id, phone, profile_name, first_seen_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (wa_id) DO UPDATE SET \
               last_seen_at = GREATEST(whatsapp_contacts.last_seen_at, EXCLUDED.last_seen_at), \
               profile_name = COALESCE(EXCLUDED.profile_name, whatsapp_contacts.profile_name) \
             RETURNING id",
            vec![
                message.from.clone().into(),
                phone.as_str().into(),
                message.profile_name.clone().into(),
                now.into(),
            ],
        ))
        .await?
        .ok_or_else(|| Error::Internal("contact upsert returned no row".into()))?;
    let contact_id: i64 = contact.try_get("", "id")?;
    let inserted = txn
        .execute_raw(stmt(
            "INSERT INTO whatsapp_messages (wamid, contact_id, direction, message_type, text_body, \
               interactive_id, media_id, raw, sent_at, received_at, state, webhook_event_id) \
             VALUES ($1, $2, 'inbound', $3, $4, $5, $6, $7, $8, $9, 'unanswered', $10) \
             ON CONFLICT (wamid) DO NOTHING",
            vec![
                wamid.into(),
                contact_id.into(),
                message.kind.clone().into(),
                message.text.clone().into(),
                message.interactive_id.clone().into(),
                message.media_id.clone().into(),
                message.raw.clone().into(),
                message.sent_at.into(),
                now.into(),
                event_id.into(),
            ],
        ))
        .await?
        .rows_affected();
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
    webhooks::complete_whatsapp_event(db, event_id, now).await?;
    Ok(stored)
}

/// Stores delivery status `status` of message `wamid` from event `event_id`.
#[tracing::instrument(skip_all, fields(webhook_event_id = event_id, wamid, status), err)]
pub async fn store_status<C>(
    db: &C,
    event_id: i64,
    wamid: &str,
    status: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Stored>
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
        webhooks::complete_whatsapp_event(db, event_id, now).await?;
        return Ok(Stored::Duplicate);
    }
    let inserted = txn
        .execute_raw(stmt(
            "INSERT INTO whatsapp_message_statuses (wamid, status, recipient_id, status_at, errors, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (wamid, status) DO NOTHING",
            vec![
                wamid.into(),
                status.into(),
                found.recipient_id.clone().into(),
                found.at.into(),
                found.errors.clone().into(),
                now.into(),
            ],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    if status == "failed" {
        tracing::warn!(wamid, errors = ?found.errors, "outbound WhatsApp message failed");
    }
    webhooks::complete_whatsapp_event(db, event_id, now).await?;
    Ok(if inserted == 1 {
        Stored::New
    } else {
        Stored::Duplicate
    })
}
