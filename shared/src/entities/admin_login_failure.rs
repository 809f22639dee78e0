//! `admin_login_failures`: failed admin logins counted per account and client network, and
//! the lock they earn (`service::admin_lockout`; the counting upsert stays raw SQL because it
//! must be one atomic statement).

use sea_orm::entity::prelude::*;

/// The attempts of one account from one client network.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_login_failures")]
pub struct Model {
    /// The account tried.
    #[sea_orm(primary_key, auto_increment = false)]
    pub admin_user_id: i32,
    /// The client network: an IPv4 address, an IPv6 /64, or `unknown`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub client: String,
    /// Attempts counted since the last success or lapsed lock.
    pub failures: i32,
    /// Until when logins from this client are refused, once it is locked.
    pub locked_until: Option<DateTimeWithTimeZone>,
    /// The last attempt counted.
    pub updated_at: DateTimeWithTimeZone,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
