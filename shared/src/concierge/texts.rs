//! Everything the concierge tells a guest on WhatsApp, in one place so the owner can change
//! the wording: warm, short, Argentine Spanish (vos). Numbers and dates go through
//! [`super::format`]. Functions return message bodies; button and list labels are constants
//! (buttons ≤ 20 characters, list rows ≤ 24, checked by the tests below).

use chrono::{DateTime, Utc};

use super::format;
use crate::domain::{Money, Quote, Stay};

/// Button under a quote: book these nights.
pub const BUTTON_BOOK: &str = "Reservar";
/// Button under a quote: see the cabin's photos.
pub const BUTTON_PHOTOS: &str = "Ver fotos";
/// Button under a quote: ask for other dates.
pub const BUTTON_OTHER_DATES: &str = "Otras fechas";
/// Button under the hold-expired notice: try to book again.
pub const BUTTON_RETRY: &str = "Reservar de nuevo";
/// Button that asks for a person.
pub const BUTTON_HUMAN: &str = "Hablar con alguien";
/// Label of the button that opens the cabin list.
pub const LIST_BUTTON: &str = "Ver cabañas";
/// Title of the cabin list's section.
pub const LIST_SECTION: &str = "Nuestras cabañas";

/// What kind of message the bot cannot use, for [`unsupported`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// A picture (or a video, a document).
    Image,
    /// A sticker.
    Sticker,
    /// A shared location.
    Location,
    /// A shared contact card.
    Contacts,
    /// A reaction to one of our messages.
    Reaction,
}

/// First answer: greeting, then the cabin list follows as the list message's rows.
pub fn greeting(name: Option<&str>) -> String {
    let hello = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => {
            let first = name.split_whitespace().next().unwrap_or(name);
            format!("¡Hola, {first}! 👋")
        }
        None => "¡Hola! 👋".to_owned(),
    };
    format!(
        "{hello} Gracias por escribirnos.\nEstas son nuestras cabañas. Contame para qué fechas y \
         cuántos son, y te paso disponibilidad y precio al toque."
    )
}

/// The second line of a cabin's row in the list.
pub fn cabin_row(capacity: u32, from_price: Money) -> String {
    format!(
        "Hasta {} · desde {} la noche",
        format::guests(capacity),
        format::money(from_price)
    )
}

/// Asking for what is missing: the dates, the number of guests, or both.
pub fn ask_missing(dates: bool, guests: bool) -> String {
    match (dates, guests) {
        (true, true) => "¿Para qué fechas y cuántas personas serían? Por ejemplo: \
                         «del 15 al 17 de enero, somos 4»."
            .into(),
        (true, false) => "¿Para qué fechas? Por ejemplo: «del 15 al 17 de enero» o \
                          «este finde»."
            .into(),
        (false, true) => "¿Cuántas personas serían, contando a los chicos?".into(),
        (false, false) => "Dame un segundo que me fijo. 🙂".into(),
    }
}

/// More guests than any cabin holds.
pub fn too_many_guests(guests: u32, largest: u32) -> String {
    format!(
        "Uy, para {} no tenemos una cabaña: la más grande es para {}. Si quieren, pueden \
         repartirse en dos; decime y vemos fechas.",
        format::guests(guests),
        format::guests(largest)
    )
}

/// One cabin's quote with its breakdown; the buttons Reservar / Ver fotos / Otras fechas
/// go under it.
pub fn quote(cabin: &str, stay: &Stay, guests: u32, quote: &Quote) -> String {
    let mut lines = vec![
        format!("🏡 *{cabin}*"),
        format!("📅 {}", format::stay(stay)),
        format!("👥 {}", format::guests(guests)),
        String::new(),
    ];
    // Nights grouped by price, in the order they first appear.
    let mut groups: Vec<(Money, u32)> = Vec::new();
    for night in &quote.nights {
        match groups.iter_mut().find(|(price, _)| *price == night.price) {
            Some((_, count)) => *count += 1,
            None => groups.push((night.price, 1)),
        }
    }
    for (price, count) in groups {
        lines.push(format!(
            "{} × {} = {}",
            format::nights(count),
            format::money(price),
            format::money(price.times(count.into()))
        ));
    }
    lines.push(format!("*Total: {}*", format::money(quote.total)));
    if quote.deposit > Money::ZERO {
        lines.push(format!(
            "Para reservar, una seña del {}%: {}. El resto, {}, al llegar.",
            quote.deposit_percent,
            format::money(quote.deposit),
            format::money(quote.balance)
        ));
    }
    lines.join("\n")
}

/// No cabin is free for those nights; `alternatives` are nearby free stays (may be empty).
pub fn no_availability(stay: &Stay, alternatives: &[Stay]) -> String {
    let mut text = format!("Qué pena, {} no nos queda lugar. 😕", format::stay(stay));
    if alternatives.is_empty() {
        text.push_str("\n¿Te sirven otras fechas? Contame y me fijo.");
    } else {
        text.push_str("\nTenemos lugar en estas fechas:");
        for alternative in alternatives {
            text.push_str("\n• ");
            text.push_str(&format::stay(alternative));
        }
        text.push_str("\n¿Te sirve alguna?");
    }
    text
}

