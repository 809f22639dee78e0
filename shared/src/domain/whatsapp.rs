//! Meta's WhatsApp Cloud API webhook body, read only as far as we need it.
//!
//! One POST can batch several entries, each with several changes, each with messages,
//! statuses and the contacts who sent them. [`WebhookBatch::items`] splits it into one item
//! per message and per status; the job of each item re-reads its message from the stored body.

use chrono::{DateTime, Utc};
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::Deserialize;
use serde_json::Value;

use crate::{Error, Result};

/// Which way a stored WhatsApp message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum MessageDirection {
    /// A guest wrote to us.
    Inbound,
    /// We wrote to a guest.
    Outbound,
}

/// Where a stored WhatsApp message stands with us.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum MessageState {
    /// An inbound message nobody has handled yet: it waits for the owner (or, later, the
    /// conversation engine).
    Unanswered,
    /// An inbound message that got its answer.
    Answered,
    /// An inbound message deliberately left without an answer.
    Ignored,
    /// An outbound message decided and waiting to be sent (the outbox).
    Queued,
    /// An outbound message handed to Meta.
    Sent,
    /// An outbound message Meta refused for good (see its `error`).
    Failed,
}

/// A parsed webhook body.
#[derive(Debug, Default, Deserialize)]
pub struct WebhookBatch {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Default, Deserialize)]
struct Change {
    #[serde(default)]
    value: ChangeValue,
}

#[derive(Debug, Default, Deserialize)]
struct ChangeValue {
    #[serde(default)]
    contacts: Vec<ContactJson>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct ContactJson {
    wa_id: String,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Debug, Clone, Deserialize)]
struct Profile {
    name: Option<String>,
}

/// One unit of work in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BatchItem {
    /// An inbound message, by id.
    Message {
        /// Meta's message id.
        wamid: String,
    },
    /// A delivery status of one of our messages.
    Status {
        /// The message.
        wamid: String,
        /// sent, delivered, read, failed, played.
        status: String,
    },
}

/// An inbound message, ready to store.
#[derive(Clone, Debug)]
pub struct InboundMessage {
    /// Meta's message id.
    pub wamid: String,
    /// The sender's WhatsApp id (digits of the phone).
    pub from: String,
    /// The sender's profile name, when Meta sent it.
    pub profile_name: Option<String>,
    /// text, interactive, audio, ...
    pub kind: String,
    /// Text body (of a tap: the button or row title).
    pub text: Option<String>,
    /// Button or list row id of an interactive reply.
    pub interactive_id: Option<String>,
    /// Media id of audio, image, video, document or sticker.
    pub media_id: Option<String>,
    /// Meta's timestamp.
    pub sent_at: Option<DateTime<Utc>>,
    /// The message object as sent.
    pub raw: Value,
}

/// A delivery status, ready to store.
#[derive(Clone, Debug)]
pub struct DeliveryStatus {
    /// The message.
    pub wamid: String,
    /// sent, delivered, read, failed, played.
    pub status: String,
    /// Who the message went to.
    pub recipient_id: Option<String>,
    /// Meta's timestamp.
    pub at: Option<DateTime<Utc>>,
    /// `errors[]` of a failed delivery.
    pub errors: Option<Value>,
}

fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}

fn timestamp(value: &Value) -> Option<DateTime<Utc>> {
    let secs: i64 = value.get("timestamp")?.as_str()?.parse().ok()?;
    DateTime::from_timestamp(secs, 0)
}

impl WebhookBatch {
    /// Parses a body; malformed JSON is `Invalid` (a permanent failure).
    pub fn parse(raw: &[u8]) -> Result<Self> {
        serde_json::from_slice(raw)
            .map_err(|e| Error::invalid("body", "invalid_json", e.to_string()))
    }

    fn values(&self) -> impl Iterator<Item = &ChangeValue> {
        self.entry
            .iter()
            .flat_map(|e| e.changes.iter().map(|c| &c.value))
    }

