//! `admin_users`: people who may use the admin API.

use sea_orm::entity::prelude::*;

use crate::auth::{password::PasswordHash, role::AdminRole};

/// One admin account. (Its `Debug` redacts the password hash: see [`PasswordHash`].)
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
    pub password_hash: PasswordHash,
    /// What the admin may do.
    pub role: AdminRole,
    /// Whether it may log in.
    pub active: bool,
    /// Last successful login.
    pub last_login_at: Option<DateTimeWithTimeZone>,
    /// Carried in every token; bumped by a password reset or a deactivation, which makes every
    /// token issued before stop working at once.
    pub token_generation: i32,
    /// Row creation.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
