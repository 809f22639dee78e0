//! WhatsApp jobs: one per message and one per delivery status of a webhook delivery, and the
//! every-minute sweep of conversations left with work.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, maintenance::Scheduled};
use crate::trace::JobTrace;

/// Persist one inbound message (and its guest contact) from a recorded webhook event.
///
/// The handler re-reads the message from the event's stored payload; dedupe is by `wamid`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WhatsappInbound {
    /// The `webhook_events` row holding the payload.
    pub webhook_event_id: i64,
    /// Meta's message id.
    pub wamid: String,
    /// The trace of the webhook delivery that enqueued it (absent in payloads of older
    /// releases and in re-enqueued ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<JobTrace>,
}

impl Job for WhatsappInbound {
    const NAME: &'static str = "whatsapp_inbound.v1";
    const MAX_ATTEMPTS: usize = 8;

    fn trace(&self) -> Option<&JobTrace> {
        self.trace.as_ref()
    }
}

/// Persist one delivery status of one of our outbound messages; dedupe by `wamid` + status.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WhatsappStatus {
    /// The `webhook_events` row holding the payload.
    pub webhook_event_id: i64,
    /// The message the status is about.
    pub wamid: String,
    /// sent, delivered, read, failed or played.
    pub status: String,
    /// The trace of the webhook delivery that enqueued it (absent in payloads of older
    /// releases and in re-enqueued ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<JobTrace>,
}

impl Job for WhatsappStatus {
    const NAME: &'static str = "whatsapp_status.v1";
    const MAX_ATTEMPTS: usize = 5;

    fn trace(&self) -> Option<&JobTrace> {
        self.trace.as_ref()
    }
}

/// Every minute: drain the conversations left with work — replies still queued (Meta was down
/// longer than the inbound job's retries) or guest messages unanswered while no worker holds
/// the conversation (a worker died mid-turn) — within the last hour.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SweepConversations {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for SweepConversations {
    const NAME: &'static str = "conversation_sweep.v1";
    /// The next slot sweeps again.
    const MAX_ATTEMPTS: usize = 2;
}

impl Scheduled for SweepConversations {
    fn for_slot(slot: DateTime<Utc>) -> Self {
        Self { slot }
    }
}
