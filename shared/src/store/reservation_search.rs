//! Searching reservations for the admin list and its CSV export: filters, a whitelisted sort,
//! and pagination, all in SQL.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, extension::postgres::PgExpr},
};

use crate::{
    Result,
    domain::{Channel, ReservationStatus},
    entities::reservation::{self, Column},
};

/// Filters of the reservation list; every one given must match.
#[derive(Clone, Debug, Default)]
pub struct ReservationFilter {
    /// Free text matched against guest name, phone, email and code (case-insensitive).
    pub q: Option<String>,
    /// Status.
    pub status: Option<ReservationStatus>,
    /// Channel.
    pub channel: Option<Channel>,
    /// Accommodation.
    pub accommodation_id: Option<i32>,
    /// Stays sharing a night with `[from, to)`: check-out after `from`.
    pub from: Option<NaiveDate>,
    /// Stays sharing a night with `[from, to)`: check-in before `to`.
    pub to: Option<NaiveDate>,
}

/// The fields the list can be sorted by (prefix `-` for descending).
pub const SORT_FIELDS: &[&str] = &[
    "check_in",
    "check_out",
    "created_at",
    "total_price",
    "guest_name",
    "status",
    "code",
];

/// A validated sort: one of [`SORT_FIELDS`] and a direction.
#[derive(Clone, Copy, Debug)]
pub struct ReservationSort {
    column: Column,
    descending: bool,
}

impl Default for ReservationSort {
    /// Newest first.
    fn default() -> Self {
        Self {
            column: Column::CreatedAt,
            descending: true,
        }
    }
}

impl ReservationSort {
    /// Parses `check_in` / `-check_in`; `None` for a field outside [`SORT_FIELDS`].
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (descending, field) = match raw.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, raw),
        };
        let column = match field {
            "check_in" => Column::CheckIn,
            "check_out" => Column::CheckOut,
            "created_at" => Column::CreatedAt,
            "total_price" => Column::TotalPrice,
            "guest_name" => Column::GuestName,
            "status" => Column::Status,
            "code" => Column::Code,
            _ => return None,
        };
        Some(Self { column, descending })
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The filtered, sorted query (ties broken by id so pages are stable).
pub fn query(filter: &ReservationFilter, sort: ReservationSort) -> Select<reservation::Entity> {
    let mut select = reservation::Entity::find();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(q));
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let mut any = Condition::any()
            .add(Expr::col(Column::GuestName).ilike(pattern.clone()))
            .add(Expr::col(Column::GuestEmail).ilike(pattern.clone()))
            .add(Expr::col(Column::Code).ilike(pattern));
        if digits.len() >= 4 {
            any = any.add(Expr::col(Column::GuestPhone).like(format!("%{digits}%")));
        }
        select = select.filter(any);
    }
    if let Some(status) = filter.status {
        select = select.filter(Column::Status.eq(status));
    }
    if let Some(channel) = filter.channel {
        select = select.filter(Column::Channel.eq(channel));
    }
    if let Some(id) = filter.accommodation_id {
        select = select.filter(Column::AccommodationId.eq(id));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::CheckOut.gt(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::CheckIn.lt(to));
    }
    let order = if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    select
        .order_by(sort.column, order.clone())
        .order_by(Column::Id, order)
}

/// One page (1-based) of at most `page_size` rows, and the total matching.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &ReservationFilter,
    sort: ReservationSort,
    page: u64,
    page_size: u64,
) -> Result<(Vec<reservation::Model>, u64)> {
    let total = query(filter, sort).count(db).await?;
    let rows = query(filter, sort)
        .offset(page.saturating_sub(1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_accepts_whitelisted_fields_in_both_directions() {
        for field in SORT_FIELDS {
            assert!(ReservationSort::parse(field).is_some(), "{field}");
            let desc = ReservationSort::parse(&format!("-{field}")).expect("desc");
            assert!(desc.descending);
        }
        assert!(ReservationSort::parse("guest_phone").is_none());
        assert!(ReservationSort::parse("--check_in").is_none());
    }

    #[test]
    fn like_wildcards_in_searches_are_literal() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
