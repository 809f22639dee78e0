//! Webhook ingest: record every delivery durably, then enqueue its jobs.
//!
//! The order is the guarantee. A delivery is committed to PostgreSQL first (state `pending`),
//! then its jobs are pushed to Redis, and only then acknowledged. When PostgreSQL is down
//! nothing is recorded and the caller answers 503; when Redis is down the event stays
//! `pending` (marked as answered 503) and the provider retries, while the sweep
//! ([`super::webhook_monitor::sweep`]) re-enqueues it anyway once Redis is back. Handlers are
//! idempotent, so a job enqueued twice has the effect of one.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    SqlErr, sea_query::Expr,
};
use serde_json::Value;

use crate::{
    Error, Result,
    domain::whatsapp::{BatchItem, WebhookBatch},
    entities::{
        webhook_event::{self, Column, Entity, WebhookState},
        whatsapp_message, whatsapp_message_status,
    },
    jobs::{
        JobQueue,
        payments::ReconcilePayment,
        whatsapp::{WhatsappInbound, WhatsappStatus},
    },
};

/// Who sent a webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Meta's WhatsApp Cloud API.
    Whatsapp,
    /// Mercado Pago.
    Mercadopago,
}

impl Provider {
    /// The stored (and metric label) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Mercadopago => "mercadopago",
        }
    }
}

/// Most bytes of a Mercado Pago body kept: the body is not signed and nothing but the
/// (signed) query is used, so only an excerpt is stored, for diagnosis.
pub const MP_BODY_EXCERPT_BYTES: usize = 2048;

/// What arrived, as the HTTP layer saw it.
#[derive(Clone, Debug)]
pub struct Delivery<'a> {
    /// The sender.
    pub provider: Provider,
    /// The exact body.
    pub raw: &'a [u8],
    /// Signed parts outside the body (query id, request id, ts).
    pub metadata: Value,
    /// The status the delivery will be answered with if all goes well.
    pub status: u16,
    /// Milliseconds since the request arrived.
    pub latency_ms: u64,
    /// Arrival time.
    pub received_at: DateTime<Utc>,
}

fn base_row(
    d: &Delivery<'_>,
    signature_valid: bool,
    payload: String,
) -> webhook_event::ActiveModel {
    webhook_event::ActiveModel {
        provider: Set(d.provider.as_str().to_owned()),
        received_at: Set(d.received_at.into()),
        signature_valid: Set(signature_valid),
        status_returned: Set(i16::try_from(d.status).unwrap_or(500)),
        latency_ms: Set(i32::try_from(d.latency_ms).unwrap_or(i32::MAX)),
        raw_payload: Set(Some(payload)),
        metadata: Set(d.metadata.clone()),
        ..Default::default()
    }
}

/// Records a signed WhatsApp delivery and enqueues one job per message and per status.
#[tracing::instrument(skip_all, fields(provider = "whatsapp", bytes = delivery.raw.len()), err)]
pub async fn ingest_whatsapp(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    delivery: &Delivery<'_>,
) -> Result<webhook_event::Model> {
    let payload = String::from_utf8_lossy(delivery.raw).into_owned();
    let mut row = base_row(delivery, true, payload);
    let items = match WebhookBatch::parse(delivery.raw) {
        Ok(batch) => batch.items(),
        Err(e) => {
            // Signed but unreadable: retrying cannot help, so record it as failed and ack.
            row.state = Set(WebhookState::Failed);
            row.last_error = Set(Some(format!("unreadable body: {e}")));
            return Ok(row.insert(db).await?);
        }
    };
    row.provider_event_id = Set(items.first().map(|i| match i {
        BatchItem::Message { wamid } | BatchItem::Status { wamid, .. } => wamid.clone(),
    }));
    row.jobs_total = Set(i32::try_from(items.len()).unwrap_or(i32::MAX));
    row.attempts = Set(1);
    row.enqueued_at = Set(Some(delivery.received_at.into()));
    if items.is_empty() {
        row.state = Set(WebhookState::Processed);
        row.processed_at = Set(Some(delivery.received_at.into()));
    }
    let event = row.insert(db).await?;
    if let Err(e) = enqueue_whatsapp_items(queue, event.id, &items).await {
        mark_unacknowledged(db, event.id).await;
        return Err(e);
    }
    Ok(event)
}

/// Records a signed Mercado Pago delivery and enqueues `payment_reconcile` for its payment
/// (none when the notification is not about a payment).
///
/// Deduplicated by `x-request-id` (a unique index): a redelivery is acknowledged with the
/// first event's id and enqueues nothing, unless the first was answered 503 (its jobs may
/// never have been pushed), in which case they are pushed again (handlers are idempotent).
#[tracing::instrument(skip_all, fields(provider = "mercadopago", payment_id = ?payment_id), err)]
pub async fn ingest_mercadopago(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    delivery: &Delivery<'_>,
    payment_id: Option<String>,
) -> Result<webhook_event::Model> {
    let cut = delivery.raw.len().min(MP_BODY_EXCERPT_BYTES);
    let payload = String::from_utf8_lossy(&delivery.raw[..cut]).into_owned();
    let mut row = base_row(delivery, true, payload);
    row.provider_event_id = Set(payment_id.clone());
    let Some(payment_id) = payment_id else {
        row.state = Set(WebhookState::Processed);
        row.processed_at = Set(Some(delivery.received_at.into()));
        row.last_error = Set(Some("ignored: not about a payment".into()));
        return Ok(insert_mercadopago(db, queue, delivery, row).await?.0);
    };
    row.jobs_total = Set(1);
    row.attempts = Set(1);
    row.enqueued_at = Set(Some(delivery.received_at.into()));
    let (event, first_delivery) = insert_mercadopago(db, queue, delivery, row).await?;
    if !first_delivery {
        return Ok(event);
    }
    let job = ReconcilePayment {
        payment_id,
        webhook_event_id: Some(event.id),
    };
    if let Err(e) = queue.push(job).await {
        mark_unacknowledged(db, event.id).await;
        return Err(e);
    }
    Ok(event)
}

