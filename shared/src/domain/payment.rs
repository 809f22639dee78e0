//! Payments of a reservation: the status of one payment record and the pure rules that turn
//! the payments of a reservation into its paid amount and payment status.
//!
//! The rules are recomputed from *all* payment records on every reconciliation instead of
//! adding and subtracting deltas, so the result does not depend on the order notifications
//! arrive in, and applying the same provider state twice yields the same numbers.

use std::fmt;

use rust_decimal::Decimal;
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

use super::{Money, PaymentStatus};

/// Status of one row of `payments`: a checkout link, or one provider payment.
///
/// Most values are Mercado Pago's own payment statuses; `link_created`, `expired` and
/// `needs_refund` are ours.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PaymentRecordStatus {
    /// A checkout link (preference) was created; no payment yet.
    LinkCreated,
    /// The link lapsed unused.
    Expired,
    /// The guest started paying (e.g. a cash voucher not yet paid).
    Pending,
    /// The provider is reviewing the payment.
    InProcess,
    /// Authorized but not captured.
    Authorized,
    /// The money arrived.
    Approved,
    /// Declined.
    Rejected,
    /// Cancelled before completion (or a voucher lapsed).
    Cancelled,
    /// The money went back to the guest.
    Refunded,
    /// The guest's card issuer reversed the payment.
    ChargedBack,
    /// The guest opened a dispute; the money is held.
    InMediation,
    /// Approved money for nights someone else took: the owner must refund it.
    NeedsRefund,
}

impl PaymentRecordStatus {
    /// Parses a Mercado Pago payment status (`approved`, `in_process`, ...); `None` for a
    /// status this version does not know.
    pub fn from_provider(status: &str) -> Option<Self> {
        Some(match status {
            "pending" => Self::Pending,
            "in_process" => Self::InProcess,
            "authorized" => Self::Authorized,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "cancelled" => Self::Cancelled,
            "refunded" => Self::Refunded,
            "charged_back" => Self::ChargedBack,
            "in_mediation" => Self::InMediation,
            _ => return None,
        })
    }

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LinkCreated => "link_created",
            Self::Expired => "expired",
            Self::Pending => "pending",
            Self::InProcess => "in_process",
            Self::Authorized => "authorized",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
            Self::ChargedBack => "charged_back",
            Self::InMediation => "in_mediation",
            Self::NeedsRefund => "needs_refund",
        }
    }

    /// Whether the owner must be told (money went back, is disputed, or must be returned).
    pub fn alert_kind(self) -> Option<AlertKind> {
        match self {
            Self::Refunded => Some(AlertKind::Refunded),
            Self::ChargedBack => Some(AlertKind::ChargedBack),
            Self::InMediation => Some(AlertKind::InMediation),
            Self::NeedsRefund => Some(AlertKind::NeedsRefund),
            _ => None,
        }
    }

    /// Whether the money left the owner's account after having arrived.
    pub fn is_reversal(self) -> bool {
        matches!(self, Self::Refunded | Self::ChargedBack)
    }
}

impl fmt::Display for PaymentRecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who processed a payment (`payments.provider`, whose CHECK allows these only).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum PaymentProvider {
    /// Mercado Pago Checkout Pro.
    Mercadopago,
}

impl PaymentProvider {
    /// The database name (`mercadopago`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mercadopago => "mercadopago",
        }
    }
}

/// Why the owner is alerted about a payment (`payment_alerts.kind`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Money arrived for nights someone else took; refund it.
    NeedsRefund,
    /// Money (all or part) was returned to the guest.
    Refunded,
    /// The card issuer reversed the payment.
    ChargedBack,
    /// The guest disputes the payment.
    InMediation,
    /// The payment names no reservation we know.
    UnknownReference,
    /// The payment's currency is not the reservation's.
    CurrencyMismatch,
}

impl AlertKind {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsRefund => "needs_refund",
            Self::Refunded => "refunded",
            Self::ChargedBack => "charged_back",
            Self::InMediation => "in_mediation",
            Self::UnknownReference => "unknown_reference",
            Self::CurrencyMismatch => "currency_mismatch",
        }
    }
}

/// How much of one payment counts as money the owner holds for the reservation.
///
/// Approved payments count minus what was refunded of them; disputed ones still count (the
/// money is held, not returned); money owed back (`needs_refund`) counts until refunded.
/// Everything else counts nothing.
pub fn credited_amount(status: PaymentRecordStatus, amount: Money, refunded: Money) -> Money {
    match status {
        PaymentRecordStatus::Approved => {
            let net = amount - refunded;
            if net.is_negative() { Money::ZERO } else { net }
        }
        PaymentRecordStatus::InMediation | PaymentRecordStatus::NeedsRefund => amount,
        _ => Money::ZERO,
    }
}

/// The payment status of a reservation given what its payments add up to.
///
/// * `needs_refund` when money is held for a reservation that no longer holds nights;
/// * otherwise by amount: `paid` (≥ total), `deposit_paid` (≥ deposit), `partial` (> 0);
/// * `refunded` when nothing is held but money did come and go back;
/// * `unpaid` otherwise.
pub fn reservation_payment_status(
    paid: Money,
    deposit: Money,
    total: Money,
    any_reversal: bool,
    owes_refund: bool,
) -> PaymentStatus {
    let positive = paid > Money::ZERO;
    if owes_refund && positive {
        PaymentStatus::NeedsRefund
    } else if positive && paid >= total {
        PaymentStatus::Paid
    } else if positive && paid >= deposit {
        PaymentStatus::DepositPaid
    } else if positive {
        PaymentStatus::Partial
    } else if any_reversal {
        PaymentStatus::Refunded
    } else {
        PaymentStatus::Unpaid
    }
}

