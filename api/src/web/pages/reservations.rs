//! Reservas: the reservation list with filters, search, sortable columns and pages
//! (`GET /admin/reservas`), and its CSV (`GET /admin/reservas/export.csv`).
//!
//! Filters and sort are the admin API's (`RawFilter`): the same parameters, rules and query.
//! The query string is read as pairs (the first value of a repeated key counts), so no query
//! string can fail the page: a bad value is shown as a field error beside the filters.

use std::collections::HashSet;

use askama::Template;
use poem::{
    IntoResponse, Request, Response, handler,
    http::{StatusCode, header},
    web::Data,
};
use shared::{
    FieldError,
    service::{catalog, reservations},
};

use super::{
    Nav, PAGE_SIZE, Pager, page_number, problem, query_pairs, query_string, render, render_as,
};
use crate::{
    dto::admin::reservation_filter::RawFilter,
    pagination::PageParams,
    routes::admin::reservation_list::csv_export,
    state::AppState,
    web::{
        rows::{Choice, ReservationRow},
        session::WebSession,
    },
};

/// Where the list lives.
const LIST: &str = "/admin/reservas";

/// The list's parameters as sent (every one optional text).
#[derive(Clone, Debug, Default)]
struct Params {
    q: String,
    status: String,
    channel: String,
    cabin: String,
    from: String,
    to: String,
    sort: String,
    page: String,
}

impl Params {
    /// The first value of each known key of the request's query.
    fn read(req: &Request) -> Self {
        let pairs = query_pairs(req);
        let first = |key: &str| pairs.get(key).cloned().unwrap_or_default();
        Self {
            q: first("q"),
            status: first("status"),
            channel: first("channel"),
            cabin: first("cabin"),
            from: first("from"),
            to: first("to"),
            sort: first("sort"),
            page: first("page"),
        }
    }

    /// The filter part as a query string (no page), empty values left out.
    fn query(&self) -> String {
        self.query_with(&self.sort, "")
    }

    fn query_with(&self, sort: &str, page: &str) -> String {
        query_string([
            ("q", self.q.as_str()),
            ("status", &self.status),
            ("channel", &self.channel),
            ("cabin", &self.cabin),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", sort),
            ("page", page),
        ])
    }

    /// The checked filter, the page, and the fields in error.
    fn parse(&self) -> Result<(RawFilter, PageParams), Vec<FieldError>> {
        let mut errors = Vec::new();
        let cabin = match self.cabin.as_str() {
            "" => None,
            raw => raw
                .parse::<i32>()
                .map_err(|_| {
                    errors.push(FieldError::new("cabin", "invalid", "unknown accommodation"));
                })
                .ok(),
        };
        let page = PageParams::parse(page_number(&self.page), Some(PAGE_SIZE))
            .map_err(|e| errors.extend(e));
        let nonempty = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let filter = RawFilter {
            q: nonempty(&self.q),
            status: nonempty(&self.status),
            channel: nonempty(&self.channel),
            accommodation_id: cabin,
            from: nonempty(&self.from),
            to: nonempty(&self.to),
            sort: nonempty(&self.sort),
        };
        if let Err(e) = filter.clone().parse() {
            errors.extend(e); // checked here so that every bad field is reported at once
        }
        match page {
            Ok(page) if errors.is_empty() => Ok((filter, page)),
            _ => Err(errors),
        }
    }
}

/// What the owner reads for a bad filter field.
fn explain(error: &FieldError) -> String {
    match error.field.as_str() {
        "q" => "La búsqueda es demasiado larga.".into(),
        "status" => "Ese estado no existe.".into(),
        "channel" => "Ese canal no existe.".into(),
        "cabin" => "Esa cabaña no existe.".into(),
        "from" | "to" => {
            "Las fechas no son válidas: «Hasta» no puede ser anterior a «Desde».".into()
        }
        "sort" => "No se puede ordenar por esa columna.".into(),
        "page" | "page_size" => "Esa página no existe.".into(),
        other => format!("El filtro «{other}» no es válido."),
    }
}

