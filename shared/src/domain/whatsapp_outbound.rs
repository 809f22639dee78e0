//! What the bot sends on WhatsApp, built so that a value that exists is a message the Graph
//! API accepts: every limit of the Cloud API is checked or enforced at construction.
//!
//! Limits (Cloud API, interactive and template messages):
//!
//! | part | limit | how |
//! |---|---|---|
//! | text body | 4096 | truncated |
//! | interactive body, image caption | 1024 | truncated |
//! | reply buttons | 1 to 3, ids and titles unique | refused |
//! | button title, list button label | 20 | truncated |
//! | button id | 256 | refused |
//! | list rows | 1 to 10, ids unique | refused |
//! | row title, section title | 24 | truncated |
//! | row description | 72 | truncated |
//! | row id | 200 | refused |
//! | template name | lower-case letters, digits, `_`, ≤ 512 | refused |
//! | template text parameter | no new lines or tabs, ≤ 4 spaces in a row, ≤ 1024 | cleaned, truncated |
//!
//! Lengths are counted in UTF-16 code units, which is never less than the number of
//! characters, so a text within our count is within Meta's whichever way it counts. Truncation
//! cuts on a character boundary and ends with `…`; it never panics on any input. Ids are ours
//! (never guest text), so a bad id is a bug and is refused instead of silently changed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Error;

/// Longest text message body.
pub const MAX_TEXT_BODY: usize = 4096;
/// Longest body of an interactive message and longest image caption.
pub const MAX_INTERACTIVE_BODY: usize = 1024;
/// Most reply buttons in one message.
pub const MAX_BUTTONS: usize = 3;
/// Longest reply-button title (and list button label).
pub const MAX_BUTTON_TITLE: usize = 20;
/// Longest reply-button id.
pub const MAX_BUTTON_ID: usize = 256;
/// Most rows in one list message.
pub const MAX_LIST_ROWS: usize = 10;
/// Longest row title and section title.
pub const MAX_ROW_TITLE: usize = 24;
/// Longest row description.
pub const MAX_ROW_DESCRIPTION: usize = 72;
/// Longest row id.
pub const MAX_ROW_ID: usize = 200;
/// Longest template text parameter we send (Meta allows more in total; one value is short).
pub const MAX_TEMPLATE_PARAMETER: usize = 1024;
/// Longest template name.
pub const MAX_TEMPLATE_NAME: usize = 512;

