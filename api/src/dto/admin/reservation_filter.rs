//! The filters and sort shared by the admin reservation list and its CSV export.

use shared::{
    FieldError,
    domain::{Channel, ReservationStatus},
    store::reservation_search::{ReservationFilter, ReservationQuery, ReservationSortField},
};

use crate::{
    error::ApiError,
    pagination::{DateRange, SortField, SortKey, parse_list, parse_sort},
};

impl SortField for ReservationSortField {
    const FIELDS: &'static [(&'static str, Self)] = &[
        ("check_in", Self::CheckIn),
        ("check_out", Self::CheckOut),
        ("created_at", Self::CreatedAt),
        ("total_price", Self::TotalPrice),
        ("guest_name", Self::GuestName),
        ("status", Self::Status),
        ("code", Self::Code),
    ];
}

const STATUSES: &[(&str, ReservationStatus)] = &[
    ("pre_reserved", ReservationStatus::PreReserved),
    ("confirmed", ReservationStatus::Confirmed),
    ("cancelled", ReservationStatus::Cancelled),
    ("expired", ReservationStatus::Expired),
    ("completed", ReservationStatus::Completed),
    ("blocked", ReservationStatus::Blocked),
];

const CHANNELS: &[(&str, Channel)] = &[
    ("whatsapp", Channel::Whatsapp),
    ("web", Channel::Web),
    ("admin", Channel::Admin),
    ("airbnb", Channel::Airbnb),
    ("booking", Channel::Booking),
    ("ical", Channel::Ical),
    ("phone", Channel::Phone),
];

/// Raw filter parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawFilter {
    /// Free text.
    pub q: Option<String>,
    /// Comma-separated statuses.
    pub status: Option<String>,
    /// Comma-separated channels.
    pub channel: Option<String>,
    /// Accommodation id.
    pub accommodation_id: Option<i32>,
    /// Window start, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Window end (inclusive), `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Sort keys, `-` for descending.
    pub sort: Option<String>,
}

impl RawFilter {
    /// The filtered, sorted query (newest first by default); every bad parameter is a 422.
    pub fn into_query(self) -> Result<ReservationQuery, ApiError> {
        self.parse().map_err(ApiError::validation)
    }

    /// The filtered, sorted query (newest first by default), or one error per bad parameter.
    pub fn parse(self) -> Result<ReservationQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let statuses = parse_list("status", self.status.as_deref(), STATUSES)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let channels = parse_list("channel", self.channel.as_deref(), CHANNELS)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let range = DateRange::parse(("from", self.from.as_deref()), ("to", self.to.as_deref()))
            .map_err(|e| errors.extend(e))
            .unwrap_or_default();
        let sort = parse_sort(
            self.sort.as_deref(),
            &[SortKey::desc(ReservationSortField::CreatedAt)],
        )
        .map_err(|e| errors.extend(e))
        .ok();
        let Some(sort) = sort.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        let filter = ReservationFilter {
            q: self.q,
            statuses,
            channels,
            accommodation_id: self.accommodation_id,
            from: range.from,
            to: range.to,
        };
        Ok(ReservationQuery { filter, sort })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(prop_oneof![
            "\\PC{0,30}",
            "[-,a-z_]{0,30}",
            "[0-9+-]{0,8}-[0-9]{1,3}-[0-9]{1,3}",
        ])
    }

    proptest! {
        #[test]
        fn any_filter_builds_a_query_or_a_422(
            q in text(), status in text(), channel in text(), from in text(), to in text(),
            sort in text(), accommodation_id in any::<Option<i32>>(),
        ) {
            let raw = RawFilter { q, status, channel, accommodation_id, from, to, sort };
            if let Err(err) = raw.into_query() {
                use poem::IntoResponse;
                prop_assert_eq!(err.into_response().status().as_u16(), 422);
            }
        }
    }
}
