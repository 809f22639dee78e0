//! Calendar jobs: [`SyncIcalFeeds`], the channel feeds' sync, on `JOB_ICAL_INTERVAL_SECONDS`.
//! The handler lives in the worker.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, maintenance::Scheduled};

/// Fetch every channel feed and make its blocks match (`service::ical_sync`), once per slot.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SyncIcalFeeds {
    /// The schedule slot (UTC).
    pub slot: DateTime<Utc>,
}

impl Job for SyncIcalFeeds {
    const NAME: &'static str = "ical_sync.v1";
    /// A failed feed waits for the next slot; a retry only covers our own database blip.
    const MAX_ATTEMPTS: usize = 2;
}

impl Scheduled for SyncIcalFeeds {
    fn for_slot(slot: DateTime<Utc>) -> Self {
        Self { slot }
    }
}
