//! The rules that turn rows of the system this replaces into ours (issue 13): how its statuses,
//! channels, phones, notes and JSON columns read in our terms. Pure functions: the import
//! (`service::legacy_import`) reads the rows and writes ours.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Channel, FeedSource, PhoneNumber};

/// What the old notes say besides free text: the markers the old system wrote into
/// `internal_notes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteMarkers {
    /// `UID:<uid>`: the iCal event an imported block came from.
    pub uid: Option<String>,
    /// `auto-expired`: the old expiry job lapsed the hold.
    pub auto_expired: bool,
    /// `Cancelled: <reason>`: why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Every other line, as written.
    pub text: Option<String>,
}

/// Reads the markers out of `internal_notes` (one per line; case-insensitive prefixes).
pub fn note_markers(notes: Option<&str>) -> NoteMarkers {
    let mut markers = NoteMarkers::default();
    let mut text = Vec::new();
    for line in notes.unwrap_or_default().lines() {
        let line = line.trim();
        if let Some(uid) = strip_prefix_ci(line, "UID:") {
            markers.uid = Some(uid.trim().to_owned()).filter(|uid| !uid.is_empty());
        } else if line.eq_ignore_ascii_case("auto-expired") {
            markers.auto_expired = true;
        } else if let Some(reason) = strip_prefix_ci(line, "Cancelled:") {
            markers.cancel_reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
        } else if !line.is_empty() {
            text.push(line);
        }
    }
    markers.text = (!text.is_empty()).then(|| text.join("\n"));
    markers
}

/// `line` without `prefix` (ASCII case-insensitive), if it starts with it.
fn strip_prefix_ci<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| line.get(prefix.len()..))
        .flatten()
}

/// What an old reservation becomes here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MappedStatus {
    /// A hold still open: it keeps its deadline.
    Hold,
    /// Confirmed.
    Confirmed,
    /// Completed.
    Completed,
    /// Cancelled, with the old reason when there was one.
    Cancelled(Option<String>),
    /// A hold that lapsed (written `cancelled` + `auto-expired` there, or still
    /// `pre_reserved` past its deadline), expired at that moment.
    Expired(DateTime<Utc>),
    /// A block (`BLK…`): of iCal event `uid` when its note names one (`UID:`), else one the
    /// owner closed.
    Block(Option<String>),
}

/// The parts of an old reservation that decide its status here.
#[derive(Clone, Copy, Debug)]
pub struct OldState<'a> {
    /// `reservation_status`.
    pub status: &'a str,
    /// `code`.
    pub code: &'a str,
    /// `expires_at`.
    pub expires_at: Option<DateTime<Utc>>,
    /// `cancelled_at`.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `updated_at`.
    pub updated_at: DateTime<Utc>,
}

/// Maps an old status; `Err` says why a status cannot be imported.
pub fn map_status(
    old: OldState<'_>,
    markers: &NoteMarkers,
    now: DateTime<Utc>,
) -> Result<MappedStatus, String> {
    let is_block = old.code.to_ascii_uppercase().starts_with("BLK");
    let lapsed_at = old.expires_at.filter(|at| *at <= now);
    match old.status.trim().to_ascii_lowercase().as_str() {
        "pre_reserved" if is_block => Ok(MappedStatus::Block(markers.uid.clone())),
        "pre_reserved" => match (lapsed_at, old.expires_at) {
            (Some(at), _) => Ok(MappedStatus::Expired(at)),
            (None, Some(_)) => Ok(MappedStatus::Hold),
            (None, None) => Err("a hold without a deadline (expires_at)".to_owned()),
        },
        "confirmed" => Ok(MappedStatus::Confirmed),
        "completed" => Ok(MappedStatus::Completed),
        "cancelled" if markers.auto_expired => Ok(MappedStatus::Expired(
            old.expires_at
                .or(old.cancelled_at)
                .unwrap_or(old.updated_at),
        )),
        "cancelled" => Ok(MappedStatus::Cancelled(markers.cancel_reason.clone())),
        "no_show" => Ok(MappedStatus::Cancelled(Some("no-show".to_owned()))),
        other => Err(format!("unknown reservation_status {other:?}")),
    }
}

/// The channel an old `channel_source` names, and whether it was a name we know (an unknown
/// one is imported as `admin` and listed in the report).
pub fn channel(source: Option<&str>) -> (Channel, bool) {
    let name = source.unwrap_or_default().trim().to_ascii_lowercase();
    let known = match name.as_str() {
        "whatsapp" | "wa" => Some(Channel::Whatsapp),
        "web" | "website" | "direct" | "directo" => Some(Channel::Web),
        "admin" | "owner" | "manual" | "" => Some(Channel::Admin),
        "airbnb" => Some(Channel::Airbnb),
        "booking" | "booking.com" | "bookingcom" => Some(Channel::Booking),
        "ical" | "vrbo" => Some(Channel::Ical),
        "phone" | "telefono" | "teléfono" => Some(Channel::Phone),
        _ => None,
    };
    (known.unwrap_or(Channel::Admin), known.is_some())
}

