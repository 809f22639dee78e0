//! The CSV of the reservation export (`GET /admin/reservations/export.csv`): RFC 4180 with
//! CRLF line ends, a header row, and guest text made inert for spreadsheets.

use shared::entities::reservation;

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

/// One reservation as the export's cells, in [`HEADER`] order.
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

/// The header row: the first chunk of an export.
pub fn header() -> Vec<u8> {
    csv_chunk([], true)
}

/// `rows` as CSV lines: one chunk of an export.
pub fn rows(rows: &[reservation::Model]) -> Vec<u8> {
    csv_chunk(rows.iter().map(record), false)
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
