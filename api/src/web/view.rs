//! How the dashboard shows values to the owner (es-AR): money, dates, statuses.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::Iterable;
use shared::{
    concierge::format,
    domain::{Channel, Money, PaymentRecordStatus, ReservationStatus},
    service::webhook_monitor::WebhookState,
};

/// `$ 54.000` or `$ 54.000,50`.
pub fn money(amount: Money) -> String {
    format::money(amount)
}

/// `vie 15/01`.
pub fn date(day: NaiveDate) -> String {
    format::date(day)
}

/// `1 noche`, `3 noches`.
pub fn nights(count: i64) -> String {
    format::nights(u32::try_from(count).unwrap_or(u32::MAX))
}

/// `15/01 18:30` in Buenos Aires time.
pub fn moment(at: DateTime<Utc>) -> String {
    at.with_timezone(&format::TIMEZONE)
        .format("%d/%m %H:%M")
        .to_string()
}

/// The owner's word for a status, and the badge class that colours it.
pub fn status(status: ReservationStatus) -> (&'static str, &'static str) {
    match status {
        ReservationStatus::PreReserved => ("Pre-reserva", "badge-hold"),
        ReservationStatus::Confirmed => ("Confirmada", "badge-ok"),
        ReservationStatus::Cancelled => ("Cancelada", "badge-off"),
        ReservationStatus::Expired => ("Vencida", "badge-off"),
        ReservationStatus::Completed => ("Completada", "badge-done"),
        ReservationStatus::Blocked => ("Bloqueada", "badge-block"),
    }
}

/// The owner's name of a channel.
pub fn channel(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp => "WhatsApp",
        Channel::Web => "Web",
        Channel::Admin => "Administración",
        Channel::Airbnb => "Airbnb",
        Channel::Booking => "Booking.com",
        Channel::Ical => "iCal",
        Channel::Phone => "Teléfono",
    }
}

/// The owner's word for a payment's state.
pub fn payment(status: PaymentRecordStatus) -> &'static str {
    match status {
        PaymentRecordStatus::LinkCreated => "Link creado",
        PaymentRecordStatus::Expired => "Link vencido",
        PaymentRecordStatus::Pending | PaymentRecordStatus::InProcess => "En proceso",
        PaymentRecordStatus::Authorized => "Autorizado",
        PaymentRecordStatus::Approved => "Aprobado",
        PaymentRecordStatus::Rejected => "Rechazado",
        PaymentRecordStatus::Cancelled => "Cancelado",
        PaymentRecordStatus::Refunded => "Devuelto",
        PaymentRecordStatus::ChargedBack => "Contracargo",
        PaymentRecordStatus::InMediation => "En mediación",
        PaymentRecordStatus::NeedsRefund => "A devolver",
    }
}

/// Who sent a webhook (`whatsapp`, `mercadopago`), in words.
pub fn provider(name: &str) -> &'static str {
    match name {
        "whatsapp" => "WhatsApp",
        "mercadopago" => "Mercado Pago",
        _ => "Otro",
    }
}

/// A webhook's processing state, in words.
pub fn webhook_state(state: WebhookState) -> &'static str {
    match state {
        WebhookState::Pending => "Pendiente",
        WebhookState::Processed => "Procesado",
        WebhookState::Failed => "Con error",
        WebhookState::Rejected => "Rechazado (firma inválida)",
    }
}

/// The owner's words for an audited action (`reservation.confirm`, …); others as they are.
pub fn action(action: &str) -> String {
    match action {
        "reservation.create" => "Creada",
        "reservation.hold" => "Pre-reservada",
        "reservation.confirm" => "Confirmada",
        "reservation.cancel" => "Cancelada",
        "reservation.expire" => "Vencida sin pago",
        "reservation.complete" => "Completada",
        "reservation.block" => "Bloqueada",
        "reservation.update" => "Editada",
        "reservation.anonymise" => "Datos personales anonimizados",
        "reservation.payment_link_resend" => "Link de pago reenviado",
        other => other,
    }
    .to_owned()
}

/// `status` of a stored status name (`pre_reserved`, …); unknown names are shown as they are.
pub fn status_named(name: &str) -> (String, &'static str) {
    ReservationStatus::iter()
        .find(|s| s.as_str() == name)
        .map_or_else(
            || (name.to_owned(), "badge-off"),
            |s| {
                let (label, class) = status(s);
                (label.to_owned(), class)
            },
        )
}

/// A share as a whole percentage of `whole` (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_never_divide_by_zero() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(31, 31), 100);
    }

    #[test]
    fn every_status_has_a_spanish_label() {
        for name in [
            "pre_reserved",
            "confirmed",
            "cancelled",
            "expired",
            "completed",
            "blocked",
        ] {
            let (label, _) = status_named(name);
            assert_ne!(label, name, "{name} has no label");
        }
        assert_eq!(status_named("odd").0, "odd");
    }
}
