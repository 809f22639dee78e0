//! The message-understanding probe: a text in, what the concierge's rules read in it out.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object, registry::MetaSchema};
use shared::{
    nlu::{Intent, PolicyKind},
    service::nlu::{Analysis, MAX_TEXT_CHARS},
};

use crate::dto::constraints::{Doc, Rule};

/// A message text: 1 to 4,096 characters (a blank one is refused by the service).
pub struct MessageTextRule;

impl Rule for MessageTextRule {
    fn apply(schema: &mut MetaSchema) {
        schema.min_length = Some(1);
        schema.max_length = Some(MAX_TEXT_CHARS);
    }
}

/// A message as a guest would write it.
#[derive(Clone, Object)]
pub struct AnalyzeBody {
    /// The text, e.g. "hola, ¿tienen lugar para 4 del 15 al 17 de enero?".
    pub text: Doc<String, MessageTextRule>,
}

/// What the guest wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum IntentName {
    /// Room on some dates and its price.
    #[oai(rename = "availability")]
    Availability,
    /// Wants to book or pay.
    #[oai(rename = "book")]
    Book,
    /// Prices without dates.
    #[oai(rename = "prices")]
    Prices,
    /// Cabin details and photos.
    #[oai(rename = "info")]
    Info,
    /// Where and how to get there.
    #[oai(rename = "location")]
    Location,
    /// Check-in and check-out times.
    #[oai(rename = "policies.check_in_time")]
    PoliciesCheckInTime,
    /// Pets.
    #[oai(rename = "policies.pets")]
    PoliciesPets,
    /// Cancellation and refunds.
    #[oai(rename = "policies.cancellation")]
    PoliciesCancellation,
    /// Cancel an existing booking.
    #[oai(rename = "cancel_booking")]
    CancelBooking,
    /// Talk to a person.
    #[oai(rename = "human")]
    Human,
    /// Hello.
    #[oai(rename = "greeting")]
    Greeting,
    /// Thanks.
    #[oai(rename = "thanks")]
    Thanks,
    /// A complaint.
    #[oai(rename = "complaint")]
    Complaint,
    /// Nothing recognised.
    #[oai(rename = "unknown")]
    Unknown,
}

impl From<Intent> for IntentName {
    fn from(intent: Intent) -> Self {
        match intent {
            Intent::Availability => Self::Availability,
            Intent::Book => Self::Book,
            Intent::Prices => Self::Prices,
            Intent::Info => Self::Info,
            Intent::Location => Self::Location,
            Intent::Policies(PolicyKind::CheckInTime) => Self::PoliciesCheckInTime,
            Intent::Policies(PolicyKind::Pets) => Self::PoliciesPets,
            Intent::Policies(PolicyKind::Cancellation) => Self::PoliciesCancellation,
            Intent::CancelBooking => Self::CancelBooking,
            Intent::Human => Self::Human,
            Intent::Greeting => Self::Greeting,
            Intent::Thanks => Self::Thanks,
            Intent::Complaint => Self::Complaint,
            Intent::Unknown => Self::Unknown,
        }
    }
}

/// What was understood; a field nothing was understood for is left out.
#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnalysisView {
    /// What the guest wants.
    pub intent: IntentName,
    /// First night.
    pub check_in: Option<NaiveDate>,
    /// Departure day.
    pub check_out: Option<NaiveDate>,
    /// Nights, stated or from the dates.
    pub nights: Option<u32>,
    /// People staying, babies included.
    pub guests: Option<u32>,
    /// The active accommodation the guest named.
    pub accommodation_id: Option<i32>,
    /// How sure the rules are of the intent, 0 to 1.
    pub confidence: f32,
}

impl From<Analysis> for AnalysisView {
    fn from(a: Analysis) -> Self {
        let u = a.understanding;
        Self {
            intent: u.intent.into(),
            check_in: u.check_in,
            check_out: u.check_out,
            nights: u.nights,
            guests: u.guests,
            accommodation_id: a.accommodation_id,
            confidence: u.confidence,
        }
    }
}
