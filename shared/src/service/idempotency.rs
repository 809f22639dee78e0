//! Idempotency keys: one table for client `Idempotency-Key` requests and for provider event
//! dedupe.
//!
//! A request key goes through `begin` → (`complete` | `abandon`). `begin` is one atomic
//! statement: it inserts the key as in flight, or retakes it when it has expired or its
//! owner died mid-request (the lock lapsed); otherwise the existing row decides: another body
//! → `Mismatch`, still running → `InFlight`, done → `Replay` of the stored response.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TryGetable, Value};
use sha2::{Digest, Sha256};

use crate::Result;

/// How long an in-flight key is protected before its owner is presumed dead.
pub const IN_FLIGHT_LOCK: Duration = Duration::seconds(60);

/// A response stored under a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Content type of the body.
    pub content_type: Option<String>,
}

/// What `begin` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    /// The caller owns the key now: run the request, then `complete` or `abandon`.
    Started,
    /// The same request already completed: answer this.
    Replay(StoredResponse),
    /// The same key is being processed right now.
    InFlight,
    /// The key was used with a different request.
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

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)
}

fn get<T: TryGetable>(row: &sea_orm::QueryResult, col: &str) -> Result<T> {
    Ok(row.try_get("", col)?)
}

/// Claims `key` in `scope` for a request with `fingerprint`.
pub async fn begin(
    db: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Begin> {
    let claimed = db
        .query_one_raw(stmt(
            "INSERT INTO idempotency_keys \
               (scope, key, fingerprint, state, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, 'in_flight', $4, $5, $6) \
             ON CONFLICT (scope, key) DO UPDATE SET \
               fingerprint = EXCLUDED.fingerprint, state = 'in_flight', \
               locked_until = EXCLUDED.locked_until, response_status = NULL, \
               response_body = NULL, response_content_type = NULL, \
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at \
             WHERE idempotency_keys.expires_at <= $5 \
                OR (idempotency_keys.state = 'in_flight' \
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
            ],
        ))
        .await?;
    if claimed.is_some() {
        return Ok(Begin::Started);
    }
    let Some(row) = db
        .query_one_raw(stmt(
            "SELECT fingerprint, state, response_status, response_body, response_content_type \
             FROM idempotency_keys WHERE scope = $1 AND key = $2",
            vec![scope.into(), key.into()],
        ))
        .await?
    else {
        // Deleted between the two statements (expired and swept): the caller may try again.
        return Ok(Begin::InFlight);
    };
    if get::<String>(&row, "fingerprint")? != fingerprint {
        return Ok(Begin::Mismatch);
    }
    if get::<String>(&row, "state")? != "completed" {
        return Ok(Begin::InFlight);
    }
    let status: Option<i16> = get(&row, "response_status")?;
    Ok(Begin::Replay(StoredResponse {
        status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
        body: get::<Option<Vec<u8>>>(&row, "response_body")?.unwrap_or_default(),
        content_type: get(&row, "response_content_type")?,
    }))
}

/// Stores the response of a request that owns `key`.
pub async fn complete(
    db: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<()> {
    db.execute_raw(stmt(
        "UPDATE idempotency_keys SET state = 'completed', locked_until = NULL, \
           response_status = $3, response_body = $4, response_content_type = $5 \
         WHERE scope = $1 AND key = $2",
        vec![
            scope.into(),
            key.into(),
            i16::try_from(response.status).unwrap_or(500).into(),
            response.body.clone().into(),
            response.content_type.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Releases a key whose request did not produce a response worth replaying (5xx, crash), so
/// the client can retry with it.
pub async fn abandon(db: &impl ConnectionTrait, scope: &str, key: &str) -> Result<()> {
    db.execute_raw(stmt(
        "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'",
        vec![scope.into(), key.into()],
    ))
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
    let row = db
        .query_one_raw(stmt(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, state, created_at, expires_at) \
             VALUES ($1, $2, $2, 'completed', $3, $4) \
             ON CONFLICT (scope, key) DO UPDATE SET created_at = EXCLUDED.created_at, \
               expires_at = EXCLUDED.expires_at \
             WHERE idempotency_keys.expires_at <= $3 \
             RETURNING id",
            vec![scope.into(), key.into(), now.into(), (now + ttl).into()],
        ))
        .await?;
    Ok(row.is_some())
}

/// Deletes every key past its expiry; returns how many.
pub async fn expire(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    let deleted = db
        .execute_raw(stmt(
            "DELETE FROM idempotency_keys WHERE expires_at <= $1",
            vec![now.into()],
        ))
        .await?
        .rows_affected();
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
