//! The calendar words of es-AR messages (months, with abbreviations and misspellings;
//! weekdays; nouns that make a number something other than a day) and the date arithmetic the
//! date reader resolves them with.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::normalize::distance_within;

/// Words that make a bare number something other than a day.
pub const NOT_DAY_NOUNS: &[&str] = &[
    "noches",
    "noche",
    "dias",
    "dia",
    "semanas",
    "semana",
    "personas",
    "adultos",
    "adulto",
    "mayores",
    "chicos",
    "nenes",
    "ninos",
    "menores",
    "hs",
    "h",
    "horas",
    "hora",
    "am",
    "pm",
    "mas",
    "huespedes",
    "pesos",
    "mil",
    "km",
    "minutos",
    "cuadras",
    "habitaciones",
    "camas",
    "ambientes",
];

pub(super) const MONTHS: &[(&str, u32)] = &[
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
];

const MONTH_ABBREVIATIONS: &[(&str, u32)] = &[
    ("ene", 1),
    ("feb", 2),
    ("febre", 2),
    ("mar", 3),
    ("abr", 4),
    ("jun", 6),
    ("jul", 7),
    ("ago", 8),
    ("sep", 9),
    ("sept", 9),
    ("set", 9),
    ("oct", 10),
    ("nov", 11),
    ("dic", 12),
];

/// A month name, abbreviated or misspelled by one letter ("febrer", "novienbre").
pub fn month_of(word: &str) -> Option<u32> {
    if let Some((_, m)) = MONTHS
        .iter()
        .chain(MONTH_ABBREVIATIONS)
        .find(|(w, _)| *w == word)
    {
        return Some(*m);
    }
    if word.len() < 5 {
        return None;
    }
    let close: Vec<u32> = MONTHS
        .iter()
        .filter(|(w, _)| distance_within(w, word, 1) <= 1)
        .map(|(_, m)| *m)
        .collect();
    // "julio"/"junio" are one letter apart: a typo between them is not guessed.
    match close.as_slice() {
        [m] => Some(*m),
        [a, b] if a == b => Some(*a),
        _ => None,
    }
}

/// A weekday name (no accents), with the typos seen most.
pub fn weekday_of(word: &str) -> Option<Weekday> {
    Some(match word {
        "lunes" => Weekday::Mon,
        "martes" => Weekday::Tue,
        "miercoles" | "miercole" | "mier" => Weekday::Wed,
        "jueves" | "jueve" => Weekday::Thu,
        "viernes" | "vierne" | "vie" => Weekday::Fri,
        "sabado" | "sabad" | "sab" => Weekday::Sat,
        "domingo" | "dom" => Weekday::Sun,
        _ => return None,
    })
}

fn add_months(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(n))
}

/// The first date on or after `from` whose day of month is `day`.
pub(super) fn next_day_of_month(from: NaiveDate, day: u32) -> Option<NaiveDate> {
    let first = from.with_day(1)?;
    (0..3)
        .filter_map(|k| add_months(first, k)?.with_day(day))
        .find(|d| *d >= from)
}

/// The first `weekday` strictly after `from`.
pub(super) fn next_weekday(from: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + weekday.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7;
    from.checked_add_days(Days::new(if ahead == 0 { 7 } else { u64::from(ahead) }))
}
