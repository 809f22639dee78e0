//! Turning a guest's message into plain tokens: lower case, no accents, no emoji, no
//! punctuation, letters repeated for emphasis collapsed ("holaaa"), common WhatsApp
//! shorthand spelled out ("q", "xq", "finde"), numbers in words turned into digits.
//!
//! Everything downstream matches against these tokens, so keyword lists elsewhere are written
//! in their normalized form (no accents, "n" for "ñ").

use super::numbers;

/// At most this many characters of a message are read; the rest is ignored. Keeps the work
/// per message bounded whatever a sender pastes.
pub const MAX_CHARS: usize = 2_000;

/// One word of a normalized message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word, lower case, without accents.
    Word(String),
    /// A whole number (digits, or number words such as "quince" or "treinta y uno").
    Num(u32),
    /// A numeric date: "15/1", "15-01-2027", "15/01/27" (day, month, year when given).
    DayMonth(u32, u32, Option<i32>),
}

impl Token {
    /// The word, when this token is one.
    pub fn word(&self) -> Option<&str> {
        match self {
            Self::Word(w) => Some(w),
            _ => None,
        }
    }

    /// Whether this token is the word `w`.
    pub fn is(&self, w: &str) -> bool {
        self.word() == Some(w)
    }

    /// Whether this token is one of `words`.
    pub fn is_any(&self, words: &[&str]) -> bool {
        self.word().is_some_and(|x| words.contains(&x))
    }
}

/// The message folded to lower-case ASCII-ish text: accents stripped, "ñ" as "n", emoji and
/// punctuation as spaces (except `/`, `-`, `.` and `:` between digits, which dates and hours
/// need), runs of the same letter collapsed, and letters split from digits ("4pax").
pub fn fold(text: &str) -> String {
    let chars: Vec<char> = text.chars().take(MAX_CHARS).collect();
    let mut out = String::with_capacity(chars.len());
    let mut last: Option<char> = None;
    let mut run = 0usize;
    for (i, &raw) in chars.iter().enumerate() {
        let c = fold_char(raw);
        let c = match c {
            Some(c) if c.is_ascii_alphanumeric() => c,
            Some(c @ ('/' | '-' | '.' | ':')) => {
                let before = i > 0 && chars[i - 1].is_ascii_digit();
                let after = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
                if before && after { c } else { ' ' }
            }
            _ => ' ',
        };
        if c == ' ' && last == Some(' ') {
            continue;
        }
        if c.is_ascii_alphabetic() && last == Some(c) {
            run += 1;
            // Two of a kind are kept ("llegamos", "carro", "reembolso"); a third is emphasis.
            if run >= 2 {
                continue;
            }
        } else {
            run = 0;
        }
        if let Some(prev) = last
            && (prev.is_ascii_digit() && c.is_ascii_alphabetic()
                || prev.is_ascii_alphabetic() && c.is_ascii_digit())
        {
            out.push(' ');
        }
        out.push(c);
        last = Some(c);
    }
    out.trim().to_string()
}

/// A character lower-cased with its accent removed; `None` for what is not a letter, digit
/// or date punctuation.
fn fold_char(c: char) -> Option<char> {
    let c = match c {
        'á' | 'à' | 'â' | 'ä' | 'Á' | 'À' | 'Â' | 'Ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'Ó' | 'Ò' | 'Ô' | 'Ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        // "1°", "1º": the ordinal mark after a day number.
        '°' | 'º' | 'ª' => ' ',
        c => c.to_ascii_lowercase(),
    };
    (c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | ':')).then_some(c)
}

