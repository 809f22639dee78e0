//! Searching reservations for the admin list and its CSV export: the filters, in SQL. Sorting
//! and paging are applied by the caller on the returned query.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
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
    /// Any of these statuses (empty: any).
    pub statuses: Vec<ReservationStatus>,
    /// Any of these channels (empty: any).
    pub channels: Vec<Channel>,
    /// Accommodation.
    pub accommodation_id: Option<i32>,
    /// Stays with a night on or after this date.
    pub from: Option<NaiveDate>,
    /// Stays with a night on or before this date.
    pub to: Option<NaiveDate>,
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The filtered query, unsorted.
pub fn filtered(filter: &ReservationFilter) -> Select<reservation::Entity> {
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
    if !filter.statuses.is_empty() {
        select = select.filter(Column::Status.is_in(filter.statuses.clone()));
    }
    if !filter.channels.is_empty() {
        select = select.filter(Column::Channel.is_in(filter.channels.clone()));
    }
    if let Some(id) = filter.accommodation_id {
        select = select.filter(Column::AccommodationId.eq(id));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::CheckOut.gt(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::CheckIn.lte(to));
    }
    select
}

/// One page of an already sorted query (ties broken by id so pages are stable) and the total.
pub async fn page(
    db: &impl ConnectionTrait,
    sorted: Select<reservation::Entity>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<reservation::Model>, u64)> {
    let total = sorted.clone().count(db).await?;
    let rows = sorted
        .order_by_asc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_searches_are_literal() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
