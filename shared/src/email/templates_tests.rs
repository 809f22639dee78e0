//! The guest emails' texts: links and values escaped, the details each notice must carry.

use chrono::TimeZone;

use super::*;

fn facts() -> NoticeFacts {
    NoticeFacts {
        guest_name: "Ana <b>Pérez</b>".into(),
        code: "RES260115ABCDEF".into(),
        cabin: "Los Coihues".into(),
        check_in: NaiveDate::from_ymd_opt(2027, 1, 15).expect("date"),
        check_out: NaiveDate::from_ymd_opt(2027, 1, 17).expect("date"),
        nights: 2,
        guests: 4,
        total: Money::from_units(108_000),
        deposit: Money::from_units(54_000),
        paid: Money::from_units(54_000),
        expires_at: Some(
            Utc.with_ymd_and_hms(2027, 1, 10, 17, 30, 0)
                .single()
                .expect("time"),
        ),
        timezone: chrono_tz::America::Argentina::Buenos_Aires,
        payment_url: Some("https://mp.example/checkout?pref=1&x=\"2\"".into()),
        check_in_time: NaiveTime::from_hms_opt(14, 0, 0).expect("time"),
        check_out_time: NaiveTime::from_hms_opt(10, 0, 0).expect("time"),
        location: "Ruta 40 km 2030, San Martín de los Andes".into(),
    }
}

#[test]
fn money_and_dates_read_the_argentine_way() {
    assert_eq!(money(Money::from_units(54_000)), "$ 54.000");
    assert_eq!(money(Money::from_units(1_234_567)), "$ 1.234.567");
    assert_eq!(money(Money::from_units(999)), "$ 999");
    assert_eq!(
        day(NaiveDate::from_ymd_opt(2027, 1, 15).expect("d")),
        "vie 15/01"
    );
    assert_eq!(
        moment(
            Utc.with_ymd_and_hms(2027, 1, 10, 17, 30, 0)
                .single()
                .expect("time"),
            facts().timezone
        ),
        "dom 10/01 a las 14:30"
    );
}

#[test]
fn the_hold_email_has_the_link_the_deposit_and_the_local_expiry() {
    let email = render(NoticeEvent::HoldCreated, &facts());
    assert!(
        email
            .text
            .contains("https://mp.example/checkout?pref=1&x=\"2\"")
    );
    assert!(email.text.contains("$ 54.000"));
    assert!(email.text.contains("dom 10/01 a las 14:30"));
    assert!(
        email
            .html
            .contains("href=\"https://mp.example/checkout?pref=1&amp;x=&quot;2&quot;\"")
    );
}

#[test]
fn every_interpolated_value_is_escaped_in_html() {
    for event in NoticeEvent::ALL {
        let email = render(event, &facts());
        assert!(!email.html.contains("<b>"), "{event:?}");
        assert!(email.html.contains("Ana"), "{event:?}");
        assert!(!email.subject.is_empty());
    }
}

#[test]
fn the_confirmation_has_the_check_in_details() {
    let email = render(NoticeEvent::Confirmed, &facts());
    assert!(email.text.contains("vie 15/01 desde las 14:00"));
    assert!(email.text.contains("dom 17/01 hasta las 10:00"));
    assert!(email.text.contains("San Martín de los Andes"));
}

#[test]
fn a_resent_link_asks_for_what_is_still_owed_with_the_link() {
    let mut owed = facts();
    owed.paid = Money::from_units(4_000);
    let email = render(NoticeEvent::PaymentLinkResent, &owed);
    assert!(
        email.subject.contains("Tu link de pago"),
        "{}",
        email.subject
    );
    assert!(
        email
            .text
            .contains("Te reenviamos el link para pagar la seña de $ 50.000"),
        "{}",
        email.text
    );
    assert!(
        email.text.contains("https://mp.example/checkout?pref=1"),
        "{}",
        email.text
    );
}
