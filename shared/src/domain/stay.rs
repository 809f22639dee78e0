//! A stay: the half-open range of nights `[check_in, check_out)`.

use chrono::{Months, NaiveDate, Weekday};

use crate::error::FieldError;

/// Limits a new stay must respect.
#[derive(Clone, Copy, Debug)]
pub struct StayLimits {
    /// The business date today: check-in may not be before it.
    pub today: NaiveDate,
    /// The longest stay allowed.
    pub max_nights: u32,
    /// The latest check-in allowed (`MAX_MONTHS_AHEAD` calendar months after today): the
    /// owner sets prices a season or so ahead, and holds years out would block nights
    /// nobody has priced.
    pub latest_check_in: NaiveDate,
}

impl StayLimits {
    /// Limits as of `today`: stays of at most `max_nights`, check-in at most
    /// `max_months_ahead` calendar months ahead (the same day of the month, or the month's
    /// last day when it has no such day).
    pub fn new(today: NaiveDate, max_nights: u32, max_months_ahead: u32) -> Self {
        Self {
            today,
            max_nights,
            latest_check_in: today
                .checked_add_months(Months::new(max_months_ahead))
                .unwrap_or(NaiveDate::MAX),
        }
    }
}

/// Valid stay dates: check-out strictly after check-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stay {
    check_in: NaiveDate,
    check_out: NaiveDate,
}

impl Stay {
    /// Parses and checks the raw dates of a new booking, reporting every bad field.
    pub fn parse_new(
        check_in: &str,
        check_out: &str,
        limits: StayLimits,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let check_in = parse_date("check_in", check_in, &mut errors);
        if check_in.is_some_and(|d| d < limits.today) {
            errors.push(FieldError::new(
                "check_in",
                "in_the_past",
                format!("check-in must be today ({}) or later", limits.today),
            ));
        }
        if check_in.is_some_and(|d| d > limits.latest_check_in) {
            errors.push(FieldError::new(
                "check_in",
                "too_far_ahead",
                format!(
                    "check-in can be at most {} (bookings open that far ahead)",
                    limits.latest_check_in
                ),
            ));
        }
        let check_out = parse_date("check_out", check_out, &mut errors);
        let (Some(check_in), Some(check_out)) = (check_in, check_out) else {
            return Err(errors);
        };
        match Self::new(check_in, check_out) {
            Some(stay) if stay.nights() > limits.max_nights => errors.push(FieldError::new(
                "check_out",
                "too_long",
                format!("a stay can be at most {} nights", limits.max_nights),
            )),
            Some(stay) if errors.is_empty() => return Ok(stay),
            Some(_) => {}
            None => errors.push(FieldError::new(
                "check_out",
                "not_after_check_in",
                "check-out must be after check-in",
            )),
        }
        Err(errors)
    }

    /// A stay from already-trusted dates (stored rows); `None` unless check-out is after check-in.
    pub fn new(check_in: NaiveDate, check_out: NaiveDate) -> Option<Self> {
        (check_in < check_out).then_some(Self {
            check_in,
            check_out,
        })
    }

    /// Arrival date.
    pub fn check_in(&self) -> NaiveDate {
        self.check_in
    }

    /// Departure date (not a night of the stay).
    pub fn check_out(&self) -> NaiveDate {
        self.check_out
    }

    /// Number of nights.
    pub fn nights(&self) -> u32 {
        u32::try_from((self.check_out - self.check_in).num_days()).unwrap_or(u32::MAX)
    }

    /// Each night, named by the date the guest goes to sleep.
    pub fn night_dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.check_in
            .iter_days()
            .take_while(|d| *d < self.check_out)
    }

    /// Whether two stays share at least one night (back-to-back stays do not).
    pub fn overlaps(&self, other: &Stay) -> bool {
        self.check_in < other.check_out && other.check_in < self.check_out
    }
}

/// Weekday name used in settings and JSON (`friday`).
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// Parses a weekday name as written by [`weekday_name`].
pub fn parse_weekday(name: &str) -> Option<Weekday> {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|d| weekday_name(*d).eq_ignore_ascii_case(name.trim()))
}

