//! Uniform pagination, filtering and sorting for every list endpoint.
//!
//! Query parameters, the same on every list:
//!
//! * `page`: 1-based, default 1, at most [`MAX_PAGE`] (a larger offset means nothing, and
//!   would overflow the row arithmetic);
//! * `page_size`: 1 to [`MAX_PAGE_SIZE`] (100), default [`DEFAULT_PAGE_SIZE`] (20). Out of range
//!   is a `422 validation_error`, not clamped: a client that asked for 500 rows and silently got
//!   100 would believe it had them all;
//! * `sort`: comma-separated fields from the endpoint's whitelist, `-` for descending
//!   (`sort=-check_in,created_at`). An unknown field is a `422` whose `details` list the
//!   allowed ones;
//! * filters: [`parse_list`] for `status=pre_reserved,confirmed`-style enumerations and
//!   [`DateRange`] for `from`/`to` dates.
//!
//! Responses are a [`Page<T>`]: `{items, page, page_size, total}`.
//!
//! This module only reads the query string: what it yields is the store's typed query
//! ([`query::Page`], [`Sort`] over a list's fields), which `shared::store` turns into SQL.
//! A handler takes the raw values as `Query<Option<..>>` (integers as `i64`, so a negative
//! number is our 422 rather than a parse error) and converts them here:
//!
//! ```ignore
//! async fn list(&self, page: Query<Option<i64>>, page_size: Query<Option<i64>>,
//!               sort: Query<Option<String>>) -> Result<Json<Page<ReservationView>>, ApiError> {
//!     let params = PageParams::from_query(page.0, page_size.0)?;
//!     let sort = parse_sort(sort.0.as_deref(), &[SortKey::desc(ReservationSortField::CreatedAt)])
//!         .map_err(ApiError::validation)?;
//!     let query = ReservationQuery { filter: ReservationFilter::default(), sort };
//!     let paged = service::reservations::list(&state.db, &query, params.into()).await?;
//!     Ok(Json(Page::of(paged, params)))
//! }
//! ```

use chrono::NaiveDate;
use poem_openapi::{
    Object,
    types::{ParseFromJSON, ToJSON},
};
pub use shared::store::query::{Direction, Sort, SortKey};
use shared::{
    FieldError,
    store::query::{self, Paged},
};

use crate::error::ApiError;

/// Rows per page when the client does not say.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The largest page number a client may ask for.
pub const MAX_PAGE: u64 = 1_000_000;
/// The most sort keys one request may give.
pub const MAX_SORT_KEYS: usize = 3;

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageParams {
    page: u64,
    page_size: u64,
}

impl Default for PageParams {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageParams {
    /// Validates `page` and `page_size` (absent means the default), one error per bad field.
    pub fn parse(page: Option<i64>, page_size: Option<i64>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let page = match page {
            None => Some(1),
            Some(p) => u64::try_from(p).ok().filter(|p| (1..=MAX_PAGE).contains(p)),
        };
        if page.is_none() {
            errors.push(FieldError::new(
                "page",
                "out_of_range",
                format!("page must be between 1 and {MAX_PAGE}"),
            ));
        }
        let page_size = match page_size {
            None => Some(DEFAULT_PAGE_SIZE),
            Some(s) => u64::try_from(s)
                .ok()
                .filter(|s| (1..=MAX_PAGE_SIZE).contains(s)),
        };
        if page_size.is_none() {
            errors.push(FieldError::new(
                "page_size",
                "out_of_range",
                format!("page_size must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        match (page, page_size) {
            (Some(page), Some(page_size)) => Ok(Self { page, page_size }),
            _ => Err(errors),
        }
    }

    /// [`PageParams::parse`], with problems as a `422 validation_error`.
    pub fn from_query(page: Option<i64>, page_size: Option<i64>) -> Result<Self, ApiError> {
        Self::parse(page, page_size).map_err(ApiError::validation)
    }

    /// The 1-based page number.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// Rows per page.
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// Rows the store skips (`OFFSET`) for this page.
    pub fn offset(&self) -> u64 {
        query::Page::from(*self).bounds().0
    }

    /// Rows the store returns (`LIMIT`) for this page.
    pub fn limit(&self) -> u64 {
        query::Page::from(*self).bounds().1
    }
}

impl From<PageParams> for query::Page {
    fn from(params: PageParams) -> Self {
        Self {
            page: params.page,
            per_page: params.page_size,
        }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Object)]
pub struct Page<T: ParseFromJSON + ToJSON> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// This page's number (1-based).
    pub page: u64,
    /// Rows per page asked for (the last page may hold fewer).
    pub page_size: u64,
    /// Rows matching the filters, over all pages.
    pub total: u64,
}

impl<T: ParseFromJSON + ToJSON> Page<T> {
    /// A page of `items` out of `total` matching rows.
    pub fn new(items: Vec<T>, params: PageParams, total: u64) -> Self {
        Self {
            items,
            page: params.page,
            page_size: params.page_size,
            total,
        }
    }

    /// The page of `paged` rows asked for by `params`, each row converted to its view.
    pub fn of<R: Into<T>>(paged: Paged<R>, params: PageParams) -> Self {
        Self::new(
            paged.items.into_iter().map(Into::into).collect(),
            params,
            paged.total,
        )
    }
}

/// The whitelist of fields a list can be sorted by. Implement it on a small enum per list.
pub trait SortField: Copy + Eq + 'static {
    /// Every sortable field with its name in the query string.
    const FIELDS: &'static [(&'static str, Self)];

