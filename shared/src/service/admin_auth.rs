//! Admin accounts: creating them, logging in (with lockout and an email allowlist) and logging
//! out (revoking the token's `jti` in Redis until it would have expired anyway).
//!
//! Wrong passwords, unknown emails, disallowed emails and locked accounts all answer
//! `Unauthorized` after the same Argon2 work, so neither the answer nor its timing tells an
//! attacker which emails exist.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};

use crate::{
    Error, Result,
    auth::{
        password,
        token::{self, Claims},
    },
    config::{Secret, Settings},
    entities::admin_user,
    mask,
    redis::{Keys, RedisConn},
};

/// Login rules from the settings.
#[derive(Clone, Debug)]
pub struct LoginPolicy {
    /// Emails allowed to log in; empty means any active admin.
    pub allowed_emails: Vec<String>,
    /// Failures that lock an account.
    pub max_failed: u32,
    /// How long a lock lasts.
    pub lockout: Duration,
    /// How long a token is valid.
    pub token_ttl: Duration,
    /// Signing key.
    pub secret: Secret,
}

impl LoginPolicy {
    /// The policy configured in `settings`.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            allowed_emails: settings.allowed_admin_emails(),
            max_failed: settings.admin_max_failed_logins,
            lockout: Duration::minutes(i64::from(settings.admin_lockout_minutes)),
            token_ttl: Duration::hours(i64::from(settings.jwt_ttl_hours)),
            secret: settings.jwt_secret.clone(),
        }
    }
}

/// A successful login.
#[derive(Clone, Debug)]
pub struct Session {
    /// The signed token.
    pub token: String,
    /// What it says.
    pub claims: Claims,
}

/// Creates an admin, or resets the password of an existing one (unlocking and re-activating it).
pub async fn create_or_reset(
    db: &impl ConnectionTrait,
    email: &str,
    new_password: &str,
    role: &str,
) -> Result<admin_user::Model> {
    let email = crate::domain::Email::parse("email", email).map_err(|e| Error::Invalid(vec![e]))?;
    let hash = password::hash(new_password)?;
    let rows = admin_user::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "INSERT INTO admin_users (email, password_hash, role) VALUES ($1, $2, $3)
             ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                 role = EXCLUDED.role, active = TRUE, failed_attempts = 0,
                 locked_until = NULL, updated_at = now()
             RETURNING *",
            [email.as_str().into(), hash.into(), role.into()],
        ))
        .one(db)
        .await?;
    rows.ok_or_else(|| Error::Internal("admin upsert returned no row".into()))
}

async fn spend_hash_work(candidate: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => password::verify(&candidate, &hash),
        None => {
            password::verify_against_dummy(&candidate);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Checks credentials and issues a token.
pub async fn login(
    db: &impl ConnectionTrait,
    policy: &LoginPolicy,
    now: DateTime<Utc>,
    email: &str,
    candidate: &str,
) -> Result<Session> {
    let email = email.trim().to_lowercase();
    let allowed = policy.allowed_emails.is_empty() || policy.allowed_emails.contains(&email);
    let user = if allowed {
        admin_user::Entity::find()
            .filter(admin_user::Column::Email.eq(email.as_str()))
            .filter(admin_user::Column::Active.eq(true))
            .one(db)
            .await?
    } else {
        None
    };
    let matches = spend_hash_work(
        candidate.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let Some(user) = user else {
        tracing::warn!(email = %mask::email(&email), allowed, "admin login refused: unknown or not allowed");
        return Err(Error::Unauthorized);
    };
    if user.locked_until.is_some_and(|until| until > now) {
        tracing::warn!(email = %mask::email(&email), "admin login refused: account locked");
        return Err(Error::Unauthorized);
    }
    if !matches {
        record_failure(db, policy, user.id, now).await?;
        tracing::warn!(email = %mask::email(&email), "admin login refused: wrong password");
        return Err(Error::Unauthorized);
    }
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "UPDATE admin_users SET failed_attempts = 0, locked_until = NULL, last_login_at = $2,
             updated_at = $2 WHERE id = $1",
        [user.id.into(), now.into()],
    ))
    .await?;
    let claims = Claims::new(user.uuid, &user.email, now, policy.token_ttl);
    let token = token::issue(&policy.secret, &claims)?;
    tracing::info!(email = %mask::email(&email), "admin logged in");
    Ok(Session { token, claims })
}

/// Counts a failure; the `max_failed`-th consecutive one locks the account for `lockout`.
/// A failure after a lock has lapsed starts counting again from one.
async fn record_failure(
    db: &impl ConnectionTrait,
    policy: &LoginPolicy,
    id: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "UPDATE admin_users SET
             failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2
                                    THEN 1 ELSE failed_attempts + 1 END,
             locked_until = CASE
                 WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2
                            THEN 1 ELSE failed_attempts + 1 END) >= $3 THEN $4
                 WHEN locked_until <= $2 THEN NULL
                 ELSE locked_until END,
             updated_at = $2
         WHERE id = $1",
        [
            id.into(),
            now.into(),
            i64::from(policy.max_failed).into(),
            (now + policy.lockout).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Revokes a token until its expiry.
pub async fn revoke(
    redis: &RedisConn,
    keys: &Keys,
    claims: &Claims,
    now: DateTime<Utc>,
) -> Result<()> {
    let ttl = (claims.expires_at() - now).num_seconds().max(1);
    let mut conn = redis.clone();
    redis::cmd("SET")
        .arg(keys.revoked_token(&claims.jti))
        .arg("1")
        .arg("EX")
        .arg(ttl)
        .query_async::<()>(&mut conn)
        .await?;
    Ok(())
}

/// Whether a token was revoked.
pub async fn is_revoked(redis: &RedisConn, keys: &Keys, jti: &str) -> Result<bool> {
    let mut conn = redis.clone();
    let exists: bool = redis::cmd("EXISTS")
        .arg(keys.revoked_token(jti))
        .query_async(&mut conn)
        .await?;
    Ok(exists)
}