/// Whether what was paid confirms a hold: at least the deposit, and something was paid.
pub fn covers_deposit(paid: Money, deposit: Money) -> bool {
    paid > Money::ZERO && paid >= deposit
}

/// Whether a payment's currency matches the reservation's (ISO codes, case-insensitive).
pub fn currency_matches(payment: &str, reservation: &str) -> bool {
    payment.trim().eq_ignore_ascii_case(reservation.trim())
}

/// A decimal from Mercado Pago as it is stored: two places, half away from zero.
pub fn to_money(amount: Decimal) -> Money {
    Money::from_decimal(amount)
}

#[cfg(test)]
mod tests {
    use super::PaymentRecordStatus as S;
    use super::*;

    fn m(units: i64) -> Money {
        Money::from_units(units)
    }

    #[test]
    fn every_mercadopago_status_maps_to_a_record_status() {
        let table = [
            ("pending", S::Pending),
            ("in_process", S::InProcess),
            ("authorized", S::Authorized),
            ("approved", S::Approved),
            ("rejected", S::Rejected),
            ("cancelled", S::Cancelled),
            ("refunded", S::Refunded),
            ("charged_back", S::ChargedBack),
            ("in_mediation", S::InMediation),
        ];
        for (wire, status) in table {
            assert_eq!(S::from_provider(wire), Some(status), "{wire}");
            assert_eq!(status.as_str(), wire);
        }
        assert_eq!(S::from_provider("APPROVED"), None);
        assert_eq!(S::from_provider("something_new"), None);
    }

    #[test]
    fn database_names_are_the_wire_names() {
        use sea_orm::{ActiveEnum, Iterable};
        for status in S::iter() {
            assert_eq!(status.to_value(), status.as_str());
            assert_eq!(
                S::try_from_value(&status.as_str().to_owned()).ok(),
                Some(status)
            );
        }
    }

    #[test]
    fn only_reversals_disputes_and_owed_money_raise_alerts() {
        assert_eq!(S::Refunded.alert_kind(), Some(AlertKind::Refunded));
        assert_eq!(S::ChargedBack.alert_kind(), Some(AlertKind::ChargedBack));
        assert_eq!(S::InMediation.alert_kind(), Some(AlertKind::InMediation));
        assert_eq!(S::NeedsRefund.alert_kind(), Some(AlertKind::NeedsRefund));
        for quiet in [
            S::Approved,
            S::Pending,
            S::Rejected,
            S::Cancelled,
            S::LinkCreated,
        ] {
            assert_eq!(quiet.alert_kind(), None, "{quiet}");
        }
    }

    #[test]
    fn credited_amount_counts_held_money_only() {
        assert_eq!(credited_amount(S::Approved, m(100), Money::ZERO), m(100));
        assert_eq!(credited_amount(S::Approved, m(100), m(40)), m(60));
        assert_eq!(credited_amount(S::Approved, m(100), m(140)), Money::ZERO);
        assert_eq!(credited_amount(S::InMediation, m(100), Money::ZERO), m(100));
        assert_eq!(credited_amount(S::NeedsRefund, m(100), Money::ZERO), m(100));
        for none in [
            S::Pending,
            S::InProcess,
            S::Authorized,
            S::Rejected,
            S::Cancelled,
            S::Refunded,
            S::ChargedBack,
        ] {
            assert_eq!(
                credited_amount(none, m(100), Money::ZERO),
                Money::ZERO,
                "{none}"
            );
        }
    }

    #[test]
    fn reservation_payment_status_follows_the_amounts() {
        let (deposit, total) = (m(30), m(100));
        let status = |paid, rev, owes| reservation_payment_status(paid, deposit, total, rev, owes);
        assert_eq!(status(Money::ZERO, false, false), PaymentStatus::Unpaid);
        assert_eq!(status(m(10), false, false), PaymentStatus::Partial);
        assert_eq!(status(m(30), false, false), PaymentStatus::DepositPaid);
        assert_eq!(status(m(99), false, false), PaymentStatus::DepositPaid);
        assert_eq!(status(m(100), false, false), PaymentStatus::Paid);
        assert_eq!(status(Money::ZERO, true, false), PaymentStatus::Refunded);
        assert_eq!(status(m(10), true, false), PaymentStatus::Partial);
        assert_eq!(status(m(30), false, true), PaymentStatus::NeedsRefund);
        assert_eq!(status(Money::ZERO, true, true), PaymentStatus::Refunded);
    }

    #[test]
    fn the_deposit_is_covered_only_by_a_positive_payment_at_least_as_large() {
        assert!(covers_deposit(m(30), m(30)));
        assert!(covers_deposit(m(31), m(30)));
        assert!(!covers_deposit(m(29), m(30)));
        assert!(!covers_deposit(Money::ZERO, Money::ZERO));
        assert!(covers_deposit(m(1), Money::ZERO));
    }

    #[test]
    fn currencies_match_case_insensitively() {
        assert!(currency_matches("ARS", "ARS"));
        assert!(currency_matches("ars", "ARS"));
        assert!(!currency_matches("USD", "ARS"));
        assert!(!currency_matches("", "ARS"));
    }
}
