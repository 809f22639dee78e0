//! A guest's WhatsApp conversation with the concierge: where it stands, what was collected,
//! and the ids of the buttons and list rows we send (read back when the guest taps them).
//!
//! Button ids carry everything their action needs (`book:3:2027-01-15:2027-01-17:4`), so a
//! tap works whatever the conversation did in between; they are parsed as hostile input.

use chrono::NaiveDate;
use sea_orm::{DeriveActiveEnum, EnumIter, FromJsonQueryResult};
use serde::{Deserialize, Serialize};

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum ConversationState {
    /// Nothing answered yet: the next answer greets.
    New,
    /// Collecting the dates and the number of guests.
    Collecting,
    /// Options were quoted; waiting for a "Reservar".
    Quoted,
    /// A hold was made; waiting for the deposit.
    Holding,
    /// The deposit arrived: the booking is confirmed.
    Booked,
}

/// Why a conversation went to the owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum HandOffReason {
    /// The guest wants to cancel a booking.
    Cancel,
    /// The guest asked for a person.
    Human,
    /// Three messages in a row were not understood.
    Misunderstood,
    /// The guest complained.
    Complaint,
}

/// Who wrote an outbound message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum MessageAuthor {
    /// The concierge.
    Bot,
    /// The owner, from the admin API.
    Owner,
}

/// What the conversation has collected so far (stored as JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Slots {
    /// First night.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in: Option<NaiveDate>,
    /// Day of departure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_out: Option<NaiveDate>,
    /// Party size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guests: Option<u32>,
    /// The cabin the guest named or picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accommodation_id: Option<i32>,
    /// The name to book under, when the guest gave one (else the WhatsApp profile's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_name: Option<String>,
}

impl Slots {
    /// Whether both dates are known.
    pub fn has_dates(&self) -> bool {
        self.check_in.is_some() && self.check_out.is_some()
    }
}

/// The longest button id we read back (Meta allows 256).
const MAX_ACTION_ID: usize = 128;

/// What a tapped button or picked list row asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestAction {
    /// "Reservar": hold these nights in this cabin.
    Book {
        /// The cabin.
        accommodation_id: i32,
        /// First night.
        check_in: NaiveDate,
        /// Day of departure.
        check_out: NaiveDate,
        /// Party size.
        guests: u32,
    },
    /// "Ver fotos" of a cabin.
    Photos {
        /// The cabin.
        accommodation_id: i32,
    },
    /// "Otras fechas": ask for new dates.
    OtherDates,
    /// "Reservar de nuevo" after a hold lapsed: quote the same stay again.
    Retry {
        /// The lapsed reservation.
        reservation_id: i64,
    },
    /// A cabin picked from the list.
    Cabin {
        /// The cabin.
        accommodation_id: i32,
    },
}

impl GuestAction {
    /// The id to put on the button or row.
    pub fn id(&self) -> String {
        match self {
            Self::Book {
                accommodation_id,
                check_in,
                check_out,
                guests,
            } => format!("book:{accommodation_id}:{check_in}:{check_out}:{guests}"),
            Self::Photos { accommodation_id } => format!("photos:{accommodation_id}"),
            Self::OtherDates => "dates".to_owned(),
            Self::Retry { reservation_id } => format!("retry:{reservation_id}"),
            Self::Cabin { accommodation_id } => format!("cabin:{accommodation_id}"),
        }
    }

    /// Reads an id back; `None` for anything we did not send.
    pub fn parse(id: &str) -> Option<Self> {
        if id.len() > MAX_ACTION_ID {
            return None;
        }
        let mut parts = id.split(':');
        let action = match parts.next()? {
            "book" => Self::Book {
                accommodation_id: parts.next()?.parse().ok()?,
                check_in: parts.next()?.parse().ok()?,
                check_out: parts.next()?.parse().ok()?,
                guests: parts.next()?.parse().ok()?,
            },
            "photos" => Self::Photos {
                accommodation_id: parts.next()?.parse().ok()?,
            },
            "dates" => Self::OtherDates,
            "retry" => Self::Retry {
                reservation_id: parts.next()?.parse().ok()?,
            },
            "cabin" => Self::Cabin {
                accommodation_id: parts.next()?.parse().ok()?,
            },
            _ => return None,
        };
        parts.next().is_none().then_some(action)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, day).expect("date")
    }

    #[test]
    fn every_action_reads_back_as_itself() {
        let actions = [
            GuestAction::Book {
                accommodation_id: 3,
                check_in: d(15),
                check_out: d(17),
                guests: 4,
            },
            GuestAction::Photos {
                accommodation_id: 7,
            },
            GuestAction::OtherDates,
            GuestAction::Retry { reservation_id: 42 },
            GuestAction::Cabin {
                accommodation_id: 1,
            },
        ];
        for action in actions {
            assert_eq!(GuestAction::parse(&action.id()), Some(action));
        }
        assert_eq!(
            GuestAction::Book {
                accommodation_id: 3,
                check_in: d(15),
                check_out: d(17),
                guests: 4
            }
            .id(),
            "book:3:2027-01-15:2027-01-17:4"
        );
    }

    #[test]
    fn ids_we_did_not_send_are_refused() {
        for id in [
            "",
            "book",
            "book:3:2027-01-15:2027-01-17",
            "book:3:2027-01-15:2027-01-17:4:extra",
            "book:x:2027-01-15:2027-01-17:4",
            "book:3:2027-02-30:2027-03-01:4",
            "photos:-",
            "retry:",
            "dates:1",
            "delete:all",
        ] {
            assert_eq!(GuestAction::parse(id), None, "{id}");
        }
    }

    proptest! {
        #[test]
        fn parsing_any_id_never_panics(id in "\\PC{0,300}") {
            let _ = GuestAction::parse(&id);
        }
    }
}
