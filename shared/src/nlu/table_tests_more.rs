//! Table tests (part 2): intents, voseo and typos, messages with nothing to extract, and year
//! roll-over from late December and January. Rows as in [`super::table_tests`].

use super::table_tests::{Row, check, day};

#[rustfmt::skip]
const INTENTS: &[Row] = &[
    ("hola", "greeting", "-", "-", 0, 0),
    ("Holaaaa buenas tardes!!", "greeting", "-", "-", 0, 0),
    ("buen día 🌞", "greeting", "-", "-", 0, 0),
    ("che, qué tal?", "greeting", "-", "-", 0, 0),
    ("Buenas noches", "greeting", "-", "-", 0, 0),
    ("holis", "greeting", "-", "-", 0, 0),
    ("muchas gracias!!", "thanks", "-", "-", 0, 0),
    ("gracias, genial", "thanks", "-", "-", 0, 0),
    ("dale, mil gracias 🙏", "thanks", "-", "-", 0, 0),
    ("gracias por todo, la pasamos bárbaro", "thanks", "-", "-", 0, 0),
    ("graciasss", "thanks", "-", "-", 0, 0),
    ("cuánto sale la noche?", "prices", "-", "-", 0, 0),
    ("precios?", "prices", "-", "-", 0, 0),
    ("pasame el precio por noche", "prices", "-", "-", 0, 0),
    ("el precio es de 54.000?", "prices", "-", "-", 0, 0),
    ("que valores manejan?", "prices", "-", "-", 0, 0),
    ("cuanto cuesta para 4 del 15 al 17 de enero", "availability", "2027-01-15", "2027-01-17", 2, 4),
    ("tienen fotos de las cabañas?", "info", "-", "-", 0, 0),
    ("me pasás fotos?", "info", "-", "-", 0, 0),
    ("tiene pileta?", "info", "-", "-", 0, 0),
    ("hay wifi?", "info", "-", "-", 0, 0),
    ("la casa tiene 3 habitaciones?", "info", "-", "-", 0, 0),
    ("contame qué incluye la cabaña", "info", "-", "-", 0, 0),
    ("mandame fotos de la del lago", "info", "-", "-", 0, 0),
    ("tienen parrilla y cochera?", "info", "-", "-", 0, 0),
    ("dónde quedan?", "location", "-", "-", 0, 0),
    ("cómo llego desde la terminal?", "location", "-", "-", 0, 0),
    ("me pasás la ubicación", "location", "-", "-", 0, 0),
    ("la ruta está asfaltada?", "location", "-", "-", 0, 0),
    ("están lejos del centro?", "location", "-", "-", 0, 0),
    ("a qué hora es el check in?", "policies.check_in_time", "-", "-", 0, 0),
    ("hasta qué hora hay que dejar la cabaña", "policies.check_in_time", "-", "-", 0, 0),
    ("cual es el horario de entrada?", "policies.check_in_time", "-", "-", 0, 0),
    ("se puede llevar al perro?", "policies.pets", "-", "-", 0, 0),
    ("aceptan mascotas?", "policies.pets", "-", "-", 0, 0),
    ("son pet friendly?", "policies.pets", "-", "-", 0, 0),
    ("tengo 2 perros, se puede?", "policies.pets", "-", "-", 0, 0),
    ("cuál es la política de cancelación?", "policies.cancellation", "-", "-", 0, 0),
    ("si cancelo me devuelven la seña?", "policies.cancellation", "-", "-", 0, 0),
    ("hay reembolso si no podemos ir?", "policies.cancellation", "-", "-", 0, 0),
    ("quiero cancelar mi reserva", "cancel_booking", "-", "-", 0, 0),
    ("necesito anular la reserva CAB-123", "cancel_booking", "-", "-", 0, 0),
    ("cancelen la reserva del 15 de enero porfa", "cancel_booking", "2027-01-15", "-", 0, 0),
    ("quiero hablar con alguien", "human", "-", "-", 0, 0),
    ("me podés pasar con un operador?", "human", "-", "-", 0, 0),
    ("sos un bot?", "human", "-", "-", 0, 0),
    ("quiero hablar con el dueño", "human", "-", "-", 0, 0),
    ("llamame al celu", "human", "-", "-", 0, 0),
    ("la cabaña estaba sucia, un desastre", "complaint", "-", "-", 0, 0),
    ("nadie me contesta!!!", "complaint", "-", "-", 0, 0),
    ("quiero hacer un reclamo", "complaint", "-", "-", 0, 0),
    ("el aire no funciona", "complaint", "-", "-", 0, 0),
    ("son unos estafadores", "complaint", "-", "-", 0, 0),
    ("quiero reservar", "book", "-", "-", 0, 0),
    ("cómo hago para reservar?", "book", "-", "-", 0, 0),
    ("cómo pago la seña?", "book", "-", "-", 0, 0),
    ("me la quedo!", "book", "-", "-", 0, 0),
    ("quiero reservar del 15 al 17 de enero para 4", "book", "2027-01-15", "2027-01-17", 2, 4),
    ("confirmo, pasame el link de pago", "book", "-", "-", 0, 0),
    ("quiero hacer una reserva para el finde", "book", "2026-12-04", "2026-12-06", 2, 0),
    ("tienen disponibilidad?", "availability", "-", "-", 0, 0),
    ("hay lugar?", "availability", "-", "-", 0, 0),
    ("quiero ir en enero", "availability", "-", "-", 0, 0),
    ("ok", "thanks", "-", "-", 0, 0),
];

