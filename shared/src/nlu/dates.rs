//! Dates of stay in a message, relative to the business day `today`.
//!
//! Read in this order, the first that matches wins: a range ("del 15 al 17 de enero", "15/1
//! al 17/1", "del lunes al jueves", "llegamos el 15 y nos vamos el 17"), a weekend ("este
//! finde", "el finde que viene", "el finde largo de carnaval"), a single day ("el viernes",
//! "mañana", "a partir del 2 de febrero"). A length ("3 noches", "una semana") completes a
//! start without an end.
//!
//! Decisions: a day and month without a year is the next one not in the past (year roll-over);
//! a weekday is the next one after today ("el viernes" said on a Friday is next week's); "N
//! días" is read as N nights; "este finde" is Friday to Sunday of this week (Saturday to
//! Sunday when said on a Saturday, next week's on a Sunday) and "el finde que viene" the one
//! after; a long weekend is checked in the evening before its first free day and out on its
//! last one. Stays longer than [`MAX_NIGHTS`] or starting more than [`MAX_DAYS_AHEAD`] ahead
//! are not understood.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::{
    calendar::{MONTHS, NOT_DAY_NOUNS, month_of, next_day_of_month, next_weekday, weekday_of},
    normalize::Token,
    weekends::weekend,
};

/// The longest stay read from a message.
pub const MAX_NIGHTS: i64 = 90;
/// How far ahead a check-in may be.
pub const MAX_DAYS_AHEAD: i64 = 3 * 366;

/// What a message says about the dates of the stay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stay {
    /// First night.
    pub check_in: Option<NaiveDate>,
    /// Departure day (after the last night).
    pub check_out: Option<NaiveDate>,
    /// Number of nights, stated or implied by the dates.
    pub nights: Option<u32>,
    /// Token positions read as dates or lengths (the guest counter skips them).
    pub used: Vec<usize>,
}

/// A day and maybe a month and year, as written.
#[derive(Clone, Copy, Debug)]
struct Partial {
    day: u32,
    month: Option<u32>,
    year: Option<i32>,
}

#[derive(Clone, Copy, Debug)]
enum Point {
    Abs(Partial),
    Weekday(Weekday),
    /// Days from today: "hoy", "mañana", "pasado mañana".
    Rel(u64),
}

/// A point and the token span it took: [start, end).
#[derive(Clone, Copy, Debug)]
struct Found {
    point: Point,
    start: usize,
    end: usize,
    /// A bare day number ("el 15"), the weakest kind.
    bare: bool,
}

pub(super) fn word(t: &[Token], i: usize) -> Option<&str> {
    t.get(i).and_then(Token::word)
}

pub(super) fn is_word(t: &[Token], i: usize, words: &[&str]) -> bool {
    word(t, i).is_some_and(|w| words.contains(&w))
}

/// A point starting at `i`.
fn point_at(t: &[Token], i: usize) -> Option<Found> {
    let found = |point, end, bare| Found {
        point,
        start: i,
        end,
        bare,
    };
    match t.get(i)? {
        Token::DayMonth(d, m, y) => Some(found(
            Point::Abs(Partial {
                day: *d,
                month: Some(*m),
                year: *y,
            }),
            i + 1,
            false,
        )),
        Token::Num(d) => day_at(t, i, *d).map(|(p, end, bare)| found(Point::Abs(p), end, bare)),
        Token::Word(w) => {
            if let Some(wd) = weekday_of(w) {
                // "el viernes 15 (de enero)": the number decides.
                if let Some(Token::Num(d)) = t.get(i + 1)
                    && let Some((p, end, bare)) = day_at(t, i + 1, *d)
                    && !(bare && is_word(t, end, NOT_DAY_NOUNS))
                {
                    return Some(found(Point::Abs(p), end, false));
                }
                if let Some(Token::DayMonth(d, m, y)) = t.get(i + 1) {
                    let p = Partial {
                        day: *d,
                        month: Some(*m),
                        year: *y,
                    };
                    return Some(found(Point::Abs(p), i + 2, false));
                }
                return Some(found(Point::Weekday(wd), i + 1, false));
            }
            match w.as_str() {
                "hoy" => Some(found(Point::Rel(0), i + 1, false)),
                "pasadomanana" => Some(found(Point::Rel(2), i + 1, false)),
                // "a la mañana", "por la mañana", "esta mañana": the morning, not tomorrow.
                "manana" if !(i > 0 && is_word(t, i - 1, &["la", "esta", "de", "las"])) => {
                    Some(found(Point::Rel(1), i + 1, false))
                }
                _ => None,
            }
        }
    }
}

