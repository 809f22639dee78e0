//! Vocabulary types: each has one fallible constructor, so a value that exists is valid.
//! Most are also the types of entity columns, read from the row as stored: each says why a
//! stored value can be trusted (or how it is read tolerantly where the column is looser).

pub mod accommodation;
pub mod channel;
pub mod code;
pub mod contact;
pub mod conversation;
pub mod date;
pub mod ical_calendar;
pub mod ical_feed;
pub mod ical_import;
pub mod ical_token;
pub mod legacy;
pub mod money;
pub mod ogg;
pub mod payment;
pub mod pricing;
pub mod status;
pub mod stay;
pub mod whatsapp;
pub mod whatsapp_outbound;

#[cfg(test)]
mod proptests;

pub use accommodation::AccommodationKind;
pub use channel::Channel;
pub use code::ReservationCode;
pub use contact::{Email, GuestName, PhoneNumber};
pub use ical_calendar::FeedConsumer;
pub use ical_feed::{Feed, FeedEvent, FeedRejected, SkipReason, looks_truncated_drop, parse_feed};
pub use ical_import::{ConflictResolution, FeedSource};
pub use ical_token::IcalToken;
pub use money::Money;
pub use payment::{AlertKind, PaymentProvider, PaymentRecordStatus};
pub use pricing::{NightPrice, PriceRules, Quote, WeekendNights};
pub use status::{PaymentStatus, ReservationStatus};
pub use stay::{Stay, StayLimits};
pub use whatsapp_outbound::{ListRow, OutboundMessage, ReplyButton};