/// A column header: its sort link and current order.
struct Column {
    label: &'static str,
    href: Option<String>,
    aria_sort: Option<&'static str>,
}

/// The page.
#[derive(Template)]
#[template(path = "reservations.html")]
struct List {
    section: &'static str,
    nav: Nav,
    csrf: String,
    q: String,
    from: String,
    to: String,
    sort: String,
    statuses: Vec<Choice>,
    channels: Vec<Choice>,
    cabins: Vec<Choice>,
    invalid: HashSet<String>,
    errors: Vec<String>,
    query: String,
    columns: Vec<Column>,
    rows: Vec<ReservationRow>,
    pager: Pager,
}

/// The columns, with the sort key of those that sort.
const COLUMNS: &[(&str, Option<&str>)] = &[
    ("Código", Some("code")),
    ("Huésped", Some("guest_name")),
    ("Cabaña", None),
    ("Entrada", Some("check_in")),
    ("Salida", Some("check_out")),
    ("Estado", Some("status")),
    ("Canal", None),
    ("Total", Some("total_price")),
    ("Pagado", None),
];

fn columns(params: &Params) -> Vec<Column> {
    COLUMNS
        .iter()
        .map(|(label, key)| {
            let Some(key) = key else {
                return Column {
                    label,
                    href: None,
                    aria_sort: None,
                };
            };
            let descending = format!("-{key}");
            let (next, aria_sort) = if params.sort == *key {
                (descending.as_str(), Some("ascending"))
            } else if params.sort == descending {
                (*key, Some("descending"))
            } else {
                (*key, None)
            };
            Column {
                label,
                href: Some(format!("{LIST}?{}", params.query_with(next, ""))),
                aria_sort,
            }
        })
        .collect()
}

/// `GET /admin/reservas`.
#[handler]
pub async fn list(req: &Request, session: WebSession, state: Data<&AppState>) -> Response {
    let params = Params::read(req);
    let cabins = match catalog::list_all(&state.db).await {
        Ok(cabins) => cabins,
        Err(e) => return super::failure(&e),
    };
    let mut page = List {
        section: "reservas",
        nav: Nav::of(&session),
        csrf: session.csrf,
        statuses: Choice::statuses(&params.status),
        channels: Choice::channels(&params.channel),
        cabins: Choice::cabins(&cabins, &params.cabin),
        q: params.q.clone(),
        from: params.from.clone(),
        to: params.to.clone(),
        sort: params.sort.clone(),
        invalid: HashSet::new(),
        errors: Vec::new(),
        query: params.query(),
        columns: columns(&params),
        rows: Vec::new(),
        pager: Pager::default(),
    };
    match params
        .parse()
        .and_then(|(filter, paging)| Ok((filter.parse()?, paging)))
    {
        Err(errors) => {
            page.invalid = errors.iter().map(|e| e.field.clone()).collect();
            page.errors = errors.iter().map(explain).collect();
            page.errors.dedup();
            render_as(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Ok((query, paging)) => {
            let found = match reservations::list(&state.db, &query, paging.into()).await {
                Ok(found) => found,
                Err(e) => return super::failure(&e),
            };
            page.rows = found
                .items
                .iter()
                .map(|r| ReservationRow::new(r, &cabins))
                .collect();
            page.pager = Pager::new(found.total, paging, |n| {
                format!("{LIST}?{}", params.query_with(&params.sort, &n.to_string()))
            });
            render(&page)
        }
    }
}

/// `GET /admin/reservas/export.csv`: every reservation the list's filters select, as CSV.
#[handler]
pub async fn export(req: &Request, _session: WebSession, state: Data<&AppState>) -> Response {
    let params = Params::read(req);
    match params
        .parse()
        .and_then(|(filter, _)| csv_export(&state, filter))
    {
        Ok((body, disposition)) => body
            .with_content_type("text/csv; charset=utf-8")
            .with_header(header::CONTENT_DISPOSITION, disposition)
            .into_response(),
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(explain).collect();
            problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Filtro inválido",
                &reasons.join(" "),
            )
        }
    }
}
