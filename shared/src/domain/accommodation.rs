//! What kind of unit an accommodation is.

use std::fmt;

use sea_orm::{DeriveActiveEnum, EnumIter, Iterable};
use serde::{Deserialize, Serialize};

/// The kind of an accommodation (`accommodations.kind`, whose CHECK lists exactly these).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AccommodationKind {
    /// A cabin (the default).
    Cabin,
    /// An apartment.
    Apartment,
    /// A house.
    House,
    /// A room.
    Room,
    /// A geodesic dome.
    Dome,
    /// Anything else.
    Other,
}

impl AccommodationKind {
    /// The wire and database name (`cabin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cabin => "cabin",
            Self::Apartment => "apartment",
            Self::House => "house",
            Self::Room => "room",
            Self::Dome => "dome",
            Self::Other => "other",
        }
    }

    /// The kind named exactly `name` (as the owner sends it), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for AccommodationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_exactly() {
        assert_eq!(
            AccommodationKind::from_name("dome"),
            Some(AccommodationKind::Dome)
        );
        assert_eq!(AccommodationKind::from_name("Dome"), None);
        assert_eq!(AccommodationKind::from_name("castle"), None);
    }
}
