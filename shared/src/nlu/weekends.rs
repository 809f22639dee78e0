//! Weekends in a message: "este finde", "el finde que viene", "el finde largo (de marzo)",
//! "carnaval", "semana santa" — the stay they mean, relative to `today` (long weekends from the
//! holiday table, [`super::holidays`]).

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::{
    calendar::{month_of, next_weekday},
    dates::{is_word, word},
    holidays,
    normalize::Token,
};

/// A weekend phrase: (check-in, check-out, token positions).
pub(super) fn weekend(t: &[Token], today: NaiveDate) -> Option<(NaiveDate, NaiveDate, Vec<usize>)> {
    let has = |w: &str| t.iter().any(|x| x.is(w));
    let carnival = has("carnaval") || has("carnavales");
    let easter = has("semanasanta") || has("pascua") || has("pascuas");
    let at = t.iter().position(|x| x.is("finde"));
    if at.is_none() && !carnival && !easter {
        return None;
    }
    let i = at.unwrap_or(0);
    let long = carnival || easter || is_word(t, i + 1, &["largo", "xl"]);
    let mut used: Vec<usize> = at.into_iter().collect();
    let run = if carnival {
        around_yearly(today, holidays::carnival_monday)
    } else if easter {
        around_yearly(today, holidays::good_friday)
    } else if long {
        used.push(i + 1);
        let month = (is_word(t, i + 2, &["de"]))
            .then(|| word(t, i + 3).and_then(month_of))
            .flatten();
        match month {
            Some(m) => {
                let start = NaiveDate::from_ymd_opt(today.year(), m, 1)?;
                let start = if start.month() < today.month() {
                    NaiveDate::from_ymd_opt(today.year() + 1, m, 1)?
                } else {
                    start.max(today)
                };
                holidays::next_long_weekend(start).filter(|(f, _)| f.month() == m)
            }
            None => holidays::next_long_weekend(today),
        }
    } else {
        None
    };
    if long {
        let (first, last) = run?;
        let check_in = first.pred_opt()?.max(today);
        return Some((check_in, last, used));
    }
    let next = (i > 0 && is_word(t, i - 1, &["proximo", "otro", "siguiente"]))
        || (is_word(t, i + 1, &["que"]) && is_word(t, i + 2, &["viene"]))
        || is_word(t, i + 1, &["proximo", "siguiente"]);
    let (check_in, check_out) = match today.weekday() {
        Weekday::Sat => (today, today.succ_opt()?),
        Weekday::Fri => (today, today.checked_add_days(Days::new(2))?),
        _ => {
            let friday = next_weekday(today, Weekday::Fri)?;
            (friday, friday.checked_add_days(Days::new(2))?)
        }
    };
    if next {
        let friday = next_weekday(check_in, Weekday::Fri)?;
        return Some((friday, friday.checked_add_days(Days::new(2))?, used));
    }
    Some((check_in, check_out, used))
}

/// The long weekend around this year's (or, once past, next year's) holiday.
fn around_yearly(
    today: NaiveDate,
    day: fn(i32) -> Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    [today.year(), today.year() + 1]
        .into_iter()
        .filter_map(|y| holidays::long_weekend_around(day(y)?))
        .find(|(_, last)| *last >= today)
}
