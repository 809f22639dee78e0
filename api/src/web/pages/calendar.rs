//! Calendario (`GET /admin/calendario?mes=YYYY-MM&cabana=ID`): the month night by night,
//! free, held, booked or blocked by a channel, every cabin at once (one row each) or one cabin
//! as a month grid. A night's tooltip (and accessible name) has the guest's first name, the
//! status and the price; taken nights link to their reservation; nights of an open iCal
//! conflict are highlighted.

use askama::Template;
use chrono::{Datelike, NaiveDate};
use poem::{Request, Response, handler, http::StatusCode, web::Data};
use shared::service::calendar;

use super::{Nav, query_pairs, render};
use crate::{
    state::AppState,
    web::{
        rows::{Choice, DayCell},
        session::WebSession,
    },
};

/// Where the calendar lives.
const PATH: &str = "/admin/calendario";
/// Month names (es-AR).
const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
/// Weekday initials, Monday first.
const WEEKDAYS: [&str; 7] = ["L", "M", "M", "J", "V", "S", "D"];

/// A cabin's nights, one row of the month.
struct CabinRow {
    name: String,
    href: String,
    cells: Vec<DayCell>,
}

/// The page.
#[derive(Template)]
#[template(path = "calendar.html")]
struct Calendar {
    section: &'static str,
    nav: Nav,
    csrf: String,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    cabins: Vec<Choice>,
    /// Day numbers and weekday initials of the month (the timeline's header).
    days: Vec<(u32, &'static str)>,
    /// Every cabin (when no cabin is chosen).
    rows: Vec<CabinRow>,
    /// One cabin: its name and its weeks, Monday first (`None` pads the first and last week).
    single: Option<String>,
    weeks: Vec<Vec<Option<DayCell>>>,
    weekdays: [&'static str; 7],
    conflicts: usize,
    error: Option<&'static str>,
}

fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

fn weeks(first: NaiveDate, cells: Vec<DayCell>) -> Vec<Vec<Option<DayCell>>> {
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut slots: Vec<Option<DayCell>> = (0..lead)
        .map(|_| None)
        .chain(cells.into_iter().map(Some))
        .collect();
    while !slots.len().is_multiple_of(7) {
        slots.push(None);
    }
    let mut out = Vec::new();
    let mut slots = slots.into_iter();
    loop {
        let week: Vec<_> = slots.by_ref().take(7).collect();
        if week.is_empty() {
            return out;
        }
        out.push(week);
    }
}

/// `GET /admin/calendario`.
#[handler]
pub async fn show(req: &Request, session: WebSession, state: Data<&AppState>) -> Response {
    let pairs = query_pairs(req);
    let raw_month = pairs.get("mes").cloned().unwrap_or_default();
    let raw_cabin = pairs.get("cabana").cloned().unwrap_or_default();
    let today = state.rules.clock.today(state.rules.timezone);
    let this_month = today.with_day(1).unwrap_or(today);
    let (first, mut error) = match raw_month.as_str() {
        "" => (this_month, None),
        raw => calendar::parse_month(raw).map_or(
            (this_month, Some("Ese mes no existe: usá AAAA-MM.")),
            |m| (m, None),
        ),
    };
    let next = calendar::next_month(first);
    let prev = first
        .pred_opt()
        .and_then(|d| d.with_day(1))
        .unwrap_or(first);
    let cabins = match shared::service::catalog::list_active(&state.db).await {
        Ok(cabins) => cabins,
        Err(e) => return super::failure(&e),
    };
    let chosen = match raw_cabin.parse::<i32>() {
        Ok(id) if cabins.iter().any(|c| c.id == id) => Some(id),
        Ok(_) | Err(_) if !raw_cabin.is_empty() => {
            error = Some("Esa cabaña no existe o no está activa.");
            None
        }
        _ => None,
    };
    let conflicts = match calendar::open_conflicts(&state.db, first, next).await {
        Ok(c) => c,
        Err(e) => return super::failure(&e),
    };
    let mut rows = Vec::new();
    for cabin in cabins.iter().filter(|c| chosen.is_none_or(|id| id == c.id)) {
        let nights = match calendar::nights(&state.db, &state.rules, cabin.id, first, next).await {
            Ok((_, nights)) => nights,
            Err(e) => return super::failure(&e),
        };
        let cells = nights
            .iter()
            .map(|night| {
                let conflict = conflicts.iter().any(|c| {
                    c.accommodation_id == cabin.id
                        && c.check_in <= night.date
                        && night.date < c.check_out
                });
                DayCell::new(night, conflict)
            })
            .collect();
        rows.push(CabinRow {
            name: cabin.name.clone(),
            href: format!("{PATH}?mes={}&cabana={}", month_key(first), cabin.id),
            cells,
        });
    }
    let (single, weeks) = match (chosen, rows.pop()) {
        (Some(_), Some(row)) => (Some(row.name), weeks(first, row.cells)),
        (_, last) => {
            rows.extend(last);
            (None, Vec::new())
        }
    };
    let with_cabin = chosen.map(|id| format!("&cabana={id}")).unwrap_or_default();
    let page = Calendar {
        section: "calendario",
        nav: Nav::of(&session),
        csrf: session.csrf,
        month: month_key(first),
        month_label: format!("{} {}", MONTHS[first.month0() as usize], first.year()),
        prev: format!("{PATH}?mes={}{with_cabin}", month_key(prev)),
        next: format!("{PATH}?mes={}{with_cabin}", month_key(next)),
        cabins: Choice::cabins(&cabins, &raw_cabin),
        days: first
            .iter_days()
            .take_while(|d| *d < next)
            .map(|d| {
                (
                    d.day(),
                    WEEKDAYS[d.weekday().num_days_from_monday() as usize],
                )
            })
            .collect(),
        rows,
        single,
        weeks,
        weekdays: WEEKDAYS,
        conflicts: conflicts.len(),
        error,
    };
    let mut resp = render(&page);
    if page.error.is_some() && resp.status() == StatusCode::OK {
        resp.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    resp
}
