//! Admin views and inputs of the concierge's WhatsApp conversations.

use chrono::{DateTime, Utc};
use poem_openapi::{Object, registry::MetaSchema, types::Example};
use sea_orm::ActiveEnum;
use shared::{
    domain::whatsapp_outbound::MAX_TEXT_BODY,
    service::conversation_admin::{
        ConversationDetail, ConversationMessage, ConversationSummary, Resolved,
    },
};

use crate::dto::constraints::{Doc, Rule};

/// The owner's reply: 1 to 4096 characters once trimmed (counted as WhatsApp counts them,
/// in UTF-16 units: an emoji counts as two).
#[derive(Debug, Clone, Copy)]
pub struct ReplyText;

impl Rule for ReplyText {
    fn apply(schema: &mut MetaSchema) {
        schema.min_length = Some(1);
        schema.max_length = Some(MAX_TEXT_BODY);
        schema.pattern = Some("\\S".into());
    }
}

/// A guest's phone in a path: E.164 with or without its `+` (8 to 15 digits, the first not
/// 0), exactly what the service reads.
#[derive(Debug, Clone, Copy)]
pub struct GuestPhone;

impl Rule for GuestPhone {
    fn apply(schema: &mut MetaSchema) {
        schema.pattern = Some("^\\s*\\+?[1-9][0-9]{7,14}\\s*$".into());
    }
}

/// What the owner writes to the guest.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ReplyBody {
    /// The message, sent as WhatsApp text (Argentine Spanish, like the bot's).
    pub text: Doc<String, ReplyText>,
}

impl Example for ReplyBody {
    fn example() -> Self {
        Self {
            text: Doc::new(
                "¡Hola Laura! Soy Marta, la dueña. Te cancelo la reserva sin cargo, ¿te parece?"
                    .into(),
            ),
        }
    }
}

fn example_time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A guest and their conversation with the concierge.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ConversationView {
    /// The guest's phone, E.164 (use it, with or without `+`, in `/conversations/{phone}`).
    pub phone: String,
    /// Their WhatsApp profile name.
    pub profile_name: Option<String>,
    /// Where the bot's conversation stands: new, collecting, quoted, holding or booked.
    pub state: String,
    /// Whether the owner has it: the bot does not answer it until it is resolved.
    pub handed_off: bool,
    /// Since when the owner has it.
    pub handed_off_at: Option<DateTime<Utc>>,
    /// Why it went to the owner: cancel, human, misunderstood or complaint.
    pub hand_off_reason: Option<String>,
    /// The guest's messages nobody has answered yet.
    pub unanswered: u64,
    /// The latest message the conversation recorded (a bot answer, a booking notice, an
    /// owner's reply).
    pub last_message_at: Option<DateTime<Utc>>,
    /// Its first 200 characters.
    pub last_message_preview: Option<String>,
    /// When the guest last wrote.
    pub last_guest_message_at: DateTime<Utc>,
    /// Whether a reply can be sent now: WhatsApp allows free text only within 24 hours of
    /// the guest's last message.
    pub window_open: bool,
    /// The code of the hold made in this conversation, if any.
    pub reservation_code: Option<String>,
}

impl From<ConversationSummary> for ConversationView {
    fn from(c: ConversationSummary) -> Self {
        Self {
            phone: c.phone,
            profile_name: c.profile_name,
            state: c.state.to_value(),
            handed_off: c.handed_off,
            handed_off_at: c.handed_off_at,
            hand_off_reason: c.hand_off_reason.map(|r| r.to_value()),
            unanswered: c.unanswered,
            last_message_at: c.last_message_at,
            last_message_preview: c.last_message_preview,
            last_guest_message_at: c.last_guest_message_at,
            window_open: c.window_open,
            reservation_code: c.reservation_code.map(|code| code.to_string()),
        }
    }
}