/// WhatsApp shorthand and frequent misspellings, as whole words.
const SHORTHAND: &[(&str, &str)] = &[
    ("q", "que"),
    ("k", "que"),
    ("xq", "porque"),
    ("pq", "porque"),
    ("x", "por"),
    ("d", "de"),
    ("dl", "del"),
    ("dsd", "desde"),
    ("hta", "hasta"),
    ("hst", "hasta"),
    ("tmb", "tambien"),
    ("tb", "tambien"),
    ("bs", "buenas"),
    ("bn", "bien"),
    ("xfa", "porfa"),
    ("xfavor", "porfavor"),
    ("pls", "porfa"),
    ("mñn", "manana"),
    ("mnn", "manana"),
    ("mana", "manana"),
    ("maniana", "manana"),
    ("finde", "finde"),
    ("fds", "finde"),
    ("findesemana", "finde"),
    ("findes", "finde"),
    ("cabanas", "cabana"),
    ("cabanita", "cabana"),
    ("cabanitas", "cabana"),
    ("cabaa", "cabana"),
    ("cabna", "cabana"),
    ("cbana", "cabana"),
    ("nochez", "noches"),
    ("noces", "noches"),
    ("nohes", "noches"),
    ("noche", "noche"),
    ("nochecitas", "noches"),
    ("nochecita", "noche"),
    ("persona", "personas"),
    ("perosnas", "personas"),
    ("presonas", "personas"),
    ("prsonas", "personas"),
    ("psonas", "personas"),
    ("pax", "personas"),
    ("dispo", "disponibilidad"),
    ("disponiblidad", "disponibilidad"),
    ("disponibilida", "disponibilidad"),
    ("dsiponibilidad", "disponibilidad"),
    ("reservr", "reservar"),
    ("resevar", "reservar"),
    ("reserbar", "reservar"),
    ("preccio", "precio"),
    ("presio", "precio"),
    ("precios", "precio"),
    ("tarifas", "tarifa"),
    ("hols", "hola"),
    ("ola", "hola"),
    ("holis", "hola"),
    ("holi", "hola"),
    ("grasias", "gracias"),
    ("gracia", "gracias"),
    ("grax", "gracias"),
    ("graciass", "gracias"),
    ("sabdo", "sabado"),
    ("sabados", "sabado"),
    ("viernes", "viernes"),
    ("vienes", "viernes"),
    ("juves", "jueves"),
    ("mierc", "miercoles"),
    ("domingos", "domingo"),
    ("lunes", "lunes"),
];

/// Multi-word phrases read as one word (after the shorthand is applied).
const PHRASES: &[(&[&str], &str)] = &[
    (&["fin", "de", "semana"], "finde"),
    (&["fin", "de", "semanas"], "finde"),
    (&["fin", "d", "semana"], "finde"),
    (&["fines", "de", "semana"], "finde"),
    (&["fin", "semana"], "finde"),
    (&["feriado", "largo"], "finde largo"),
    (&["check", "in"], "checkin"),
    (&["check", "out"], "checkout"),
    (&["por", "favor"], "porfavor"),
    (&["pasado", "manana"], "pasadomanana"),
    (&["semana", "santa"], "semanasanta"),
];

/// The tokens of a message, after [`fold`], shorthand, phrases and numbers in words.
pub fn tokens(text: &str) -> Vec<Token> {
    let folded = fold(text);
    let mut words: Vec<String> = Vec::new();
    for raw in folded.split(' ').filter(|w| !w.is_empty()) {
        let raw = trim_emphasis(raw);
        let w = SHORTHAND
            .iter()
            .find(|(from, _)| *from == raw)
            .map_or(raw, |(_, to)| *to);
        words.extend(w.split(' ').map(str::to_string));
    }
    let words = join_phrases(words);
    numbers::tokenize(&words)
}

/// "holaa", "buenass": a doubled last letter is emphasis (no Spanish word we read ends so).
fn trim_emphasis(word: &str) -> &str {
    let b = word.as_bytes();
    match b {
        [.., x, y, z] if y == z && x != y && z.is_ascii_alphabetic() => &word[..word.len() - 1],
        _ => word,
    }
}

fn join_phrases(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    'outer: while i < words.len() {
        for (phrase, to) in PHRASES {
            let end = i + phrase.len();
            if end <= words.len() && words[i..end].iter().zip(phrase.iter()).all(|(a, b)| a == b) {
                out.extend(to.split(' ').map(str::to_string));
                i = end;
                continue 'outer;
            }
        }
        out.push(words[i].clone());
        i += 1;
    }
    out
}

/// Levenshtein distance, stopping early once it exceeds `max` (returns `max + 1` then).
pub fn distance_within(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        let mut best = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            best = best.min(cur[j + 1]);
        }
        if best > max {
            return max + 1;
        }
        prev = cur;
    }
    prev[b.len()].min(max + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_strips_accents_emoji_and_emphasis() {
        assert_eq!(fold("¡Holaaaa! 😀 ¿Tenés lugar?"), "holaa tenes lugar");
        assert_eq!(tokens("holaaa")[0], Token::Word("hola".into()));
        assert_eq!(fold("Año, mañana"), "ano manana");
        assert_eq!(fold("4pax 15/01/2027 15-01"), "4 pax 15/01/2027 15-01");
        assert_eq!(fold("llegamos... carro"), "llegamos carro");
    }

    #[test]
    fn phrases_and_shorthand_become_single_words() {
        let t = tokens("q tal, x el fin de semana");
        let words: Vec<&str> = t.iter().filter_map(Token::word).collect();
        assert_eq!(words, ["que", "tal", "por", "el", "finde"]);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance_within("febrer", "febrero", 1), 1);
        assert_eq!(distance_within("setiembre", "septiembre", 1), 1);
        assert_eq!(distance_within("abc", "xyz", 1), 2);
    }
}
