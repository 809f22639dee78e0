//! Webhook ingest: record every delivery durably, then enqueue its jobs.
//!
//! The order is the guarantee. A delivery is committed to PostgreSQL first (state `pending`),
//! then its jobs are pushed to Redis, and only then may it be acknowledged. When PostgreSQL
//! is down nothing is recorded (an error: the provider must deliver again); when Redis is
//! down the event stays `pending` with its jobs marked as not enqueued ([`Ingested::NotEnqueued`]:
//! the provider must deliver again too), and the sweep
//! ([`super::webhook_monitor::sweep`]) enqueues them anyway once Redis is back. Handlers are
//! idempotent, so a job enqueued twice has the effect of one.
//!
//! What the API answered is its business: it hands a receipt over with the delivery
//! ([`Delivery::receipt`], kept in `status_returned` for the webhook monitor), and nothing
//! here reads it back.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    SqlErr, sea_query::Expr,
};
use serde_json::Value;

use crate::{
    Error, Result,
    domain::whatsapp::{BatchItem, WebhookBatch},
    entities::webhook_event::{self, Column, Entity, WebhookState},
    jobs::{
        JobQueue,
        payments::ReconcilePayment,
        whatsapp::{WhatsappInbound, WhatsappStatus},
    },
    trace::JobTrace,
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

/// What arrived, as the API saw it.
#[derive(Clone, Debug)]
pub struct Delivery<'a> {
    /// The sender.
    pub provider: Provider,
    /// The exact body.
    pub raw: &'a [u8],
    /// Signed parts outside the body (query id, request id, ts).
    pub metadata: Value,
    /// What the API answers a delivery that is recorded and enqueued, stored as the event's
    /// `status_returned` (a receipt for the webhook monitor: never read here).
    pub receipt: i16,
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
        status_returned: Set(d.receipt),
        latency_ms: Set(i32::try_from(d.latency_ms).unwrap_or(i32::MAX)),
        raw_payload: Set(Some(payload)),
        metadata: Set(d.metadata.clone()),
        ..Default::default()
    }
}

/// What became of a delivery once recorded. (Not recorded at all is an error.)
#[derive(Debug)]
pub enum Ingested {
    /// Recorded now, its jobs (if it has any) enqueued.
    Recorded(webhook_event::Model),
    /// Recorded before (the same Mercado Pago `x-request-id`): nothing new is recorded, and
    /// the first event's jobs, if they were never enqueued, are enqueued now.
    Duplicate(webhook_event::Model),
    /// Recorded, but its jobs could not be enqueued: the sweep enqueues them later, and the
    /// provider should deliver again.
    NotEnqueued {
        /// The recorded event.
        event_id: i64,
        /// Why the jobs were not enqueued.
        error: Error,
    },
}

