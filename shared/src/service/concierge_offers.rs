//! What the concierge can offer a guest for a stay: every active cabin that fits the party and
//! is free those nights, priced; or, when none is, nearby dates that are free.

use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;

use super::BookingRules;
use crate::{
    Result,
    domain::{Quote, Stay},
    entities::accommodation,
    store,
};

/// Most cabins quoted in one answer (each is a message with its buttons).
pub const MAX_OFFERS: usize = 3;
/// Most alternative stays suggested.
pub const MAX_ALTERNATIVES: usize = 3;
/// How far (days) before and after the asked dates alternatives are looked for.
const ALTERNATIVE_REACH_DAYS: i64 = 14;

/// One cabin free for the stay, priced.
#[derive(Clone, Debug)]
pub struct Offer {
    /// The cabin.
    pub accommodation: accommodation::Model,
    /// The stay.
    pub stay: Stay,
    /// The party size.
    pub guests: u32,
    /// The price breakdown.
    pub quote: Quote,
}

/// Why a stay cannot be offered at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfRange {
    /// Check-in before today.
    Past,
    /// Check-in past the booking horizon.
    TooFarAhead,
    /// More nights than allowed.
    TooLong(u32),
}

/// What a search found.
#[derive(Clone, Debug)]
pub enum Search {
    /// Cabins free for the stay (at most [`MAX_OFFERS`], the preferred cabin first).
    Offers(Vec<Offer>),
    /// No cabin holds that many guests; the largest holds this many.
    TooManyGuests(u32),
    /// Every fitting cabin is taken; free stays of the same length nearby.
    Full(Vec<Stay>),
    /// The dates cannot be booked.
    OutOfRange(OutOfRange),
}

/// Checks a stay against the booking limits.
pub fn check_limits(rules: &BookingRules, stay: &Stay) -> Option<OutOfRange> {
    let limits = rules.stay_limits();
    if stay.check_in() < limits.today {
        Some(OutOfRange::Past)
    } else if stay.check_in() > limits.latest_check_in {
        Some(OutOfRange::TooFarAhead)
    } else if stay.nights() > limits.max_nights {
        Some(OutOfRange::TooLong(limits.max_nights))
    } else {
        None
    }
}

/// The busy stays of a cabin in `[from, to)`.
async fn busy(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    cabin: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Stay>> {
    Ok(
        store::reservations::active_in_window(db, cabin, from, to, rules.clock.now())
            .await?
            .into_iter()
            .filter_map(|r| Stay::new(r.check_in, r.check_out))
            .collect(),
    )
}

/// Searches the active `cabins` for `stay` and `guests`, `preferred` first when it fits.
pub async fn search(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    cabins: &[accommodation::Model],
    stay: Stay,
    guests: u32,
    preferred: Option<i32>,
) -> Result<Search> {
    if let Some(problem) = check_limits(rules, &stay) {
        return Ok(Search::OutOfRange(problem));
    }
    let mut cabins = cabins.to_vec();
    let largest = cabins
        .iter()
        .map(|c| u32::try_from(c.capacity).unwrap_or(0))
        .max()
        .unwrap_or(0);
    cabins.retain(|c| u32::try_from(c.capacity).is_ok_and(|cap| cap >= guests));
    if cabins.is_empty() {
        return Ok(Search::TooManyGuests(largest));
    }
    cabins.sort_by_key(|c| (Some(c.id) != preferred, c.capacity, c.id));
    let reach = Duration::days(ALTERNATIVE_REACH_DAYS);
    let (from, to) = (stay.check_in() - reach, stay.check_out() + reach);
    let mut offers = Vec::new();
    let mut taken: Vec<Vec<Stay>> = Vec::new();
    for cabin in cabins.iter() {
        let busy = busy(db, rules, cabin.id, from, to).await?;
        if !busy.iter().any(|b| b.overlaps(&stay)) && offers.len() < MAX_OFFERS {
            offers.push(Offer {
                quote: cabin.price_rules().quote(&stay, rules.deposit_percent),
                accommodation: cabin.clone(),
                stay,
                guests,
            });
        }
        taken.push(busy);
    }
    if !offers.is_empty() {
        return Ok(Search::Offers(offers));
    }
    Ok(Search::Full(alternatives(rules, stay, &taken)))
}

/// Free stays of the same length near `stay`, closest first: a stay is free when at least one
/// fitting cabin has none of `taken` overlapping it.
fn alternatives(rules: &BookingRules, stay: Stay, taken: &[Vec<Stay>]) -> Vec<Stay> {
    let nights = Duration::days(i64::from(stay.nights()));
    let mut found = Vec::new();
    for distance in 1..=ALTERNATIVE_REACH_DAYS {
        for shift in [distance, -distance] {
            let start = stay.check_in() + Duration::days(shift);
            let Some(candidate) = Stay::new(start, start + nights) else {
                continue;
            };
            let free = check_limits(rules, &candidate).is_none()
                && taken
                    .iter()
                    .any(|busy| !busy.iter().any(|b| b.overlaps(&candidate)));
            let apart = found.iter().all(|f: &Stay| !f.overlaps(&candidate));
            if free && apart {
                found.push(candidate);
                if found.len() == MAX_ALTERNATIVES {
                    found.sort_by_key(Stay::check_in);
                    return found;
                }
            }
        }
    }
    found.sort_by_key(Stay::check_in);
    found
}
