//! What an admin may do: the owner everything, staff the day-to-day reservation work.
//!
//! The table of which route needs which role is in `docs/adr/0040-admin-roles.md`; the API
//! enforces it with `AdminAuth::require_owner`.

use std::{fmt, str::FromStr};

use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

use crate::{Error, FieldError};

/// An admin's role (`admin_users.role`, and the `role` claim of its tokens).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    /// The business owner: manages accommodations, integrations and configuration.
    Owner,
    /// Read-mostly: lists and views, and confirms or cancels reservations.
    Staff,
}

impl AdminRole {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Staff => "staff",
        }
    }
}

impl fmt::Display for AdminRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AdminRole {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Self::Owner),
            "staff" => Ok(Self::Staff),
            _ => Err(Error::Invalid(vec![FieldError::new(
                "role",
                "unknown_role",
                "the role must be owner or staff",
            )])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("owner".parse::<AdminRole>().ok(), Some(AdminRole::Owner));
        assert_eq!(" Staff ".parse::<AdminRole>().ok(), Some(AdminRole::Staff));
        assert!("root".parse::<AdminRole>().is_err());
        assert_eq!(AdminRole::Staff.to_string(), "staff");
    }
}