#[rustfmt::skip]
const COLLOQUIAL: &[Row] = &[
    ("che, ¿tenés lugar para el finde que viene? somos 2", "availability", "2026-12-11", "2026-12-13", 2, 2),
    ("fijate si tenés algo del 8 al 10 de enero para 3", "availability", "2027-01-08", "2027-01-10", 2, 3),
    ("decime cuánto sale del 20 al 27 de febrero, somos 4 adultos", "availability", "2027-02-20", "2027-02-27", 7, 4),
    ("ola tenes lugar x el fin de semana", "availability", "2026-12-04", "2026-12-06", 2, 0),
    ("q precio tiene para 2 personas", "availability", "-", "-", 0, 2),
    ("kiero reservar del 15 al 17 d enero", "book", "2027-01-15", "2027-01-17", 2, 0),
    ("disponiblidad para 4 pax del 15/1 al 17/1", "availability", "2027-01-15", "2027-01-17", 2, 4),
    ("hay lugar el sabdo?", "availability", "2026-12-05", "-", 0, 0),
    ("buenasss, tienen algo libre para mañana? somos 2", "availability", "2026-12-02", "-", 0, 2),
    ("Hola!! Queríamos saber si tienen disponible del 2 al 5 de enero para 2 adultos y 1 nene 😊", "availability", "2027-01-02", "2027-01-05", 3, 3),
    ("Buen día, consulta: el finde largo tienen lugar para 4?", "availability", "2026-12-04", "2026-12-08", 4, 4),
    ("hola q tal, precio x noche para 2?", "availability", "-", "-", 0, 2),
    ("holaa! vamos 3 más un bebé del 10 al 14 de febrero, hay lugar?", "availability", "2027-02-10", "2027-02-14", 4, 4),
    ("dale, reservame la del bosque del 15 al 17 de enero", "book", "2027-01-15", "2027-01-17", 2, 0),
    ("se puede reservar x 3 noches desde el 3/1?", "book", "2027-01-03", "2027-01-06", 3, 0),
    ("tenés lugar pa 2 el finde largo de carnaval?", "availability", "2027-02-05", "2027-02-09", 4, 0),
    ("nos gustaria ir del 5 al 8 de marzo con mi pareja", "availability", "2027-03-05", "2027-03-08", 3, 2),
    ("estamos viendo para enero, 2 semanas desde el 10", "availability", "2027-01-10", "2027-01-24", 14, 0),
    ("Buenas! Somos una familia de 4, tienen lugar del 20 al 25 de enero?", "availability", "2027-01-20", "2027-01-25", 5, 4),
    ("una consulta, aceptan perros chicos? vamos del 3 al 5 de enero", "policies.pets", "2027-01-03", "2027-01-05", 2, 0),
    ("hola! cuánto me sale una semana a partir del 2 de febrero para 2?", "availability", "2027-02-02", "2027-02-09", 7, 2),
    ("mañana llego a las 22 hs, hay problema?", "availability", "2026-12-02", "-", 0, 0),
];