/// A day number at `i` with its month and year when they follow: (partial, end, bare).
fn day_at(t: &[Token], i: usize, day: u32) -> Option<(Partial, usize, bool)> {
    if !(1..=31).contains(&day) {
        return None;
    }
    let mut j = i + 1;
    if is_word(t, j, &["de", "del"]) {
        j += 1;
    }
    let Some(month) = word(t, j).and_then(month_of) else {
        let p = Partial {
            day,
            month: None,
            year: None,
        };
        return Some((p, i + 1, true));
    };
    j += 1;
    let mut year = None;
    let k = if is_word(t, j, &["de", "del"]) {
        j + 1
    } else {
        j
    };
    if let Some(Token::Num(y @ 2000..=2100)) = t.get(k) {
        year = i32::try_from(*y).ok();
        j = k + 1;
    }
    let p = Partial {
        day,
        month: Some(month),
        year,
    };
    Some((p, j, false))
}

/// Whether a bare day number at this point stands on its own ("el 15", not "somos 4").
fn bare_ok(t: &[Token], f: &Found) -> bool {
    !f.bare
        || (f.start > 0
            && is_word(t, f.start - 1, &["el", "del", "dia", "al", "hasta"])
            && !is_word(t, f.end, NOT_DAY_NOUNS))
}

/// "del A al B", "entre el A y el B", "desde A hasta B", "A - B".
fn range_at(t: &[Token], i: usize) -> Option<(Found, Found)> {
    let a = point_at(t, i)?;
    let mut j = a.end;
    let before = |w: &[&str]| i > 0 && (is_word(t, i - 1, w) || i > 1 && is_word(t, i - 2, w));
    let connector = match word(t, j) {
        Some("al" | "hasta") => true,
        Some("a") => before(&["de", "del", "desde"]) || !a.bare,
        Some("y") => before(&["entre"]),
        _ => false,
    };
    if !connector {
        return None;
    }
    j += 1;
    if is_word(t, j, &["el", "la", "dia"]) {
        j += 1;
    }
    let b = point_at(t, j)?;
    if b.bare && is_word(t, b.end, NOT_DAY_NOUNS) {
        return None;
    }
    if a.bare && !matches!(b.point, Point::Abs(_)) {
        return None;
    }
    Some((a, b))
}

const LEAVING_WORDS: &[&str] = &[
    "hasta",
    "vamos",
    "volvemos",
    "salimos",
    "retiramos",
    "irnos",
    "irme",
    "salida",
    "checkout",
    "regresamos",
    "partimos",
    "nos",
    "vuelta",
];

/// A month named on its own ("para enero"): the month of a bare day ("desde el 10").
fn context_month(t: &[Token]) -> Option<u32> {
    t.iter()
        .filter_map(Token::word)
        .find_map(|w| MONTHS.iter().find(|(m, _)| *m == w).map(|(_, n)| *n))
}

fn resolve_first(
    a: Point,
    b: Option<Point>,
    month: Option<u32>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match a {
        Point::Rel(n) => today.checked_add_days(Days::new(n)),
        Point::Weekday(w) => next_weekday(today, w),
        Point::Abs(p) => {
            let mut p = p;
            if let Some(Point::Abs(q)) = b
                && let Some(qm) = q.month
            {
                if p.month.is_none() {
                    p.month = Some(if p.day > q.day {
                        (qm + 10) % 12 + 1
                    } else {
                        qm
                    });
                }
                if p.year.is_none()
                    && let Some(qy) = q.year
                {
                    p.year = Some(if p.month > Some(qm) { qy - 1 } else { qy });
                }
            }
            if p.month.is_none() {
                p.month = month;
            }
            match (p.month, p.year) {
                (None, _) => next_day_of_month(today, p.day),
                (Some(m), Some(y)) => NaiveDate::from_ymd_opt(y, m, p.day),
                (Some(m), None) => {
                    let this = NaiveDate::from_ymd_opt(today.year(), m, p.day);
                    match this {
                        Some(d) if d >= today => Some(d),
                        _ => NaiveDate::from_ymd_opt(today.year() + 1, m, p.day),
                    }
                }
            }
        }
    }
}

fn resolve_second(b: Point, first: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    match b {
        Point::Rel(n) => today.checked_add_days(Days::new(n)),
        Point::Weekday(w) => next_weekday(first, w),
        Point::Abs(p) => match (p.month, p.year) {
            (None, _) => first
                .succ_opt()
                .and_then(|next| next_day_of_month(next, p.day)),
            (Some(m), Some(y)) => NaiveDate::from_ymd_opt(y, m, p.day),
            (Some(m), None) => {
                let this = NaiveDate::from_ymd_opt(first.year(), m, p.day);
                match this {
                    Some(d) if d > first => Some(d),
                    _ => NaiveDate::from_ymd_opt(first.year() + 1, m, p.day),
                }
            }
        },
    }
}

