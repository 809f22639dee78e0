//! Admin accounts: creating, resetting, deactivating and unlocking them, and logging in (with
//! per-client lockout, an email allowlist and bounded password hashing).
//!
//! Wrong passwords, unknown emails, disallowed emails and locked accounts all answer
//! `Unauthorized` after the same Argon2 work, so neither the answer nor its timing tells an
//! attacker which emails exist. That work needs a [`HashLimiter`] permit, taken before the
//! attempt is counted: a login refused as busy has not used up one of the allowed attempts.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::admin_lockout;
use crate::{
    Error, Result,
    auth::{
        hash_limit::HashLimiter,
        password::{self, PasswordHash},
        role::AdminRole,
        token::{self, Claims},
    },
    config::{Secret, Settings},
    domain::Email,
    entities::admin_user::{self, ActiveModel, Column, Entity},
    mask,
};

/// Login rules from the settings.
#[derive(Clone, Debug)]
pub struct LoginPolicy {
    /// Emails allowed to log in; empty means any active admin.
    pub allowed_emails: Vec<String>,
    /// Attempts from one client network that lock the account for that network.
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

/// A successful login. `Debug` leaves the token out.
#[derive(Clone)]
pub struct Session {
    /// The signed token.
    pub token: String,
    /// What it says.
    pub claims: Claims,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &"[redacted]")
            .field("claims", &self.claims)
            .finish()
    }
}

/// Who is logging in and from where: the email as typed, the password, and the client network
/// (`client_ip::bucket_key` in the API) that failures are counted against.
pub struct LoginAttempt<'a> {
    /// Email as typed (trimmed and lower-cased here).
    pub email: &'a str,
    /// The candidate password.
    pub password: &'a str,
    /// The client network.
    pub client: &'a str,
}

/// Creates an admin, or resets the password and role of an existing one (re-activating it,
/// clearing its login locks and invalidating every token issued before).
pub async fn create_or_reset(
    db: &impl ConnectionTrait,
    email: &str,
    new_password: &str,
    role: AdminRole,
) -> Result<admin_user::Model> {
    let email = Email::parse("email", email).map_err(|e| Error::Invalid(vec![e]))?;
    let row = ActiveModel {
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password::hash(new_password)?),
        role: Set(role),
        ..Default::default()
    };
    // One atomic upsert: an existing account gets the new password and role, comes back to
    // life, and its older tokens stop working.
    let reset = OnConflict::column(Column::Email)
        .update_columns([Column::PasswordHash, Column::Role])
        .value(Column::Active, true)
        .value(
            Column::TokenGeneration,
            Expr::col((Entity, Column::TokenGeneration)).add(1),
        )
        .value(Column::UpdatedAt, Expr::current_timestamp())
        .to_owned();
    let user = Entity::insert(row)
        .on_conflict(reset)
        .exec_with_returning(db)
        .await?;
    admin_lockout::clear_all(db, user.id).await?;
    Ok(user)
}

/// Deactivates an admin: it can no longer log in, and its tokens stop working at once.
pub async fn deactivate(db: &impl ConnectionTrait, email: &str) -> Result<admin_user::Model> {
    let email = Email::parse("email", email).map_err(|e| Error::Invalid(vec![e]))?;
    Entity::update_many()
        .col_expr(Column::Active, Expr::value(false))
        .col_expr(
            Column::TokenGeneration,
            Expr::col(Column::TokenGeneration).add(1),
        )
        .col_expr(Column::UpdatedAt, Expr::current_timestamp())
        .filter(Column::Email.eq(email.as_str()))
        .exec_with_returning(db)
        .await?
        .pop()
        .ok_or(Error::NotFound("admin"))
}

/// Lifts every login lock of an admin (the operator's way back in when failures from some
/// network keep the account locked); returns how many client networks were tracked.
pub async fn unlock(db: &impl ConnectionTrait, email: &str) -> Result<u64> {
    let email = Email::parse("email", email).map_err(|e| Error::Invalid(vec![e]))?;
    let user = Entity::find()
        .filter(Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("admin"))?;
    admin_lockout::clear_all(db, user.id).await
}

/// Checks credentials and issues a token.
pub async fn login(
    db: &impl ConnectionTrait,
    policy: &LoginPolicy,
    hashes: &HashLimiter,
    now: DateTime<Utc>,
    attempt: LoginAttempt<'_>,
) -> Result<Session> {
    let email = attempt.email.trim().to_lowercase();
    let allowed = policy.allowed_emails.is_empty() || policy.allowed_emails.contains(&email);
    let user = if allowed {
        Entity::find()
            .filter(Column::Email.eq(email.as_str()))
            .filter(Column::Active.eq(true))
            .one(db)
            .await?
    } else {
        None
    };
    let permit = hashes.acquire().await?;
    let counted = match &user {
        Some(user) => {
            admin_lockout::try_count_attempt(
                db,
                user.id,
                attempt.client,
                now,
                policy.max_failed,
                policy.lockout,
            )
            .await?
        }
        None => false,
    };
    // Only a counted attempt is checked against the real hash; the others spend the same work
    // on a dummy, so a locked account answers exactly like a wrong password.
    let stored: Option<PasswordHash> = user
        .as_ref()
        .filter(|_| counted)
        .map(|u| u.password_hash.clone());
    let candidate = attempt.password.to_owned();
    let matches = permit
        .run(move || match stored {
            Some(hash) => password::verify(&candidate, &hash),
            None => {
                password::verify_against_dummy(&candidate);
                false
            }
        })
        .await?;
    let Some(user) = user else {
        tracing::warn!(email = %mask::email(&email), allowed, "admin login refused: unknown or not allowed");
        return Err(Error::Unauthorized);
    };
    if !counted {
        tracing::warn!(email = %mask::email(&email), "admin login refused: locked for this client");
        return Err(Error::Unauthorized);
    }
    if !matches {
        tracing::warn!(email = %mask::email(&email), "admin login refused: wrong password");
        return Err(Error::Unauthorized);
    }
    admin_lockout::clear(db, user.id, attempt.client, now).await?;
    Entity::update_many()
        .set(ActiveModel {
            last_login_at: Set(Some(now.into())),
            updated_at: Set(now.into()),
            ..Default::default()
        })
        .filter(Column::Id.eq(user.id))
        .exec(db)
        .await?;
    let claims = Claims::for_admin(&user, now, policy.token_ttl);
    let token = token::issue(&policy.secret, &claims)?;
    tracing::info!(email = %mask::email(&email), role = %user.role, "admin logged in");
    Ok(Session { token, claims })
}
