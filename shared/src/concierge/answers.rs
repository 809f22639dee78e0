//! The concierge's answers to questions and to what goes wrong on the way to a booking, in
//! Argentine Spanish (vos). With [`super::texts`] (the booking flow), everything the bot says.

use crate::nlu::PolicyKind;

/// A short greeting before the first answer of a guest who asked everything at once.
pub fn greeting_short(name: Option<&str>) -> String {
    match name
        .and_then(|n| n.split_whitespace().next())
        .filter(|n| !n.is_empty())
    {
        Some(first) => format!("¡Hola, {first}! 👋 Te paso lo que tenemos:"),
        None => "¡Hola! 👋 Te paso lo que tenemos:".to_owned(),
    }
}

/// What a cabin is like.
pub fn cabin_info(name: &str, description: &str, amenities: &[String]) -> String {
    let mut text = format!("🏡 *{name}*");
    if !description.trim().is_empty() {
        text.push('\n');
        text.push_str(description.trim());
    }
    if !amenities.is_empty() {
        text.push_str("\nTiene: ");
        text.push_str(&amenities.join(", "));
        text.push('.');
    }
    text
}

/// The cabin has no photos loaded.
pub fn no_photos(name: &str) -> String {
    format!("Todavía no cargamos fotos de {name}. 🙈 Si querés, te las manda el equipo por acá.")
}

/// Where the cabins are (`places`: name and location of each).
pub fn location(places: &[(String, String)]) -> String {
    let known: Vec<_> = places
        .iter()
        .filter(|(_, place)| !place.trim().is_empty())
        .collect();
    if known.is_empty() {
        return "Te paso la ubicación exacta cuando reserves. Si necesitás indicaciones, \
                escribí «hablar con alguien»."
            .into();
    }
    let mut text = "📍 Estamos acá:".to_owned();
    for (name, place) in known {
        text.push_str(&format!("\n• {name}: {}", place.trim()));
    }
    text
}

/// A house rule; `policies` is the owner's text of the cabin, `check_in` its check-in time.
pub fn policy(kind: PolicyKind, policies: &str, check_in: &str, check_out: &str) -> String {
    let fallback = match kind {
        PolicyKind::CheckInTime => {
            return format!(
                "🔑 El check-in es desde las {check_in} y el check-out hasta las {check_out}."
            );
        }
        PolicyKind::Pets => "Sobre mascotas",
        PolicyKind::Cancellation => "Sobre cancelaciones",
    };
    if policies.trim().is_empty() {
        format!("{fallback}, te responde alguien del equipo. Escribí «hablar con alguien».")
    } else {
        format!("📋 Nuestras políticas:\n{}", policies.trim())
    }
}

/// The prices question: one line per cabin follows in the list.
pub fn prices() -> String {
    "Estos son nuestros precios por noche (el finde puede ser un poco más). Decime fechas y \
     cuántos son y te paso el total exacto."
        .into()
}

/// The nights were taken by someone else a moment ago.
pub fn nights_just_taken() -> String {
    "Uy, justo recién se reservaron esas noches. 😕 Te paso lo que queda:".into()
}

/// The hold is made but the payment link could not be created now.
pub fn hold_without_link(code: &str) -> String {
    format!(
        "¡Listo! Te guardé las noches. 🙌 Tu código de reserva es *{code}*.\nNo pude generar \
         el link de pago en este momento: en unos minutos te lo mando por acá."
    )
}

/// The guest has too many holds waiting for payment.
pub fn too_many_holds() -> String {
    "Ya tenés reservas esperando el pago de la seña. Cuando pagues alguna (o venzan), te \
     guardo otras noches."
        .into()
}

/// Dates in the past.
pub fn dates_past() -> String {
    "Esa fecha ya pasó. 🙂 ¿Para qué fechas buscás?".into()
}

/// Dates past the booking horizon.
pub fn dates_too_far() -> String {
    "Todavía no abrimos reservas para esas fechas. Probá con fechas más cercanas.".into()
}

/// A stay longer than allowed.
pub fn stay_too_long(max_nights: u32) -> String {
    format!("Podemos reservar hasta {max_nights} noches seguidas. ¿Probamos con menos?")
}

/// The reservation was cancelled.
pub fn cancelled(code: &str) -> String {
    format!(
        "Tu reserva *{code}* quedó cancelada. Si querés volver a reservar, escribime cuando \
         quieras."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::whatsapp_outbound as outbound;

    #[test]
    fn answers_fit_an_interactive_body() {
        for text in [
            greeting_short(Some("Ana Pérez")),
            no_photos("Cabaña Lago"),
            location(&[("Lago".into(), "Ruta 40 km 3".into())]),
            location(&[]),
            policy(PolicyKind::Pets, "", "14:00", "10:00"),
            policy(PolicyKind::CheckInTime, "", "14:00", "10:00"),
            prices(),
            nights_just_taken(),
            hold_without_link("CAB7K2"),
            too_many_holds(),
            dates_past(),
            dates_too_far(),
            stay_too_long(30),
            cancelled("CAB7K2"),
        ] {
            assert!(
                outbound::units(&text) <= outbound::MAX_INTERACTIVE_BODY,
                "{text}"
            );
        }
        assert_eq!(
            greeting_short(Some("Ana Pérez")),
            "¡Hola, Ana! 👋 Te paso lo que tenemos:"
        );
        assert!(policy(PolicyKind::CheckInTime, "", "14:00", "10:00").contains("desde las 14:00"));
    }
}
