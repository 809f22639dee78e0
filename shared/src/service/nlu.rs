//! Reading a guest message the way the WhatsApp concierge will: the rules of [`crate::nlu`]
//! plus the cabin the guest named, matched against the active accommodations.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use tracing::instrument;

use crate::{
    Error, Result,
    nlu::{self, Understanding},
    service::catalog,
};

/// The longest message accepted for analysis, in characters (a WhatsApp text is at most
/// 4,096; only the first [`nlu::normalize::MAX_CHARS`] are read).
pub const MAX_TEXT_CHARS: usize = 4_096;

/// What a message says, with the active accommodation it names.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The rules' reading of the text.
    pub understanding: Understanding,
    /// The active accommodation the guest named, when exactly one fits.
    pub accommodation_id: Option<i32>,
}

/// Analyzes `text` against the business day `today`; `Invalid` when it is blank or longer
/// than [`MAX_TEXT_CHARS`].
#[instrument(skip_all, fields(chars = text.chars().count()), err)]
pub async fn analyze(db: &impl ConnectionTrait, text: &str, today: NaiveDate) -> Result<Analysis> {
    if text.trim().is_empty() {
        return Err(Error::invalid("text", "required", "text must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::invalid(
            "text",
            "too_long",
            format!("text must be at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    let understanding = nlu::analyze(text, today);
    let cabins = catalog::list_active(db).await?;
    let names: Vec<(i32, &str)> = cabins.iter().map(|c| (c.id, c.name.as_str())).collect();
    let accommodation_id = nlu::match_accommodation(text, &names);
    Ok(Analysis {
        understanding,
        accommodation_id,
    })
}
