//! The vocabulary of the calendar import: where a feed comes from, and how a recorded
//! collision ended.

use std::{fmt, str::FromStr};

use sea_orm::{DeriveActiveEnum, EnumIter, Iterable};
use serde::{Deserialize, Serialize};

use super::Channel;

/// The channel whose calendar a feed publishes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FeedSource {
    /// Airbnb's hosting calendar.
    Airbnb,
    /// Booking.com's extranet calendar.
    Booking,
    /// Vrbo's calendar.
    Vrbo,
    /// Any other iCal calendar.
    Other,
}

impl FeedSource {
    /// The wire name (`airbnb`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Airbnb => "airbnb",
            Self::Booking => "booking",
            Self::Vrbo => "vrbo",
            Self::Other => "other",
        }
    }

    /// The reservation channel of the blocks this feed imports: the export to that channel
    /// leaves them out, so a channel never sees its own stays echoed back.
    pub fn channel(self) -> Channel {
        match self {
            Self::Airbnb => Channel::Airbnb,
            Self::Booking => Channel::Booking,
            Self::Vrbo | Self::Other => Channel::Ical,
        }
    }

    /// How the owner's lists name a block imported from this feed (it has no guest of ours).
    pub fn block_label(self) -> &'static str {
        match self {
            Self::Airbnb => "Airbnb block",
            Self::Booking => "Booking.com block",
            Self::Vrbo => "Vrbo block",
            Self::Other => "iCal block",
        }
    }
}

impl FeedSource {
    /// The channel a feed URL's host belongs to (`www.airbnb.com.ar` → Airbnb), `Other` when
    /// it is none of the known ones.
    pub fn from_host(host: &str) -> Self {
        let host = host.to_ascii_lowercase();
        let under = |domain: &str| {
            host.split('.')
                .collect::<Vec<_>>()
                .windows(2)
                .any(|pair| pair[0] == domain && pair[1].len() <= 3)
        };
        if under("airbnb") {
            Self::Airbnb
        } else if under("booking") {
            Self::Booking
        } else if under("vrbo") {
            Self::Vrbo
        } else {
            Self::Other
        }
    }
}

impl fmt::Display for FeedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FeedSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        FeedSource::iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = FeedSource::iter().map(FeedSource::as_str).collect();
                format!("unknown source {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// How an imported event that could not be placed stopped being a conflict.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ConflictResolution {
    /// The nights came free and the block was stored.
    Placed,
    /// The feed moved the event to other dates (a new record follows if those collide too).
    Changed,
    /// The event left the feed.
    Gone,
    /// The owner removed the feed.
    FeedDeleted,
}

impl ConflictResolution {
    /// The wire name (`placed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Changed => "changed",
            Self::Gone => "gone",
            Self::FeedDeleted => "feed_deleted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_their_wire_names_and_map_to_channels() {
        assert_eq!("Airbnb".parse::<FeedSource>(), Ok(FeedSource::Airbnb));
        assert_eq!(" vrbo ".parse::<FeedSource>(), Ok(FeedSource::Vrbo));
        assert!("expedia".parse::<FeedSource>().is_err());
        assert_eq!(FeedSource::Booking.channel(), Channel::Booking);
        assert_eq!(FeedSource::Other.channel(), Channel::Ical);
    }

    #[test]
    fn a_feed_host_names_its_channel() {
        assert_eq!(FeedSource::from_host("www.airbnb.com"), FeedSource::Airbnb);
        assert_eq!(
            FeedSource::from_host("www.airbnb.com.ar"),
            FeedSource::Airbnb
        );
        assert_eq!(
            FeedSource::from_host("admin.booking.com"),
            FeedSource::Booking
        );
        assert_eq!(FeedSource::from_host("www.vrbo.com"), FeedSource::Vrbo);
        assert_eq!(
            FeedSource::from_host("airbnb.evil.example"),
            FeedSource::Other
        );
        assert_eq!(
            FeedSource::from_host("calendar.google.com"),
            FeedSource::Other
        );
    }
}