#[rustfmt::skip]
const NOTHING: &[Row] = &[
    ("asdfgh", "unknown", "-", "-", 0, 0),
    ("👍", "unknown", "-", "-", 0, 0),
    ("", "unknown", "-", "-", 0, 0),
    ("???", "unknown", "-", "-", 0, 0),
    ("jajaja", "unknown", "-", "-", 0, 0),
    ("mi teléfono es 1123456789", "unknown", "-", "-", 0, 0),
    ("a las 15 hs llegamos", "unknown", "-", "-", 0, 0),
    ("te mando un audio", "unknown", "-", "-", 0, 0),
    ("el 99 de marzo", "unknown", "-", "-", 0, 0),
    ("15/13 al 40/1", "unknown", "-", "-", 0, 0),
    ("ya te transfiero la plata", "book", "-", "-", 0, 0),
    ("<script>alert(1)</script>", "unknown", "-", "-", 0, 0),
    ("SELECT * FROM reservations; --", "unknown", "-", "-", 0, 0),
];

/// Tuesday 29 December 2026: January is next year.
#[rustfmt::skip]
const LATE_DECEMBER: &[Row] = &[
    ("del 2 al 5 de enero", "availability", "2027-01-02", "2027-01-05", 3, 0),
    ("del 30 al 2", "availability", "2026-12-30", "2027-01-02", 3, 0),
    ("este finde somos 2", "availability", "2027-01-01", "2027-01-03", 2, 2),
    ("el 15/12 una noche", "availability", "2027-12-15", "2027-12-16", 1, 0),
    ("mañana", "availability", "2026-12-30", "-", 0, 0),
    ("finde largo de año nuevo?", "availability", "2026-12-31", "2027-01-03", 3, 0),
    ("del 26 al 28 de diciembre", "availability", "2027-12-26", "2027-12-28", 2, 0),
    ("del 31 de diciembre al 2 de enero", "availability", "2026-12-31", "2027-01-02", 2, 0),
];

/// Tuesday 5 January 2027.
#[rustfmt::skip]
const JANUARY: &[Row] = &[
    ("el finde largo de carnaval", "availability", "2027-02-05", "2027-02-09", 4, 0),
    ("del 28 de diciembre al 3 de enero", "availability", "2027-12-28", "2028-01-03", 6, 0),
    ("15/1 al 17/1", "availability", "2027-01-15", "2027-01-17", 2, 0),
    ("del 2 al 4 de enero", "availability", "2028-01-02", "2028-01-04", 2, 0),
];

/// Wednesday 10 February 2027, after that year's carnival.
#[rustfmt::skip]
const AFTER_CARNIVAL: &[Row] = &[
    ("carnaval", "availability", "2028-02-25", "2028-02-29", 4, 0),
];

/// How many rows this file holds.
pub(super) fn count() -> usize {
    INTENTS.len()
        + COLLOQUIAL.len()
        + NOTHING.len()
        + LATE_DECEMBER.len()
        + JANUARY.len()
        + AFTER_CARNIVAL.len()
}

#[test]
fn intents_are_recognised() {
    check(day(2026, 12, 1), INTENTS);
}

#[test]
fn colloquial_messages_with_voseo_and_typos_are_read() {
    check(day(2026, 12, 1), COLLOQUIAL);
}

#[test]
fn messages_with_nothing_to_extract_extract_nothing() {
    check(day(2026, 12, 1), NOTHING);
}

#[test]
fn dates_roll_over_into_next_year() {
    check(day(2026, 12, 29), LATE_DECEMBER);
    check(day(2027, 1, 5), JANUARY);
    check(day(2027, 2, 10), AFTER_CARNIVAL);
}
