//! What the guest wants, from keywords and phrases over the normalized tokens.
//!
//! The intents are tried in a fixed order, the first that matches wins: a complaint, asking
//! for a person or cancelling a booking hand the conversation to the owner, so they go first;
//! greetings and thanks only count when nothing else was said ("hola, ¿tienen lugar?" is an
//! availability question).

use serde::Serialize;

use super::normalize::Token;

/// Which policy a guest asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Check-in and check-out times.
    CheckInTime,
    /// Pets.
    Pets,
    /// Cancellation and refunds.
    Cancellation,
}

/// What a message asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Is there room on these dates, and what would it cost.
    Availability,
    /// The guest wants to book (or pay the deposit).
    Book,
    /// Prices in general, without dates.
    Prices,
    /// What the cabins are like; photos.
    Info,
    /// Where they are and how to get there.
    Location,
    /// A house rule.
    Policies(PolicyKind),
    /// Cancel an existing booking (the owner handles it).
    CancelBooking,
    /// Talk to a person.
    Human,
    /// Hello.
    Greeting,
    /// Thanks.
    Thanks,
    /// Something went wrong for the guest.
    Complaint,
    /// Nothing recognised.
    Unknown,
}

impl Intent {
    /// The name used in the API and logs (policies with their kind: "policies.pets").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Availability => "availability",
            Self::Book => "book",
            Self::Prices => "prices",
            Self::Info => "info",
            Self::Location => "location",
            Self::Policies(PolicyKind::CheckInTime) => "policies.check_in_time",
            Self::Policies(PolicyKind::Pets) => "policies.pets",
            Self::Policies(PolicyKind::Cancellation) => "policies.cancellation",
            Self::CancelBooking => "cancel_booking",
            Self::Human => "human",
            Self::Greeting => "greeting",
            Self::Thanks => "thanks",
            Self::Complaint => "complaint",
            Self::Unknown => "unknown",
        }
    }
}

/// The normalized words of a message, with phrase lookups.
pub struct Words<'a> {
    words: Vec<&'a str>,
}

impl<'a> Words<'a> {
    /// The words of `tokens` (numbers and dates left out).
    pub fn new(tokens: &'a [Token]) -> Self {
        Self {
            words: tokens.iter().filter_map(Token::word).collect(),
        }
    }

    /// Whether any of `items` occurs: a single word, or several words in a row ("a que hora").
    /// An item ending in `*` matches any word starting with it ("reserv*").
    pub fn any(&self, items: &[&str]) -> bool {
        items.iter().any(|item| self.has(item))
    }

    fn has(&self, item: &str) -> bool {
        let parts: Vec<&str> = item.split(' ').collect();
        if parts.is_empty() || parts.len() > self.words.len() {
            return false;
        }
        self.words.windows(parts.len()).any(|window| {
            window
                .iter()
                .zip(&parts)
                .all(|(w, p)| match p.strip_suffix('*') {
                    Some(prefix) => w.starts_with(prefix),
                    None => w == p,
                })
        })
    }

