//! Understanding guests' messages in Argentine Spanish: deterministic rules, no model.
//!
//! [`analyze`] reads one message (at most [`normalize::MAX_CHARS`] characters of it) against
//! the business day `today` and returns what it understood: the intent, the dates of stay,
//! the number of guests and the cabin the guest named. It never fails and never panics;
//! what it does not understand is `None`. [`match_accommodation`] finds a cabin of the catalog
//! named in a message.
//!
//! Pure: no I/O, no clock. The conversation decides what to ask next from what is missing.

pub mod calendar;
pub mod dates;
pub mod guests;
pub mod holidays;
pub mod intent;
mod intent_words;
pub mod normalize;
pub mod numbers;
pub mod weekends;

#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod table_tests_more;

use chrono::NaiveDate;

pub use intent::{Intent, PolicyKind};
use normalize::{Token, distance_within};

/// What a message says.
#[derive(Clone, Debug, PartialEq)]
pub struct Understanding {
    /// What the guest wants.
    pub intent: Intent,
    /// First night, never before `today`.
    pub check_in: Option<NaiveDate>,
    /// Departure day, always after `check_in` when both are set.
    pub check_out: Option<NaiveDate>,
    /// Nights, stated ("3 noches") or from the dates.
    pub nights: Option<u32>,
    /// People staying (babies included).
    pub guests: Option<u32>,
    /// The word(s) the guest used for a cabin ("la del lago"), to match against the catalog
    /// with [`match_accommodation`].
    pub accommodation_hint: Option<String>,
    /// How sure the rules are of the intent, 0 to 1 (0 for `Unknown`).
    pub confidence: f32,
}

/// Reads one message relative to `today` (the business day in Buenos Aires).
pub fn analyze(text: &str, today: NaiveDate) -> Understanding {
    let tokens = normalize::tokens(text);
    let stay = dates::find(&tokens, today);
    let guests = guests::find(&tokens, &stay.used);
    let has_stay = stay.check_in.is_some() || stay.nights.is_some() || guests.is_some();
    let words = intent::Words::new(&tokens);
    let (intent, confidence) = intent::classify(&words, has_stay);
    Understanding {
        intent,
        check_in: stay.check_in,
        check_out: stay.check_out,
        nights: stay.nights,
        guests,
        accommodation_hint: hint(&tokens),
        confidence,
    }
}

/// Words that name a kind of lodging, after which a guest names the one they mean.
const LODGING_NOUNS: &[&str] = &[
    "cabana",
    "casa",
    "casita",
    "depto",
    "departamento",
    "domo",
    "bungalow",
    "loft",
    "suite",
    "chalet",
    "la",
];

/// Words that say nothing about which cabin (besides the [`LODGING_NOUNS`]).
const FILLER: &[&str] = &[
    "la",
    "el",
    "los",
    "las",
    "de",
    "del",
    "y",
    "que",
    "para",
    "con",
    "en",
    "a",
    "al",
    "un",
    "una",
    "mas",
    "muy",
    "tiene",
    "tienen",
    "esta",
    "es",
    "por",
    "hay",
    "me",
    "nos",
    "se",
    "libre",
    "disponible",
    "grande",
    "chica",
    "linda",
    "foto",
    "fotos",
    "precio",
    "somos",
    "seriamos",
    "vamos",
    "queremos",
    "quiero",
    "tenes",
    "hola",
    "sale",
    "cuesta",
    "finde",
    "noches",
    "noche",
    "personas",
    "cuanto",
    "como",
    "donde",
    "y",
    "o",
    "lo",
];

/// Whether a word says nothing about which cabin.
fn is_filler(word: &str) -> bool {
    FILLER.contains(&word) || LODGING_NOUNS.contains(&word)
}

/// The words after "la cabaña ..." / "el domo ..." / "la del ...", up to three.
fn hint(tokens: &[Token]) -> Option<String> {
    for (i, t) in tokens.iter().enumerate() {
        if !t.is_any(LODGING_NOUNS) {
            continue;
        }
        let name: Vec<&str> = tokens[i + 1..]
            .iter()
            .take(3)
            .map_while(Token::word)
            .filter(|w| !is_filler(w))
            .collect();
        if !name.is_empty()
            && (t.word() != Some("la") || tokens.get(i + 1).is_some_and(|n| n.is("del")))
        {
            return Some(name.join(" "));
        }
    }
    None
}

/// The words of a cabin name that tell it apart ("Cabaña del Lago" → "lago").
fn distinctive(name: &str) -> Vec<String> {
    normalize::fold(name)
        .split(' ')
        .filter(|w| !w.is_empty() && !is_filler(w))
        .map(str::to_string)
        .collect()
}