/// The feed source an old `ical_import_urls` key names (`None`: guess from the URL's host).
pub fn feed_source(key: &str) -> Option<FeedSource> {
    match key.trim().to_ascii_lowercase().as_str() {
        "airbnb" => Some(FeedSource::Airbnb),
        "booking" | "booking.com" | "bookingcom" => Some(FeedSource::Booking),
        "vrbo" => Some(FeedSource::Vrbo),
        _ => None,
    }
}

/// A phone the old system stored free-form, in E.164 where it can be read as one.
///
/// Argentine numbers are written in many ways (`011 15-1234-5678`, `+54 11 1234 5678`,
/// `5491112345678`); guests reach us by WhatsApp, so an Argentine number is taken as a mobile
/// (`+54 9` + area code + subscriber, the `0` and `15` prefixes dropped). Anything else goes
/// through [`PhoneNumber::parse`].
pub fn phone(raw: &str) -> Option<PhoneNumber> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let international = raw.trim_start().starts_with('+') || digits.starts_with("00");
    let digits = digits.strip_prefix("00").unwrap_or(&digits);
    let national = match digits.strip_prefix("54") {
        Some(rest) if international || rest.len() >= 10 => Some(rest),
        _ if international => None,
        _ => Some(digits),
    };
    national
        .and_then(argentine_mobile)
        .or_else(|| PhoneNumber::parse("guest_phone", raw).ok())
}

/// An Argentine national number (after `54`, or as dialled at home) as `+549…`.
fn argentine_mobile(national: &str) -> Option<PhoneNumber> {
    let national = national
        .strip_prefix('9')
        .filter(|n| n.len() == 10)
        .unwrap_or(national);
    let national = national.strip_prefix('0').unwrap_or(national);
    let subscriber = match national.len() {
        10 => national.to_owned(),
        // Area code (2 to 4 digits), `15`, then the rest: 10 digits without the `15`.
        12 => (2..=4).find_map(|area| {
            (national.get(area..area + 2) == Some("15"))
                .then(|| format!("{}{}", &national[..area], &national[area + 2..]))
        })?,
        _ => return None,
    };
    PhoneNumber::parse("guest_phone", &format!("+549{subscriber}")).ok()
}

