//! Where a reservation came from.

use std::{fmt, str::FromStr};

use sea_orm::{DeriveActiveEnum, EnumIter, Iterable};
use serde::{Deserialize, Serialize};

/// The sales channel of a reservation.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The WhatsApp concierge.
    Whatsapp,
    /// The public web booking API.
    Web,
    /// Booked by the owner from the admin API.
    Admin,
    /// Imported from Airbnb's calendar.
    Airbnb,
    /// Imported from Booking.com's calendar.
    Booking,
    /// Imported from another iCal feed.
    Ical,
    /// Taken by phone.
    Phone,
}

impl Channel {
    /// The wire name (`whatsapp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Web => "web",
            Self::Admin => "admin",
            Self::Airbnb => "airbnb",
            Self::Booking => "booking",
            Self::Ical => "ical",
            Self::Phone => "phone",
        }
    }

    /// Channels a public (unauthenticated) client may claim.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Whatsapp | Self::Web | Self::Phone)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Channel::iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Channel::iter().map(Channel::as_str).collect();
                format!(
                    "unknown channel {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wire_names_case_insensitively() {
        assert_eq!("WhatsApp".parse::<Channel>(), Ok(Channel::Whatsapp));
        assert!("fax".parse::<Channel>().is_err());
    }
}
