//! The owner's dashboard figures.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{BookingRules, calendar::next_month};
use crate::{
    Result,
    db::stmt,
    domain::{GuestName, Money, ReservationCode, ReservationStatus},
    redis::{Keys, RedisConn},
};

/// Statuses of stays that earn: they count as revenue and as booked nights.
const EARNING: [ReservationStatus; 2] =
    [ReservationStatus::Confirmed, ReservationStatus::Completed];

/// Occupancy of one accommodation in the month.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Occupancy {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// Its name.
    pub name: String,
    /// Nights confirmed (or completed) in the month.
    pub booked_nights: i64,
}

/// An arrival or departure.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Movement {
    /// Reservation code.
    pub code: ReservationCode,
    /// Guest's name.
    pub guest_name: GuestName,
    /// Accommodation name.
    pub accommodation_name: String,
    /// Status.
    pub status: ReservationStatus,
    /// Arrival.
    pub check_in: NaiveDate,
    /// Departure.
    pub check_out: NaiveDate,
}

/// Every dashboard figure.
#[derive(Clone, Debug)]
pub struct DashboardStats {
    /// Today (business date).
    pub today: NaiveDate,
    /// First day of this month.
    pub month_start: NaiveDate,
    /// Days in this month.
    pub days_in_month: i64,
    /// Reservations by status.
    pub by_status: BTreeMap<String, i64>,
    /// Holds not yet lapsed.
    pub open_holds: i64,
    /// Total of confirmed/completed stays arriving this month.
    pub revenue_confirmed_month: Money,
    /// Paid toward stays arriving this month.
    pub revenue_paid_month: Money,
    /// Total of all confirmed/completed stays.
    pub revenue_confirmed_total: Money,
    /// Paid toward all stays.
    pub revenue_paid_total: Money,
    /// Occupancy per accommodation this month.
    pub occupancy: Vec<Occupancy>,
    /// Arrivals today and tomorrow.
    pub arrivals: Vec<Movement>,
    /// Departures today and tomorrow.
    pub departures: Vec<Movement>,
    /// Double bookings the database refused (since the counter started).
    pub overlaps_prevented: i64,
}

#[derive(FromQueryResult)]
struct StatusCount {
    status: String,
    count: i64,
}

#[derive(FromQueryResult)]
struct Revenue {
    confirmed_month: Money,
    paid_month: Money,
    confirmed_total: Money,
    paid_total: Money,
    open_holds: i64,
}

/// Counts one refused double booking (best effort: a Redis failure is only logged).
pub async fn record_overlap(redis: &RedisConn, keys: &Keys) {
    let mut conn = redis.clone();
    let result: redis::RedisResult<i64> = redis::cmd("INCR")
        .arg(keys.stat("overlaps_prevented"))
        .query_async(&mut conn)
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not count a prevented overlap");
    }
}

/// Computes the dashboard.
pub async fn stats(
    db: &impl ConnectionTrait,
    redis: &RedisConn,
    keys: &Keys,
    rules: &BookingRules,
) -> Result<DashboardStats> {
    let today = rules.clock.today(rules.timezone);
    let month_start = today - Duration::days(i64::from(chrono::Datelike::day(&today)) - 1);
    let month_end = next_month(month_start);
    let now = rules.clock.now();
    let by_status = StatusCount::find_by_statement(stmt(
        "SELECT status, count(*) AS count FROM reservations GROUP BY status",
        vec![],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| (r.status, r.count))
    .collect();
    let revenue = Revenue::find_by_statement(stmt(
        "SELECT
           COALESCE(sum(total_price) FILTER (WHERE status IN ($4, $5)
                    AND check_in >= $1 AND check_in < $2), 0) AS confirmed_month,
           COALESCE(sum(paid_amount) FILTER (WHERE check_in >= $1 AND check_in < $2), 0) AS paid_month,
           COALESCE(sum(total_price) FILTER (WHERE status IN ($4, $5)), 0) AS confirmed_total,
           COALESCE(sum(paid_amount), 0) AS paid_total,
           count(*) FILTER (WHERE status = $6 AND expires_at > $3) AS open_holds
         FROM reservations",
        vec![
            month_start.into(),
            month_end.into(),
            now.into(),
            EARNING[0].into(),
            EARNING[1].into(),
            ReservationStatus::PreReserved.into(),
        ],
    ))
    .one(db)
    .await?;
    let occupancy = Occupancy::find_by_statement(stmt(
        "SELECT a.id AS accommodation_id, a.name,
                COALESCE(sum(GREATEST(0, LEAST(r.check_out, $2) - GREATEST(r.check_in, $1)))
                         FILTER (WHERE r.id IS NOT NULL), 0)::BIGINT AS booked_nights
         FROM accommodations a
         LEFT JOIN reservations r ON r.accommodation_id = a.id
              AND r.status IN ($3, $4)
              AND r.check_in < $2 AND r.check_out > $1
         WHERE a.active
         GROUP BY a.id, a.name ORDER BY a.id",
        vec![
            month_start.into(),
            month_end.into(),
            EARNING[0].into(),
            EARNING[1].into(),
        ],
    ))
    .all(db)
    .await?;
    let movement = |column: &str| {
        format!(
            "SELECT r.code, r.guest_name, a.name AS accommodation_name, r.status, r.check_in, r.check_out
             FROM reservations r JOIN accommodations a ON a.id = r.accommodation_id
             WHERE r.{column} IN ($1, $2)
               AND (r.status = $4 OR (r.status = $5 AND r.expires_at > $3))
             ORDER BY r.{column}, a.name"
        )
    };
    let tomorrow = today + Duration::days(1);
    let movement_values = || {
        vec![
            today.into(),
            tomorrow.into(),
            now.into(),
            ReservationStatus::Confirmed.into(),
            ReservationStatus::PreReserved.into(),
        ]
    };
    let arrivals = Movement::find_by_statement(stmt(&movement("check_in"), movement_values()))
        .all(db)
        .await?;
    let departures = Movement::find_by_statement(stmt(&movement("check_out"), movement_values()))
        .all(db)
        .await?;
    let mut conn = redis.clone();
    let overlaps_prevented: Option<i64> = redis::cmd("GET")
        .arg(keys.stat("overlaps_prevented"))
        .query_async(&mut conn)
        .await?;
    Ok(DashboardStats {
        today,
        month_start,
        days_in_month: (month_end - month_start).num_days(),
        by_status,
        open_holds: revenue.as_ref().map_or(0, |r| r.open_holds),
        revenue_confirmed_month: revenue.as_ref().map_or(Money::ZERO, |r| r.confirmed_month),
        revenue_paid_month: revenue.as_ref().map_or(Money::ZERO, |r| r.paid_month),
        revenue_confirmed_total: revenue.as_ref().map_or(Money::ZERO, |r| r.confirmed_total),
        revenue_paid_total: revenue.as_ref().map_or(Money::ZERO, |r| r.paid_total),
        occupancy,
        arrivals,
        departures,
        overlaps_prevented: overlaps_prevented.unwrap_or(0),
    })
}
