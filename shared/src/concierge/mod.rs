//! The WhatsApp concierge: what the bot tells guests and how it writes numbers and dates.
//! Texts live in [`texts`] (the booking flow) and [`answers`] (questions and mishaps) so the
//! owner changes the wording in one place.

pub mod answers;
pub mod format;
pub mod texts;
