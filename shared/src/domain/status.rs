//! Reservation and payment statuses, and the allowed status transitions.

use std::fmt;

use sea_orm::{DeriveActiveEnum, EnumIter, Iterable};
use serde::{Deserialize, Serialize};

/// Where a reservation is in its life.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Nights held until `expires_at`, waiting for the deposit.
    PreReserved,
    /// Deposit paid (or confirmed by the owner).
    Confirmed,
    /// Cancelled by the guest or the owner.
    Cancelled,
    /// The hold ran out before payment.
    Expired,
    /// The guest has left.
    Completed,
    /// Nights closed without a guest of ours: a stay imported from a channel's calendar or
    /// closed by the owner. It occupies nights like a booking; it never moves to another
    /// status through the reservation routes (the import and the owner's block routes release
    /// it).
    Blocked,
}

impl ReservationStatus {
    /// Statuses that occupy nights (the exclusion constraint's `WHERE`).
    pub const ACTIVE: [ReservationStatus; 3] = [Self::PreReserved, Self::Confirmed, Self::Blocked];
    /// Statuses of a guest's stay that the owner may still edit.
    pub const EDITABLE: [ReservationStatus; 2] = [Self::PreReserved, Self::Confirmed];

    /// Statuses a reservation may move to from this one.
    pub fn allowed_next(self) -> &'static [ReservationStatus] {
        match self {
            Self::PreReserved => &[Self::Confirmed, Self::Cancelled, Self::Expired],
            Self::Confirmed => &[Self::Cancelled, Self::Completed],
            Self::Cancelled | Self::Expired | Self::Completed | Self::Blocked => &[],
        }
    }

    /// Whether moving to `next` is allowed.
    pub fn can_become(self, next: ReservationStatus) -> bool {
        self.allowed_next().contains(&next)
    }

    /// Statuses from which `next` can be reached.
    pub fn allowed_previous(next: ReservationStatus) -> Vec<ReservationStatus> {
        Self::iter().filter(|s| s.can_become(next)).collect()
    }

    /// The wire name (`pre_reserved`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreReserved => "pre_reserved",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Completed => "completed",
            Self::Blocked => "blocked",
        }
    }
}

impl fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of a reservation has been paid.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Nothing paid yet.
    Unpaid,
    /// Some money received, less than the deposit.
    Partial,
    /// At least the deposit received.
    DepositPaid,
    /// The whole total received.
    Paid,
    /// Money returned to the guest.
    Refunded,
    /// Money arrived for nights someone else took: the owner must refund it.
    NeedsRefund,
}

impl PaymentStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::Partial => "partial",
            Self::DepositPaid => "deposit_paid",
            Self::Paid => "paid",
            Self::Refunded => "refunded",
            Self::NeedsRefund => "needs_refund",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReservationStatus::*;
    use super::*;

    #[test]
    fn transition_table_matches_the_business_rules() {
        let all = [
            PreReserved,
            Confirmed,
            Cancelled,
            Expired,
            Completed,
            Blocked,
        ];
        let allowed = [
            (PreReserved, Confirmed),
            (PreReserved, Cancelled),
            (PreReserved, Expired),
            (Confirmed, Cancelled),
            (Confirmed, Completed),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn previous_statuses_are_derived_from_the_table() {
        assert_eq!(
            ReservationStatus::allowed_previous(Cancelled),
            vec![PreReserved, Confirmed]
        );
        assert_eq!(ReservationStatus::allowed_previous(PreReserved), vec![]);
    }
}
