//! The configurable booking rules a use-case needs, taken from `Settings` once.

use chrono::Duration;
use chrono_tz::Tz;

use crate::{clock::SharedClock, config::Settings};

/// Booking rules plus the clock they are read against.
#[derive(Clone, Debug)]
pub struct BookingRules {
    /// Source of "now".
    pub clock: SharedClock,
    /// The business timezone (what "today" means).
    pub timezone: Tz,
    /// How long a pre-reservation holds its nights.
    pub hold: Duration,
    /// The longest stay.
    pub max_nights: u32,
    /// How many calendar months ahead a check-in may be.
    pub max_months_ahead: u32,
    /// Share of the total due up front.
    pub deposit_percent: u8,
    /// Active public holds allowed per phone and per IP.
    pub hold_limits: super::HoldLimits,
    /// Where guest notices are enqueued after a hold is created (`None`: no notices, e.g.
    /// in tools and unit tests).
    pub notices: Option<crate::jobs::JobQueue>,
    /// Accommodations as last read, to price public bookings (shared by clones).
    pub accommodations: super::accommodation_cache::AccommodationCache,
}

impl BookingRules {
    /// Rules from the settings.
    pub fn from_settings(settings: &Settings, clock: SharedClock) -> Self {
        Self {
            clock,
            timezone: settings.timezone(),
            hold: settings.hold_duration(),
            max_nights: settings.max_nights,
            max_months_ahead: settings.max_months_ahead,
            deposit_percent: settings.deposit_percent,
            hold_limits: super::HoldLimits {
                per_phone: settings.hold_limit_per_phone,
                per_ip: settings.hold_limit_per_ip,
            },
            notices: None,
            accommodations: Default::default(),
        }
    }

    /// Limits for a new stay as of now.
    pub fn stay_limits(&self) -> crate::domain::StayLimits {
        crate::domain::StayLimits::new(
            self.clock.today(self.timezone),
            self.max_nights,
            self.max_months_ahead,
        )
    }
}
