//! When each scheduled job runs: one definition, which the worker registers and the owner's
//! dashboard shows. Cron expressions have six fields, seconds first, in UTC.

use super::{
    Job,
    calendar::SyncIcalFeeds,
    maintenance::{
        ApplyGuestDataRetention, ExpireIdempotencyKeys, ExpirePreReservations,
        PurgeWebhookPayloads, SweepWebhookEvents,
    },
    notifications::HoldReminders,
    payments::PollPayments,
    whatsapp::SweepConversations,
};
use crate::config::Settings;

/// Hourly, on the hour.
const IDEMPOTENCY_EXPIRY: &str = "0 0 * * * *";
/// Every 15 seconds, from second 5 (a Redis restarted empty is noticed within seconds).
const WEBHOOK_SWEEP: &str = "5/15 * * * * *";
/// Every minute, at second 15.
const HOLD_REMINDERS: &str = "15 * * * * *";
/// Every minute, at second 45.
const CONVERSATION_SWEEP: &str = "45 * * * * *";
/// Daily at 03:17 UTC.
const WEBHOOK_PAYLOAD_PURGE: &str = "0 17 3 * * *";
/// Daily at 03:47 UTC (00:47 in Buenos Aires), after the payload purge.
const GUEST_DATA_RETENTION: &str = "0 47 3 * * *";

/// A scheduled job: its name and its cron expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    /// The job's versioned name.
    pub job: &'static str,
    /// Its cron expression (six fields, seconds first, UTC).
    pub cron: String,
}

/// Every scheduled job under `settings` (`EXPIRY_SCHEDULE`, `PAYMENT_POLL_SCHEDULE` and
/// `JOB_ICAL_INTERVAL_SECONDS` are settings; the rest are fixed). The iCal sync is missing
/// when its interval has no cron form, which the settings' validation refuses.
pub fn all(settings: &Settings) -> Vec<Scheduled> {
    let fixed = |job: &'static str, cron: &str| Scheduled {
        job,
        cron: cron.to_owned(),
    };
    let mut all = vec![
        fixed(ExpirePreReservations::NAME, &settings.expiry_schedule),
        fixed(ExpireIdempotencyKeys::NAME, IDEMPOTENCY_EXPIRY),
        fixed(SweepWebhookEvents::NAME, WEBHOOK_SWEEP),
        fixed(PurgeWebhookPayloads::NAME, WEBHOOK_PAYLOAD_PURGE),
        fixed(ApplyGuestDataRetention::NAME, GUEST_DATA_RETENTION),
        fixed(PollPayments::NAME, &settings.payment_poll_schedule),
        fixed(HoldReminders::NAME, HOLD_REMINDERS),
        fixed(SweepConversations::NAME, CONVERSATION_SWEEP),
    ];
    if let Some(cron) = settings.ical_schedule() {
        all.push(Scheduled {
            job: SyncIcalFeeds::NAME,
            cron,
        });
    }
    all
}

/// The cron expression of scheduled job `J`, if it is scheduled under `settings`.
pub fn of<J: Job>(settings: &Settings) -> Option<String> {
    all(settings)
        .into_iter()
        .find(|s| s.job == J::NAME)
        .map(|s| s.cron)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn every_schedule_parses_and_names_a_known_job() {
        let settings = Settings::default();
        let all = all(&settings);
        assert_eq!(all.len(), 9);
        for s in all {
            assert!(super::super::JOB_NAMES.contains(&s.job), "{}", s.job);
            assert!(
                cron::Schedule::from_str(&s.cron).is_ok(),
                "{}: {}",
                s.job,
                s.cron
            );
        }
    }
}
