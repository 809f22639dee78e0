//! Exact money: a decimal amount always carried with two places.

use std::{
    fmt,
    iter::Sum,
    ops::{Add, Sub},
};

use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::DeriveValueType;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// An amount of money in the accommodation's currency, exact to the cent.
///
/// Rounding is half away from zero (what a person does by hand), applied whenever a rule
/// produces fractions of a cent (weekend multipliers, deposit percentages).
///
/// It is also the type of every `NUMERIC(12, 2)` money column: a row is read as stored (the
/// column already holds whole cents) and written as its decimal, so amounts are never
/// converted back and forth between the row and the rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, DeriveValueType)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds any decimal to cents: for amounts entering from outside the books (a
    /// provider's payload) and for the rounding rules themselves; rows already carry `Money`.
    pub fn from_decimal(amount: Decimal) -> Self {
        Self(amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// Whole currency units (tests and seeds).
    pub fn from_units(units: i64) -> Self {
        Self::from_decimal(Decimal::from(units))
    }

    /// The amount as a decimal with two places.
    pub fn amount(self) -> Decimal {
        let mut d = self.0;
        d.rescale(2);
        d
    }

    /// This amount times a factor, rounded to cents.
    pub fn times(self, factor: Decimal) -> Self {
        Self::from_decimal(self.0 * factor)
    }

    /// `percent` per cent of this amount, rounded to cents.
    pub fn percent(self, percent: u8) -> Self {
        Self::from_decimal(self.0 * Decimal::from(percent) / Decimal::ONE_HUNDRED)
    }

    /// Parses an amount typed by a person (`"120000"`, `"120000.50"`): non-negative, at most
    /// two decimals, and below ten billion, the most a `NUMERIC(12, 2)` column holds (so a
    /// valid amount can always be stored). `field` names the input in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim().parse::<Decimal>() {
            Ok(d) if !d.is_sign_negative() && d.scale() <= 2 && d < Self::LIMIT => {
                Ok(Self::from_decimal(d))
            }
            _ => Err(FieldError::new(
                field,
                "invalid_amount",
                "amounts are non-negative decimals with at most two places, below 10000000000, \
                 e.g. \"120000.00\"",
            )),
        }
    }

    /// One more than the largest amount a `NUMERIC(12, 2)` column holds.
    const LIMIT: Decimal = Decimal::from_parts(1_410_065_408, 2, 0, false, 0); // 10^10

    /// Whether the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

/// Exact: the difference of two amounts in cents is in cents (and may be negative).
impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.amount())
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse::<Decimal>()
            .map(Money::from_decimal)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    #[test]
    fn displays_with_exactly_two_places() {
        assert_eq!(Money::from_units(54000).to_string(), "54000.00");
        assert_eq!(Money::from_decimal(dec("0.5")).to_string(), "0.50");
    }

    #[test]
    fn rounds_half_cents_away_from_zero() {
        assert_eq!(Money::from_decimal(dec("10.005")).to_string(), "10.01");
        assert_eq!(Money::from_decimal(dec("10.004")).to_string(), "10.00");
    }

    #[test]
    fn percent_rounds_to_cents() {
        // 30 % of 333.35 = 100.005 -> 100.01
        assert_eq!(
            Money::from_decimal(dec("333.35")).percent(30).to_string(),
            "100.01"
        );
        assert_eq!(Money::from_units(100).percent(0), Money::ZERO);
    }

    #[test]
    fn parse_takes_what_a_numeric_12_2_column_holds() {
        assert_eq!(
            Money::parse("total", " 9999999999.99 ").map(|m| m.to_string()),
            Ok("9999999999.99".to_string())
        );
        for bad in [
            "10000000000",
            "-1",
            "1.005",
            "abc",
            "",
            "79228162514264337593543950335",
        ] {
            assert!(Money::parse("total", bad).is_err(), "{bad}");
        }
        assert_eq!(Money::LIMIT, Decimal::from(10_000_000_000i64));
    }

    #[test]
    fn subtraction_is_exact_and_may_go_below_zero() {
        let balance = Money::from_units(10) - Money::from_decimal(dec("25.50"));
        assert_eq!(balance.to_string(), "-15.50");
        assert!(balance.is_negative());
    }

    #[test]
    fn serializes_as_a_decimal_string() {
        let json = serde_json::to_string(&Money::from_units(12)).expect("serialize");
        assert_eq!(json, "\"12.00\"");
        let back: Money = serde_json::from_str("\"12.5\"").expect("deserialize");
        assert_eq!(back.to_string(), "12.50");
    }
}