/// The pre-reservation is made: the deposit link and until when the nights are held.
pub fn hold_created(
    code: &str,
    deposit: Money,
    link: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    format!(
        "¡Listo! Te guardé las noches. 🙌 Tu código de reserva es *{code}*.\n{}",
        pay_the_deposit(deposit, link, expires_at, now)
    )
}

/// How to confirm a hold: the deposit, its link, and until when the nights are kept.
fn pay_the_deposit(
    deposit: Money,
    link: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    format!(
        "Para confirmarla, pagá la seña de {} acá:\n{link}\n\
         Te las guardo hasta {} (hora de Argentina).",
        format::money(deposit),
        format::moment(expires_at, now)
    )
}

/// The deposit was paid: the booking is confirmed, with the check-in details.
pub fn payment_confirmed(
    code: &str,
    cabin: &str,
    stay: &Stay,
    check_in_time: &str,
    balance: Money,
) -> String {
    let mut text = format!(
        "¡Recibimos tu pago! ✅ Tu reserva *{code}* está confirmada.\n\
         🏡 {cabin}\n📅 {}\n🔑 Check-in desde las {check_in_time}.",
        format::stay(stay)
    );
    if balance > Money::ZERO {
        text.push_str(&format!(
            "\nEl resto, {}, lo abonás al llegar.",
            format::money(balance)
        ));
    }
    text.push_str("\n¡Los esperamos!");
    text
}

/// The owner sends the deposit's link again (the guest asked for it, or lost it).
pub fn payment_link_again(
    code: &str,
    deposit: Money,
    link: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    format!(
        "¡Hola! Te reenvío el link de pago de tu reserva *{code}*: las noches siguen guardadas \
         para vos.\n{}",
        pay_the_deposit(deposit, link, expires_at, now)
    )
}

/// Ten minutes before the hold lapses.
pub fn hold_expiring(code: &str, link: &str, expires_at: DateTime<Utc>) -> String {
    format!(
        "⏰ Te aviso que la reserva *{code}* vence a las {} si no se paga la seña. \
         Si todavía la querés, podés pagar acá:\n{link}",
        format::time(expires_at)
    )
}

/// The hold lapsed unpaid; a "Reservar de nuevo" button goes under it.
pub fn hold_expired(code: &str, stay: &Stay) -> String {
    format!(
        "La reserva *{code}* ({}) venció porque no llegó el pago, así que liberamos las \
         noches. Si todavía te interesan, tocá «{BUTTON_RETRY}» y me fijo si siguen libres.",
        format::stay(stay)
    )
}

/// The conversation goes to the owner; the bot stays quiet until it is resolved.
pub fn hand_off() -> String {
    "Te paso con una persona del equipo, que te va a responder por acá lo antes posible. 🙋".into()
}

/// A polite answer for messages the bot cannot use.
pub fn unsupported(kind: Unsupported) -> String {
    match kind {
        Unsupported::Image => {
            "¡Gracias por la imagen! Yo solo puedo leer texto: contame por escrito en qué te ayudo."
        }
        Unsupported::Sticker => "😄 ¿En qué te puedo ayudar? Contame fechas y cuántos son.",
        Unsupported::Location => {
            "¡Gracias por la ubicación! Si querés saber cómo llegar, escribime «cómo llego»."
        }
        Unsupported::Contacts => {
            "Gracias por el contacto. Por ahora solo puedo ayudarte por escrito con reservas."
        }
        Unsupported::Reaction => "🙌 Si necesitás algo más, escribime.",
    }
    .into()
}

/// The voice note could not be transcribed (or not well enough).
pub fn write_instead() -> String {
    "Perdón, no pude entender bien el audio. 🙏 ¿Me lo escribís?".into()
}

/// A message the bot did not understand.
pub fn not_understood() -> String {
    "Perdón, no te entendí. ¿Me decís las fechas y cuántos son? Si preferís, escribí \
     «hablar con alguien»."
        .into()
}