    /// Whether the message has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

const COMPLAINT: &[&str] = &[
    "queja",
    "quejas",
    "quejarme",
    "reclamo",
    "reclamar",
    "horrible",
    "sucio",
    "sucia",
    "suciedad",
    "estafa",
    "estafadores",
    "chanta*",
    "no funciona",
    "no anda",
    "roto",
    "rota",
    "pesimo",
    "pesima",
    "denuncia",
    "verguenza",
    "malisimo",
    "un desastre",
    "nadie me contesta",
    "nadie contesta",
    "nadie responde",
    "no me contestan",
    "no me responden",
    "defensa del consumidor",
    "cucarachas",
    "mal atendido",
    "decepcion*",
    "inaceptable",
];

const HUMAN: &[&str] = &[
    "hablar con alguien",
    "hablar con una personas",
    "hablar con un humano",
    "hablar con el dueno",
    "hablar con la duena",
    "hablar con vos",
    "con una personas",
    "persona real",
    "humano",
    "operador",
    "operadora",
    "asesor",
    "asesora",
    "el dueno",
    "la duena",
    "encargado",
    "encargada",
    "llamame",
    "llamenme",
    "me pueden llamar",
    "me podes llamar",
    "atencion al cliente",
    "sos un bot",
    "es un bot",
    "un robot",
];

const CANCEL_VERBS: &[&str] = &[
    "cancelar",
    "cancela",
    "cancelo",
    "anular",
    "anulen",
    "anulo",
    "dar de baja",
    "cancelen",
    "suspender",
];

const CANCEL_POLICY: &[&str] = &[
    "politica*",
    "si cancelo",
    "si cancelamos",
    "si tengo que cancelar",
    "si tenemos que cancelar",
    "puedo cancelar",
    "se puede cancelar",
    "podemos cancelar",
    "reembolso",
    "reembols*",
    "devuelven",
    "devolucion",
    "cancelacion",
];

const BOOK: &[&str] = &[
    "reservar",
    "reservo",
    "reservame",
    "reservamela",
    "reservala",
    "reservemos",
    "hacer una reserva",
    "hacer la reserva",
    "quiero la reserva",
    "confirmo",
    "confirmamos",
    "la quiero",
    "nos la quedamos",
    "me la quedo",
    "la tomo",
    "la tomamos",
    "sena",
    "senar",
    "seniar",
    "pagar",
    "transferir",
    "transfiero",
    "transferencia",
    "mercado pago",
    "mercadopago",
    "link de pago",
];

const PETS: &[&str] = &[
    "mascota*",
    "perro*",
    "perra",
    "perrito*",
    "perrita*",
    "gato*",
    "pet",
    "pets",
    "petfriendly",
    "animales",
    "cachorro",
];

const CHECK_IN_TIME: &[&str] = &[
    "checkin",
    "checkout",
    "hora de entrada",
    "hora de salida",
    "horario de entrada",
    "horario de salida",
    "horario de ingreso",
    "hora de ingreso",
    "a que hora",
    "desde que hora",
    "hasta que hora",
    "horarios",
    "horario",
    "late checkout",
    "llegar tarde",
    "entrar temprano",
];

const LOCATION: &[&str] = &[
    "donde queda*",
    "donde estan",
    "donde es",
    "donde se encuentra*",
    "ubicacion",
    "ubicados",
    "ubicadas",
    "direccion",
    "como llego",
    "como llegar",
    "como se llega",
    "como llegamos",
    "mapa",
    "google maps",
    "maps",
    "lejos",
    "cerca del centro",
    "distancia",
    "cuantas cuadras",
    "cuantos km",
    "ruta",
    "colectivo",
    "micro",
    "terminal",
    "camino de tierra",
];

const INFO: &[&str] = &[
    "foto*",
    "imagen*",
    "video*",
    "como es",
    "como son",
    "que tiene",
    "que incluye",
    "incluye",
    "pileta",
    "piscina",
    "wifi",
    "wi fi",
    "parrilla",
    "quincho",
    "aire acondicionado",
    "calefaccion",
    "cochera",
    "estacionamiento",
    "ropa de cama",
    "toallas",
    "habitaciones",
    "dormitorios",
    "camas",
    "cama matrimonial",
    "servicios",
    "comodidades",
    "desayuno",
    "cocina",
    "vajilla",
    "jacuzzi",
    "hidromasaje",
    "tele",
    "television",
    "mas info",
    "informacion",
];

const AVAILABILITY: &[&str] = &[
    "lugar",
    "disponibilidad",
    "disponible*",
    "libre",
    "libres",
    "hay algo",
    "tienen algo",
    "tenes algo",
    "vacante*",
    "cotizacion",
    "cotiza*",
    "presupuesto",
    "queremos ir",
    "quiero ir",
    "quisieramos ir",
    "queria consultar para",
    "alojamiento",
    "alquilar",
    "alquiler",
];

const PRICES: &[&str] = &[
    "precio",
    "tarifa",
    "cuanto sale",
    "cuanto salen",
    "cuanto cuesta",
    "cuanto cuestan",
    "cuanto saldria",
    "cuanto es",
    "cuanto seria",
    "cuanto cobran",
    "valor",
    "valores",
    "costo",
    "costos",
    "por noche",
];

const THANKS: &[&str] = &[
    "gracias",
    "agradezco",
    "agradecido",
    "agradecida",
    "genial",
    "barbaro",
    "buenisimo",
    "perfecto",
    "joya",
    "dale",
    "ok",
    "okey",
    "listo",
];

const GREETING: &[&str] = &[
    "hola",
    "buenas",
    "buen dia",
    "buenos dias",
    "buenas tardes",
    "buenas noches",
    "que tal",
    "como va",
    "como andas",
    "como estas",
    "saludos",
    "hello",
    "hi",
    "ey",
    "alo",
];

/// The intent of a message and how sure the rule is (0 to 1), given whether dates or guests
/// were found in it.
pub fn classify(w: &Words<'_>, has_stay: bool) -> (Intent, f32) {
    if w.any(COMPLAINT) {
        return (Intent::Complaint, 0.85);
    }
    if w.any(HUMAN) {
        return (Intent::Human, 0.9);
    }
    let cancel_word = w.any(CANCEL_VERBS);
    if cancel_word && !w.any(CANCEL_POLICY) && (w.any(&["reserva*", "estadia"]) || !has_stay) {
        return (Intent::CancelBooking, 0.85);
    }
    if w.any(CANCEL_POLICY)
        && (cancel_word || w.any(&["cancel*", "reembols*", "devuelven", "devolucion"]))
    {
        return (Intent::Policies(PolicyKind::Cancellation), 0.85);
    }
    if w.any(BOOK) {
        return (Intent::Book, if has_stay { 0.9 } else { 0.75 });
    }
    if w.any(PETS) {
        return (Intent::Policies(PolicyKind::Pets), 0.85);
    }
    if w.any(CHECK_IN_TIME) {
        return (Intent::Policies(PolicyKind::CheckInTime), 0.8);
    }
    if w.any(LOCATION) {
        return (Intent::Location, 0.85);
    }
    if w.any(INFO) {
        return (Intent::Info, 0.8);
    }
    let prices = w.any(PRICES);
    if w.any(AVAILABILITY) || (prices && has_stay) {
        return (Intent::Availability, if has_stay { 0.9 } else { 0.75 });
    }
    if prices {
        return (Intent::Prices, 0.8);
    }
    if w.any(&["reserva"]) {
        return (Intent::Book, if has_stay { 0.8 } else { 0.6 });
    }
    if has_stay {
        return (Intent::Availability, 0.6);
    }
    if w.any(THANKS) {
        return (Intent::Thanks, 0.8);
    }
    if w.any(GREETING) {
        return (Intent::Greeting, 0.85);
    }
    (Intent::Unknown, 0.0)
}
