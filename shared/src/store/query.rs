//! Typed list queries: which page of the rows, in which order. Plain values with no SQL in
//! them: the API parses them from query strings, the store turns them into SQL (each list
//! maps its own sort fields to columns, see [`SortColumn`]).

use sea_orm::{EntityTrait, Order, QueryOrder, Select};

/// A page request. Callers that validate the numbers (the API refuses out-of-range ones with
/// a 422) never reach the clamping of [`Page::bounds`]; the worker and tools may rely on it.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// 1-based page number.
    pub page: u64,
    /// Rows per page (at most 200).
    pub per_page: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
        }
    }
}

impl Page {
    /// `(offset, limit)` after clamping.
    pub fn bounds(self) -> (u64, u64) {
        let per_page = self.per_page.clamp(1, 200);
        (
            self.page.max(1).saturating_sub(1).saturating_mul(per_page),
            per_page,
        )
    }
}

/// One page of rows and the total.
#[derive(Clone, Debug)]
pub struct Paged<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Rows matching in total.
    pub total: u64,
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first (`field`).
    Asc,
    /// Largest first (`-field`).
    Desc,
}

/// One sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey<F> {
    /// The field.
    pub field: F,
    /// The direction.
    pub direction: Direction,
}

impl<F> SortKey<F> {
    /// Ascending by `field`.
    pub fn asc(field: F) -> Self {
        Self {
            field,
            direction: Direction::Asc,
        }
    }

    /// Descending by `field`.
    pub fn desc(field: F) -> Self {
        Self {
            field,
            direction: Direction::Desc,
        }
    }
}

/// An order of rows: keys over a list's sortable fields `F`, most significant first. Ties
/// left by the keys are broken by the store (by id), so pages are stable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort<F> {
    keys: Vec<SortKey<F>>,
}

impl<F> Sort<F> {
    /// An order by `keys`, most significant first.
    pub fn new(keys: Vec<SortKey<F>>) -> Self {
        Self { keys }
    }

    /// The keys, most significant first.
    pub fn keys(&self) -> &[SortKey<F>] {
        &self.keys
    }

    /// Orders a query by these keys.
    pub(crate) fn apply<E>(&self, mut select: Select<E>) -> Select<E>
    where
        E: EntityTrait,
        F: SortColumn<E>,
    {
        for key in &self.keys {
            let order = match key.direction {
                Direction::Asc => Order::Asc,
                Direction::Desc => Order::Desc,
            };
            select = select.order_by(key.field.column(), order);
        }
        select
    }
}

/// How a list's sort field maps to a column of entity `E`.
pub(crate) trait SortColumn<E: EntityTrait>: Copy {
    /// The column to order by.
    fn column(self) -> E::Column;
}
