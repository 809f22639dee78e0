//! Stored rows as the dashboard's templates show them (what `dto` is to the admin API): the
//! one place of the dashboard that names entities.

use chrono::Datelike;
use sea_orm::Iterable;
use shared::{
    domain::{Channel, ReservationStatus},
    entities::{
        accommodation, reservation,
        webhook_event::{self, WebhookState},
    },
    service::calendar::{CalendarDay, DayState},
};

use super::view;

/// A reservation as a row of a table.
pub struct ReservationRow {
    /// Its code.
    pub code: String,
    /// The guest's name.
    pub guest: String,
    /// The cabin's name.
    pub cabin: String,
    /// Arrival.
    pub check_in: String,
    /// Departure.
    pub check_out: String,
    /// Status, in words.
    pub status: &'static str,
    /// The status badge's class.
    pub class: &'static str,
    /// Channel, in words.
    pub channel: &'static str,
    /// Total price.
    pub total: String,
    /// Paid so far.
    pub paid: String,
}

impl ReservationRow {
    /// The row of `r`, whose cabin is among `cabins`.
    pub fn new(r: &reservation::Model, cabins: &[accommodation::Model]) -> Self {
        let (status, class) = view::status(r.status);
        Self {
            code: r.code.to_string(),
            guest: r.guest_name.as_str().to_owned(),
            cabin: cabins
                .iter()
                .find(|c| c.id == r.accommodation_id)
                .map_or_else(String::new, |c| c.name.clone()),
            check_in: view::date(r.check_in),
            check_out: view::date(r.check_out),
            status,
            class,
            channel: view::channel(r.channel),
            total: view::money(r.total_price),
            paid: view::money(r.paid_amount),
        }
    }
}

/// A refused or failed webhook.
pub struct WebhookRow {
    /// When it arrived.
    pub at: String,
    /// From whom.
    pub provider: &'static str,
    /// What went wrong.
    pub problem: String,
}

impl From<webhook_event::Model> for WebhookRow {
    fn from(event: webhook_event::Model) -> Self {
        let provider = view::provider(&event.provider);
        let problem = match event.state {
            WebhookState::Rejected => "Firma inválida: rechazado".to_owned(),
            _ => event.last_error.map_or_else(
                || "Falló el procesamiento".to_owned(),
                |e| e.chars().take(160).collect(),
            ),
        };
        Self {
            at: view::moment(event.received_at.to_utc()),
            provider,
            problem,
        }
    }
}

/// A delivery of the webhook log.
pub struct WebhookLogRow {
    /// Its id.
    pub id: i64,
    /// When it arrived.
    pub at: String,
    /// From whom.
    pub provider: &'static str,
    /// Whether its signature was valid (only those can be processed again).
    pub signed: bool,
    /// What we answered, and how fast.
    pub answer: String,
    /// Its processing state, in words.
    pub state: &'static str,
    /// Whether that state is bad (failed or refused).
    pub bad: bool,
    /// Times its jobs were enqueued.
    pub attempts: i32,
    /// Why processing failed last (cut to 200 characters).
    pub error: String,
}

impl From<webhook_event::Model> for WebhookLogRow {
    fn from(event: webhook_event::Model) -> Self {
        Self {
            id: event.id,
            at: view::moment(event.received_at.to_utc()),
            provider: view::provider(&event.provider),
            signed: event.signature_valid,
            answer: format!("{} en {} ms", event.status_returned, event.latency_ms),
            state: view::webhook_state(event.state),
            bad: matches!(event.state, WebhookState::Failed | WebhookState::Rejected),
            attempts: event.attempts,
            error: event
                .last_error
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
        }
    }
}

/// An option of a select.
pub struct Choice {
    /// What the form sends.
    pub value: String,
    /// What the owner reads.
    pub label: String,
    /// Whether it is the current one.
    pub selected: bool,
}

impl Choice {
    fn new(value: String, label: String, current: &str) -> Self {
        Self {
            selected: value == current,
            value,
            label,
        }
    }

    /// Each `(value, label)` of `options`, `current` selected.
    pub fn options(options: &[(&str, &str)], current: &str) -> Vec<Self> {
        options
            .iter()
            .map(|(value, label)| Self::new((*value).into(), (*label).into(), current))
            .collect()
    }

    /// Every status, `current` selected.
    pub fn statuses(current: &str) -> Vec<Self> {
        ReservationStatus::iter()
            .map(|s| Self::new(s.as_str().into(), view::status(s).0.into(), current))
            .collect()
    }

    /// Every channel, `current` selected.
    pub fn channels(current: &str) -> Vec<Self> {
        Channel::iter()
            .map(|c| Self::new(c.as_str().into(), view::channel(c).into(), current))
            .collect()
    }

    /// Every cabin by id, `current` selected.
    pub fn cabins(cabins: &[accommodation::Model], current: &str) -> Vec<Self> {
        cabins
            .iter()
            .map(|c| Self::new(c.id.to_string(), c.name.clone(), current))
            .collect()
    }
}

/// One night of a cabin in the calendar.
pub struct DayCell {
    /// Day of the month.
    pub day: u32,
    /// `free`, `held`, `booked` or `blocked`, plus ` conflict` when a channel's event overlaps
    /// one of our stays there (CSS classes).
    pub class: String,
    /// What the night is, in words (the cell's tooltip and accessible name).
    pub label: String,
    /// The guest's first name (or the channel of a block), shown in the cell.
    pub short: String,
    /// The night's price.
    pub price: String,
    /// The reservation's page, when one takes the night.
    pub href: Option<String>,
}

impl DayCell {
    /// The cell of `night`; `conflict` when an open iCal conflict covers it.
    pub fn new(night: &CalendarDay, conflict: bool) -> Self {
        let price = view::money(night.price);
        let date = view::date(night.date);
        let (state, mut label, short, href) = match (&night.reservation, night.state) {
            (None, _) | (_, DayState::Free) => {
                ("free", format!("{date}: libre"), String::new(), None)
            }
            (Some(r), state) => {
                let (state, short) = match state {
                    DayState::Blocked => ("blocked", view::channel(r.channel).to_owned()),
                    DayState::Held => ("held", first_name(r)),
                    _ => ("booked", first_name(r)),
                };
                let (status, _) = view::status(r.status);
                (
                    state,
                    format!("{date}: {short} · {status} · {}", r.code),
                    short,
                    Some(format!("/admin/reservas/{}", r.code)),
                )
            }
        };
        label.push_str(&format!(" · {price}"));
        let mut class = state.to_owned();
        if conflict {
            class.push_str(" conflict");
            label.push_str(" · conflicto con un calendario externo");
        }
        Self {
            day: night.date.day(),
            class,
            label,
            short,
            price,
            href,
        }
    }
}

fn first_name(r: &reservation::Model) -> String {
    r.guest_name
        .as_str()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
