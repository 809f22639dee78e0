//! How many people a message says will stay: "somos 4", "para dos", "2 adultos y 2 nenes",
//! "una pareja", "vamos 3 más un bebé".
//!
//! Decision: a baby counts as a guest. Cabins are sized by people (beds, a crib, towels) and
//! the owner decides exceptions; counting the baby never books a cabin that is too small.
//! The parts of a message add up ("somos una pareja con 2 nenes" is 4).

use super::{calendar::NOT_DAY_NOUNS, normalize::Token};

/// The largest group read from a message; more is not a stay in a cabin.
pub const MAX_GUESTS: u32 = 50;

const ADULT_NOUNS: &[&str] = &[
    "personas",
    "adultos",
    "adulto",
    "mayores",
    "mayor",
    "huespedes",
    "huesped",
    "integrantes",
    "amigos",
    "amigas",
    "chicas",
    "viajeros",
];

const CHILD_NOUNS: &[&str] = &[
    "chicos",
    "chico",
    "nenes",
    "nene",
    "nenas",
    "nena",
    "ninos",
    "nino",
    "ninas",
    "nina",
    "menores",
    "menor",
    "hijos",
    "hijo",
    "hijas",
    "hija",
    "bebes",
    "bebe",
    "bebito",
    "bebita",
    "criaturas",
    "pibes",
    "nietos",
    "nieto",
    "nietas",
    "nieta",
    "adolescentes",
    "adolescente",
    "peques",
    "chiquitos",
];

const WE_ARE: &[&str] = &[
    "somos",
    "seriamos",
    "seremos",
    "vamos",
    "viajamos",
    "iriamos",
    "iremos",
    "venimos",
    "vendriamos",
    "vendremos",
    "estamos",
    "total",
];

fn is_person_noun(t: Option<&Token>) -> bool {
    t.is_some_and(|t| t.is_any(ADULT_NOUNS) || t.is_any(CHILD_NOUNS))
}

/// The number of guests, when the message says it; `used` are the token positions already
/// read as dates.
pub fn find(t: &[Token], used: &[usize]) -> Option<u32> {
    let mut total: u32 = 0;
    let mut counted = vec![false; t.len()];
    let free = |i: usize| !used.contains(&i);
    for i in 0..t.len() {
        let next = t.get(i + 1);
        match &t[i] {
            Token::Num(n) if free(i) && is_person_noun(next) => {
                total = total.saturating_add(*n);
                counted[i] = true;
            }
            Token::Num(n)
                if free(i) && next.is_some_and(|x| x.is_any(&["parejas", "matrimonios"])) =>
            {
                total = total.saturating_add(n.saturating_mul(2));
                counted[i] = true;
            }
            Token::Word(w) if (w == "un" || w == "una") && is_person_noun(next) => {
                total = total.saturating_add(1);
            }
            Token::Word(w)
                if (w == "una" || w == "mi")
                    && next.is_some_and(|x| x.is_any(&["pareja", "matrimonio"])) =>
            {
                total = total.saturating_add(2);
            }
            _ => {}
        }
    }
    // "somos 4", "para dos": a bare count after the verb, when no noun follows.
    for i in 1..t.len() {
        let Token::Num(n) = t[i] else { continue };
        if counted[i] || !free(i) || is_person_noun(t.get(i + 1)) {
            continue;
        }
        let prev = &t[i - 1];
        let after_verb = prev.is_any(WE_ARE)
            || (prev.is_any(&["unos", "como", "en"]) && i >= 2 && t[i - 2].is_any(WE_ARE));
        let after_para = prev.is("para")
            && !t
                .get(i + 1)
                .is_some_and(|x| x.is_any(NOT_DAY_NOUNS) || x.is_any(&["al", "a"]));
        let family = prev.is("de") && i >= 2 && t[i - 2].is_any(&["familia", "grupo"]);
        if (after_verb || after_para || family) && (1..=MAX_GUESTS).contains(&n) {
            total = total.saturating_add(n);
            counted[i] = true;
        }
    }
    if total == 0 {
        total = alone(t);
    }
    (1..=MAX_GUESTS).contains(&total).then_some(total)
}

/// "yo solo", "solo yo", "para mi sola", "una persona": one guest.
fn alone(t: &[Token]) -> u32 {
    let pairs = t.windows(2).any(|w| {
        (w[0].is_any(&["yo", "mi"]) && w[1].is_any(&["solo", "sola"]))
            || (w[0].is_any(&["solo", "sola"]) && w[1].is("yo"))
            || (w[0].is("una") && w[1].is("personas"))
    });
    u32::from(pairs)
}