/// Records a signed WhatsApp delivery and enqueues one job per message and per status.
#[tracing::instrument(skip_all, fields(provider = "whatsapp", bytes = delivery.raw.len()), err)]
pub async fn ingest_whatsapp(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    delivery: &Delivery<'_>,
) -> Result<Ingested> {
    let payload = String::from_utf8_lossy(delivery.raw).into_owned();
    let mut row = base_row(delivery, true, payload);
    let items = match WebhookBatch::parse(delivery.raw) {
        Ok(batch) => batch.items(),
        Err(e) => {
            // Signed but unreadable: retrying cannot help, so record it as failed and ack.
            row.state = Set(WebhookState::Failed);
            row.last_error = Set(Some(format!("unreadable body: {e}")));
            return Ok(Ingested::Recorded(row.insert(db).await?));
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
    let trace = request_trace(&delivery.metadata);
    if let Err(error) =
        enqueue_whatsapp_items(queue, event.id, &items, delivery.received_at, trace).await
    {
        return Ok(not_enqueued(db, event.id, error).await);
    }
    tracing::info!(
        webhook_event_id = event.id,
        jobs = items.len(),
        "webhook recorded"
    );
    Ok(Ingested::Recorded(event))
}

/// Records a signed Mercado Pago delivery and enqueues `payment_reconcile` for its payment
/// (none when the notification is not about a payment).
///
/// Deduplicated by `x-request-id` (a unique index): a redelivery records and enqueues
/// nothing ([`Ingested::Duplicate`]), unless the first delivery's jobs were never enqueued,
/// in which case they are enqueued now (handlers are idempotent).
#[tracing::instrument(skip_all, fields(provider = "mercadopago", payment_id = ?payment_id), err)]
pub async fn ingest_mercadopago(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    delivery: &Delivery<'_>,
    payment_id: Option<String>,
) -> Result<Ingested> {
    let cut = delivery.raw.len().min(MP_BODY_EXCERPT_BYTES);
    let payload = String::from_utf8_lossy(&delivery.raw[..cut]).into_owned();
    let mut row = base_row(delivery, true, payload);
    row.provider_event_id = Set(payment_id.clone());
    let Some(payment_id) = payment_id else {
        row.state = Set(WebhookState::Processed);
        row.processed_at = Set(Some(delivery.received_at.into()));
        row.last_error = Set(Some("ignored: not about a payment".into()));
        return insert_mercadopago(db, queue, delivery, row).await;
    };
    row.jobs_total = Set(1);
    row.attempts = Set(1);
    row.enqueued_at = Set(Some(delivery.received_at.into()));
    let event = match insert_mercadopago(db, queue, delivery, row).await? {
        Ingested::Recorded(event) => event,
        repeated => return Ok(repeated),
    };
    let trace = request_trace(&delivery.metadata);
    if let Err(error) =
        push_reconcile(queue, payment_id, event.id, delivery.received_at, trace).await
    {
        return Ok(not_enqueued(db, event.id, error).await);
    }
    tracing::info!(webhook_event_id = event.id, jobs = 1, "webhook recorded");
    Ok(Ingested::Recorded(event))
}

/// Inserts the event (`Recorded`), or finds the event already recorded for the same
/// `x-request-id` (`Duplicate`), enqueuing its job if it never was.
async fn insert_mercadopago(
    db: &impl ConnectionTrait,
    queue: &JobQueue,
    delivery: &Delivery<'_>,
    row: webhook_event::ActiveModel,
) -> Result<Ingested> {
    let error = match row.insert(db).await {
        Ok(event) => return Ok(Ingested::Recorded(event)),
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
    if first.state == WebhookState::Pending && first.enqueued_at.is_none() {
        if let Err(error) = enqueue_event(queue, &first, delivery.received_at).await {
            return Ok(not_enqueued(db, first.id, error).await);
        }
        // Enqueued at last, and acknowledged with this delivery's receipt.
        Entity::update_many()
            .col_expr(Column::EnqueuedAt, Expr::value(delivery.received_at))
            .col_expr(Column::StatusReturned, Expr::value(delivery.receipt))
            .filter(Column::Id.eq(first.id))
            .exec(db)
            .await?;
    }
    Ok(Ingested::Duplicate(first))
}

/// Marks event `id` as recorded with its jobs not enqueued (no `enqueued_at`): a redelivery
/// then enqueues them, and the sweep does once they are stale. Best effort: the row stays
/// `pending` either way, so the sweep enqueues it regardless.
async fn not_enqueued(db: &impl ConnectionTrait, id: i64, error: Error) -> Ingested {
    let result = Entity::update_many()
        .col_expr(
            Column::EnqueuedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value("could not enqueue its jobs"))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await;
    if let Err(e) = result {
        tracing::warn!(webhook_event_id = id, error = %e, "could not mark the event's jobs as not enqueued");
    }
    Ingested::NotEnqueued {
        event_id: id,
        error,
    }
}

/// Replaces the receipt of event `id` (its `status_returned`) when the API answered other
/// than it said on recording (the jobs were not enqueued).
pub async fn record_receipt(db: &impl ConnectionTrait, id: i64, receipt: i16) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::StatusReturned, Expr::value(receipt))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The trace of the request recording a delivery (its `trace_id`, which the API keeps in the
/// event's metadata, continued from the current span), for the jobs it enqueues.
fn request_trace(metadata: &Value) -> Option<JobTrace> {
    stored_trace_id(metadata).map(JobTrace::current)
}

/// The `trace_id` of the request that recorded an event, when the API kept one.
fn stored_trace_id(metadata: &Value) -> Option<&str> {
    metadata
        .get("trace_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
}

/// Pushes one job per item of WhatsApp event `event_id`, enqueued at `at`, carrying `trace`.
async fn enqueue_whatsapp_items(
    queue: &JobQueue,
    event_id: i64,
    items: &[BatchItem],
    at: DateTime<Utc>,
    trace: Option<JobTrace>,
) -> Result<()> {
    if !items.is_empty() {
        queue.mark_epoch(at).await?;
    }
    for item in items {
        match item.clone() {
            BatchItem::Message { wamid } => {
                queue
                    .push(WhatsappInbound {
                        webhook_event_id: event_id,
                        wamid,
                        trace: trace.clone(),
                    })
                    .await?;
            }
            BatchItem::Status { wamid, status } => {
                queue
                    .push(WhatsappStatus {
                        webhook_event_id: event_id,
                        wamid,
                        status,
                        trace: trace.clone(),
                    })
                    .await?;
            }
        }
    }
    metrics::counter!("webhook_jobs_enqueued_total", "provider" => "whatsapp")
        .increment(items.len() as u64);
    Ok(())
}

/// Pushes the payment reconcile job of Mercado Pago event `event_id`, enqueued at `at`,
/// carrying `trace`.
async fn push_reconcile(
    queue: &JobQueue,
    payment_id: String,
    event_id: i64,
    at: DateTime<Utc>,
    trace: Option<JobTrace>,
) -> Result<()> {
    queue.mark_epoch(at).await?;
    queue
        .push(ReconcilePayment {
            payment_id,
            webhook_event_id: Some(event_id),
            trace,
        })
        .await
}

/// Enqueues the jobs of a recorded event again (sweep and replay), as enqueued at `at` (the
/// `enqueued_at` the caller records); returns how many.
///
/// The jobs keep the recording request's `trace_id` (its log lines still match), not its
/// span context, which ended long ago.
pub async fn enqueue_event(
    queue: &JobQueue,
    event: &webhook_event::Model,
    at: DateTime<Utc>,
) -> Result<usize> {
    let trace = stored_trace_id(&event.metadata).map(|trace_id| JobTrace {
        trace_id: trace_id.to_owned(),
        traceparent: None,
    });
    let payload = event
        .raw_payload
        .as_deref()
        .ok_or_else(|| Error::invalid("raw_payload", "purged", "the payload was purged"))?;
    match event.provider.as_str() {
        "whatsapp" => {
            let items = WebhookBatch::parse(payload.as_bytes())?.items();
            enqueue_whatsapp_items(queue, event.id, &items, at, trace).await?;
            Ok(items.len())
        }
        "mercadopago" => match &event.provider_event_id {
            Some(payment_id) => {
                push_reconcile(queue, payment_id.clone(), event.id, at, trace).await?;
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