/// Inserts the event (`true`), or returns the event already recorded for the same
/// `x-request-id` (`false`), re-enqueuing its job if that delivery was answered 503.
async fn insert_mercadopago(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    delivery: &Delivery<'_>,
    row: webhook_event::ActiveModel,
) -> Result<(webhook_event::Model, bool)> {
    let error = match row.insert(db).await {
        Ok(event) => return Ok((event, true)),
        Err(e) => e,
    };
    let request_id = delivery.metadata.get("request_id").and_then(Value::as_str);
    let (Some(SqlErr::UniqueConstraintViolation(_)), Some(request_id)) =
        (error.sql_err(), request_id)
    else {
        return Err(error.into());
    };
    let first = Entity::find()
        .filter(Column::Provider.eq(Provider::Mercadopago.as_str()))
        .filter(Column::SignatureValid.eq(true))
        .filter(Expr::cust_with_values(
            "metadata->>'request_id' = $1",
            [request_id],
        ))
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal("duplicate request id but no first event".into()))?;
    metrics::counter!("webhook_duplicates_total", "provider" => "mercadopago").increment(1);
    tracing::info!(
        webhook_event_id = first.id,
        "Mercado Pago redelivery: already recorded"
    );
    if first.state == WebhookState::Pending && first.status_returned == 503 {
        enqueue_event(queue, &first).await?;
        Entity::update_many()
            .col_expr(
                Column::StatusReturned,
                Expr::value(i16::try_from(delivery.status).unwrap_or(202)),
            )
            .filter(Column::Id.eq(first.id))
            .exec(db)
            .await?;
    }
    Ok((first, false))
}

/// Notes that the delivery was answered 503 (best effort: the row stays `pending` either
/// way, so the sweep will enqueue it).
async fn mark_unacknowledged(db: &impl ConnectionTrait, id: i64) {
    let result = Entity::update_many()
        .col_expr(Column::StatusReturned, Expr::value(503i16))
        .col_expr(
            Column::LastError,
            Expr::value("could not enqueue: answered 503"),
        )
        .filter(Column::Id.eq(id))
        .exec(db)
        .await;
    if let Err(e) = result {
        tracing::warn!(webhook_event_id = id, error = %e, "could not mark event as unacknowledged");
    }
}

async fn enqueue_whatsapp_items(
    queue: &JobQueue,
    event_id: i64,
    items: &[BatchItem],
) -> Result<()> {
    for item in items {
        match item.clone() {
            BatchItem::Message { wamid } => {
                queue
                    .push(WhatsappInbound {
                        webhook_event_id: event_id,
                        wamid,
                    })
                    .await?;
            }
            BatchItem::Status { wamid, status } => {
                queue
                    .push(WhatsappStatus {
                        webhook_event_id: event_id,
                        wamid,
                        status,
                    })
                    .await?;
            }
        }
    }
    metrics::counter!("webhook_jobs_enqueued_total", "provider" => "whatsapp")
        .increment(items.len() as u64);
    Ok(())
}

/// Enqueues the jobs of a recorded event again (sweep and replay); returns how many.
pub async fn enqueue_event(queue: &JobQueue, event: &webhook_event::Model) -> Result<usize> {
    let payload = event
        .raw_payload
        .as_deref()
        .ok_or_else(|| Error::invalid("raw_payload", "purged", "the payload was purged"))?;
    match event.provider.as_str() {
        "whatsapp" => {
            let items = WebhookBatch::parse(payload.as_bytes())?.items();
            enqueue_whatsapp_items(queue, event.id, &items).await?;
            Ok(items.len())
        }
        "mercadopago" => match &event.provider_event_id {
            Some(payment_id) => {
                queue
                    .push(ReconcilePayment {
                        payment_id: payment_id.clone(),
                        webhook_event_id: Some(event.id),
                    })
                    .await?;
                Ok(1)
            }
            None => Ok(0),
        },
        other => Err(Error::invalid(
            "provider",
            "unknown_provider",
            format!("unknown provider {other:?}"),
        )),
    }
}

/// Marks an event processed (the payment reconcile handler calls this when done).
pub async fn mark_processed(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = Entity::update_many()
        .col_expr(Column::State, Expr::value(WebhookState::Processed.as_str()))
        .col_expr(Column::ProcessedAt, Expr::value(now))
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(id))
        .filter(Column::State.ne(WebhookState::Processed.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Marks an event failed with the error that stopped it.
pub async fn mark_failed(db: &impl ConnectionTrait, id: i64, error: &str) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::State, Expr::value(WebhookState::Failed.as_str()))
        .col_expr(
            Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(WebhookState::Pending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a WhatsApp event processed once every message and status of it is stored.
pub async fn complete_whatsapp_event(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(event) = Entity::find_by_id(id).one(db).await? else {
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
    mark_processed(db, id, now).await
}
