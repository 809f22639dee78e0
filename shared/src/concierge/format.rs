//! How guests read numbers and dates (es-AR): `$ 54.000`, `$ 54.000,50`, `vie 15/01`,
//! `del vie 15/01 al dom 17/01 (2 noches)`, times in Buenos Aires time.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::{America::Argentina::Buenos_Aires, Tz};

use crate::domain::{Money, Stay};

/// The business timezone the guest's times are shown in.
pub const TIMEZONE: Tz = Buenos_Aires;

/// `$ 54.000` (dots between thousands, no decimals when whole) or `$ 54.000,50`.
pub fn money(amount: Money) -> String {
    let text = amount.amount().to_string(); // "54000.50", "-3.00"
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if cents.chars().all(|c| c == '0') {
        format!("{sign}$ {grouped}")
    } else {
        format!("{sign}$ {grouped},{cents}")
    }
}

/// The es-AR abbreviation of a weekday: `lun`, `mar`, `mié`, `jue`, `vie`, `sáb`, `dom`.
pub fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "lun",
        Weekday::Tue => "mar",
        Weekday::Wed => "mié",
        Weekday::Thu => "jue",
        Weekday::Fri => "vie",
        Weekday::Sat => "sáb",
        Weekday::Sun => "dom",
    }
}

/// `vie 15/01`.
pub fn date(day: NaiveDate) -> String {
    format!(
        "{} {:02}/{:02}",
        weekday(day.weekday()),
        day.day(),
        day.month()
    )
}

/// `1 noche`, `3 noches`.
pub fn nights(count: u32) -> String {
    if count == 1 {
        "1 noche".into()
    } else {
        format!("{count} noches")
    }
}

/// `1 persona`, `4 personas`.
pub fn guests(count: u32) -> String {
    if count == 1 {
        "1 persona".into()
    } else {
        format!("{count} personas")
    }
}

/// `del vie 15/01 al dom 17/01 (2 noches)`.
pub fn stay(stay: &Stay) -> String {
    format!(
        "del {} al {} ({})",
        date(stay.check_in()),
        date(stay.check_out()),
        nights(stay.nights())
    )
}

/// `18:45`, the time of `at` in Buenos Aires.
pub fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&TIMEZONE).format("%H:%M").to_string()
}

/// When something happens, as seen from `now` in Buenos Aires: `hoy a las 18:45`,
/// `mañana a las 09:00`, or `el vie 15/01 a las 18:45`.
pub fn moment(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let day = at.with_timezone(&TIMEZONE).date_naive();
    let today = now.with_timezone(&TIMEZONE).date_naive();
    let clock = time(at);
    if day == today {
        format!("hoy a las {clock}")
    } else if today.succ_opt() == Some(day) {
        format!("mañana a las {clock}")
    } else {
        format!("el {} a las {clock}", date(day))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn m(raw: &str) -> Money {
        Money::parse("amount", raw).expect("money")
    }

    fn d(y: i32, mo: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, day).expect("date")
    }

    #[test]
    fn money_uses_dots_for_thousands_and_decimals_only_when_needed() {
        assert_eq!(money(m("54000")), "$ 54.000");
        assert_eq!(money(m("54000.50")), "$ 54.000,50");
        assert_eq!(money(m("54000.05")), "$ 54.000,05");
        assert_eq!(money(m("0")), "$ 0");
        assert_eq!(money(m("999")), "$ 999");
        assert_eq!(money(m("1000")), "$ 1.000");
        assert_eq!(money(m("1234567.8")), "$ 1.234.567,80");
        assert_eq!(money(m("100000")), "$ 100.000");
        assert_eq!(money(Money::ZERO - m("1500")), "-$ 1.500");
    }

    #[test]
    fn dates_read_as_es_ar_weekday_and_day_month() {
        assert_eq!(date(d(2027, 1, 15)), "vie 15/01");
        assert_eq!(date(d(2027, 1, 16)), "sáb 16/01");
        assert_eq!(date(d(2027, 1, 13)), "mié 13/01");
        assert_eq!(date(d(2026, 12, 7)), "lun 07/12");
    }

    #[test]
    fn a_stay_reads_as_a_range_with_its_nights() {
        let two = Stay::new(d(2027, 1, 15), d(2027, 1, 17)).expect("stay");
        assert_eq!(stay(&two), "del vie 15/01 al dom 17/01 (2 noches)");
        let one = Stay::new(d(2026, 12, 31), d(2027, 1, 1)).expect("stay");
        assert_eq!(stay(&one), "del jue 31/12 al vie 01/01 (1 noche)");
        assert_eq!(guests(1), "1 persona");
        assert_eq!(guests(4), "4 personas");
    }

    #[test]
    fn times_are_shown_in_buenos_aires() {
        let now = Utc
            .with_ymd_and_hms(2027, 1, 15, 21, 0, 0)
            .single()
            .expect("valid"); // 18:00 in BA
        assert_eq!(time(now), "18:00");
        assert_eq!(
            moment(now + chrono::Duration::minutes(30), now),
            "hoy a las 18:30"
        );
        // 02:30 UTC of the 16th is still the 15th (23:30) in Buenos Aires.
        let late = Utc
            .with_ymd_and_hms(2027, 1, 16, 2, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(moment(late, now), "hoy a las 23:30");
        let tomorrow = Utc
            .with_ymd_and_hms(2027, 1, 16, 12, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(moment(tomorrow, now), "mañana a las 09:00");
        let later = Utc
            .with_ymd_and_hms(2027, 1, 20, 12, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(moment(later, now), "el mié 20/01 a las 09:00");
    }
}