/// "3 noches", "una noche", "una semana", "2 semanas", "4 dias": (nights, span).
fn length_at(t: &[Token], i: usize) -> Option<(u32, usize)> {
    let n = match t.get(i)? {
        Token::Num(n) => *n,
        Token::Word(w) if w == "una" || w == "un" => 1,
        _ => return None,
    };
    let unit = word(t, i + 1)?;
    let nights = match unit {
        "noches" | "noche" | "dias" | "dia" => n,
        "semanas" | "semana" => n.checked_mul(7)?,
        _ => return None,
    };
    // "una semana" in "la semana que viene" is not a length; "un dia" mostly is.
    (nights >= 1).then_some((nights, i + 2))
}

/// The dates of stay a message states, relative to `today`.
pub fn find(t: &[Token], today: NaiveDate) -> Stay {
    let mut used = Vec::new();
    let mut length = None;
    for i in 0..t.len() {
        if let Some((n, end)) = length_at(t, i) {
            if is_word(t, i + 1, &["semana"]) && is_word(t, i + 2, &["que"]) {
                continue;
            }
            length = Some(n);
            used.extend(i..end);
            break;
        }
    }
    let mut dates: Option<(NaiveDate, Option<NaiveDate>)> = None;
    for i in 0..t.len() {
        if used.contains(&i) {
            continue;
        }
        if let Some((a, b)) = range_at(t, i) {
            let first = resolve_first(a.point, Some(b.point), context_month(t), today);
            let second = first.and_then(|f| resolve_second(b.point, f, today));
            if let (Some(f), Some(s)) = (first, second) {
                dates = Some((f, Some(s)));
                used.extend(a.start..b.end);
                break;
            }
        }
    }
    if dates.is_none()
        && let Some((ci, co, span)) = weekend(t, today)
    {
        used.extend(span);
        dates = Some((ci, if length.is_some() { None } else { Some(co) }));
    }
    if dates.is_none() {
        dates = single(t, today, &mut used);
    }
    let (mut check_in, mut check_out) = match dates {
        Some((ci, co)) => (Some(ci), co),
        None => (None, None),
    };
    if let (Some(ci), None, Some(n)) = (check_in, check_out, length) {
        check_out = ci.checked_add_days(Days::new(u64::from(n)));
    }
    if let Some(ci) = check_in
        && (ci < today || (ci - today).num_days() > MAX_DAYS_AHEAD)
    {
        check_in = None;
        check_out = None;
    }
    if let (Some(ci), Some(co)) = (check_in, check_out)
        && (co <= ci || (co - ci).num_days() > MAX_NIGHTS)
    {
        check_out = None;
    }
    let nights = match (check_in, check_out) {
        (Some(ci), Some(co)) => u32::try_from((co - ci).num_days()).ok(),
        _ => length.filter(|n| i64::from(*n) <= MAX_NIGHTS),
    };
    used.sort_unstable();
    used.dedup();
    Stay {
        check_in,
        check_out,
        nights,
        used,
    }
}

/// A lone start ("el viernes", "mañana", "a partir del 2 de febrero"), and an end when a
/// later point follows a leaving word ("... y nos vamos el 17").
fn single(
    t: &[Token],
    today: NaiveDate,
    used: &mut Vec<usize>,
) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let mut i = 0;
    while i < t.len() {
        if used.contains(&i) {
            i += 1;
            continue;
        }
        let Some(a) = point_at(t, i).filter(|f| bare_ok(t, f)) else {
            i += 1;
            continue;
        };
        let first = resolve_first(a.point, None, context_month(t), today)?;
        used.extend(a.start..a.end);
        let mut j = a.end;
        while j < t.len() && j < a.end + 8 {
            if let Some(b) = point_at(t, j).filter(|f| bare_ok(t, f) || f.bare)
                && (j.saturating_sub(3)..j).any(|k| is_word(t, k, LEAVING_WORDS))
                && !used.contains(&j)
                && let Some(second) = resolve_second(b.point, first, today)
            {
                if b.bare && is_word(t, b.end, NOT_DAY_NOUNS) {
                    break;
                }
                used.extend(b.start..b.end);
                return Some((first, Some(second)));
            }
            j += 1;
        }
        return Some((first, None));
    }
    None
}
