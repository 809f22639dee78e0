//! Whether an admin token still works, and logout.
//!
//! A signed, unexpired token is only a claim. On every admin request one indexed query checks
//! it against PostgreSQL: the account must exist, be active, have the token's role and token
//! generation, and the token's `jti` must not be revoked. So deactivating an admin or resetting
//! its password (both bump the generation) and logging out all take effect on the next
//! request, and nothing of it lives only in Redis, where a flush or an eviction would bring
//! revoked tokens back. Nothing is cached in the process.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{Result, auth::token::Claims, db::stmt};

/// Whether the token of `claims` is still honoured (false: answer 401).
pub async fn is_current(db: &impl ConnectionTrait, claims: &Claims) -> Result<bool> {
    let Ok(sub) = Uuid::parse_str(&claims.sub) else {
        return Ok(false);
    };
    let row = db
        .query_one_raw(stmt(
            "SELECT 1 AS ok FROM admin_users u
             WHERE u.uuid = $1 AND u.active AND u.role = $2 AND u.token_generation = $3
               AND NOT EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $4)",
            vec![
                sub.into(),
                claims.role.as_str().into(),
                claims.generation.into(),
                claims.jti.as_str().into(),
            ],
        ))
        .await?;
    Ok(row.is_some())
}

/// Revokes one token until it would have expired anyway; also forgets revocations whose
/// tokens have expired by `now` (they would be refused as expired), which keeps the table
/// as small as the number of live logged-out tokens.
pub async fn revoke(db: &impl ConnectionTrait, claims: &Claims, now: DateTime<Utc>) -> Result<()> {
    db.execute_raw(stmt(
        "WITH swept AS (DELETE FROM revoked_tokens WHERE expires_at <= $3)
         INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)
         ON CONFLICT (jti) DO NOTHING",
        vec![
            claims.jti.as_str().into(),
            claims.expires_at().into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}
