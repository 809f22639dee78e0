//! The cut-over import (issue 13): accommodations, iCal feeds, reservations and payments of
//! the system this replaces, read from its database (never written) and written here in one
//! transaction.
//!
//! - Accommodations keep their ids and export tokens (the registered
//!   `/api/v1/ical/export/{id}/{token}` URLs keep answering); reservations keep their codes
//!   (and their ids when free); payments keep Mercado Pago's ids, so a late notification is a
//!   repeat. The id sequences move past the imported ids.
//! - A row our constraints refuse (an overlap, a bad date range) is not forced in: its
//!   savepoint is rolled back, it is listed in the report with the reason, and the rest goes on.
//! - Running it again imports nothing twice: a row already here (same accommodation id and
//!   token, same code, same payment id) is counted as already imported and left as it is.
//! - A dry run does all of it and rolls back, so its report is what a real run would do.

use std::collections::{HashMap, HashSet};

use rust_decimal::{Decimal, prelude::ToPrimitive};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde_json::json;

use super::{
    audit::{self, Actor, AuditContext, Change},
    ical_feeds::{self, NewFeed},
    legacy_report::{ImportReport, PhoneKept},
};
use crate::{
    clock::Clock,
    domain::{
        AccommodationKind, AlertKind, Email, FeedSource, GuestName, Money, PaymentRecordStatus,
        ReservationCode, ReservationStatus,
        legacy::{self, MappedStatus, NoteMarkers, OldState},
        payment::{credited_amount, reservation_payment_status},
    },
    entities::reservation,
    error::{ConflictKind, Error, Result},
    store::{
        self,
        legacy_import::{self as target, AccommodationRow, PaymentRow},
        legacy_source::{self, OldAccommodation, OldData, OldPayment, OldReservation},
        payments::NewAlert,
    },
};

/// Who the audit trail says did it.
const ACTOR: &str = "legacy_import";
/// The old system's default weekend multiplier, for a row without one.
const DEFAULT_WEEKEND_MULTIPLIER: Decimal = Decimal::from_parts(120, 0, 0, false, 2);

/// Reads the old database at `source` (one read-only snapshot): fails when it is not the old
/// system's (a table or column missing).
pub async fn read_old(source: &DatabaseConnection) -> Result<OldData> {
    legacy_source::read(source).await
}

/// Imports what [`read_old`] read into `db`; with `dry_run`, rolls back at the end. Errors only
/// when the database cannot be written at all; refused rows are in the report.
pub async fn import(
    db: &DatabaseConnection,
    old: &OldData,
    clock: &dyn Clock,
    dry_run: bool,
) -> Result<ImportReport> {
    let txn = db.begin().await?;
    let mut run = Run {
        txn: &txn,
        clock,
        ctx: AuditContext {
            actor: Actor::System(ACTOR),
            trace_id: None,
        },
        report: ImportReport {
            dry_run,
            ..ImportReport::default()
        },
        feeds: HashMap::new(),
        codes: HashMap::new(),
        pending: Vec::new(),
    };
    run.accommodations(old).await?;
    run.reservations(old).await?;
    run.payments(old).await?;
    target::move_sequences_past_ids(&txn).await?;
    let report = run.report;
    let change = Change {
        action: "legacy.import",
        entity_kind: "import",
        entity_id: clock.now().to_rfc3339(),
        reservation_id: None,
        before: None,
        after: Some(json!({
            "accommodations": report.accommodations,
            "feeds": report.feeds,
            "reservations": report.reservations,
            "payments": report.payments,
            "skipped": report.skipped.len(),
        })),
    };
    audit::record(&txn, &run.ctx, clock.now(), change).await?;
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    tracing::info!(
        dry_run,
        accommodations = report.accommodations.imported,
        reservations = report.reservations.imported,
        payments = report.payments.imported,
        skipped = report.skipped.len(),
        "legacy import finished"
    );
    Ok(report)
}

/// One import's state.
struct Run<'a> {
    txn: &'a DatabaseTransaction,
    clock: &'a dyn Clock,
    ctx: AuditContext,
    report: ImportReport,
    /// The feeds of each accommodation here (imported or already here).
    feeds: HashMap<i32, Vec<(FeedSource, i64)>>,
    /// Our reservation id of each old code imported or already here.
    codes: HashMap<String, i64>,
    /// The mappings applied to the reservation being imported, counted once it is in.
    pending: Vec<String>,
}