impl Example for ConversationView {
    fn example() -> Self {
        Self {
            phone: "+5491155550123".into(),
            profile_name: Some("Laura Gómez".into()),
            state: "holding".into(),
            handed_off: true,
            handed_off_at: Some(example_time("2027-01-10T14:02:11Z")),
            hand_off_reason: Some("cancel".into()),
            unanswered: 2,
            last_message_at: Some(example_time("2027-01-10T14:02:11Z")),
            last_message_preview: Some(
                "Le aviso a la dueña y te escribe por acá a la brevedad.".into(),
            ),
            last_guest_message_at: example_time("2027-01-10T14:05:40Z"),
            window_open: true,
            reservation_code: Some("RES270110A1B2C3".into()),
        }
    }
}

/// One message of a conversation, either way.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ConversationMessageView {
    /// Message id.
    pub id: i64,
    /// inbound (the guest wrote) or outbound (we wrote).
    pub direction: String,
    /// Who wrote an outbound message: bot or owner.
    pub author: Option<String>,
    /// Inbound: text, interactive, button, audio, image, …; outbound: text, buttons, list,
    /// image or template.
    #[oai(rename = "type")]
    pub kind: String,
    /// The text (for buttons and lists, the body and the options the guest saw).
    pub text: Option<String>,
    /// Inbound: unanswered, answered or ignored. Outbound: queued (not sent yet), sent, or
    /// failed (see `error`).
    pub state: String,
    /// Why an outbound message was not sent (`window_closed`, Meta's refusal).
    pub error: Option<String>,
    /// Meta's message id (absent while queued).
    pub wamid: Option<String>,
    /// When it was written: Meta's time for the guest's, the sending time for ours (the
    /// queuing time while queued).
    pub at: DateTime<Utc>,
    /// The furthest delivery status Meta reported for one of ours: sent, delivered, read,
    /// played or failed.
    pub delivery: Option<String>,
}

impl From<ConversationMessage> for ConversationMessageView {
    fn from(m: ConversationMessage) -> Self {
        Self {
            id: m.id,
            direction: m.direction.to_value(),
            author: m.author.map(|a| a.to_value()),
            kind: m.kind,
            text: m.text,
            state: m.state.to_value(),
            error: m.error,
            wamid: m.wamid,
            at: m.at,
            delivery: m.delivery,
        }
    }
}

impl Example for ConversationMessageView {
    fn example() -> Self {
        Self {
            id: 4812,
            direction: "outbound".into(),
            author: Some("owner".into()),
            kind: "text".into(),
            text: Some(ReplyBody::example().text.0),
            state: "sent".into(),
            error: None,
            wamid: Some("wamid.HBgNNTQ5MTE1NTU1MDEyMxUCABEYEjVCRkE3QjQ1QkU4M0Y1RTc5AA==".into()),
            at: example_time("2027-01-10T14:07:02Z"),
            delivery: Some("delivered".into()),
        }
    }
}

/// A conversation and its latest messages.
#[derive(Debug, Clone, Object)]
pub struct ConversationDetailView {
    /// The guest and where the conversation stands.
    pub conversation: ConversationView,
    /// The latest 200 messages both ways, oldest first.
    pub messages: Vec<ConversationMessageView>,
    /// Whether older messages exist than those listed (only the latest 200 are returned).
    pub has_older: bool,
}

impl From<ConversationDetail> for ConversationDetailView {
    fn from(d: ConversationDetail) -> Self {
        Self {
            conversation: d.conversation.into(),
            messages: d.messages.into_iter().map(Into::into).collect(),
            has_older: d.has_older,
        }
    }
}

/// What resolving did.
#[derive(Debug, Clone, Object)]
pub struct ResolvedView {
    /// The conversation now (back with the bot).
    pub conversation: ConversationView,
    /// Whether it was handed off; `false`: it was not, and nothing changed.
    pub changed: bool,
    /// The guest's unanswered messages marked `ignored` (the owner dealt with them).
    pub ignored: u64,
}

impl From<Resolved> for ResolvedView {
    fn from(r: Resolved) -> Self {
        Self {
            conversation: r.conversation.into(),
            changed: r.changed,
            ignored: r.ignored,
        }
    }
}
