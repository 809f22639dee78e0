//! `admin_users`: people who may use the admin API.

use sea_orm::entity::prelude::*;

/// One admin account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_users")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Stable opaque id (the token's `sub`).
    pub uuid: Uuid,
    /// Login email, lower-cased.
    pub email: String,
    /// Argon2id PHC hash.
    pub password_hash: String,
    /// owner or staff.
    pub role: String,
    /// Whether it may log in.
    pub active: bool,
    /// Last successful login.
    pub last_login_at: Option<DateTimeWithTimeZone>,
    /// Consecutive failed logins.
    pub failed_attempts: i32,
    /// Refuse logins until then.
    pub locked_until: Option<DateTimeWithTimeZone>,
    /// Row creation.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
