//! Searching reservations for the admin list and its CSV export: a [`ReservationQuery`]
//! (filters and sort), in SQL.

use chrono::NaiveDate;
use futures::{Stream, TryStreamExt};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, StreamTrait,
    sea_query::{Expr, ExprTrait, extension::postgres::PgExpr},
};

use super::query::{Page, Paged, Sort, SortColumn};
use crate::{
    Result,
    domain::{Channel, ReservationStatus},
    entities::reservation::{self, Column},
};

/// Which reservations, in which order (the list pages it; the export takes every row).
#[derive(Clone, Debug)]
pub struct ReservationQuery {
    /// Which rows.
    pub filter: ReservationFilter,
    /// In which order (ties by id).
    pub sort: Sort<ReservationSortField>,
}

/// Fields the reservation list can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReservationSortField {
    /// Arrival.
    CheckIn,
    /// Departure.
    CheckOut,
    /// Creation.
    CreatedAt,
    /// Total price.
    TotalPrice,
    /// Guest's name.
    GuestName,
    /// Status.
    Status,
    /// Code.
    Code,
}

impl SortColumn<reservation::Entity> for ReservationSortField {
    fn column(self) -> Column {
        match self {
            Self::CheckIn => Column::CheckIn,
            Self::CheckOut => Column::CheckOut,
            Self::CreatedAt => Column::CreatedAt,
            Self::TotalPrice => Column::TotalPrice,
            Self::GuestName => Column::GuestName,
            Self::Status => Column::Status,
            Self::Code => Column::Code,
        }
    }
}

/// Filters of the reservation list; every one given must match.
#[derive(Clone, Debug, Default)]
pub struct ReservationFilter {
    /// Free text matched against guest name, phone, email and code (case-insensitive).
    pub q: Option<String>,
    /// Any of these statuses (empty: any but `blocked`, so the owner's list is not flooded with
    /// closed nights).
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
fn filtered(filter: &ReservationFilter) -> Select<reservation::Entity> {
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
    if filter.statuses.is_empty() {
        // Blocks are closed nights, not guests' stays: listed only when asked for by status.
        select = select.filter(Column::Status.ne(ReservationStatus::Blocked));
    } else {
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

/// The filtered query in its sort order (without the tie-breaker).
fn sorted(query: &ReservationQuery) -> Select<reservation::Entity> {
    query.sort.apply(filtered(&query.filter))
}

/// One page of the matching rows (ties broken by id so pages are stable) and their total.
pub async fn page(
    db: &impl ConnectionTrait,
    query: &ReservationQuery,
    page: Page,
) -> Result<Paged<reservation::Model>> {
    let (offset, limit) = page.bounds();
    let sorted = sorted(query);
    let total = sorted.clone().count(db).await?;
    let items = sorted
        .order_by_asc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Paged { items, total })
}

/// Every matching row in order (ties by id), read from a database cursor as the caller
/// consumes them; the cursor holds one connection of `db` until the stream is dropped.
pub async fn stream<'a, C>(
    db: &'a C,
    query: &ReservationQuery,
) -> Result<impl Stream<Item = Result<reservation::Model>> + Send + 'a>
where
    C: ConnectionTrait + StreamTrait + Send,
{
    let rows = sorted(query).order_by_asc(Column::Id).stream(db).await?;
    Ok(rows.map_err(Into::into))
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;
    use crate::store::query::SortKey;

    #[test]
    fn like_wildcards_in_searches_are_literal() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn sort_keys_become_order_by_clauses() {
        let query = ReservationQuery {
            filter: ReservationFilter::default(),
            sort: Sort::new(vec![
                SortKey::desc(ReservationSortField::CheckIn),
                SortKey::asc(ReservationSortField::CreatedAt),
            ]),
        };
        let sql = sorted(&query).build(DbBackend::Postgres).to_string();
        assert!(
            sql.ends_with(
                r#"ORDER BY "reservations"."check_in" DESC, "reservations"."created_at" ASC"#
            ),
            "{sql}"
        );
    }
}