/// An answer to thanks.
pub fn thanks() -> String {
    "¡De nada! Cualquier cosa, acá estoy. 😊".into()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::domain::{NightPrice, whatsapp_outbound as outbound};

    fn d(mo: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, mo, day).expect("date")
    }

    #[test]
    fn labels_fit_whatsapps_limits() {
        for label in [
            BUTTON_BOOK,
            BUTTON_PHOTOS,
            BUTTON_OTHER_DATES,
            BUTTON_RETRY,
            BUTTON_HUMAN,
            LIST_BUTTON,
        ] {
            assert!(
                outbound::units(label) <= outbound::MAX_BUTTON_TITLE,
                "{label}"
            );
        }
        assert!(outbound::units(LIST_SECTION) <= outbound::MAX_ROW_TITLE);
        assert!(
            outbound::units(&cabin_row(12, Money::from_units(1_250_000)))
                <= outbound::MAX_ROW_DESCRIPTION
        );
    }

    #[test]
    fn the_greeting_uses_the_first_name() {
        assert!(greeting(Some("Ana María Pérez")).starts_with("¡Hola, Ana! 👋"));
        assert!(greeting(Some("  ")).starts_with("¡Hola! 👋"));
        assert_eq!(
            cabin_row(4, Money::from_units(27_000)),
            "Hasta 4 personas · desde $ 27.000 la noche"
        );
    }

    #[test]
    fn a_quote_shows_the_breakdown_total_and_deposit() {
        let stay = Stay::new(d(1, 14), d(1, 17)).expect("stay");
        let night = |day, price| NightPrice {
            date: d(1, day),
            weekend: price > 20_000,
            price: Money::from_units(price),
        };
        let quote_value = Quote {
            nights: vec![night(14, 20_000), night(15, 27_000), night(16, 27_000)],
            weekday_nights: 1,
            weekend_nights: 2,
            base_rate: Money::from_units(20_000),
            weekend_rate: Money::from_units(27_000),
            total: Money::from_units(74_000),
            deposit_percent: 30,
            deposit: Money::from_units(22_200),
            balance: Money::from_units(51_800),
        };
        assert_eq!(
            quote("Cabaña Lago", &stay, 4, &quote_value),
            "🏡 *Cabaña Lago*\n📅 del jue 14/01 al dom 17/01 (3 noches)\n👥 4 personas\n\n\
             1 noche × $ 20.000 = $ 20.000\n2 noches × $ 27.000 = $ 54.000\n*Total: $ 74.000*\n\
             Para reservar, una seña del 30%: $ 22.200. El resto, $ 51.800, al llegar."
        );
    }

    #[test]
    fn the_hold_message_has_the_link_and_the_expiry_in_buenos_aires_time() {
        let now = Utc
            .with_ymd_and_hms(2027, 1, 10, 21, 15, 0)
            .single()
            .expect("valid");
        let text = hold_created(
            "CAB7K2",
            Money::from_units(16_200),
            "https://mpago.la/x",
            now + chrono::Duration::minutes(30),
            now,
        );
        assert_eq!(
            text,
            "¡Listo! Te guardé las noches. 🙌 Tu código de reserva es *CAB7K2*.\n\
             Para confirmarla, pagá la seña de $ 16.200 acá:\nhttps://mpago.la/x\n\
             Te las guardo hasta hoy a las 18:45 (hora de Argentina)."
        );
        assert!(hold_expiring("CAB7K2", "https://mpago.la/x", now).contains("a las 18:15"));
    }

    #[test]
    fn confirmation_expiry_and_no_availability_read_well() {
        let stay = Stay::new(d(1, 15), d(1, 17)).expect("stay");
        assert_eq!(
            payment_confirmed(
                "CAB7K2",
                "Cabaña Lago",
                &stay,
                "14:00",
                Money::from_units(37_800)
            ),
            "¡Recibimos tu pago! ✅ Tu reserva *CAB7K2* está confirmada.\n🏡 Cabaña Lago\n\
             📅 del vie 15/01 al dom 17/01 (2 noches)\n🔑 Check-in desde las 14:00.\n\
             El resto, $ 37.800, lo abonás al llegar.\n¡Los esperamos!"
        );
        assert!(hold_expired("CAB7K2", &stay).contains("«Reservar de nuevo»"));
        let other = Stay::new(d(1, 22), d(1, 24)).expect("stay");
        assert_eq!(
            no_availability(&stay, &[other]),
            "Qué pena, del vie 15/01 al dom 17/01 (2 noches) no nos queda lugar. 😕\n\
             Tenemos lugar en estas fechas:\n• del vie 22/01 al dom 24/01 (2 noches)\n\
             ¿Te sirve alguna?"
        );
        assert!(no_availability(&stay, &[]).ends_with("Contame y me fijo."));
    }

    #[test]
    fn every_text_is_a_valid_message() {
        let stay = Stay::new(d(1, 15), d(1, 17)).expect("stay");
        let texts = [
            greeting(None),
            ask_missing(true, true),
            ask_missing(true, false),
            ask_missing(false, true),
            too_many_guests(9, 6),
            hand_off(),
            write_instead(),
            not_understood(),
            thanks(),
            hold_expired("X", &stay),
            unsupported(Unsupported::Image),
            unsupported(Unsupported::Sticker),
            unsupported(Unsupported::Location),
            unsupported(Unsupported::Contacts),
            unsupported(Unsupported::Reaction),
        ];
        for text in texts {
            assert!(
                outbound::units(&text) <= outbound::MAX_INTERACTIVE_BODY,
                "{text}"
            );
            assert!(outbound::OutboundMessage::text(&text).is_ok());
        }
    }
}