impl Run<'_> {
    async fn accommodations(&mut self, old: &OldData) -> Result<()> {
        for row in &old.accommodations {
            self.report.accommodations.read += 1;
            match target::accommodation_token(self.txn, row.id).await? {
                Some(token) if token == row.ical_export_token => {
                    self.report.accommodations.already_imported += 1;
                }
                Some(_) => {
                    let reason = "an accommodation here already has this id, with another token";
                    self.report
                        .skip("accommodation", row.id.to_string(), reason);
                    continue;
                }
                None => {
                    let sp = self.txn.begin().await?;
                    match target::insert_accommodation(&sp, accommodation_row(row)).await {
                        Ok(()) => {
                            sp.commit().await?;
                            self.report.accommodations.imported += 1;
                        }
                        Err(e) => {
                            sp.rollback().await?;
                            self.report
                                .skip("accommodation", row.id.to_string(), e.to_string());
                            continue;
                        }
                    }
                }
            }
            self.feeds_of(row).await?;
        }
        Ok(())
    }

    /// The old `ical_import_urls` of an accommodation as feeds (found or added).
    async fn feeds_of(&mut self, row: &OldAccommodation) -> Result<()> {
        let mut feeds = Vec::new();
        for (key, url) in legacy::import_urls(row.ical_import_urls.as_ref()) {
            self.report.feeds.read += 1;
            let source = legacy::feed_source(&key).map(|s| s.as_str().to_owned());
            let input = NewFeed::new(row.id, url, source);
            let known = store::ical_feeds::find_by_url(self.txn, row.id, &input.url).await?;
            match ical_feeds::find_or_create(self.txn, self.clock, &self.ctx, &input).await {
                Ok(feed) => {
                    if known.is_some() {
                        self.report.feeds.already_imported += 1;
                    } else {
                        self.report.feeds.imported += 1;
                    }
                    feeds.push((feed.row.source, feed.row.id));
                }
                Err(e) => {
                    let key = format!("{} of accommodation {}", key, row.id);
                    self.report.skip("feed", key, e.to_string());
                }
            }
        }
        self.feeds.insert(row.id, feeds);
        Ok(())
    }

    async fn reservations(&mut self, old: &OldData) -> Result<()> {
        let paid = approved_by_code(&old.payments);
        for row in &old.reservations {
            self.report.reservations.read += 1;
            let Some(code) = ReservationCode::parse(&row.code) else {
                self.report.skip(
                    "reservation",
                    &row.code,
                    "the code is not 4 to 20 letters, digits, - or _",
                );
                continue;
            };
            if let Some(existing) = store::reservations::find_by_code(self.txn, &code).await? {
                self.report.reservations.already_imported += 1;
                self.codes.insert(row.code.clone(), existing.id);
                continue;
            }
            if !self.feeds.contains_key(&row.accommodation_id) {
                let reason = format!(
                    "its accommodation {} was not imported",
                    row.accommodation_id
                );
                self.report.skip("reservation", code.as_str(), reason);
                continue;
            }
            let paid = paid.get(&row.code).copied().unwrap_or(Money::ZERO);
            let mapped = match self.reservation_row(row, code.clone(), paid) {
                Ok(mapped) => mapped,
                Err(reason) => {
                    self.pending.clear();
                    self.report.skip("reservation", code.as_str(), reason);
                    continue;
                }
            };
            let sp = self.txn.begin().await?;
            match target::insert_reservation(&sp, mapped).await {
                Ok(id) => {
                    sp.commit().await?;
                    self.report.reservations.imported += 1;
                    self.codes.insert(row.code.clone(), id);
                    for what in std::mem::take(&mut self.pending) {
                        self.report.mapped(what);
                    }
                }
                Err(e) => {
                    sp.rollback().await?;
                    self.pending.clear();
                    let reason = self.refusal(row, e).await?;
                    self.report.skip("reservation", code.as_str(), reason);
                }
            }
        }
        Ok(())
    }

    /// Why the database refused a reservation, in the operator's words.
    async fn refusal(&self, row: &OldReservation, e: Error) -> Result<String> {
        if let Error::Conflict {
            kind: ConflictKind::DateOverlap,
            ..
        } = e
        {
            let holder =
                target::holder_of(self.txn, row.accommodation_id, row.check_in, row.check_out)
                    .await?;
            return Ok(format!(
                "its nights {}..{} overlap reservation {} here",
                row.check_in,
                row.check_out,
                holder.as_deref().unwrap_or("(unknown)")
            ));
        }
        if row.check_out <= row.check_in {
            return Ok(format!(
                "bad date range: check-out {} is not after check-in {}",
                row.check_out, row.check_in
            ));
        }
        Ok(e.to_string())
    }

    /// An old reservation in our terms, or why it cannot be.
    fn reservation_row(
        &mut self,
        row: &OldReservation,
        code: ReservationCode,
        paid: Money,
    ) -> std::result::Result<reservation::Model, String> {
        let markers = legacy::note_markers(row.internal_notes.as_deref());
        let state = OldState {
            status: &row.reservation_status,
            code: &row.code,
            expires_at: row.expires_at,
            cancelled_at: row.cancelled_at,
            updated_at: row.updated_at,
        };
        let status = legacy::map_status(state, &markers, self.clock.now())?;
        let mut notes = NoteLines::from(&markers);
        let (mut channel, known) = legacy::channel(row.channel_source.as_deref());
        if !known {
            self.pending.push(format!(
                "channel {:?} → admin",
                row.channel_source.as_deref().unwrap_or_default()
            ));
            notes.push(
                "Canal en el sistema anterior",
                row.channel_source.as_deref(),
            );
        }
        let (block_feed, block_uid) = match &status {
            MappedStatus::Block(uid) => {
                let feed = self.block_feed(row);
                if let Some((source, _)) = feed {
                    channel = source.channel();
                }
                (feed.map(|(_, id)| id), uid.clone())
            }
            _ => (None, None),
        };
        self.pending.push(mapping_label(
            &row.reservation_status,
            &markers,
            &status,
            block_feed,
        ));
        let guest_phone = self.phone(row, &mut notes);
        let guest_email = row
            .guest_email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .and_then(|raw| {
                let email = Email::parse("guest_email", raw).ok();
                if email.is_none() {
                    notes.push("Email en el sistema anterior", Some(raw));
                }
                email
            });
        notes.push("Documento", row.guest_document.as_deref());
        notes.push("Pedidos especiales", row.special_requests.as_deref());
        let deposit_percent = percent(row.deposit_percentage)?;
        let deposit = money(row.deposit_amount);
        let total = money(row.total_price);
        let (status, expired_at, cancellation_reason) = match status {
            MappedStatus::Hold => (ReservationStatus::PreReserved, None, None),
            MappedStatus::Confirmed => (ReservationStatus::Confirmed, None, None),
            MappedStatus::Completed => (ReservationStatus::Completed, None, None),
            MappedStatus::Cancelled(reason) => (ReservationStatus::Cancelled, None, reason),
            MappedStatus::Expired(at) => (ReservationStatus::Expired, Some(at), None),
            MappedStatus::Block(_) => (ReservationStatus::Blocked, None, None),
        };
        Ok(reservation::Model {
            id: i64::from(row.id),
            uuid: row.uuid,
            code,
            accommodation_id: row.accommodation_id,
            check_in: row.check_in,
            check_out: row.check_out,
            guest_name: GuestName::imported(&row.guest_name),
            guest_phone,
            guest_email,
            guests: row.guests_count,
            nights: i32::try_from((row.check_out - row.check_in).num_days()).unwrap_or(i32::MAX),
            price_per_night: money(row.base_price_per_night),
            total_price: total,
            deposit_percent,
            deposit_amount: deposit,
            paid_amount: paid,
            currency: "ARS".to_owned(),
            status,
            payment_status: reservation_payment_status(paid, deposit, total, false, false),
            channel,
            expires_at: row.expires_at.map(Into::into),
            confirmed_at: row.confirmed_at.map(Into::into),
            cancelled_at: row.cancelled_at.map(Into::into),
            cancellation_reason,
            expired_at: expired_at.map(Into::into),
            completed_at: row.completed_at.map(Into::into),
            notes: notes.text(),
            client_ip: None,
            ical_feed_id: block_feed,
            external_uid: block_uid,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }

    /// The feed an old `BLK` block came from: the accommodation's feed of the block's channel,
    /// or its only feed.
    fn block_feed(&self, row: &OldReservation) -> Option<(FeedSource, i64)> {
        let feeds = self.feeds.get(&row.accommodation_id)?;
        let named = row.channel_source.as_deref().and_then(legacy::feed_source);
        feeds
            .iter()
            .find(|(source, _)| Some(*source) == named)
            .or_else(|| (feeds.len() == 1).then(|| &feeds[0]))
            .copied()
    }

    /// The guest phone in E.164, or `None` with the old text kept in the notes and listed.
    fn phone(
        &mut self,
        row: &OldReservation,
        notes: &mut NoteLines,
    ) -> Option<crate::domain::PhoneNumber> {
        let raw = row
            .guest_phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())?;
        let phone = legacy::phone(raw);
        match &phone {
            Some(p) if p.as_str() != raw => self.pending.push("phone normalised to E.164".into()),
            Some(_) => {}
            None => {
                notes.push("Teléfono en el sistema anterior", Some(raw));
                self.report.phones_kept.push(PhoneKept {
                    code: row.code.clone(),
                    characters: raw.chars().count(),
                });
            }
        }
        phone
    }

    async fn payments(&mut self, old: &OldData) -> Result<()> {
        for row in &old.payments {
            self.report.payments.read += 1;
            let key = row.external_payment_id.clone();
            if !row.provider.trim().eq_ignore_ascii_case("mercadopago") {
                self.report.skip(
                    "payment",
                    key,
                    format!("provider {:?} is not Mercado Pago", row.provider),
                );
                continue;
            }
            if store::payments::find_by_provider_payment_id(self.txn, &key)
                .await?
                .is_some()
            {
                self.report.payments.already_imported += 1;
                continue;
            }
            let Some(status) = PaymentRecordStatus::from_provider(row.status.trim()) else {
                self.report
                    .skip("payment", key, format!("unknown status {:?}", row.status));
                continue;
            };
            let reservation = names_code(row).and_then(|c| self.codes.get(c).copied());
            match (reservation, &row.reservation_code) {
                (Some(reservation_id), _) => self.payment(row, reservation_id, status).await?,
                (None, Some(code)) => {
                    let reason = format!("its reservation {code} was not imported");
                    self.report.skip("payment", key, reason);
                }
                (None, None) => self.orphan(row).await?,
            }
        }
        Ok(())
    }

    async fn payment(
        &mut self,
        row: &OldPayment,
        reservation_id: i64,
        status: PaymentRecordStatus,
    ) -> Result<()> {
        let amount = row.amount;
        let now = self.clock.now();
        let received = row.first_received_at.unwrap_or(now);
        let last = row.last_received_at.unwrap_or(received);
        let payment = PaymentRow {
            reservation_id,
            provider_payment_id: row.external_payment_id.clone(),
            amount,
            credited_amount: credited_amount(status, amount, Money::ZERO),
            currency: row
                .currency
                .clone()
                .unwrap_or_else(|| "ARS".to_owned())
                .to_ascii_uppercase(),
            status,
            raw: old_payment_json(row),
            approved_at: (status == PaymentRecordStatus::Approved).then_some(last),
            created_at: received,
            updated_at: last,
        };
        let sp = self.txn.begin().await?;
        match target::insert_payment(&sp, payment).await {
            Ok(()) => {
                sp.commit().await?;
                self.report.payments.imported += 1;
            }
            Err(e) => {
                sp.rollback().await?;
                self.report
                    .skip("payment", &row.external_payment_id, e.to_string());
            }
        }
        Ok(())
    }

    /// A notification that named no reservation there: an unknown-reference alert here, so the
    /// owner sees the money and a repeat of it raises nothing new.
    async fn orphan(&mut self, row: &OldPayment) -> Result<()> {
        let alert = NewAlert {
            kind: AlertKind::UnknownReference,
            provider_payment_id: &row.external_payment_id,
            reservation_id: None,
            payment_id: None,
            message: format!(
                "Payment {} of {} {} (imported from the system this replaces) names reservation {:?}, which does not exist.",
                row.external_payment_id,
                row.amount,
                row.currency.as_deref().unwrap_or("ARS"),
                row.external_reference.as_deref().unwrap_or_default()
            ),
            details: Some(old_payment_json(row)),
            now: row.first_received_at.unwrap_or_else(|| self.clock.now()),
        };
        if store::payments::raise_alert(self.txn, alert).await? {
            self.report.payments.imported += 1;
            self.report
                .mapped("orphan payment → unknown-reference alert");
        } else {
            self.report.payments.already_imported += 1;
        }
        Ok(())
    }
}