/// Why a message could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// A required text is empty (or only spaces).
    #[error("{0} is empty")]
    Empty(&'static str),
    /// Fewer or more items than the API allows.
    #[error("{field} must have between 1 and {max} items, not {count}")]
    Count {
        /// What was counted.
        field: &'static str,
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// Two items share an id or a title.
    #[error("{0} must be unique")]
    Duplicate(&'static str),
    /// An id, link, name or language code does not have the allowed shape.
    #[error("{0} is not valid")]
    Malformed(&'static str),
}

impl From<OutboundError> for Error {
    fn from(error: OutboundError) -> Self {
        let field = match &error {
            OutboundError::Empty(f) | OutboundError::Duplicate(f) | OutboundError::Malformed(f) => {
                *f
            }
            OutboundError::Count { field, .. } => field,
        };
        Error::invalid(field, "invalid_whatsapp_message", error.to_string())
    }
}

type Built<T> = Result<T, OutboundError>;

/// Length as Meta may count it (UTF-16 code units; ≥ the number of characters).
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` cut to at most `max` UTF-16 units on a character boundary, ending with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_owned();
    }
    let budget = max.saturating_sub(1); // room for the ellipsis (1 unit)
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        if used + c.len_utf16() > budget {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    let mut out = out.trim_end().to_owned();
    if max > 0 {
        out.push('…');
    }
    out
}

/// A one-line text: control characters become spaces, runs of spaces one, ends trimmed.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// A body: control characters other than new lines removed, ends trimmed.
fn body_text(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

fn required(field: &'static str, text: String, max: usize) -> Built<String> {
    if text.is_empty() {
        return Err(OutboundError::Empty(field));
    }
    Ok(truncate(&text, max))
}

fn id(field: &'static str, raw: &str, max: usize) -> Built<String> {
    if raw.is_empty() {
        return Err(OutboundError::Empty(field));
    }
    if units(raw) > max || raw.chars().any(char::is_control) {
        return Err(OutboundError::Malformed(field));
    }
    Ok(raw.to_owned())
}

fn count(field: &'static str, count: usize, max: usize) -> Built<()> {
    if count == 0 || count > max {
        return Err(OutboundError::Count { field, count, max });
    }
    Ok(())
}

fn unique<'a>(field: &'static str, values: impl Iterator<Item = &'a str>) -> Built<()> {
    let mut seen = std::collections::HashSet::new();
    for value in values {
        if !seen.insert(value) {
            return Err(OutboundError::Duplicate(field));
        }
    }
    Ok(())
}

/// One reply button: an id we read back when the guest taps it, and its title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    id: String,
    title: String,
}

impl ReplyButton {
    /// A button; the title is cut to 20 units, the id must fit (≤ 256, no control characters).
    pub fn new(id: &str, title: &str) -> Built<Self> {
        Ok(Self {
            id: self::id("button_id", id, MAX_BUTTON_ID)?,
            title: required("button_title", one_line(title), MAX_BUTTON_TITLE)?,
        })
    }

    /// The id sent back in the guest's reply.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the guest sees.
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// One row of a list message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    id: String,
    title: String,
    description: Option<String>,
}

impl ListRow {
    /// A row; title cut to 24 units, description to 72 (an empty one is left out).
    pub fn new(id: &str, title: &str, description: Option<&str>) -> Built<Self> {
        Ok(Self {
            id: self::id("row_id", id, MAX_ROW_ID)?,
            title: required("row_title", one_line(title), MAX_ROW_TITLE)?,
            description: description
                .map(one_line)
                .filter(|d| !d.is_empty())
                .map(|d| truncate(&d, MAX_ROW_DESCRIPTION)),
        })
    }

    /// The id sent back when the guest picks the row.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The row's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The row's second line.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// An outbound WhatsApp message, valid by construction. Build it with the constructors.
///
/// Serialized only to park it in the outbox (`whatsapp_messages.raw` of a queued reply) and
/// read it back; what Meta receives is [`OutboundMessage::to_graph_json`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundMessage {
    /// Plain text (only inside the 24-hour window).
    Text {
        /// The text.
        body: String,
    },
    /// Text with up to three reply buttons.
    Buttons {
        /// The text above the buttons.
        body: String,
        /// One to three buttons.
        buttons: Vec<ReplyButton>,
    },
    /// Text with a button that opens a list of up to ten rows (one section).
    List {
        /// The text above the button.
        body: String,
        /// The label of the button that opens the list.
        button: String,
        /// The section's title.
        section: String,
        /// One to ten rows.
        rows: Vec<ListRow>,
    },
    /// A picture by public link, with an optional caption.
    Image {
        /// An https link Meta downloads.
        link: String,
        /// Text under the picture.
        caption: Option<String>,
    },
    /// An approved template: the only kind allowed outside the 24-hour window.
    Template {
        /// Template name as approved.
        name: String,
        /// Language code (`es_AR`).
        language: String,
        /// Values of the body's `{{1}}`, `{{2}}`, … in order.
        parameters: Vec<String>,
    },
}

impl OutboundMessage {
    /// A text message (cut to 4096 units).
    pub fn text(body: &str) -> Built<Self> {
        Ok(Self::Text {
            body: required("body", body_text(body), MAX_TEXT_BODY)?,
        })
    }

    /// A message with reply buttons (1 to 3, unique ids and titles).
    pub fn buttons(body: &str, buttons: Vec<ReplyButton>) -> Built<Self> {
        count("buttons", buttons.len(), MAX_BUTTONS)?;
        unique("button_id", buttons.iter().map(|b| b.id.as_str()))?;
        unique("button_title", buttons.iter().map(|b| b.title.as_str()))?;
        Ok(Self::Buttons {
            body: required("body", body_text(body), MAX_INTERACTIVE_BODY)?,
            buttons,
        })
    }

    /// A list message (1 to 10 rows with unique ids, in one section).
    pub fn list(body: &str, button: &str, section: &str, rows: Vec<ListRow>) -> Built<Self> {
        count("rows", rows.len(), MAX_LIST_ROWS)?;
        unique("row_id", rows.iter().map(|r| r.id.as_str()))?;
        Ok(Self::List {
            body: required("body", body_text(body), MAX_INTERACTIVE_BODY)?,
            button: required("list_button", one_line(button), MAX_BUTTON_TITLE)?,
            section: required("section_title", one_line(section), MAX_ROW_TITLE)?,
            rows,
        })
    }

    /// A picture by link (http or https, no spaces), caption cut to 1024 units.
    pub fn image(link: &str, caption: Option<&str>) -> Built<Self> {
        let link = link.trim();
        let is_url = (link.starts_with("https://") || link.starts_with("http://"))
            && link.len() <= 2048
            && !link.chars().any(|c| c.is_whitespace() || c.is_control());
        if !is_url {
            return Err(OutboundError::Malformed("image_link"));
        }
        Ok(Self::Image {
            link: link.to_owned(),
            caption: caption
                .map(body_text)
                .filter(|c| !c.is_empty())
                .map(|c| truncate(&c, MAX_INTERACTIVE_BODY)),
        })
    }

    /// A template message. Parameters are made one-line (Meta refuses new lines, tabs and
    /// long runs of spaces in them); an empty one becomes `-` (Meta refuses empty values).
    pub fn template(name: &str, language: &str, parameters: &[&str]) -> Built<Self> {
        let name_ok = !name.is_empty()
            && name.len() <= MAX_TEMPLATE_NAME
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(OutboundError::Malformed("template_name"));
        }
        let language_ok = !language.is_empty()
            && language.len() <= 16
            && language
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !language_ok {
            return Err(OutboundError::Malformed("template_language"));
        }
        let parameters = parameters
            .iter()
            .map(|p| {
                let p = one_line(p);
                if p.is_empty() {
                    "-".to_owned()
                } else {
                    truncate(&p, MAX_TEMPLATE_PARAMETER)
                }
            })
            .collect();
        Ok(Self::Template {
            name: name.to_owned(),
            language: language.to_owned(),
            parameters,
        })
    }

    /// The kind, for metrics and logs: `text`, `buttons`, `list`, `image` or `template`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Buttons { .. } => "buttons",
            Self::List { .. } => "list",
            Self::Image { .. } => "image",
            Self::Template { .. } => "template",
        }
    }

    /// Whether Meta accepts this message only inside the 24-hour customer-service window.
    pub fn needs_open_window(&self) -> bool {
        !matches!(self, Self::Template { .. })
    }

    /// What the guest reads, as one text (for the conversation log the owner sees).
    pub fn summary(&self) -> String {
        match self {
            Self::Text { body } => body.clone(),
            Self::Buttons { body, buttons } => {
                let titles: Vec<&str> = buttons.iter().map(ReplyButton::title).collect();
                format!("{body}\n[{}]", titles.join("] ["))
            }
            Self::List { body, rows, .. } => {
                let titles: Vec<&str> = rows.iter().map(ListRow::title).collect();
                format!("{body}\n- {}", titles.join("\n- "))
            }
            Self::Image { link, caption } => match caption {
                Some(caption) => format!("{caption}\n{link}"),
                None => link.clone(),
            },
            Self::Template {
                name, parameters, ..
            } => format!("[{name}] {}", parameters.join(" | ")),
        }
    }

    /// The JSON body of `POST /{phone-id}/messages` sending this message to `to` (a wa_id).
    pub fn to_graph_json(&self, to: &str) -> Value {
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": match self {
                Self::Buttons { .. } | Self::List { .. } => "interactive",
                other => other.kind(),
            },
        });
        let (key, content) = match self {
            Self::Text { body } => (
                "text",
                json!({"preview_url": body.contains("https://"), "body": body}),
            ),
            Self::Buttons { body, buttons } => (
                "interactive",
                json!({
                    "type": "button",
                    "body": {"text": body},
                    "action": {"buttons": buttons.iter().map(|b| json!({
                        "type": "reply",
                        "reply": {"id": b.id, "title": b.title},
                    })).collect::<Vec<_>>()},
                }),
            ),
            Self::List {
                body,
                button,
                section,
                rows,
            } => (
                "interactive",
                json!({
                    "type": "list",
                    "body": {"text": body},
                    "action": {
                        "button": button,
                        "sections": [{
                            "title": section,
                            "rows": rows.iter().map(|r| {
                                let mut row = json!({"id": r.id, "title": r.title});
                                if let Some(d) = &r.description {
                                    row["description"] = json!(d);
                                }
                                row
                            }).collect::<Vec<_>>(),
                        }],
                    },
                }),
            ),
            Self::Image { link, caption } => {
                let mut image = json!({"link": link});
                if let Some(caption) = caption {
                    image["caption"] = json!(caption);
                }
                ("image", image)
            }
            Self::Template {
                name,
                language,
                parameters,
            } => {
                let mut template = json!({"name": name, "language": {"code": language}});
                if !parameters.is_empty() {
                    template["components"] = json!([{
                        "type": "body",
                        "parameters": parameters.iter()
                            .map(|p| json!({"type": "text", "text": p}))
                            .collect::<Vec<_>>(),
                    }]);
                }
                ("template", template)
            }
        };
        body[key] = content;
        body
    }
}

#[cfg(test)]
#[path = "whatsapp_outbound_tests.rs"]
mod tests;
