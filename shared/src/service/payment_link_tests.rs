//! Unit tests of the preference body (pure).

use chrono::{NaiveDate, TimeZone};
use serde_json::Value;

use super::*;
use crate::domain::{Channel, GuestName, PaymentStatus, PhoneNumber};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn hold() -> reservation::Model {
    let created = Utc
        .with_ymd_and_hms(2026, 1, 10, 17, 0, 0)
        .single()
        .expect("time");
    reservation::Model {
        id: 7,
        uuid: Uuid::nil(),
        code: ReservationCode::parse("RES260110A1B2C3").expect("code"),
        accommodation_id: 1,
        check_in: date(2026, 1, 15),
        check_out: date(2026, 1, 17),
        guest_name: GuestName::parse("guest_name", "Martín Pérez").expect("name"),
        guest_phone: PhoneNumber::parse("guest_phone", "+5491112345678").ok(),
        guest_email: None,
        guests: 2,
        nights: 2,
        price_per_night: Money::from_units(90_000),
        total_price: Money::from_units(180_000),
        deposit_percent: 30,
        deposit_amount: Money::from_units(54_000),
        paid_amount: Money::ZERO,
        currency: "ARS".into(),
        status: ReservationStatus::PreReserved,
        payment_status: PaymentStatus::Unpaid,
        channel: Channel::Web,
        expires_at: Some((created + chrono::Duration::minutes(30)).into()),
        confirmed_at: None,
        cancelled_at: None,
        cancellation_reason: None,
        expired_at: None,
        completed_at: None,
        notes: None,
        client_ip: None,
        ical_feed_id: None,
        external_uid: None,
        created_at: created.into(),
        updated_at: created.into(),
    }
}

fn options(success: Option<&str>) -> PaymentLinkOptions {
    PaymentLinkOptions {
        notification_url:
            "https://cabanas.example.com/api/v1/mercadopago/webhook?source_news=webhooks".into(),
        back_urls: BackUrls {
            success: success.map(str::to_owned),
            failure: None,
            pending: None,
        },
        binary_mode: false,
        timezone: chrono_tz::America::Argentina::Buenos_Aires,
    }
}

fn body_json(options: &PaymentLinkOptions) -> Value {
    let reservation = hold();
    let expires_at = reservation.expires_at.expect("hold").with_timezone(&Utc);
    let body = build_preference(
        &reservation,
        "Cabaña del Lago",
        Money::from_units(54_000),
        expires_at,
        options,
    );
    serde_json::to_value(&body).expect("serialize")
}

#[test]
fn the_preference_asks_for_the_deposit_in_argentine_spanish() {
    let body = body_json(&options(None));
    let item = &body["items"][0];
    assert_eq!(item["title"], "Seña - Cabaña del Lago (15/01 al 17/01)");
    assert_eq!(item["quantity"], 1);
    assert_eq!(item["currency_id"], "ARS");
    assert_eq!(item["unit_price"].to_string(), "54000");
    assert_eq!(body["external_reference"], "RES260110A1B2C3");
}

#[test]
fn the_preference_lapses_with_the_hold_in_local_time() {
    let body = body_json(&options(None));
    assert_eq!(body["expires"], true);
    assert_eq!(body["expiration_date_to"], "2026-01-10T14:30:00.000-03:00");
    assert_eq!(body["date_of_expiration"], "2026-01-10T14:30:00.000-03:00");
}

#[test]
fn notifications_go_to_our_webhook_with_source_news() {
    let body = body_json(&options(None));
    assert_eq!(
        body["notification_url"],
        "https://cabanas.example.com/api/v1/mercadopago/webhook?source_news=webhooks"
    );
}

#[test]
fn back_urls_and_auto_return_only_when_configured() {
    let without = body_json(&options(None));
    assert!(without.get("back_urls").is_none(), "{without}");
    assert!(without.get("auto_return").is_none(), "{without}");
    assert_eq!(without["binary_mode"], false);

    let mut with = options(Some("https://cabanas.example.com/pago/ok"));
    with.back_urls.failure = Some("https://cabanas.example.com/pago/error".into());
    with.binary_mode = true;
    let body = body_json(&with);
    assert_eq!(
        body["back_urls"]["success"],
        "https://cabanas.example.com/pago/ok"
    );
    assert_eq!(
        body["back_urls"]["failure"],
        "https://cabanas.example.com/pago/error"
    );
    assert!(body["back_urls"].get("pending").is_none());
    assert_eq!(body["auto_return"], "approved");
    assert_eq!(body["binary_mode"], true);
}

#[test]
fn only_an_unexpired_hold_can_be_paid() {
    let mut reservation = hold();
    let expires = reservation.expires_at.expect("hold").with_timezone(&Utc);
    let before = expires - chrono::Duration::minutes(1);
    assert_eq!(payable_until(&reservation, before).ok(), Some(expires));
    let lapsed = payable_until(&reservation, expires).expect_err("lapsed");
    assert!(matches!(
        lapsed,
        Error::Conflict {
            kind: ConflictKind::HoldExpired,
            ..
        }
    ));
    reservation.status = ReservationStatus::Confirmed;
    let confirmed = payable_until(&reservation, before).expect_err("confirmed");
    assert!(matches!(
        confirmed,
        Error::Conflict {
            kind: ConflictKind::NotPayable,
            ..
        }
    ));
}

#[test]
fn the_amount_due_is_the_deposit_not_yet_paid() {
    let mut reservation = hold();
    assert_eq!(
        amount_due(&reservation).ok(),
        Some(Money::from_units(54_000))
    );
    reservation.paid_amount = Money::from_units(4_000);
    assert_eq!(
        amount_due(&reservation).ok(),
        Some(Money::from_units(50_000))
    );
    reservation.paid_amount = Money::from_units(54_000);
    assert!(amount_due(&reservation).is_err());
}
