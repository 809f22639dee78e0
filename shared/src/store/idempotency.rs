//! Idempotency keys: one table for client `Idempotency-Key` requests, provider event dedupe
//! and claims of work that must happen once (a payment link).
//!
//! A claimed key goes through `begin` → (`complete` | `abandon`). `begin` is one atomic
//! statement: it inserts the key as in flight, or retakes it when it has expired or its
//! owner died mid-request (the lock lapsed); otherwise the existing row decides: another
//! fingerprint → `Mismatch`, still running → `InFlight`, done → `Replay` of the stored record.
//!
//! The record is opaque here: whoever owns the scope decides what its parts mean (the API's
//! `Idempotency-Key` middleware keeps the answer it gave in them and replays it).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::{
    Result,
    db::stmt,
    entities::idempotency_key::{self, Column, Entity, KeyState},
};

/// How long an in-flight key is protected before its owner is presumed dead.
pub const IN_FLIGHT_LOCK: Duration = Duration::seconds(60);

/// What a completed key keeps for the requests that repeat it. Never read here: the scope's
/// owner gives the parts their meaning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredRecord {
    /// A small number the owner files the record under.
    pub code: Option<i16>,
    /// The bytes kept (empty when none were).
    pub payload: Vec<u8>,
    /// The media type of `payload`, when the owner names one.
    pub media_type: Option<String>,
}

/// What `begin` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    /// The caller owns the key now: do the work, then `complete` or `abandon`.
    Started,
    /// The same work already completed: this is what it stored.
    Replay(StoredRecord),
    /// The same key is being worked on right now.
    InFlight,
    /// The key was used with a different fingerprint.
    Mismatch,
}

/// A fingerprint of a request: SHA-256 over its parts, each length-prefixed.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

fn by_key(scope: &str, key: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::Scope.eq(scope))
        .add(Column::Key.eq(key))
}

/// Claims `key` in `scope` for work with `fingerprint`.
pub async fn begin(
    db: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Begin> {
    // An upsert whose WHERE decides, atomically, whether the existing row may be retaken.
    let claimed = db
        .query_one_raw(stmt(
            "INSERT INTO idempotency_keys \
               (scope, key, fingerprint, state, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, $7, $4, $5, $6) \
             ON CONFLICT (scope, key) DO UPDATE SET \
               fingerprint = EXCLUDED.fingerprint, state = EXCLUDED.state, \
               locked_until = EXCLUDED.locked_until, response_status = NULL, \
               response_body = NULL, response_content_type = NULL, \
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at \
             WHERE idempotency_keys.expires_at <= $5 \
                OR (idempotency_keys.state = $7 \
                    AND idempotency_keys.locked_until <= $5 \
                    AND idempotency_keys.fingerprint = EXCLUDED.fingerprint) \
             RETURNING id",
            vec![
                scope.into(),
                key.into(),
                fingerprint.into(),
                (now + IN_FLIGHT_LOCK).into(),
                now.into(),
                (now + ttl).into(),
                KeyState::InFlight.into(),
            ],
        ))
        .await?;
    if claimed.is_some() {
        return Ok(Begin::Started);
    }
    let Some(row) = Entity::find().filter(by_key(scope, key)).one(db).await? else {
        // Deleted between the two statements (expired and swept): the caller may try again.
        return Ok(Begin::InFlight);
    };
    if row.fingerprint != fingerprint {
        return Ok(Begin::Mismatch);
    }
    if row.state != KeyState::Completed {
        return Ok(Begin::InFlight);
    }
    Ok(Begin::Replay(StoredRecord {
        code: row.record_code,
        payload: row.record_payload.unwrap_or_default(),
        media_type: row.record_media_type,
    }))
}

/// Completes the work that owns `key`, keeping `record` for its repeats.
pub async fn complete(
    db: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    record: StoredRecord,
) -> Result<()> {
    Entity::update_many()
        .set(idempotency_key::ActiveModel {
            state: Set(KeyState::Completed),
            locked_until: Set(None),
            record_code: Set(record.code),
            record_payload: Set(Some(record.payload)),
            record_media_type: Set(record.media_type),
            ..Default::default()
        })
        .filter(by_key(scope, key))
        .exec(db)
        .await?;
    Ok(())
}

/// Releases a key whose work produced nothing worth keeping (a failure, a crash), so a
/// retry can take it at once.
pub async fn abandon(db: &impl ConnectionTrait, scope: &str, key: &str) -> Result<()> {
    Entity::delete_many()
        .filter(by_key(scope, key))
        .filter(Column::State.eq(KeyState::InFlight))
        .exec(db)
        .await?;
    Ok(())
}

/// Records that provider event `key` was handled; true the first time (within the TTL).
///
/// Run it in the same transaction as the event's effect, so the effect and the mark commit
/// together: a redelivered event then finds the mark and does nothing.
pub async fn claim_once(
    db: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool> {
    // Atomic: insert, or retake an expired mark; a live mark returns no row.
    let row = db
        .query_one_raw(stmt(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, state, created_at, expires_at) \
             VALUES ($1, $2, $2, $5, $3, $4) \
             ON CONFLICT (scope, key) DO UPDATE SET created_at = EXCLUDED.created_at, \
               expires_at = EXCLUDED.expires_at \
             WHERE idempotency_keys.expires_at <= $3 \
             RETURNING id",
            vec![
                scope.into(),
                key.into(),
                now.into(),
                (now + ttl).into(),
                KeyState::Completed.into(),
            ],
        ))
        .await?;
    Ok(row.is_some())
}

/// Deletes every key past its expiry; returns how many.
pub async fn expire(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    if deleted > 0 {
        tracing::info!(deleted, "expired idempotency keys deleted");
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_parts() {
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
        assert_eq!(fingerprint(&[b"x"]), fingerprint(&[b"x"]));
    }
}
