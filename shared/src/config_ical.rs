//! The calendar sync's settings (`JOB_ICAL_INTERVAL_SECONDS`, `ICAL_*`): their checks and the
//! cron schedule the interval makes.

use crate::config::Settings;

/// The largest feed size a setting may allow (50 MiB): a bound on the memory one fetch takes.
const MAX_FEED_BYTES_CEILING: usize = 50 * 1024 * 1024;

impl Settings {
    /// The cron expression (with seconds) of the sync's interval, with every slot on the clock
    /// (300 s → `0 */5 * * * *`); `None` when the interval does not divide a minute, an hour or
    /// a day evenly.
    pub fn ical_schedule(&self) -> Option<String> {
        let every = self.job_ical_interval_seconds;
        let divides = |unit: u32, n: u32| n > 0 && unit.is_multiple_of(n);
        if every < 60 && divides(60, every) {
            Some(format!("*/{every} * * * * *"))
        } else if every.is_multiple_of(60) && every < 3600 && divides(60, every / 60) {
            Some(format!("0 */{} * * * *", every / 60))
        } else if every.is_multiple_of(3600) && divides(24, every / 3600) {
            Some(format!("0 0 */{} * * *", every / 3600))
        } else {
            None
        }
    }

    /// The calendar sync's checks.
    pub(crate) fn validate_ical(&self, problems: &mut Vec<String>) {
        if self.ical_schedule().is_none() {
            problems.push(format!(
                "JOB_ICAL_INTERVAL_SECONDS {} must divide a minute (1-30 s), an hour (a whole number of minutes) or a day (a whole number of hours)",
                self.job_ical_interval_seconds
            ));
        }
        if !(1..=120).contains(&self.ical_fetch_timeout_seconds) {
            problems.push("ICAL_FETCH_TIMEOUT_SECONDS must be between 1 and 120".into());
        }
        if !(1024..=MAX_FEED_BYTES_CEILING).contains(&self.ical_max_feed_bytes) {
            problems.push(format!(
                "ICAL_MAX_FEED_BYTES must be between 1024 and {MAX_FEED_BYTES_CEILING}"
            ));
        }
        if !(1..=64).contains(&self.ical_sync_concurrency) {
            problems.push("ICAL_SYNC_CONCURRENCY must be between 1 and 64".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(seconds: u32) -> Option<String> {
        Settings {
            job_ical_interval_seconds: seconds,
            ..Settings::default()
        }
        .ical_schedule()
    }

    #[test]
    fn intervals_become_schedules_on_the_clock() {
        assert_eq!(every(300).as_deref(), Some("0 */5 * * * *"));
        assert_eq!(every(2).as_deref(), Some("*/2 * * * * *"));
        assert_eq!(every(3600).as_deref(), Some("0 0 */1 * * *"));
        assert_eq!(every(7200).as_deref(), Some("0 0 */2 * * *"));
        for bad in [0, 7, 90, 420, 5000] {
            assert_eq!(every(bad), None, "{bad}");
        }
        for schedule in [every(300), every(2), every(7200)].into_iter().flatten() {
            assert!(schedule.parse::<cron::Schedule>().is_ok(), "{schedule}");
        }
    }

    #[test]
    fn out_of_range_sync_settings_are_refused_together() {
        let settings = Settings {
            job_ical_interval_seconds: 7,
            ical_fetch_timeout_seconds: 0,
            ical_max_feed_bytes: 10,
            ical_sync_concurrency: 0,
            ..Settings::default()
        };
        let mut problems = Vec::new();
        settings.validate_ical(&mut problems);
        assert_eq!(problems.len(), 4, "{problems:?}");
    }
}
