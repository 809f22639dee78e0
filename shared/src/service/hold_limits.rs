//! Hold hoarding limits: the public booking endpoint is open, so one guest (a phone) or one
//! client (an IP address) must not hold a cabin's whole season with pre-reservations it never
//! pays for.
//!
//! "Active" means `status = 'pre_reserved' AND expires_at > now`: a lapsed hold no longer
//! counts even before the expiry job sweeps it, and a confirmed one is no longer a hold.
//!
//! # Concurrency
//!
//! Count-then-insert is a race unless serialized: two requests from one phone with one slot
//! left would both count one hold and both insert. So the booking statement (the SQL function
//! `book_reservation`, see [`crate::store::reservation_booking`]) counts inside the transaction
//! that inserts the hold, after taking transaction-scoped advisory locks keyed by the phone
//! and by the IP (`pg_advisory_xact_lock(class, hashtext(key))`; the two-key form keeps phones
//! and IPs in separate lock spaces). A second request for the same phone waits until the
//! first commits, then counts in a fresh snapshot (READ COMMITTED takes one per statement, so
//! the count is a separate statement after the lock; a PL/pgSQL function's statements each
//! take their own) and sees its hold. Locks are always taken
//! phone first, then IP, so two transactions cannot wait on each other in a cycle. Different
//! phones and IPs never wait on each other (barring a hash collision, which only serializes).
//!
//! # Which IP
//!
//! An IPv4 client counts by its address; an IPv6 client by its /64, as the rate limiter
//! does: one subscriber usually holds a whole /64 and could otherwise rotate through it, one
//! address per hold. The hold stores the full address; the count matches every stored address
//! inside the network, and the lock is keyed by the network. The match is spelled as the
//! range `network(n) ..= host(broadcast(n))` of the btree index plus `<<=`: PostgreSQL turns
//! `<<=` into an index range only for a constant, and the function's statements are prepared,
//! so after a few executions a generic plan would otherwise filter every open hold of every
//! guest on each booking (measured: booking throughput halved; `docs/performance.md`).

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::booking::BookingField;
use crate::{
    Error, FieldError, Result, mask,
    store::reservation_booking::{ActiveHolds, HoldCheck},
};

/// How many active public holds one phone and one IP may have; 0 means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldLimits {
    /// Active holds per guest phone (`HOLD_LIMIT_PER_PHONE`).
    pub per_phone: u32,
    /// Active holds per client IP (`HOLD_LIMIT_PER_IP`).
    pub per_ip: u32,
}

/// Whether hold limits apply to a booking. Public routes must pass [`HoldPolicy::Public`];
/// only staff routes (admin bookings, imports) may pass [`HoldPolicy::Exempt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldPolicy {
    /// A public client: limits apply, and its IP (when known) is stored on the hold.
    Public {
        /// The client's IP address, as the API resolved it.
        client_ip: Option<IpAddr>,
    },
    /// Staff bookings: no limits, no IP stored.
    Exempt,
}

impl HoldPolicy {
    /// The IP to store on the hold.
    pub fn client_ip(&self) -> Option<IpAddr> {
        match self {
            Self::Public { client_ip } => *client_ip,
            Self::Exempt => None,
        }
    }

    /// What to check for a hold of `phone` (stored form) under `limits`; `None` when nothing is.
    pub(crate) fn guard<'a>(&self, limits: HoldLimits, phone: &'a str) -> Option<HoldGuard<'a>> {
        match self {
            Self::Public { client_ip } if limits.per_phone > 0 || limits.per_ip > 0 => {
                Some(HoldGuard {
                    limits,
                    phone,
                    ip: *client_ip,
                })
            }
            _ => None,
        }
    }
}

/// The checks of one public hold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HoldGuard<'a> {
    limits: HoldLimits,
    phone: &'a str,
    ip: Option<IpAddr>,
}

/// The network an address's holds are counted under: an IPv4 address alone (`/32`), an IPv6
/// address with its /64 (an IPv4-mapped IPv6 address counts as the IPv4 one).
pub fn hold_network(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("{v4}/32"),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{}/64", std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
    }
}

impl HoldGuard<'_> {
    /// What the booking statement locks and counts: only what is limited (a limit of 0 costs
    /// nothing, so all traffic behind one address never queues on that address's lock).
    pub(crate) fn check(&self) -> HoldCheck<'_> {
        HoldCheck {
            phone: (self.limits.per_phone > 0).then_some((self.phone, self.limits.per_phone)),
            network: self
                .ip
                .filter(|_| self.limits.per_ip > 0)
                .map(|ip| (hold_network(ip), self.limits.per_ip)),
        }
    }

    /// The refusal of a hold the booking statement did not insert, from the counts it saw
    /// (`Error::TooMany`, with when the first hold frees up).
    pub(crate) fn verdict(&self, active: &ActiveHolds, now: DateTime<Utc>) -> Result<()> {
        let mut details = Vec::new();
        let mut frees_at: Option<DateTime<Utc>> = None;
        let per_phone = i64::from(self.limits.per_phone);
        if per_phone > 0 && active.by_phone >= per_phone {
            details.push(FieldError::new(
                BookingField::GuestPhone.key(),
                "hold_limit_per_phone",
                format!("this phone already has {per_phone} active pre-reservations"),
            ));
            frees_at = active.phone_first_expiry;
        }
        let per_ip = i64::from(self.limits.per_ip);
        if per_ip > 0 && self.ip.is_some() && active.by_ip >= per_ip {
            details.push(FieldError::new(
                "client_ip",
                "hold_limit_per_ip",
                format!("this network already has {per_ip} active pre-reservations"),
            ));
            frees_at = frees_at.max(active.ip_first_expiry);
        }
        if details.is_empty() {
            return Ok(());
        }
        for detail in &details {
            metrics::counter!("reservation_hold_limit_total", "limit" => detail.code.clone())
                .increment(1);
        }
        tracing::info!(
            guest_phone = %mask::phone(self.phone),
            client_ip = %self.ip.as_ref().map(mask::ip).unwrap_or_default(),
            active_by_phone = active.by_phone,
            active_by_ip = active.by_ip,
            "pre-reservation refused: too many active holds"
        );
        let retry_after_seconds = frees_at.map(|at| {
            let millis = u64::try_from((at - now).num_milliseconds()).unwrap_or(0);
            millis.div_ceil(1000).max(1)
        });
        Err(Error::TooMany {
            code: "too_many_holds",
            message: "too many active pre-reservations; pay the deposit of one or wait for \
                      one to lapse"
                .into(),
            details,
            retry_after_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_and_ipv4_by_the_address() {
        let net = |s: &str| hold_network(s.parse().expect("an IP"));
        assert_eq!(net("2001:db8:1:2::42"), "2001:db8:1:2::/64");
        assert_eq!(net("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_ne!(net("2001:db8:1:3::42"), net("2001:db8:1:2::42"));
        assert_eq!(net("203.0.113.7"), "203.0.113.7/32");
        assert_eq!(net("::ffff:203.0.113.7"), "203.0.113.7/32");
    }
}
