//! `conversations`: one per guest WhatsApp contact — state, collected slots, hand-off flag and
//! the processing lease (see `service::conversation`).

use sea_orm::entity::prelude::*;

use crate::domain::conversation::{ConversationState, HandOffReason, Slots};

/// A conversation row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    /// Identity.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The guest (`whatsapp_contacts.id`), unique.
    pub contact_id: i64,
    /// Where it stands.
    pub state: ConversationState,
    /// What was collected.
    #[sea_orm(column_type = "JsonBinary")]
    pub slots: Slots,
    /// Messages not understood in a row.
    pub misunderstood: i16,
    /// Whether the owner has it (the bot stays quiet).
    pub handed_off: bool,
    /// Since when the owner has it.
    pub handed_off_at: Option<DateTimeWithTimeZone>,
    /// Why it went to the owner.
    pub hand_off_reason: Option<HandOffReason>,
    /// The latest hold made in this conversation.
    pub reservation_id: Option<i64>,
    /// The latest message either way.
    pub last_message_at: Option<DateTimeWithTimeZone>,
    /// Its first characters.
    pub last_message_preview: Option<String>,
    /// Who is processing it now.
    pub lease_token: Option<Uuid>,
    /// Until when that lease holds.
    pub lease_until: Option<DateTimeWithTimeZone>,
    /// Created.
    pub created_at: DateTimeWithTimeZone,
    /// Last changed.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
