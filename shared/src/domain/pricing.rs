//! Price rules: every night costs the base price; weekend nights cost base × multiplier.

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::Decimal;
use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

use super::{
    Money, Stay,
    stay::{parse_weekday, weekday_name},
};

/// An accommodation's pricing, as configured by the owner.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceRules {
    /// Price of a weekday night.
    pub base_price: Money,
    /// Factor applied to weekend nights (1.20 by default).
    pub weekend_multiplier: Decimal,
    /// Which nights count as weekend.
    pub weekend_nights: WeekendNights,
}

/// The nights charged the weekend rate, named by the day the guest goes to sleep; the type of
/// `accommodations.weekend_nights`, a JSON array of weekday names (`["friday", "saturday"]`).
///
/// Read tolerantly: the column's CHECK only asks for an array, so an entry that is not a
/// weekday name (a row edited by hand) is skipped, as pricing always did, rather than making
/// the accommodation unreadable. Written as the names [`weekday_name`] gives.
#[derive(Clone, Debug, PartialEq, Eq, FromJsonQueryResult)]
pub struct WeekendNights(Vec<Weekday>);

impl WeekendNights {
    /// Whether a night starting on `day` is a weekend night.
    pub fn contains(&self, day: Weekday) -> bool {
        self.0.contains(&day)
    }

    /// The weekday names, in stored order.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|d| weekday_name(*d).to_owned()).collect()
    }
}

/// Friday and Saturday nights, the column's default.
impl Default for WeekendNights {
    fn default() -> Self {
        Self(vec![Weekday::Fri, Weekday::Sat])
    }
}

impl FromIterator<Weekday> for WeekendNights {
    fn from_iter<I: IntoIterator<Item = Weekday>>(days: I) -> Self {
        Self(days.into_iter().collect())
    }
}

impl Serialize for WeekendNights {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|d| weekday_name(*d)))
    }
}

impl<'de> Deserialize<'de> for WeekendNights {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<serde_json::Value>::deserialize(d)?;
        Ok(entries
            .iter()
            .filter_map(|e| e.as_str().and_then(parse_weekday))
            .collect())
    }
}

impl PriceRules {
    /// Price of a weekend night, rounded to cents.
    pub fn weekend_rate(&self) -> Money {
        self.base_price.times(self.weekend_multiplier)
    }

    /// Prices every night of a stay and the deposit.
    pub fn quote(&self, stay: &Stay, deposit_percent: u8) -> Quote {
        let weekend_rate = self.weekend_rate();
        let nights: Vec<NightPrice> = stay
            .night_dates()
            .map(|date| {
                let weekend = self.weekend_nights.contains(date.weekday());
                NightPrice {
                    date,
                    weekend,
                    price: if weekend {
                        weekend_rate
                    } else {
                        self.base_price
                    },
                }
            })
            .collect();
        let total: Money = nights.iter().map(|n| n.price).sum();
        let deposit = total.percent(deposit_percent);
        let weekend_count = nights.iter().filter(|n| n.weekend).count();
        Quote {
            weekday_nights: nights.len() - weekend_count,
            weekend_nights: weekend_count,
            base_rate: self.base_price,
            weekend_rate,
            total,
            deposit_percent,
            deposit,
            balance: total - deposit,
            nights,
        }
    }
}

/// The price of one night.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NightPrice {
    /// The date the guest goes to sleep.
    pub date: NaiveDate,
    /// Whether the weekend rate applies.
    pub weekend: bool,
    /// What this night costs.
    pub price: Money,
}

