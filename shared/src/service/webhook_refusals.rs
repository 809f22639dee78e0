//! Refused webhooks (bad or missing signature, stale `ts`, no `data.id`), recorded so they
//! cannot fill the database.
//!
//! Anyone on the internet can post to the webhook paths, so a refusal must cost us a bounded
//! amount: the count goes to the `webhook_refused_total{provider,reason}` metric (in the API),
//! and at most **one** row per (provider, client, minute) is stored as a sample — never the
//! payload, only its SHA-256, its size and its first [`SAMPLE_PREFIX_BYTES`] bytes. The unique
//! index `webhook_events_refusal_sample_key` makes "first of its minute" race-free across API
//! machines (`INSERT .. ON CONFLICT DO NOTHING`). The rows are purged after
//! `WEBHOOK_REFUSAL_RETENTION_DAYS` by the daily retention job.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::webhooks::Provider;
use crate::{
    Result,
    entities::webhook_event::{self, Column, Entity, WebhookState},
};

/// How many leading bytes of a refused body are kept (for diagnosis: which sender, what shape).
pub const SAMPLE_PREFIX_BYTES: usize = 256;

/// A refused delivery, as the API saw it.
#[derive(Clone, Copy, Debug)]
pub struct Refused<'a> {
    /// The path it was posted to.
    pub provider: Provider,
    /// The closed reason code (`signature_mismatch`, ...).
    pub reason: &'static str,
    /// The client's rate-limit key (an IP, a /64, or `unknown`).
    pub client: &'a str,
    /// The body as received (only hashed and cut here).
    pub body: &'a [u8],
    /// What the API answers, stored as the sample's `status_returned` (a receipt for the
    /// webhook monitor: never read here).
    pub receipt: i16,
    /// Milliseconds spent before answering.
    pub latency_ms: u64,
    /// Arrival time.
    pub received_at: DateTime<Utc>,
}

/// The stored sample of a body: hash, size and a lossy UTF-8 prefix.
pub fn body_sample(body: &[u8]) -> serde_json::Value {
    let cut = body.len().min(SAMPLE_PREFIX_BYTES);
    json!({
        "body_sha256": hex::encode(Sha256::digest(body)),
        "body_bytes": body.len(),
        "body_prefix": String::from_utf8_lossy(&body[..cut]),
    })
}

/// Stores the refusal as the sample of its (provider, client, minute), unless that minute
/// already has one; true when this call stored it.
pub async fn record_refusal(db: &impl ConnectionTrait, refused: &Refused<'_>) -> Result<bool> {
    let mut metadata = body_sample(refused.body);
    metadata["client"] = json!(refused.client);
    metadata["minute"] = json!(refused.received_at.timestamp().div_euclid(60));
    metadata["reason"] = json!(refused.reason);
    let row = webhook_event::ActiveModel {
        provider: Set(refused.provider.as_str().to_owned()),
        received_at: Set(refused.received_at.into()),
        signature_valid: Set(false),
        status_returned: Set(refused.receipt),
        latency_ms: Set(i32::try_from(refused.latency_ms).unwrap_or(i32::MAX)),
        raw_payload: Set(None),
        metadata: Set(metadata),
        state: Set(WebhookState::Rejected),
        last_error: Set(Some(refused.reason.to_owned())),
        ..Default::default()
    };
    // A second sample of the minute breaks `webhook_events_refusal_sample_key` and is skipped.
    // No conflict target: PostgreSQL infers a partial index only from its predicate spelled
    // out in the statement (a bound value is not enough), and no other unique index can
    // refuse an unsigned row.
    let inserted = Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// Deletes refusal samples received before `now - retention`; returns how many.
pub async fn purge_refusals(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64> {
    let deleted = Entity::delete_many()
        .filter(Column::State.eq(WebhookState::Rejected))
        .filter(Column::ReceivedAt.lt(now - retention))
        .exec(db)
        .await?
        .rows_affected;
    if deleted > 0 {
        tracing::info!(deleted, "old webhook refusal samples purged");
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_keeps_the_hash_size_and_256_bytes_never_the_payload() {
        let body = vec![b'a'; 10_000];
        let sample = body_sample(&body);
        assert_eq!(sample["body_bytes"], 10_000);
        assert_eq!(sample["body_prefix"].as_str().map(str::len), Some(256));
        assert_eq!(
            sample["body_sha256"].as_str().map(str::len),
            Some(64),
            "{sample}"
        );
        let short = body_sample(b"{}");
        assert_eq!(short["body_prefix"], "{}");
    }
}
