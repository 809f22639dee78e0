//! `webhook_events`: every webhook delivery, valid or not (the admin webhook monitor).

use sea_orm::entity::prelude::*;

/// Processing state of a webhook event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum WebhookState {
    /// Recorded; its jobs have not all completed.
    Pending,
    /// Every job of the event completed.
    Processed,
    /// Gave up after the sweep's attempts, or a job failed permanently.
    Failed,
    /// Refused (bad or missing signature): no job was enqueued.
    Rejected,
}

impl WebhookState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processed => "processed",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
        }
    }
}

/// One delivery.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `whatsapp` or `mercadopago`.
    pub provider: String,
    /// The provider's id of what the event is about (first wamid, payment id).
    pub provider_event_id: Option<String>,
    /// When the request arrived.
    pub received_at: DateTimeWithTimeZone,
    /// Whether the signature checked out.
    pub signature_valid: bool,
    /// What the API answered (its receipt: the services store it and never read it).
    pub status_returned: i16,
    /// Milliseconds from arrival until durably recorded.
    pub latency_ms: i32,
    /// The exact body; `None` once purged.
    pub raw_payload: Option<String>,
    /// Signed parts outside the body (query id, request id).
    pub metadata: Json,
    /// How many jobs the event was split into.
    pub jobs_total: i32,
    /// Processing state.
    pub state: WebhookState,
    /// The last processing error.
    pub last_error: Option<String>,
    /// How many times its jobs were (re-)enqueued.
    pub attempts: i32,
    /// When its jobs were last enqueued; `None` while they never were (the queue was down
    /// when the event was recorded, or it has no jobs).
    pub enqueued_at: Option<DateTimeWithTimeZone>,
    /// When it was fully processed.
    pub processed_at: Option<DateTimeWithTimeZone>,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
