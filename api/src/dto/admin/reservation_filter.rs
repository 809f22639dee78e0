//! The filters shared by the admin reservation list and its CSV export.

use chrono::NaiveDate;
use shared::{
    FieldError,
    domain::{Channel, ReservationStatus},
    store::reservation_search::{ReservationFilter, ReservationSort, SORT_FIELDS},
};

use crate::error::ApiError;

/// Raw filter parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawFilter {
    /// Free text.
    pub q: Option<String>,
    /// Status name.
    pub status: Option<String>,
    /// Channel name.
    pub channel: Option<String>,
    /// Accommodation id.
    pub accommodation_id: Option<i32>,
    /// Window start.
    pub from: Option<NaiveDate>,
    /// Window end.
    pub to: Option<NaiveDate>,
    /// Sort field, `-` for descending.
    pub sort: Option<String>,
}

fn parse_status(raw: &str) -> Option<ReservationStatus> {
    serde_json::from_value(serde_json::Value::String(raw.trim().to_ascii_lowercase())).ok()
}

impl RawFilter {
    /// The checked filter and sort; every bad parameter is reported (422).
    pub fn parse(self) -> Result<(ReservationFilter, ReservationSort), ApiError> {
        let mut errors = Vec::new();
        let status = self.status.as_deref().and_then(|raw| {
            let parsed = parse_status(raw);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "status",
                    "invalid_status",
                    "status must be pre_reserved, confirmed, cancelled, expired or completed",
                ));
            }
            parsed
        });
        let channel = self.channel.as_deref().and_then(|raw| {
            raw.parse::<Channel>()
                .map_err(|e| errors.push(FieldError::new("channel", "invalid_channel", e)))
                .ok()
        });
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to <= from
        {
            errors.push(FieldError::new(
                "to",
                "not_after_from",
                "`to` must be after `from`",
            ));
        }
        let sort = match self
            .sort
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => ReservationSort::default(),
            Some(raw) => ReservationSort::parse(raw).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "sort",
                    "invalid_sort",
                    format!(
                        "sort by one of {} (prefix - for descending)",
                        SORT_FIELDS.join(", ")
                    ),
                ));
                ReservationSort::default()
            }),
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok((
            ReservationFilter {
                q: self.q,
                status,
                channel,
                accommodation_id: self.accommodation_id,
                from: self.from,
                to: self.to,
            },
            sort,
        ))
    }
}
