//! `whatsapp_message_statuses`: delivery statuses of our outbound messages, one per
//! (wamid, status).

use sea_orm::entity::prelude::*;

/// One status of one message.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "whatsapp_message_statuses")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The message.
    pub wamid: String,
    /// sent, delivered, read, failed, played.
    pub status: String,
    /// Who the message went to.
    pub recipient_id: Option<String>,
    /// Meta's timestamp.
    pub status_at: Option<DateTimeWithTimeZone>,
    /// Meta's `errors[]` (failed only).
    pub errors: Option<Json>,
    /// When we stored it.
    pub received_at: DateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