/// The old `location` JSON as one line of text (`address, city, province, country`), or
/// its text when it was a string.
pub fn location_text(location: Option<&Value>) -> String {
    match location {
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(Value::Object(map)) => {
            let known = ["address", "city", "province", "state", "country"];
            let parts: Vec<String> = known
                .iter()
                .filter_map(|key| map.get(*key).and_then(scalar_text))
                .collect();
            if parts.is_empty() {
                Value::Object(map.clone()).to_string()
            } else {
                parts.join(", ")
            }
        }
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The old `policies` JSON as text: one `key: value` line per entry (a string as is).
pub fn policies_text(policies: Option<&Value>) -> String {
    match policies {
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| {
                let value = scalar_text(value).unwrap_or_else(|| value.to_string());
                format!("{key}: {value}")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A JSON scalar as text (`None` for null, empty, arrays and objects).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "sí" } else { "no" }.to_owned()),
        _ => None,
    }
}

/// The old `photos` (`[{url, is_primary}]`, or plain URLs) as our list of URLs, the primary
/// one first.
pub fn photo_urls(photos: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = photos else {
        return Vec::new();
    };
    let mut urls: Vec<(bool, String)> = items
        .iter()
        .filter_map(|item| match item {
            Value::String(url) => Some((false, url.clone())),
            Value::Object(map) => map.get("url").and_then(Value::as_str).map(|url| {
                let primary = map.get("is_primary").and_then(Value::as_bool) == Some(true);
                (primary, url.to_owned())
            }),
            _ => None,
        })
        .filter(|(_, url)| !url.trim().is_empty())
        .collect();
    urls.sort_by_key(|(primary, _)| !primary);
    urls.into_iter().map(|(_, url)| url).collect()
}

/// The old `amenities` (strings, or objects with a `name`) as our list.
pub fn amenity_names(amenities: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = amenities else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(name) => Some(name.trim().to_owned()),
            Value::Object(map) => map.get("name").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// The old `ical_import_urls` map (source → URL) as pairs; anything else is no feed.
pub fn import_urls(urls: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(map)) = urls else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, url)| url.as_str().map(|url| (key.clone(), url.trim().to_owned())))
        .filter(|(_, url)| !url.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap()
    }

    fn old<'a>(status: &'a str, code: &'a str, expires_at: Option<DateTime<Utc>>) -> OldState<'a> {
        OldState {
            status,
            code,
            expires_at,
            cancelled_at: None,
            updated_at: at(1),
        }
    }

    #[test]
    fn notes_give_their_markers_and_keep_the_rest() {
        let markers = note_markers(Some("llega tarde\nUID: abc@airbnb.com\nauto-expired\n"));
        assert_eq!(markers.uid.as_deref(), Some("abc@airbnb.com"));
        assert!(markers.auto_expired);
        assert_eq!(markers.text.as_deref(), Some("llega tarde"));
        let cancelled = note_markers(Some("Cancelled: el huésped desistió"));
        assert_eq!(
            cancelled.cancel_reason.as_deref(),
            Some("el huésped desistió")
        );
        assert_eq!(note_markers(None), NoteMarkers::default());
    }

    #[test]
    fn statuses_map_to_ours() {
        let now = at(10);
        let none = NoteMarkers::default();
        let expired = note_markers(Some("auto-expired"));
        let block = note_markers(Some("UID:e1"));
        let map = |state, markers: &NoteMarkers| map_status(state, markers, now);
        assert_eq!(
            map(old("pre_reserved", "R1", Some(at(9))), &none),
            Ok(MappedStatus::Expired(at(9)))
        );
        assert_eq!(
            map(old("pre_reserved", "R1", Some(at(11))), &none),
            Ok(MappedStatus::Hold)
        );
        assert_eq!(
            map(old("pre_reserved", "BLK0001", None), &block),
            Ok(MappedStatus::Block(Some("e1".into())))
        );
        assert_eq!(
            map(old("cancelled", "R1", Some(at(3))), &expired),
            Ok(MappedStatus::Expired(at(3)))
        );
        assert_eq!(
            map(old("cancelled", "R1", None), &none),
            Ok(MappedStatus::Cancelled(None))
        );
        assert_eq!(
            map(old("confirmed", "R1", None), &none),
            Ok(MappedStatus::Confirmed)
        );
        assert_eq!(
            map(old("pre_reserved", "BLK0002", None), &none),
            Ok(MappedStatus::Block(None))
        );
        assert!(map(old("pre_reserved", "R1", None), &none).is_err());
        assert!(map(old("archived", "R1", None), &none).is_err());
        // A `UID:` note on a guest's reservation does not make it a block.
        assert_eq!(
            map(old("confirmed", "R1", None), &block),
            Ok(MappedStatus::Confirmed)
        );
    }

    #[test]
    fn argentine_phones_become_mobiles() {
        for raw in [
            "011 15-1234-5678",
            "(011) 15 1234 5678",
            "11 1234-5678",
            "+54 11 1234 5678",
            "+54 9 11 1234-5678",
            "5491112345678",
            "541112345678",
            "0054 9 11 1234 5678",
        ] {
            assert_eq!(
                phone(raw).map(|p| p.as_str().to_owned()),
                Some("+5491112345678".into()),
                "{raw}"
            );
        }
        assert_eq!(
            phone("0351 15 456-7890").map(|p| p.as_str().to_owned()),
            Some("+5493514567890".into())
        );
        assert_eq!(
            phone("+1 415 555 0100").map(|p| p.as_str().to_owned()),
            Some("+14155550100".into())
        );
        for bad in ["", "no tiene", "123", "llamar al fijo"] {
            assert_eq!(phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn channels_map_and_say_when_unknown() {
        assert_eq!(channel(Some("Booking.com")), (Channel::Booking, true));
        assert_eq!(channel(Some(" WhatsApp ")), (Channel::Whatsapp, true));
        assert_eq!(channel(None), (Channel::Admin, true));
        assert_eq!(channel(Some("instagram")), (Channel::Admin, false));
    }

    #[test]
    fn json_columns_read_as_our_fields() {
        let photos =
            json!([{"url": "a.jpg", "is_primary": false}, {"url": "b.jpg", "is_primary": true}, 3]);
        assert_eq!(photo_urls(Some(&photos)), vec!["b.jpg", "a.jpg"]);
        let location =
            json!({"address": "Ruta 40 km 3", "city": "Villa La Angostura", "lat": -40.7});
        assert_eq!(
            location_text(Some(&location)),
            "Ruta 40 km 3, Villa La Angostura"
        );
        let policies = json!({"cancelacion": "48 h", "mascotas": false});
        assert_eq!(
            policies_text(Some(&policies)),
            "cancelacion: 48 h\nmascotas: no"
        );
        let urls = json!({"airbnb": "https://www.airbnb.com/calendar/ical/1.ics", "booking": ""});
        assert_eq!(import_urls(Some(&urls)).len(), 1);
        assert_eq!(
            amenity_names(Some(&json!(["wifi", {"name": "parrilla"}, 1]))),
            vec!["wifi", "parrilla"]
        );
        assert_eq!(feed_source("Booking.com"), Some(FeedSource::Booking));
    }
}