    /// The field's query name.
    fn name(self) -> &'static str {
        Self::FIELDS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(name, _)| name)
    }
}

/// Parses `sort` (`-check_in,created_at`) against `T`'s whitelist; absent or empty gives
/// `default`. Every problem is a field error of `sort`.
pub fn parse_sort<T: SortField>(
    raw: Option<&str>,
    default: &[SortKey<T>],
) -> Result<Sort<T>, Vec<FieldError>> {
    let parts: Vec<&str> = raw
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Ok(Sort::new(default.to_vec()));
    }
    if parts.len() > MAX_SORT_KEYS {
        return Err(vec![FieldError::new(
            "sort",
            "too_many_sort_fields",
            format!("sort by at most {MAX_SORT_KEYS} fields"),
        )]);
    }
    let mut keys: Vec<SortKey<T>> = Vec::with_capacity(parts.len());
    let mut errors = Vec::new();
    for part in parts {
        let (direction, name) = match part.strip_prefix('-') {
            Some(name) => (Direction::Desc, name),
            None => (Direction::Asc, part.strip_prefix('+').unwrap_or(part)),
        };
        match T::FIELDS.iter().find(|(n, _)| *n == name) {
            Some((_, field)) if keys.iter().any(|k| k.field == *field) => {
                errors.push(FieldError::new(
                    "sort",
                    "duplicate_sort_field",
                    format!("`{name}` appears more than once"),
                ));
            }
            Some((_, field)) => keys.push(SortKey {
                field: *field,
                direction,
            }),
            None => errors.push(FieldError::new(
                "sort",
                "unknown_sort_field",
                format!(
                    "cannot sort by `{name}`; allowed: {} (prefix `-` for descending)",
                    allowed_names(T::FIELDS.iter().map(|(n, _)| *n))
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(Sort::new(keys))
    } else {
        Err(errors)
    }
}

fn allowed_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// Parses a comma-separated filter (`status=pre_reserved,confirmed`) against a whitelist of
/// `(query name, value)`; absent or empty means "no filter" (an empty list). An unknown value
/// is a field error that lists the allowed ones.
pub fn parse_list<V: Copy + PartialEq>(
    field: &str,
    raw: Option<&str>,
    allowed: &[(&str, V)],
) -> Result<Vec<V>, FieldError> {
    let mut values = Vec::new();
    for part in raw
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match allowed.iter().find(|(name, _)| *name == part) {
            Some((_, value)) if !values.contains(value) => values.push(*value),
            Some(_) => {}
            None => {
                return Err(FieldError::new(
                    field,
                    "unknown_value",
                    format!(
                        "`{part}` is not a valid {field}; allowed: {}",
                        allowed_names(allowed.iter().map(|(n, _)| *n))
                    ),
                ));
            }
        }
    }
    Ok(values)
}

/// A date filter `[from, to]`, either end optional (`from=2027-01-01&to=2027-01-31`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    /// First date included.
    pub from: Option<NaiveDate>,
    /// Last date included.
    pub to: Option<NaiveDate>,
}

impl DateRange {
    /// Parses `YYYY-MM-DD` bounds named `from_field` and `to_field`; `from` after `to` is an error.
    pub fn parse(
        (from_field, from): (&str, Option<&str>),
        (to_field, to): (&str, Option<&str>),
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut date = |field: &str, raw: Option<&str>| {
            raw.map(str::trim).filter(|r| !r.is_empty()).and_then(|r| {
                let parsed = shared::domain::date::parse(r);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        field,
                        "invalid_date",
                        format!(
                            "{field} must be a date like 2027-01-15, from year {} to {}",
                            shared::domain::date::MIN_YEAR,
                            shared::domain::date::MAX_YEAR
                        ),
                    ));
                }
                parsed
            })
        };
        let range = Self {
            from: date(from_field, from),
            to: date(to_field, to),
        };
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            errors.push(FieldError::new(
                to_field,
                "before_start",
                format!("{to_field} must not be before {from_field}"),
            ));
        }
        if errors.is_empty() {
            Ok(range)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
#[path = "pagination_tests.rs"]
mod tests;