/// The cabin of `names` (id, name) the message names, when exactly one fits best: every
/// distinctive word of its name appears in the message (a typo of one letter allowed in words
/// of five letters or more). A name made only of numbers or short words ("Cabaña 2") must
/// appear whole.
pub fn match_accommodation(text: &str, names: &[(i32, &str)]) -> Option<i32> {
    let folded = normalize::fold(text);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let padded = format!(" {folded} ");
    let mut best: Vec<(i32, usize)> = Vec::new();
    for (id, name) in names.iter().take(1_000) {
        let key = distinctive(name);
        if key.is_empty() {
            continue;
        }
        let strong = key
            .iter()
            .any(|k| k.len() >= 4 && !k.bytes().all(|b| b.is_ascii_digit()));
        let found = if strong {
            key.iter().all(|k| {
                words
                    .iter()
                    .any(|w| *w == k.as_str() || (k.len() >= 5 && distance_within(w, k, 1) <= 1))
            })
        } else {
            let full = normalize::fold(name);
            padded.contains(&format!(" {full} "))
        };
        if found {
            best.push((*id, key.len()));
        }
    }
    let top = best.iter().map(|(_, score)| *score).max()?;
    let mut winners = best.iter().filter(|(_, score)| *score == top);
    let (id, _) = winners.next()?;
    winners.next().is_none().then_some(*id)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
    }

    const CABINS: &[(i32, &str)] = &[
        (1, "Cabaña del Lago"),
        (2, "Cabaña del Bosque"),
        (3, "Domo Las Estrellas"),
        (4, "Cabaña 2"),
    ];

    #[test]
    fn a_cabin_named_in_the_message_is_matched() {
        assert_eq!(
            match_accommodation("la del lago tiene lugar?", CABINS),
            Some(1)
        );
        assert_eq!(match_accommodation("Quiero la del BOSQE", CABINS), Some(2));
        assert_eq!(
            match_accommodation("el domo de las estrellas", CABINS),
            Some(3)
        );
        assert_eq!(match_accommodation("la cabaña 2 para 4", CABINS), Some(4));
        assert_eq!(match_accommodation("somos 2 del 15 al 17", CABINS), None);
        assert_eq!(match_accommodation("hola", CABINS), None);
        assert_eq!(match_accommodation("lago o bosque", CABINS), None);
    }

    #[test]
    fn the_hint_is_the_words_after_the_lodging_noun() {
        let u = analyze("tienen libre la cabaña del lago?", today());
        assert_eq!(u.accommodation_hint.as_deref(), Some("lago"));
        assert_eq!(analyze("hola", today()).accommodation_hint, None);
    }

    #[test]
    fn a_very_long_message_is_cut_and_still_read() {
        let long = format!("del 15 al 17 de enero somos 4 {}", "bla ".repeat(10_000));
        let u = analyze(&long, today());
        assert_eq!(u.guests, Some(4));
        assert_eq!(u.nights, Some(2));
    }

    proptest! {
        #[test]
        fn any_text_is_read_without_panicking(text in ".{0,300}") {
            let u = analyze(&text, today());
            if let (Some(ci), Some(co)) = (u.check_in, u.check_out) {
                prop_assert!(ci < co);
            }
            if let Some(ci) = u.check_in {
                prop_assert!(ci >= today());
            }
            prop_assert!((0.0..=1.0).contains(&u.confidence));
        }

        #[test]
        fn date_like_texts_keep_the_invariants(
            a in 0u32..40, b in 0u32..40, m in 0u32..14, y in 2020i32..2035,
            sep in prop::sample::select(vec!["/", "-", " de ", " "]),
            words in prop::sample::select(vec!["del", "al", "hasta", "finde", "largo", "carnaval",
                "manana", "viernes", "noches", "semana", "somos", "para", "entre", "y", "el"]),
            day in 0i64..1200,
        ) {
            let today = today() + chrono::Duration::days(day);
            let text = format!("{words} {a}{sep}{m} al {b}{sep}{m}{sep}{y} {words} {a} noches");
            let u = analyze(&text, today);
            if let (Some(ci), Some(co)) = (u.check_in, u.check_out) {
                prop_assert!(ci < co, "{text}: {ci} {co}");
            }
            if let Some(ci) = u.check_in {
                prop_assert!(ci >= today, "{text}");
            }
        }

        #[test]
        fn any_name_list_is_matched_without_panicking(
            text in ".{0,100}", names in prop::collection::vec(".{0,30}", 0..8)
        ) {
            let list: Vec<(i32, &str)> = names.iter().enumerate()
                .map(|(i, n)| (i32::try_from(i).unwrap_or(0), n.as_str())).collect();
            let _ = match_accommodation(&text, &list);
        }
    }
}