/// The free-text lines of an imported reservation's notes.
struct NoteLines(Vec<String>);

impl From<&NoteMarkers> for NoteLines {
    fn from(markers: &NoteMarkers) -> Self {
        Self(markers.text.iter().cloned().collect())
    }
}

impl NoteLines {
    /// Adds `label: value` when there is a value.
    fn push(&mut self, label: &str, value: Option<&str>) {
        if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.0.push(format!("{label}: {value}"));
        }
    }

    fn text(self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.join("\n"))
    }
}

/// How the report names a status mapping.
fn mapping_label(
    old: &str,
    markers: &NoteMarkers,
    status: &MappedStatus,
    feed: Option<i64>,
) -> String {
    let old = if markers.auto_expired {
        format!("{old} (auto-expired)")
    } else {
        old.to_owned()
    };
    let new = match status {
        MappedStatus::Hold => "pre_reserved (hold still open)",
        MappedStatus::Confirmed => "confirmed",
        MappedStatus::Completed => "completed",
        MappedStatus::Cancelled(_) => "cancelled",
        MappedStatus::Expired(_) => "expired",
        MappedStatus::Block(Some(_)) if feed.is_some() => "blocked (imported block of its feed)",
        MappedStatus::Block(_) => "blocked (owner block)",
    };
    format!("status {old} → {new}")
}

