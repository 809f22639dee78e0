//! `whatsapp_messages`: every message guests sent (and, later, what we answered).

use sea_orm::entity::prelude::*;

use crate::domain::{
    conversation::MessageAuthor,
    whatsapp::{MessageDirection, MessageState},
};

/// One message, unique by `wamid`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "whatsapp_messages")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Meta's message id.
    pub wamid: Option<String>,
    /// The guest.
    pub contact_id: i64,
    /// Which way it went.
    pub direction: MessageDirection,
    /// text, interactive, audio, image, ...
    pub message_type: String,
    /// Text body (text messages).
    pub text_body: Option<String>,
    /// Chosen button or list row id (interactive replies).
    pub interactive_id: Option<String>,
    /// Media id (audio, image, document, video, sticker).
    pub media_id: Option<String>,
    /// The message object as Meta sent it.
    pub raw: Json,
    /// Meta's timestamp.
    pub sent_at: Option<DateTimeWithTimeZone>,
    /// When we stored it.
    pub received_at: DateTimeWithTimeZone,
    /// `Unanswered` until the conversation engine (or the owner) handles it.
    pub state: MessageState,
    /// The delivery it came in.
    pub webhook_event_id: Option<i64>,
    /// Who wrote an outbound message.
    pub author: Option<MessageAuthor>,
    /// Why an outbound message could not be sent.
    pub error: Option<String>,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
