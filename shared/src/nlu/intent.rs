//! What the guest wants, from keywords and phrases over the normalized tokens.
//!
//! The intents are tried in a fixed order, the first that matches wins: a complaint, asking
//! for a person or cancelling a booking hand the conversation to the owner, so they go first;
//! greetings and thanks only count when nothing else was said ("hola, ¿tienen lugar?" is an
//! availability question).

use serde::Serialize;

use super::intent_words::{
    AVAILABILITY, BOOK, CANCEL_POLICY, CANCEL_VERBS, CHECK_IN_TIME, COMPLAINT, GREETING, HUMAN,
    INFO, LOCATION, PETS, PRICES, THANKS,
};

use super::normalize::Token;

/// Which policy a guest asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Check-in and check-out times.
    CheckInTime,
    /// Pets.
    Pets,
    /// Cancellation and refunds.
    Cancellation,
}

/// What a message asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Is there room on these dates, and what would it cost.
    Availability,
    /// The guest wants to book (or pay the deposit).
    Book,
    /// Prices in general, without dates.
    Prices,
    /// What the cabins are like; photos.
    Info,
    /// Where they are and how to get there.
    Location,
    /// A house rule.
    Policies(PolicyKind),
    /// Cancel an existing booking (the owner handles it).
    CancelBooking,
    /// Talk to a person.
    Human,
    /// Hello.
    Greeting,
    /// Thanks.
    Thanks,
    /// Something went wrong for the guest.
    Complaint,
    /// Nothing recognised.
    Unknown,
}

impl Intent {
    /// The name used in the API and logs (policies with their kind: "policies.pets").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Availability => "availability",
            Self::Book => "book",
            Self::Prices => "prices",
            Self::Info => "info",
            Self::Location => "location",
            Self::Policies(PolicyKind::CheckInTime) => "policies.check_in_time",
            Self::Policies(PolicyKind::Pets) => "policies.pets",
            Self::Policies(PolicyKind::Cancellation) => "policies.cancellation",
            Self::CancelBooking => "cancel_booking",
            Self::Human => "human",
            Self::Greeting => "greeting",
            Self::Thanks => "thanks",
            Self::Complaint => "complaint",
            Self::Unknown => "unknown",
        }
    }
}

/// The normalized words of a message, with phrase lookups.
pub struct Words<'a> {
    words: Vec<&'a str>,
}

impl<'a> Words<'a> {
    /// The words of `tokens` (numbers and dates left out).
    pub fn new(tokens: &'a [Token]) -> Self {
        Self {
            words: tokens.iter().filter_map(Token::word).collect(),
        }
    }

    /// Whether any of `items` occurs: a single word, or several words in a row ("a que hora").
    /// An item ending in `*` matches any word starting with it ("reserv*").
    pub fn any(&self, items: &[&str]) -> bool {
        items.iter().any(|item| self.has(item))
    }

    fn has(&self, item: &str) -> bool {
        let parts: Vec<&str> = item.split(' ').collect();
        if parts.is_empty() || parts.len() > self.words.len() {
            return false;
        }
        self.words.windows(parts.len()).any(|window| {
            window
                .iter()
                .zip(&parts)
                .all(|(w, p)| match p.strip_suffix('*') {
                    Some(prefix) => w.starts_with(prefix),
                    None => w == p,
                })
        })
    }

    /// Whether the message has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// The intent of a message and how sure the rule is (0 to 1), given whether dates or guests
/// were found in it.
pub fn classify(w: &Words<'_>, has_stay: bool) -> (Intent, f32) {
    if w.any(COMPLAINT) {
        return (Intent::Complaint, 0.85);
    }
    if w.any(HUMAN) {
        return (Intent::Human, 0.9);
    }
    let cancel_word = w.any(CANCEL_VERBS);
    if cancel_word && !w.any(CANCEL_POLICY) && (w.any(&["reserva*", "estadia"]) || !has_stay) {
        return (Intent::CancelBooking, 0.85);
    }
    if w.any(CANCEL_POLICY)
        && (cancel_word || w.any(&["cancel*", "reembols*", "devuelven", "devolucion"]))
    {
        return (Intent::Policies(PolicyKind::Cancellation), 0.85);
    }
    if w.any(BOOK) {
        return (Intent::Book, if has_stay { 0.9 } else { 0.75 });
    }
    if w.any(PETS) {
        return (Intent::Policies(PolicyKind::Pets), 0.85);
    }
    if w.any(CHECK_IN_TIME) {
        return (Intent::Policies(PolicyKind::CheckInTime), 0.8);
    }
    if w.any(LOCATION) {
        return (Intent::Location, 0.85);
    }
    if w.any(INFO) {
        return (Intent::Info, 0.8);
    }
    let prices = w.any(PRICES);
    if w.any(AVAILABILITY) || (prices && has_stay) {
        return (Intent::Availability, if has_stay { 0.9 } else { 0.75 });
    }
    if prices {
        return (Intent::Prices, 0.8);
    }
    if w.any(&["reserva"]) {
        return (Intent::Book, if has_stay { 0.8 } else { 0.6 });
    }
    if has_stay {
        return (Intent::Availability, 0.6);
    }
    if w.any(THANKS) {
        return (Intent::Thanks, 0.8);
    }
    if w.any(GREETING) {
        return (Intent::Greeting, 0.85);
    }
    (Intent::Unknown, 0.0)
}
