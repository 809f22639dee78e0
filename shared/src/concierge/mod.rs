//! The WhatsApp concierge: what the bot tells guests and how it writes numbers and dates.
//! Texts live in [`texts`] so the owner changes the wording in one place.

pub mod format;
pub mod texts;
