//! Calendar dates from input: `YYYY-MM-DD` with a four-digit year from 2000 to 9999.
//!
//! chrono accepts years from -262143 to +262142, and PostgreSQL accepts a different range, so
//! a date a client may send is first held to a range where every bit of arithmetic the
//! services do (a window of days, the next month, the end of a day) stays representable in
//! both. Handlers that receive a `NaiveDate` already parsed by poem check it with
//! [`check`]; strings go through [`parse`].

use chrono::{Datelike, NaiveDate};

use crate::error::FieldError;

/// The earliest year accepted from input (nothing was booked before this system).
pub const MIN_YEAR: i32 = 2000;
/// The latest year accepted from input; far enough for any booking, near enough that adding a
/// year of days cannot overflow.
pub const MAX_YEAR: i32 = 9999;

/// Whether `date` lies in the range input may use.
pub fn is_supported(date: NaiveDate) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&date.year())
}

/// Parses a strict `YYYY-MM-DD` (surrounding spaces ignored) in the supported range.
pub fn parse(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    let shaped = raw.len() == 10 && raw.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    shaped
        .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| is_supported(*d))
}

/// `Ok(date)` when it lies in the supported range, else a field error named `field`.
pub fn check(field: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    if is_supported(date) {
        Ok(date)
    } else {
        Err(out_of_range(field))
    }
}

/// The error for a date outside the supported range.
pub fn out_of_range(field: &str) -> FieldError {
    FieldError::new(
        field,
        "date_out_of_range",
        format!("{field} must be a date between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31"),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn only_strict_dates_in_range_parse() {
        assert_eq!(parse(" 2027-01-15 "), NaiveDate::from_ymd_opt(2027, 1, 15));
        for bad in [
            "+262142-12-31",
            "262142-12-31",
            "-262143-01-01",
            "1999-12-31",
            "2027-1-15",
            "2027-02-30",
            "２０２７-01-15",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(check("from", NaiveDate::MAX).is_err());
        assert!(check("from", NaiveDate::MIN).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_supported_dates(raw in "\\PC{0,16}") {
            if let Some(date) = parse(&raw) {
                prop_assert!(is_supported(date));
                prop_assert_eq!(date.to_string(), raw.trim());
            }
        }

        #[test]
        fn every_supported_date_round_trips(days in 0i64..2_920_000) {
            let date = NaiveDate::from_ymd_opt(MIN_YEAR, 1, 1).unwrap_or_default()
                + chrono::Duration::days(days);
            prop_assume!(is_supported(date));
            prop_assert_eq!(parse(&date.to_string()), Some(date));
        }
    }
}
