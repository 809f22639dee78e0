//! Numbers in words ("quince", "veintidós", "treinta y uno") and in digits, as tokens.
//!
//! "un" and "una" stay words: they are articles far more often than numbers ("un finde",
//! "una pareja"), and the rules that need them as a count ("una noche", "un bebé") say so.

use super::normalize::Token;

/// Number words without accents, 0 to 31 (days of a month and any realistic head count).
const WORDS: &[(&str, u32)] = &[
    ("cero", 0),
    ("uno", 1),
    ("primero", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("once", 11),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veinte", 20),
    ("veintiuno", 21),
    ("veintiun", 21),
    ("veintidos", 22),
    ("veintitres", 23),
    ("veinticuatro", 24),
    ("veinticinco", 25),
    ("veintiseis", 26),
    ("veintisiete", 27),
    ("veintiocho", 28),
    ("veintinueve", 29),
    ("treinta", 30),
    ("treintaiuno", 31),
];

/// The value of one number word.
pub fn word_value(word: &str) -> Option<u32> {
    WORDS.iter().find(|(w, _)| *w == word).map(|(_, n)| *n)
}

/// Turns folded words into tokens: digits and number words into [`Token::Num`] ("treinta y
/// uno" is one number), numeric dates into [`Token::DayMonth`], the rest into words.
pub fn tokenize(words: &[String]) -> Vec<Token> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if let Some(tens @ (20 | 30)) = word_value(w)
            && words.get(i + 1).is_some_and(|y| y == "y")
            && let Some(unit @ 1..=9) = words.get(i + 2).and_then(|u| word_value(u))
        {
            out.push(Token::Num(tens + unit));
            i += 3;
            continue;
        }
        if w == "diez"
            && words.get(i + 1).is_some_and(|y| y == "y")
            && let Some(unit @ 6..=9) = words.get(i + 2).and_then(|u| word_value(u))
        {
            out.push(Token::Num(10 + unit));
            i += 3;
            continue;
        }
        out.extend(token(w));
        i += 1;
    }
    out
}

fn token(w: &str) -> Vec<Token> {
    if let Some(n) = word_value(w) {
        return vec![Token::Num(n)];
    }
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return match w.parse::<u32>() {
            Ok(n) if w.len() <= 4 => vec![Token::Num(n)],
            _ => vec![Token::Word(w.to_string())],
        };
    }
    if w.bytes().any(|b| b.is_ascii_digit()) {
        // "15/1-17/1": two dates joined by a dash.
        if w.contains('/')
            && let Some((a, b)) = w.split_once('-')
            && let (Some(x), Some(y)) = (day_month(a), day_month(b))
        {
            return vec![x, Token::Word("al".into()), y];
        }
        if let Some(t) = day_month(w) {
            return vec![t];
        }
    }
    vec![Token::Word(w.to_string())]
}

/// "15/1", "15-01", "15.01.2027", "15/01/27": day, month and maybe year, each in range.
fn day_month(w: &str) -> Option<Token> {
    let sep = ['/', '-', '.'].into_iter().find(|s| w.contains(*s))?;
    let parts: Vec<&str> = w.split(sep).collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let day: u32 = parts[0].parse().ok()?;
    let month: u32 = parts[1].parse().ok()?;
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) || parts[1].len() > 2 {
        return None;
    }
    let year = match parts.get(2) {
        None => None,
        Some(y) => {
            let n: i32 = y.parse().ok()?;
            match y.len() {
                2 => Some(2000 + n),
                4 => Some(n),
                _ => return None,
            }
        }
    };
    Some(Token::DayMonth(day, month, year))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Token> {
        tokenize(&s.split(' ').map(str::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn words_and_compounds_become_numbers() {
        assert_eq!(
            toks("del treinta y uno al dos"),
            [
                Token::Word("del".into()),
                Token::Num(31),
                Token::Word("al".into()),
                Token::Num(2)
            ]
        );
        assert_eq!(toks("veintidos")[0], Token::Num(22));
    }

    #[test]
    fn numeric_dates_are_recognised_and_checked() {
        assert_eq!(toks("15/1")[0], Token::DayMonth(15, 1, None));
        assert_eq!(toks("15-01-2027")[0], Token::DayMonth(15, 1, Some(2027)));
        assert_eq!(toks("15/01/27")[0], Token::DayMonth(15, 1, Some(2027)));
        assert_eq!(toks("40/1")[0], Token::Word("40/1".into()));
        assert_eq!(toks("15/13")[0], Token::Word("15/13".into()));
        assert_eq!(toks("1234567")[0], Token::Word("1234567".into()));
    }
}