    /// One item per message and per status, in order (duplicates inside a batch removed).
    pub fn items(&self) -> Vec<BatchItem> {
        let mut items = Vec::new();
        for value in self.values() {
            for message in &value.messages {
                if let Some(wamid) = str_field(message, "id") {
                    items.push(BatchItem::Message { wamid });
                }
            }
            for status in &value.statuses {
                if let (Some(wamid), Some(state)) =
                    (str_field(status, "id"), str_field(status, "status"))
                {
                    items.push(BatchItem::Status {
                        wamid,
                        status: state,
                    });
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        items.retain(|item| seen.insert(item.clone()));
        items
    }

    /// The message with id `wamid`, with its sender's contact.
    pub fn message(&self, wamid: &str) -> Option<InboundMessage> {
        self.values().find_map(|value| {
            let message = value
                .messages
                .iter()
                .find(|m| m.get("id").and_then(Value::as_str) == Some(wamid))?;
            let from = str_field(message, "from")?;
            let profile_name = value
                .contacts
                .iter()
                .find(|c| c.wa_id == from)
                .and_then(|c| c.profile.as_ref()?.name.clone());
            let kind = str_field(message, "type").unwrap_or_else(|| "unknown".into());
            // A tap's title stands in for the text: a button we did not send is read as words.
            let text = [
                "/text/body",
                "/interactive/button_reply/title",
                "/interactive/list_reply/title",
                "/button/text",
            ]
            .iter()
            .find_map(|p| message.pointer(p).and_then(Value::as_str))
            .map(str::to_owned);
            let interactive_id = [
                "/interactive/button_reply/id",
                "/interactive/list_reply/id",
                "/button/payload",
            ]
            .iter()
            .find_map(|p| message.pointer(p).and_then(Value::as_str))
            .map(str::to_owned);
            let media_id = message
                .get(kind.as_str())
                .filter(|_| {
                    matches!(
                        kind.as_str(),
                        "audio" | "image" | "video" | "document" | "sticker"
                    )
                })
                .and_then(|m| str_field(m, "id"));
            Some(InboundMessage {
                wamid: wamid.to_owned(),
                from,
                profile_name,
                text,
                interactive_id,
                media_id,
                sent_at: timestamp(message),
                raw: message.clone(),
                kind,
            })
        })
    }

    /// The status `status` of message `wamid`.
    pub fn status(&self, wamid: &str, status: &str) -> Option<DeliveryStatus> {
        self.values().find_map(|value| {
            let found = value.statuses.iter().find(|s| {
                s.get("id").and_then(Value::as_str) == Some(wamid)
                    && s.get("status").and_then(Value::as_str) == Some(status)
            })?;
            Some(DeliveryStatus {
                wamid: wamid.to_owned(),
                status: status.to_owned(),
                recipient_id: str_field(found, "recipient_id"),
                at: timestamp(found),
                errors: found.get("errors").cloned(),
            })
        })
    }
}

#[cfg(test)]
#[path = "whatsapp_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    const BATCH: &str = r#"{"entry":[{"changes":[{"value":{"contacts":[{"profile":{"name":"Ana"},"wa_id":"5493511111111"}],"messages":[{"from":"5493511111111","id":"wamid.A","timestamp":"1764000500","type":"text","text":{"body":"hola"}},{"from":"5493511111111","id":"wamid.B","timestamp":"1764000501","type":"audio","audio":{"id":"m1"}}],"statuses":[{"id":"wamid.C","status":"read","timestamp":"1764000400","recipient_id":"549"}]}}]}]}"#;

    #[test]
    fn a_batch_splits_into_one_item_per_message_and_status() {
        let batch = WebhookBatch::parse(BATCH.as_bytes()).expect("parse");
        assert_eq!(
            batch.items(),
            vec![
                BatchItem::Message {
                    wamid: "wamid.A".into()
                },
                BatchItem::Message {
                    wamid: "wamid.B".into()
                },
                BatchItem::Status {
                    wamid: "wamid.C".into(),
                    status: "read".into()
                },
            ]
        );
    }

    #[test]
    fn a_message_carries_its_contact_text_and_media() {
        let batch = WebhookBatch::parse(BATCH.as_bytes()).expect("parse");
        let text = batch.message("wamid.A").expect("message");
        assert_eq!(text.profile_name.as_deref(), Some("Ana"));
        assert_eq!(text.text.as_deref(), Some("hola"));
        let audio = batch.message("wamid.B").expect("audio");
        assert_eq!(audio.media_id.as_deref(), Some("m1"));
        assert!(batch.message("wamid.Z").is_none());
        assert_eq!(
            batch
                .status("wamid.C", "read")
                .expect("status")
                .recipient_id,
            Some("549".into())
        );
    }

    #[test]
    fn malformed_bodies_are_invalid() {
        assert!(WebhookBatch::parse(b"{not json").is_err());
        assert!(
            WebhookBatch::parse(b"{}")
                .expect("empty object")
                .items()
                .is_empty()
        );
    }
}