/// A full price breakdown of a stay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// Every night with its price.
    pub nights: Vec<NightPrice>,
    /// How many nights are charged the base rate.
    pub weekday_nights: usize,
    /// How many nights are charged the weekend rate.
    pub weekend_nights: usize,
    /// The base nightly rate.
    pub base_rate: Money,
    /// The weekend nightly rate.
    pub weekend_rate: Money,
    /// Sum of all nights.
    pub total: Money,
    /// Share of the total due up front.
    pub deposit_percent: u8,
    /// Amount due up front.
    pub deposit: Money,
    /// Amount due at check-in.
    pub balance: Money,
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn rules(base: &str, multiplier: &str) -> PriceRules {
        PriceRules {
            base_price: Money::parse("base_price", base).expect("base"),
            weekend_multiplier: Decimal::from_str(multiplier).expect("multiplier"),
            weekend_nights: WeekendNights::default(),
        }
    }

    fn stay(check_in: &str, check_out: &str) -> Stay {
        let d = |s: &str| NaiveDate::from_str(s).expect("date");
        Stay::new(d(check_in), d(check_out)).expect("stay")
    }

    #[test]
    fn weekday_only_stay_costs_base_times_nights() {
        // 2026-12-01 is a Tuesday: Tue, Wed, Thu nights.
        let q = rules("50000", "1.20").quote(&stay("2026-12-01", "2026-12-04"), 30);
        assert_eq!((q.weekday_nights, q.weekend_nights), (3, 0));
        assert_eq!(q.total.to_string(), "150000.00");
        assert_eq!(q.deposit.to_string(), "45000.00");
        assert_eq!(q.balance.to_string(), "105000.00");
    }

    #[test]
    fn friday_and_saturday_nights_pay_the_weekend_rate() {
        // Thu 2026-12-03 to Mon 2026-12-07: Thu, Fri, Sat, Sun nights.
        let q = rules("45000", "1.20").quote(&stay("2026-12-03", "2026-12-07"), 30);
        assert_eq!((q.weekday_nights, q.weekend_nights), (2, 2));
        let weekend: Vec<bool> = q.nights.iter().map(|n| n.weekend).collect();
        assert_eq!(weekend, vec![false, true, true, false]);
        assert_eq!(q.weekend_rate.to_string(), "54000.00");
        assert_eq!(q.total.to_string(), "198000.00");
        assert_eq!(q.deposit.to_string(), "59400.00");
    }

    #[test]
    fn fractional_rates_and_deposits_round_to_cents() {
        // 333.33 * 1.15 = 383.3295 -> 383.33 ; Fri+Sat = 766.66 ; 30 % = 229.998 -> 230.00
        let q = rules("333.33", "1.15").quote(&stay("2026-12-04", "2026-12-06"), 30);
        assert_eq!(q.weekend_rate.to_string(), "383.33");
        assert_eq!(q.total.to_string(), "766.66");
        assert_eq!(q.deposit.to_string(), "230.00");
        assert_eq!(q.balance.to_string(), "536.66");
    }

    #[test]
    fn configurable_weekend_nights_are_respected() {
        let mut r = rules("100", "2");
        r.weekend_nights = WeekendNights::from_iter([Weekday::Sun]);
        // Fri, Sat, Sun nights.
        let q = r.quote(&stay("2026-12-04", "2026-12-07"), 50);
        assert_eq!(q.total.to_string(), "400.00");
        assert_eq!(q.deposit.to_string(), "200.00");
    }

    #[test]
    fn deposit_plus_balance_is_always_the_total() {
        for base in ["0.01", "1.99", "12345.67", "99999.99"] {
            for pct in [0u8, 1, 30, 33, 99, 100] {
                let q = rules(base, "1.33").quote(&stay("2026-12-01", "2026-12-09"), pct);
                assert_eq!(
                    q.deposit.amount() + q.balance.amount(),
                    q.total.amount(),
                    "{base} {pct}"
                );
            }
        }
    }

    #[test]
    fn weekend_nights_are_stored_as_names_and_read_tolerantly() {
        let nights = WeekendNights::from_iter([Weekday::Sat, Weekday::Sun]);
        let json = serde_json::to_value(&nights).expect("serialize");
        assert_eq!(json, serde_json::json!(["saturday", "sunday"]));
        let stored = serde_json::json!(["Friday ", "viernes", 7, null, "sunday"]);
        let read: WeekendNights = serde_json::from_value(stored).expect("deserialize");
        assert_eq!(read, WeekendNights::from_iter([Weekday::Fri, Weekday::Sun]));
    }
}