/// Money paid per old reservation code: its approved payments.
fn approved_by_code(payments: &[OldPayment]) -> HashMap<String, Money> {
    let mut paid: HashMap<String, Money> = HashMap::new();
    let mut seen = HashSet::new();
    for p in payments {
        let Some(code) = names_code(p) else { continue };
        let approved = PaymentRecordStatus::from_provider(p.status.trim())
            == Some(PaymentRecordStatus::Approved);
        if approved && seen.insert(&p.external_payment_id) {
            let sum = paid.entry(code.clone()).or_insert(Money::ZERO);
            *sum = *sum + p.amount;
        }
    }
    paid
}

/// The old code a payment belongs to: its reservation's, else the reference its link carried
/// (an orphan notification for a reservation that exists after all).
fn names_code(payment: &OldPayment) -> Option<&String> {
    payment
        .reservation_code
        .as_ref()
        .or(payment.external_reference.as_ref())
}

fn money(amount: Option<Money>) -> Money {
    amount.unwrap_or(Money::ZERO)
}

/// The old deposit percentage as ours (a whole number from 0 to 100; 30 when missing).
fn percent(value: Option<Decimal>) -> std::result::Result<i16, String> {
    let value = value.unwrap_or(Decimal::from(30));
    value
        .round()
        .to_i16()
        .filter(|p| (0..=100).contains(p) && Decimal::from(*p) == value)
        .ok_or_else(|| format!("deposit percentage {value} is not a whole number from 0 to 100"))
}

fn accommodation_row(row: &OldAccommodation) -> AccommodationRow {
    AccommodationRow {
        id: row.id,
        uuid: row.uuid,
        name: row.name.trim().to_owned(),
        kind: AccommodationKind::from_name(&row.kind).unwrap_or(AccommodationKind::Other),
        capacity: row.capacity,
        base_price: row.base_price,
        weekend_multiplier: row.weekend_multiplier.unwrap_or(DEFAULT_WEEKEND_MULTIPLIER),
        description: row.description.clone().unwrap_or_default(),
        amenities: legacy::amenity_names(row.amenities.as_ref()),
        photos: legacy::photo_urls(row.photos.as_ref()),
        location: legacy::location_text(row.location.as_ref()),
        policies: legacy::policies_text(row.policies.as_ref()),
        ical_export_token: row.ical_export_token.clone(),
        active: row.active,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The old payment row as kept in `raw_provider` / the alert's details.
fn old_payment_json(row: &OldPayment) -> serde_json::Value {
    json!({
        "imported_from": "legacy",
        "legacy_payment_id": row.id,
        "status": row.status,
        "external_reference": row.external_reference,
        "first_received_at": row.first_received_at,
        "last_received_at": row.last_received_at,
        "events_count": row.events_count,
    })
}
