//! `GET /admin/reservations/export.csv`: the rows of the admin reservation list (filtered and
//! sorted as `GET /admin/reservations` is) as RFC 4180 CSV, streamed.
//!
//! The rows come in batches from [`reservations::export`] (a database cursor read a few
//! batches ahead, so an export of any size uses constant memory); each batch becomes one
//! chunk of the response body (columns and escaping: [`reservation_csv`]).

use futures::StreamExt;
use poem::{Body, web::Data};
use poem_openapi::{ApiResponse, OpenApi, param::Query, payload::Binary};
use shared::{FieldError, service::reservations};

use crate::{
    auth::AdminAuth,
    dto::admin::{reservation_csv, reservation_filter::RawFilter},
    dto::constraints::{ChannelList, Doc, IsoDate, StatusList, inner},
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Reservation export endpoint.
pub struct AdminReservationListApi;

/// A CSV file.
#[derive(ApiResponse)]
pub enum CsvFile {
    /// UTF-8 CSV with a header row.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        Binary<Body>,
        /// `attachment; filename="reservations-<date>.csv"`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminReservationListApi {
    /// Export reservations as CSV
    ///
    /// The same filters and sort as the list, every matching row, streamed.
    #[oai(path = "/reservations/export.csv", method = "get")]
    #[allow(clippy::too_many_arguments)] // one argument per documented query parameter
    async fn export(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Free text: guest name, phone, email or code.
        q: Query<Option<String>>,
        /// Comma-separated statuses (default: all but blocked).
        status: Query<Option<Doc<String, StatusList>>>,
        /// Comma-separated channels.
        channel: Query<Option<Doc<String, ChannelList>>>,
        /// Accommodation id.
        accommodation_id: Query<Option<i32>>,
        /// Stays with a night on or after this date, `YYYY-MM-DD`.
        from: Query<Option<Doc<String, IsoDate>>>,
        /// Stays with a night on or before this date, `YYYY-MM-DD`.
        to: Query<Option<Doc<String, IsoDate>>>,
        /// Comma-separated sort keys: check_in, check_out, created_at, total_price, guest_name,
        /// status, code (prefix `-` for descending; default `-created_at`).
        sort: Query<Option<String>>,
    ) -> Result<CsvFile, ApiError> {
        let filter = RawFilter {
            q: q.0,
            status: inner(status.0),
            channel: inner(channel.0),
            accommodation_id: accommodation_id.0,
            from: inner(from.0),
            to: inner(to.0),
            sort: sort.0,
        };
        let (body, disposition) = csv_export(&state, filter).map_err(ApiError::validation)?;
        Ok(CsvFile::Ok(Binary(body), disposition))
    }
}

/// The CSV of every reservation `filter` selects, streamed, and its `Content-Disposition`
/// (`reservations-<today>.csv`), or the filter's errors: the admin API's export and the
/// dashboard's.
pub(crate) fn csv_export(
    state: &AppState,
    filter: RawFilter,
) -> Result<(Body, String), Vec<FieldError>> {
    let query = filter.parse()?;
    let header = futures::stream::once(async { Ok(reservation_csv::header()) });
    let rows = reservations::export(state.db.clone(), query).map(|batch| {
        batch
            .map(|rows| reservation_csv::rows(&rows))
            .map_err(std::io::Error::other)
    });
    let today = state.rules.clock.today(state.rules.timezone);
    Ok((
        Body::from_bytes_stream(header.chain(rows).map(|r| r.map(bytes::Bytes::from))),
        format!("attachment; filename=\"reservations-{today}.csv\""),
    ))
}
