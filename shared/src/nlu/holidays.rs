//! Argentine national holidays 2026–2028 and the long weekends they make.
//!
//! Sources: the national holidays law (Ley 27.399, 2017, with its amendments: fixed holidays,
//! the four "trasladables" moved to a Monday by article 6, carnival and Holy Thursday/Good
//! Friday tied to Easter) and the yearly decree that sets the "días no laborables con fines
//! turísticos" (the bridges). The 2026 bridges (23 March, 10 July, 7 December) are from the
//! decree for 2026; the 2027 and 2028 bridges are not decreed yet and are left out: add them
//! to [`BRIDGES`] when the decree is published. Holy Thursday is a non-working day, not a
//! holiday, but guests treat it as one, so it is listed.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of each year we know (carnival and Holy Week hang from it).
const EASTER: &[(i32, u32, u32)] = &[(2026, 4, 5), (2027, 3, 28), (2028, 4, 16)];

/// Holidays on a fixed date (month, day): New Year, Memory (24 Mar), Malvinas (2 Apr),
/// Labour (1 May), May Revolution (25 May), Belgrano (20 Jun), Independence (9 Jul),
/// Immaculate Conception (8 Dec), Christmas.
const FIXED: &[(u32, u32)] = &[
    (1, 1),
    (3, 24),
    (4, 2),
    (5, 1),
    (5, 25),
    (6, 20),
    (7, 9),
    (12, 8),
    (12, 25),
];

/// Holidays moved by article 6 of Ley 27.399 (Güemes 17 Jun, San Martín 17 Aug, Cultural
/// Diversity 12 Oct, National Sovereignty 20 Nov): on a Tuesday or Wednesday they move to the
/// Monday before, on a Thursday or Friday to the Monday after.
const MOVABLE: &[(u32, u32)] = &[(6, 17), (8, 17), (10, 12), (11, 20)];

/// Tourist bridges set by the yearly decree (year, month, day).
const BRIDGES: &[(i32, u32, u32)] = &[(2026, 3, 23), (2026, 7, 10), (2026, 12, 7)];

/// The years the table covers.
pub const YEARS: std::ops::RangeInclusive<i32> = 2026..=2028;

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn easter(year: i32) -> Option<NaiveDate> {
    EASTER
        .iter()
        .find(|(y, _, _)| *y == year)
        .and_then(|(y, m, d)| date(*y, *m, *d))
}

/// Carnival Monday of `year` (48 days before Easter; Tuesday is the day after).
pub fn carnival_monday(year: i32) -> Option<NaiveDate> {
    easter(year)?.checked_sub_days(Days::new(48))
}

/// Good Friday of `year`.
pub fn good_friday(year: i32) -> Option<NaiveDate> {
    easter(year)?.checked_sub_days(Days::new(2))
}

fn moved(d: NaiveDate) -> NaiveDate {
    let shift: i64 = match d.weekday() {
        Weekday::Tue => -1,
        Weekday::Wed => -2,
        Weekday::Thu => 4,
        Weekday::Fri => 3,
        _ => 0,
    };
    d + chrono::Duration::days(shift)
}

/// Every holiday and non-working day of `year` (empty outside [`YEARS`]), sorted.
pub fn holidays(year: i32) -> Vec<NaiveDate> {
    if !YEARS.contains(&year) {
        return Vec::new();
    }
    let mut days: Vec<NaiveDate> = FIXED
        .iter()
        .filter_map(|(m, d)| date(year, *m, *d))
        .collect();
    days.extend(
        MOVABLE
            .iter()
            .filter_map(|(m, d)| date(year, *m, *d))
            .map(moved),
    );
    days.extend(
        BRIDGES
            .iter()
            .filter(|(y, _, _)| *y == year)
            .filter_map(|(y, m, d)| date(*y, *m, *d)),
    );
    if let Some(monday) = carnival_monday(year) {
        days.push(monday);
        days.extend(monday.succ_opt());
    }
    if let Some(friday) = good_friday(year) {
        days.push(friday);
        days.extend(friday.pred_opt());
    }
    days.sort();
    days.dedup();
    days
}

/// Whether nobody works on `d`: a Saturday, a Sunday or a holiday.
pub fn is_free(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || holidays(d.year()).contains(&d)
}

/// The run of free days containing `d` (first, last), if `d` is free. Bounded: a run is at
/// most a couple of weeks in any real calendar.
pub fn free_run(d: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    if !is_free(d) {
        return None;
    }
    let mut first = d;
    let mut last = d;
    for _ in 0..14 {
        match first.pred_opt() {
            Some(p) if is_free(p) => first = p,
            _ => break,
        }
    }
    for _ in 0..14 {
        match last.succ_opt() {
            Some(n) if is_free(n) => last = n,
            _ => break,
        }
    }
    Some((first, last))
}

/// The first long weekend (three or more free days in a row) that has not started before
/// `from`, searching up to a year ahead: (first free day, last free day).
pub fn next_long_weekend(from: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let mut d = from;
    for _ in 0..370 {
        if let Some((first, last)) = free_run(d)
            && first >= from
            && (last - first).num_days() >= 2
        {
            return Some((first, last));
        }
        d = d.succ_opt()?;
    }
    None
}

/// The long weekend around a holiday on `day`.
pub fn long_weekend_around(day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    free_run(day).filter(|(first, last)| (*last - *first).num_days() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn carnival_falls_on_monday_and_tuesday() {
        assert_eq!(carnival_monday(2026), Some(d(2026, 2, 16)));
        assert_eq!(carnival_monday(2027), Some(d(2027, 2, 8)));
        assert_eq!(carnival_monday(2028), Some(d(2028, 2, 28)));
        for y in YEARS {
            assert_eq!(
                carnival_monday(y).expect("carnival").weekday(),
                Weekday::Mon
            );
            assert_eq!(good_friday(y).expect("good friday").weekday(), Weekday::Fri);
        }
    }

    #[test]
    fn movable_holidays_land_on_mondays() {
        // 20 Nov 2026 is a Friday: the holiday is Monday 23.
        assert!(holidays(2026).contains(&d(2026, 11, 23)));
        assert!(!holidays(2026).contains(&d(2026, 11, 20)));
        // 17 Jun 2026 is a Wednesday: Monday 15.
        assert!(holidays(2026).contains(&d(2026, 6, 15)));
        // 12 Oct 2027 is a Tuesday: Monday 11.
        assert!(holidays(2027).contains(&d(2027, 10, 11)));
    }

    #[test]
    fn long_weekends_span_the_free_days() {
        assert_eq!(
            long_weekend_around(d(2027, 2, 8)),
            Some((d(2027, 2, 6), d(2027, 2, 9)))
        );
        // From 1 Dec 2026: the bridge of 7 Dec and the holiday of 8 Dec.
        assert_eq!(
            next_long_weekend(d(2026, 12, 1)),
            Some((d(2026, 12, 5), d(2026, 12, 8)))
        );
        assert_eq!(holidays(2031), Vec::<NaiveDate>::new());
    }
}
