//! Inicio: the day at a glance (`GET /admin`), and its panels alone
//! (`GET /admin/inicio/datos`), which the page fetches again every 30 seconds.

use askama::Template;
use poem::{Response, handler, web::Data};
use shared::{
    domain::{FeedConsumer, ReservationStatus},
    service::{
        catalog,
        dashboard::{self, DashboardStats, Movement},
        reservations, webhook_monitor,
    },
};

use super::{Nav, render};
use crate::{
    dto::admin::reservation_filter::RawFilter,
    pagination::PageParams,
    state::AppState,
    web::{
        rows::{ReservationRow, WebhookRow},
        session::WebSession,
        view,
    },
};

/// Webhook problems shown (the newest).
const WEBHOOK_PROBLEMS: u64 = 5;

/// One status and its count.
struct StatusRow {
    name: String,
    label: String,
    class: &'static str,
    count: i64,
}

/// One cabin's occupancy this month.
struct OccupancyRow {
    name: String,
    nights: String,
    percent: i64,
}

/// An arrival or a departure.
struct MovementRow {
    day: String,
    kind: &'static str,
    guest: String,
    cabin: String,
    code: String,
    status: &'static str,
    class: &'static str,
}

/// An open hold, with the time it has left.
struct HoldRow {
    href: String,
    guest: String,
    cabin: String,
    stay: String,
    left: String,
}

/// A cabin's export URLs, for the owner to paste into Airbnb and Booking.com.
struct CabinFeeds {
    name: String,
    id: i32,
    airbnb: String,
    booking: String,
}

/// The panels of Inicio.
#[derive(Template)]
#[template(path = "home_panels.html")]
struct Panels {
    revenue_month: String,
    paid_month: String,
    open_holds: i64,
    by_status: Vec<StatusRow>,
    occupancy: Vec<OccupancyRow>,
    movements: Vec<MovementRow>,
    webhook_problems: Vec<WebhookRow>,
    holds: Vec<HoldRow>,
    updated: String,
}

/// The page: the panels inside the layout.
#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    section: &'static str,
    nav: Nav,
    csrf: String,
    /// The panels, rendered (and escaped) by their own template.
    panels: String,
    feeds: Vec<CabinFeeds>,
}

fn movement_rows(stats: &DashboardStats) -> Vec<MovementRow> {
    let row = |m: &Movement, day, kind| {
        let (status, class) = view::status(m.status);
        MovementRow {
            day: view::date(day),
            kind,
            guest: m.guest_name.as_str().to_owned(),
            cabin: m.accommodation_name.clone(),
            code: m.code.to_string(),
            status,
            class,
        }
    };
    let mut rows: Vec<(chrono::NaiveDate, MovementRow)> = stats
        .arrivals
        .iter()
        .map(|m| (m.check_in, row(m, m.check_in, "Llega")))
        .chain(
            stats
                .departures
                .iter()
                .map(|m| (m.check_out, row(m, m.check_out, "Se va"))),
        )
        .collect();
    rows.sort_by_key(|(day, _)| *day);
    rows.into_iter().map(|(_, r)| r).collect()
}

async fn webhook_problems(state: &AppState) -> shared::Result<Vec<WebhookRow>> {
    let events = webhook_monitor::recent_problems(&state.db, WEBHOOK_PROBLEMS).await?;
    Ok(events.into_iter().map(WebhookRow::from).collect())
}

/// Open holds shown, the first to arrive first.
const HOLDS: i64 = 10;

/// The open holds, the first to arrive first, with the minutes each has left.
async fn open_holds(state: &AppState) -> shared::Result<Vec<HoldRow>> {
    let filter = RawFilter {
        status: Some(ReservationStatus::PreReserved.as_str().into()),
        sort: Some("check_in".into()),
        ..RawFilter::default()
    };
    let (Ok(query), Ok(page)) = (filter.parse(), PageParams::parse(Some(1), Some(HOLDS))) else {
        return Ok(Vec::new());
    };
    let (found, cabins) = tokio::try_join!(
        reservations::list(&state.db, &query, page.into()),
        catalog::list_all(&state.db)
    )?;
    let now = state.rules.clock.now();
    Ok(found
        .items
        .iter()
        .filter_map(|r| {
            let minutes = (r.expires_at?.to_utc() - now).num_minutes();
            (minutes >= 0).then(|| {
                let row = ReservationRow::new(r, &cabins);
                HoldRow {
                    href: format!("/admin/reservas/{}", row.code),
                    guest: row.guest,
                    cabin: row.cabin,
                    stay: format!("{} → {}", row.check_in, row.check_out),
                    left: match minutes {
                        0 => "menos de 1 minuto".into(),
                        1 => "1 minuto".into(),
                        m => format!("{m} minutos"),
                    },
                }
            })
        })
        .collect())
}

async fn panels(state: &AppState) -> shared::Result<Panels> {
    let stats = dashboard::stats(&state.db, &state.redis, &state.keys, &state.rules).await?;
    let by_status = stats
        .by_status
        .iter()
        .map(|(name, count)| {
            let (label, class) = view::status_named(name);
            StatusRow {
                name: name.clone(),
                label,
                class,
                count: *count,
            }
        })
        .collect();
    let occupancy = stats
        .occupancy
        .iter()
        .map(|o| OccupancyRow {
            name: o.name.clone(),
            nights: view::nights(o.booked_nights),
            percent: view::percent(o.booked_nights, stats.days_in_month),
        })
        .collect();
    Ok(Panels {
        revenue_month: view::money(stats.revenue_confirmed_month),
        paid_month: view::money(stats.revenue_paid_month),
        open_holds: stats.open_holds,
        by_status,
        occupancy,
        movements: movement_rows(&stats),
        webhook_problems: webhook_problems(state).await?,
        holds: open_holds(state).await?,
        updated: view::moment(state.rules.clock.now()),
    })
}

/// `GET /admin`: Inicio.
#[handler]
pub async fn show(session: WebSession, state: Data<&AppState>) -> Response {
    match panels(&state).await {
        Ok(panels) => {
            let cabins = match catalog::list_active(&state.db).await {
                Ok(cabins) => cabins,
                Err(e) => return super::failure(&e),
            };
            let feeds = cabins
                .iter()
                .map(|c| CabinFeeds {
                    name: c.name.clone(),
                    id: c.id,
                    airbnb: state.ical_export_url(c, FeedConsumer::Airbnb),
                    booking: state.ical_export_url(c, FeedConsumer::Booking),
                })
                .collect();
            match panels.render() {
                Ok(panels) => render(&Home {
                    section: "inicio",
                    nav: Nav::of(&session),
                    csrf: session.csrf,
                    panels,
                    feeds,
                }),
                Err(e) => super::broken(&e),
            }
        }
        Err(e) => super::failure(&e),
    }
}

/// `GET /admin/inicio/datos`: the panels alone, for the page's refresh.
#[handler]
pub async fn panels_only(_session: WebSession, state: Data<&AppState>) -> Response {
    match panels(&state).await {
        Ok(panels) => render(&panels),
        Err(e) => super::failure(&e),
    }
}
