//! Vocabulary types: each has one fallible constructor, so a value that exists is valid.

pub mod channel;
pub mod code;
pub mod contact;
pub mod date;
pub mod ical_token;
pub mod money;
pub mod payment;
pub mod pricing;
pub mod status;
pub mod stay;
pub mod whatsapp;

#[cfg(test)]
mod proptests;

pub use channel::Channel;
pub use code::ReservationCode;
pub use contact::{Email, GuestName, PhoneNumber};
pub use ical_token::IcalToken;
pub use money::Money;
pub use payment::{AlertKind, PaymentRecordStatus};
pub use pricing::{NightPrice, PriceRules, Quote};
pub use status::{PaymentStatus, ReservationStatus};
pub use stay::{Stay, StayLimits};
