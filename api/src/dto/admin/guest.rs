//! Views and inputs of a guest's data export and erasure (docs/privacy.md).

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use sea_orm::ActiveEnum;
use serde_json::Value;
use shared::{
    entities::{email_log, payment, whatsapp_contact, whatsapp_message},
    service::guest_data::{Erased, GuestConversation, GuestData, GuestStay},
};
use uuid::Uuid;

use crate::dto::{
    admin::{payment::PaymentView, reservation::AdminReservationView},
    constraints::{Doc, Email, Phone},
};

/// Everything stored about a guest.
#[derive(Debug, Clone, Object)]
pub struct GuestExportView {
    /// Stays booked with the phone or the email, by check-in.
    pub stays: Vec<GuestStayView>,
    /// WhatsApp conversations from the phone (or from a phone those stays were booked with).
    pub conversations: Vec<GuestConversationView>,
}

impl From<GuestData> for GuestExportView {
    fn from(d: GuestData) -> Self {
        Self {
            stays: d.stays.into_iter().map(Into::into).collect(),
            conversations: d.conversations.into_iter().map(Into::into).collect(),
        }
    }
}

/// One stay, its payments and the emails sent about it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GuestStayView {
    /// The reservation as the owner sees it.
    pub reservation: AdminReservationView,
    /// The IP address a public booking came from.
    pub client_ip: Option<String>,
    /// Deposit links and payments.
    pub payments: Vec<GuestPaymentView>,
    /// Notices emailed about it.
    pub emails: Vec<GuestEmailView>,
}

impl From<GuestStay> for GuestStayView {
    fn from(s: GuestStay) -> Self {
        Self {
            client_ip: s.reservation.client_ip.clone(),
            reservation: s.reservation.into(),
            payments: s.payments.into_iter().map(Into::into).collect(),
            emails: s.emails.into_iter().map(Into::into).collect(),
        }
    }
}

/// A payment row and what Mercado Pago told us about it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GuestPaymentView {
    /// The payment as the owner sees it.
    pub payment: PaymentView,
    /// Mercado Pago's payment JSON as last fetched (payer included).
    pub provider_data: Option<Value>,
}

impl From<payment::Model> for GuestPaymentView {
    fn from(p: payment::Model) -> Self {
        Self {
            provider_data: p.raw_provider.clone(),
            payment: p.into(),
        }
    }
}

/// An email notice about a stay.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GuestEmailView {
    /// hold_created, confirmed, expiring, expired, cancelled or payment_link_resent (the
    /// latest of the owner's resends of the payment link).
    pub event: String,
    /// The address it went to.
    pub recipient: Option<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// pending, sent, failed or skipped.
    pub outcome: String,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was first queued.
    pub created_at: DateTime<Utc>,
}

impl From<email_log::Model> for GuestEmailView {
    fn from(e: email_log::Model) -> Self {
        Self {
            event: e.event.to_value(),
            recipient: e.recipient,
            subject: e.subject,
            outcome: e.outcome.to_value(),
            sent_at: e.sent_at.map(|t| t.with_timezone(&Utc)),
            created_at: e.created_at.with_timezone(&Utc),
        }
    }
}

/// A WhatsApp guest and every message both ways.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GuestConversationView {
    /// E.164 phone.
    pub phone: String,
    /// WhatsApp profile name.
    pub profile_name: Option<String>,
    /// First message.
    pub first_seen_at: DateTime<Utc>,
    /// Latest message.
    pub last_seen_at: DateTime<Utc>,
    /// Every message, oldest first.
    pub messages: Vec<GuestMessageView>,
}

impl From<GuestConversation> for GuestConversationView {
    fn from(c: GuestConversation) -> Self {
        let whatsapp_contact::Model {
            phone,
            profile_name,
            first_seen_at,
            last_seen_at,
            ..
        } = c.contact;
        Self {
            phone,
            profile_name,
            first_seen_at: first_seen_at.with_timezone(&Utc),
            last_seen_at: last_seen_at.with_timezone(&Utc),
            messages: c.messages.into_iter().map(Into::into).collect(),
        }
    }
}

/// One message, either way.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GuestMessageView {
    /// inbound (the guest wrote) or outbound (we wrote).
    pub direction: String,
    /// text, interactive, audio, image, template, …
    #[oai(rename = "type")]
    pub kind: String,
    /// The text (a voice note's transcript is not stored).
    pub text: Option<String>,
    /// The chosen button or list row.
    pub interactive_id: Option<String>,
    /// Meta's media id (audio, image, document).
    pub media_id: Option<String>,
    /// Meta's time, or when we stored it.
    pub at: DateTime<Utc>,
}

impl From<whatsapp_message::Model> for GuestMessageView {
    fn from(m: whatsapp_message::Model) -> Self {
        Self {
            direction: m.direction.to_value(),
            kind: m.message_type,
            text: m.text_body,
            interactive_id: m.interactive_id,
            media_id: m.media_id,
            at: m.sent_at.unwrap_or(m.received_at).with_timezone(&Utc),
        }
    }
}

/// The guest to erase: a phone, an email, or both (at least one).
#[derive(Debug, Clone, Object)]
pub struct GuestEraseBody {
    /// The guest's phone, as typed (normalised to E.164 like everywhere).
    pub phone: Option<Doc<String, Phone>>,
    /// The guest's email.
    pub email: Option<Doc<String, Email>>,
}

/// What an erasure did.
#[derive(Debug, Clone, Object)]
pub struct GuestErasedView {
    /// The audit entry recording it (`guest.erase`): quote it to the guest.
    pub erasure_id: Uuid,
    /// Stays anonymised by this request (0 when already done).
    pub stays: u64,
    /// WhatsApp conversations deleted by this request (0 when already done).
    pub conversations: u64,
}

impl From<Erased> for GuestErasedView {
    fn from(e: Erased) -> Self {
        Self {
            erasure_id: e.erasure_id,
            stays: e.stays,
            conversations: e.conversations,
        }
    }
}
