//! `GET /admin/reservations/export.csv`: the rows of the admin reservation list (filtered and
//! sorted as `GET /admin/reservations` is) as RFC 4180 CSV, streamed.
//!
//! Export rows are read from a database cursor in a background task and sent to the response
//! body through a small channel, so an export of any size uses constant memory.

use futures::StreamExt;
use poem::{Body, web::Data};
use poem_openapi::{ApiResponse, OpenApi, param::Query, payload::Binary};
use sea_orm::DatabaseConnection;
use sea_orm::QueryOrder;
use shared::entities::reservation;

use crate::{
    auth::AdminAuth,
    dto::admin::reservation_filter::RawFilter,
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

const HEADER: [&str; 18] = [
    "code",
    "status",
    "payment_status",
    "channel",
    "accommodation_id",
    "check_in",
    "check_out",
    "nights",
    "guests",
    "guest_name",
    "guest_phone",
    "guest_email",
    "total_price",
    "deposit_amount",
    "paid_amount",
    "currency",
    "created_at",
    "notes",
];

/// Free text from guests, made inert for spreadsheets: a cell starting with `=`, `+`, `-`, `@`
/// or a control character would be run as a formula, so it gets a leading `'`.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn record(r: &reservation::Model) -> [String; 18] {
    [
        r.code.to_string(),
        r.status.to_string(),
        r.payment_status.as_str().to_owned(),
        r.channel.to_string(),
        r.accommodation_id.to_string(),
        r.check_in.to_string(),
        r.check_out.to_string(),
        r.nights.to_string(),
        r.guests.to_string(),
        text(r.guest_name.as_str()),
        r.guest_phone.clone().map(String::from).unwrap_or_default(),
        text(r.guest_email.as_ref().map_or("", |e| e.as_str())),
        r.total_price.to_string(),
        r.deposit_amount.to_string(),
        r.paid_amount.to_string(),
        r.currency.clone(),
        r.created_at.to_rfc3339(),
        text(r.notes.as_deref().unwrap_or_default()),
    ]
}

/// Writes rows as CSV into a buffer.
fn csv_chunk<I: IntoIterator<Item = [String; 18]>>(rows: I, with_header: bool) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if with_header {
        let _ = writer.write_record(HEADER);
    }
    for row in rows {
        let _ = writer.write_record(&row);
    }
    writer.into_inner().unwrap_or_default()
}

/// Sends the CSV of `query` into `tx`, in chunks of rows.
async fn produce(
    db: DatabaseConnection,
    query: sea_orm::Select<reservation::Entity>,
    tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
) {
    if tx.send(Ok(csv_chunk([], true))).await.is_err() {
        return;
    }
    let mut rows = match query.stream(&db).await {
        Ok(rows) => rows.chunks(200),
        Err(e) => {
            let _ = tx.send(Err(std::io::Error::other(e))).await;
            return;
        }
    };
    while let Some(chunk) = rows.next().await {
        let batch: Result<Vec<_>, _> = chunk.into_iter().collect();
        let message = batch
            .map(|rows| csv_chunk(rows.iter().map(record), false))
            .map_err(std::io::Error::other);
        let failed = message.is_err();
        if tx.send(message).await.is_err() || failed {
            return;
        }
    }
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
        /// Comma-separated statuses.
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
        let query = RawFilter {
            q: q.0,
            status: inner(status.0),
            channel: inner(channel.0),
            accommodation_id: accommodation_id.0,
            from: inner(from.0),
            to: inner(to.0),
            sort: sort.0,
        }
        .into_query()?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(produce(
            state.db.clone(),
            query.order_by_asc(reservation::Column::Id),
            tx,
        ));
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        });
        let today = state.rules.clock.today(state.rules.timezone);
        Ok(CsvFile::Ok(
            Binary(Body::from_bytes_stream(
                stream.map(|r| r.map(bytes::Bytes::from)),
            )),
            format!("attachment; filename=\"reservations-{today}.csv\""),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_newlines_and_accents_are_quoted() {
        let mut row: [String; 18] = Default::default();
        row[9] = "Pérez, \"Tito\"\nJr.".into();
        row[17] = "ñandú".into();
        let text = String::from_utf8(csv_chunk([row], false)).expect("utf-8");
        assert!(text.contains("\"Pérez, \"\"Tito\"\"\nJr.\""), "{text}");
        assert!(text.contains(",ñandú\r\n"), "{text}");
    }

    #[test]
    fn formulas_in_guest_text_are_made_inert() {
        assert_eq!(
            text("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("Ana"), "Ana");
    }
}
