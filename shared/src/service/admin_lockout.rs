//! Login lockout, counted per admin account *and* client network.
//!
//! Concurrency: an attempt is counted *before* its password is checked, in one atomic upsert
//! that also refuses it if the pair is locked. Row locking of `ON CONFLICT DO UPDATE`
//! serialises a parallel burst on the same (account, client), so exactly `max_failed`
//! attempts are let through to the password check; the `max_failed`-th sets the lock, and
//! only a success (which deletes the row) lifts it early. A correct password presented while
//! locked is never checked, so it cannot log in.
//!
//! Counting per client means an attacker's failures lock the attacker's network only: the
//! owner can still log in from another one. The client is the IPv4 address or the IPv6 /64,
//! as the rate limiter counts it. `api admin unlock --email` clears every lock of an account.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    Result,
    db::stmt,
    entities::admin_login_failure::{Column, Entity},
};

/// Counts one login attempt of `admin_id` from `client`; false when the pair is locked (the
/// attempt must then be refused without checking the password).
///
/// The count restarts at one after a lock has lapsed. The `max_failed`-th attempt locks the
/// pair until `now + lockout`.
pub async fn try_count_attempt(
    db: &impl ConnectionTrait,
    admin_id: i32,
    client: &str,
    now: DateTime<Utc>,
    max_failed: u32,
    lockout: Duration,
) -> Result<bool> {
    let row = db
        .query_one_raw(stmt(
            "INSERT INTO admin_login_failures AS f
                 (admin_user_id, client, failures, locked_until, updated_at)
             VALUES ($1, $2, 1, CASE WHEN 1 >= $4 THEN $5 END, $3)
             ON CONFLICT (admin_user_id, client) DO UPDATE SET
                 failures = CASE WHEN f.locked_until <= $3 THEN 1 ELSE f.failures + 1 END,
                 locked_until = CASE
                     WHEN (CASE WHEN f.locked_until <= $3 THEN 1 ELSE f.failures + 1 END) >= $4
                     THEN $5 END,
                 updated_at = $3
             WHERE f.locked_until IS NULL OR f.locked_until <= $3
             RETURNING failures",
            vec![
                admin_id.into(),
                client.into(),
                now.into(),
                i64::from(max_failed).into(),
                (now + lockout).into(),
            ],
        ))
        .await?;
    Ok(row.is_some())
}

/// Forgets the attempts of `admin_id` from `client` (after a successful login), and the
/// account's lapsed locks from any client, which no longer carry anything.
pub async fn clear(
    db: &impl ConnectionTrait,
    admin_id: i32,
    client: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    Entity::delete_many()
        .filter(Column::AdminUserId.eq(admin_id))
        .filter(
            Condition::any()
                .add(Column::Client.eq(client))
                .add(Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets every failure and lock of `admin_id`; returns how many clients were tracked.
pub async fn clear_all(db: &impl ConnectionTrait, admin_id: i32) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::AdminUserId.eq(admin_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// How long failures that never reached a lock are remembered: a guess now and then over
/// days does not add up to a lock, and the table keeps only recent clients.
pub const FAILURE_MEMORY: Duration = Duration::hours(24);

/// Deletes lapsed locks and failures older than [`FAILURE_MEMORY`] (the worker's hourly
/// housekeeping), so the table holds only the clients that tried recently. Returns how many
/// rows went.
pub async fn forget_stale(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    let never_locked_and_old = Condition::all()
        .add(Column::LockedUntil.is_null())
        .add(Column::UpdatedAt.lte(now - FAILURE_MEMORY));
    Ok(Entity::delete_many()
        .filter(
            Condition::any()
                .add(Column::LockedUntil.lte(now))
                .add(never_locked_and_old),
        )
        .exec(db)
        .await?
        .rows_affected)
}
