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
//! left would both count one hold and both insert. So [`enforce`] runs inside the transaction
//! that inserts the hold and first takes transaction-scoped advisory locks keyed by the phone
//! and by the IP (`pg_advisory_xact_lock(class, hashtext(key))`; the two-key form keeps phones
//! and IPs in separate lock spaces). A second request for the same phone waits until the
//! first commits, then counts in a fresh snapshot (READ COMMITTED takes one per statement, so
//! the count is a separate statement after the lock) and sees its hold. Locks are always taken
//! phone first, then IP, so two transactions cannot wait on each other in a cycle. Different
//! phones and IPs never wait on each other (barring a hash collision, which only serializes).
//!
//! # Which IP
//!
//! An IPv4 client counts by its address; an IPv6 client by its /64, as the rate limiter
//! does: one subscriber usually holds a whole /64 and could otherwise rotate through it, one
//! address per hold. The hold stores the full address; the count matches every stored address
//! inside the network, and the lock is keyed by the network. The match is spelled as the
//! range `network($2) ..= host(broadcast($2))` of the btree index plus `<<=`: PostgreSQL turns
//! `<<=` into an index range only for a constant, and this statement is prepared, so after a
//! few executions its generic plan would otherwise filter every open hold of every guest on
//! each booking (measured: booking throughput halved; `docs/performance.md`).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::booking::BookingField;
use crate::{Error, FieldError, Result, db::stmt, domain::ReservationStatus, mask};

/// Lock class of per-phone hold locks (first key of `pg_advisory_xact_lock(int, int)`).
const PHONE_LOCK_CLASS: i32 = 0x484f_4c50; // "HOLP"
/// Lock class of per-IP hold locks.
const IP_LOCK_CLASS: i32 = 0x484f_4c49; // "HOLI"

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

/// Active holds of one phone and one IP, with their earliest expiry.
#[derive(Debug, Default)]
struct ActiveHolds {
    by_phone: i64,
    phone_first_expiry: Option<DateTime<Utc>>,
    by_ip: i64,
    ip_first_expiry: Option<DateTime<Utc>>,
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

/// Counts the active holds of a phone (`$1`) and of a network (`$2`) at `$3`, the status
/// (`$4`, always `pre_reserved`) bound like every value. One subquery per key, so each reads
/// only its own index (`reservations_holds_by_phone_idx`, `reservations_holds_by_ip_idx`, both
/// led by the status so that the generic plan of this prepared statement uses them too); a
/// NULL key counts nothing. Public so `tests/tests/integration/hold_limit_plans.rs` can
/// EXPLAIN exactly this statement.
pub const COUNT_ACTIVE_HOLDS: &str = r#"
SELECT p.n AS by_phone, p.first AS phone_first_expiry, i.n AS by_ip, i.first AS ip_first_expiry
FROM (SELECT count(*) AS n, min(expires_at) AS first FROM reservations
      WHERE status = $4 AND guest_phone = $1 AND expires_at > $3) AS p,
     (SELECT count(*) AS n, min(expires_at) AS first FROM reservations
      WHERE status = $4 AND client_ip >= network($2::inet)
        AND client_ip <= host(broadcast($2::inet))::inet
        AND client_ip <<= $2::inet AND expires_at > $3) AS i
"#;

impl HoldGuard<'_> {
    /// Serializes holds of this phone and IP until the transaction ends, then refuses the hold
    /// with `Error::TooMany` when a limit is reached. Call inside the inserting transaction.
    pub(crate) async fn enforce(
        &self,
        txn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // Only what is limited is locked and counted: a limit of 0 costs nothing (all
        // traffic behind one address must not queue on that address's lock for nothing).
        let phone = (self.limits.per_phone > 0).then_some(self.phone);
        let ip = self.ip.filter(|_| self.limits.per_ip > 0).map(hold_network);
        // One lock order everywhere: phone, then IP (then, in the caller, the accommodation).
        let mut locks = Vec::new();
        let mut values: Vec<sea_orm::Value> = Vec::new();
        for (class, key) in [(PHONE_LOCK_CLASS, phone), (IP_LOCK_CLASS, ip.as_deref())] {
            if let Some(key) = key {
                let n = values.len();
                locks.push(format!(
                    "pg_advisory_xact_lock(${}, hashtext(${}))",
                    n + 1,
                    n + 2
                ));
                values.push(class.into());
                values.push(key.into());
            }
        }
        if locks.is_empty() {
            return Ok(());
        }
        txn.execute_raw(stmt(&format!("SELECT {}", locks.join(", ")), values))
            .await?;
        let active = self.count(txn, phone, ip, now).await?;
        self.verdict(&active, now)
    }

    async fn count(
        &self,
        txn: &impl ConnectionTrait,
        phone: Option<&str>,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ActiveHolds> {
        let row = txn
            .query_one_raw(stmt(
                COUNT_ACTIVE_HOLDS,
                vec![
                    phone.into(),
                    ip.into(),
                    now.into(),
                    ReservationStatus::PreReserved.into(),
                ],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(ActiveHolds::default());
        };
        Ok(ActiveHolds {
            by_phone: row.try_get("", "by_phone")?,
            phone_first_expiry: row.try_get("", "phone_first_expiry")?,
            by_ip: row.try_get("", "by_ip")?,
            ip_first_expiry: row.try_get("", "ip_first_expiry")?,
        })
    }

    fn verdict(&self, active: &ActiveHolds, now: DateTime<Utc>) -> Result<()> {
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