fn parse_date(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(FieldError::new(
            field,
            "required",
            format!("{field} is required"),
        ));
        return None;
    }
    let date = super::date::parse(raw);
    if date.is_none() {
        errors.push(FieldError::new(
            field,
            "invalid_date",
            format!(
                "{raw:?} is not a real date in YYYY-MM-DD form between {}-01-01 and {}-12-31",
                super::date::MIN_YEAR,
                super::date::MAX_YEAR
            ),
        ));
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn limits() -> StayLimits {
        StayLimits::new(d("2026-11-23"), 60, 18)
    }

    fn codes(result: Result<Stay, Vec<FieldError>>) -> Vec<(String, String)> {
        result
            .expect_err("should be invalid")
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_valid_stay_counts_its_nights() {
        let stay = Stay::parse_new("2026-12-01", "2026-12-04", limits()).expect("valid");
        assert_eq!(stay.nights(), 3);
        assert_eq!(stay.night_dates().count(), 3);
    }

    #[test]
    fn check_in_today_is_allowed_but_yesterday_is_not() {
        assert!(Stay::parse_new("2026-11-23", "2026-11-24", limits()).is_ok());
        assert_eq!(
            codes(Stay::parse_new("2026-11-22", "2026-11-24", limits())),
            vec![("check_in".into(), "in_the_past".into())]
        );
    }

    #[test]
    fn impossible_and_malformed_dates_are_reported_per_field() {
        let cases = [
            (
                "2026-02-30",
                "2026-03-02",
                vec![("check_in", "invalid_date")],
            ),
            (
                "2026-12-01",
                "12/05/2026",
                vec![("check_out", "invalid_date")],
            ),
            (
                "",
                "",
                vec![("check_in", "required"), ("check_out", "required")],
            ),
            (
                "2026-12-05",
                "2026-12-05",
                vec![("check_out", "not_after_check_in")],
            ),
            (
                "2026-12-05",
                "2026-12-01",
                vec![("check_out", "not_after_check_in")],
            ),
            ("2026-12-01", "2027-02-01", vec![("check_out", "too_long")]),
        ];
        for (check_in, check_out, expected) in cases {
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(f, c)| (f.to_string(), c.to_string()))
                .collect();
            assert_eq!(
                codes(Stay::parse_new(check_in, check_out, limits())),
                expected,
                "{check_in} .. {check_out}"
            );
        }
    }

    #[test]
    fn sixty_nights_is_the_default_maximum() {
        assert!(Stay::parse_new("2026-12-01", "2027-01-30", limits()).is_ok());
        assert!(Stay::parse_new("2026-12-01", "2027-01-31", limits()).is_err());
    }

    #[test]
    fn check_in_may_be_up_to_eighteen_months_ahead() {
        assert!(Stay::parse_new("2028-05-23", "2028-05-24", limits()).is_ok());
        assert_eq!(
            codes(Stay::parse_new("2028-05-24", "2028-05-25", limits())),
            vec![("check_in".into(), "too_far_ahead".into())]
        );
        let end_of_month = StayLimits::new(d("2026-08-31"), 60, 18);
        assert_eq!(end_of_month.latest_check_in, d("2028-02-29"));
    }

    #[test]
    fn back_to_back_stays_do_not_overlap() {
        let a = Stay::new(d("2026-12-01"), d("2026-12-03")).expect("stay");
        let b = Stay::new(d("2026-12-03"), d("2026-12-05")).expect("stay");
        let c = Stay::new(d("2026-12-02"), d("2026-12-04")).expect("stay");
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&c) && c.overlaps(&b));
    }

    #[test]
    fn weekday_names_round_trip() {
        for day in [Weekday::Mon, Weekday::Fri, Weekday::Sun] {
            assert_eq!(parse_weekday(weekday_name(day)), Some(day));
        }
        assert_eq!(parse_weekday("Friday "), Some(Weekday::Fri));
        assert_eq!(parse_weekday("viernes"), None);
    }
}
