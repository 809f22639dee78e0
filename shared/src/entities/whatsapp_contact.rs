//! `whatsapp_contacts`: guests who wrote on WhatsApp.

use sea_orm::entity::prelude::*;

/// One guest's WhatsApp identity.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "whatsapp_contacts")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Meta's id (the number without `+`).
    pub wa_id: String,
    /// E.164 phone.
    pub phone: String,
    /// WhatsApp profile name.
    pub profile_name: Option<String>,
    /// First message.
    pub first_seen_at: DateTimeWithTimeZone,
    /// Latest message.
    pub last_seen_at: DateTimeWithTimeZone,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
