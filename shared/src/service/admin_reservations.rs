//! The owner's reservation management: book for a guest (optionally at a manual price and
//! confirmed at once), edit guest data, notes, party size and dates. Every change is audited
//! in its transaction; overlapping dates are refused by the exclusion constraint.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, TransactionTrait};

use super::{
    BookingRules, HoldPolicy,
    audit::{self, AuditContext, Change},
    booking::{BookingField, BookingRequest, finish, insert_locked, new_row, parse_contact},
    expiry,
    quote::{QuoteRequest, price_stay, price_stay_within},
};
use crate::{
    Error, FieldError, Result,
    domain::{Email, GuestName, Money, PhoneNumber, ReservationCode, ReservationStatus},
    entities::reservation,
    error::ConflictKind,
    store,
};

/// A booking the owner makes.
#[derive(Clone, Debug)]
pub struct AdminBooking {
    /// Stay and contact (the phone may be empty).
    pub request: BookingRequest,
    /// A manual total replacing the computed one (decimal string).
    pub total_price: Option<String>,
    /// Confirm at once instead of holding.
    pub confirm: bool,
}

/// Books a stay for a guest: channel as given (admin by default), no hold limits.
pub async fn book<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    rules: &BookingRules,
    ctx: &AuditContext,
    booking: &AdminBooking,
) -> Result<reservation::Model> {
    let (contact, mut errors) = parse_contact(&booking.request, false);
    let manual = booking.total_price.as_deref().and_then(|raw| {
        Money::parse("total_price", raw)
            .map_err(|e| errors.push(e))
            .ok()
    });
    let priced = price_stay(db, rules, &booking.request.stay, errors).await?;
    let contact = contact.ok_or_else(|| Error::Invalid(Vec::new()))?;
    let now = rules.clock.now();
    let mut row = new_row(
        rules,
        booking.request.channel,
        &priced,
        &contact,
        HoldPolicy::Exempt,
    );
    if let Some(total) = manual {
        row.total_price = Set(total);
        row.deposit_amount = Set(total.percent(rules.deposit_percent));
    }
    if booking.confirm {
        row.status = Set(ReservationStatus::Confirmed);
        row.confirmed_at = Set(Some(now.into()));
        row.expires_at = Set(None);
    }
    super::retry::once("admin_book", || async {
        let txn = db.begin().await?;
        let created = async {
            let created = insert_locked(&txn, rules.clock.as_ref(), &row).await?;
            let change = Change::reservation("reservation.create", None, &created);
            audit::record(&txn, ctx, now, change).await?;
            Ok(created)
        }
        .await;
        finish(txn, created).await
    })
    .await
}

/// Longest internal notes kept.
pub const MAX_NOTES_CHARS: usize = 2000;

/// Fields the owner may change; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct ReservationPatch {
    /// Guest's name.
    pub guest_name: Option<String>,
    /// Guest's phone (empty string clears it).
    pub guest_phone: Option<String>,
    /// Guest's email (empty string clears it).
    pub guest_email: Option<String>,
    /// Internal notes (empty string clears them).
    pub notes: Option<String>,
    /// Number of guests.
    pub guests: Option<i64>,
    /// New arrival date.
    pub check_in: Option<String>,
    /// New departure date.
    pub check_out: Option<String>,
    /// A manual total (otherwise a date or party change re-prices the stay).
    pub total_price: Option<String>,
}

fn apply_contact(
    patch: &ReservationPatch,
    row: &mut reservation::ActiveModel,
    errors: &mut Vec<FieldError>,
) {
    if let Some(name) = &patch.guest_name {
        match GuestName::parse(BookingField::GuestName.key(), name) {
            Ok(n) => row.guest_name = Set(n),
            Err(e) => errors.push(e),
        }
    }
    if let Some(phone) = &patch.guest_phone {
        match phone.trim() {
            "" => row.guest_phone = Set(None),
            raw => match PhoneNumber::parse(BookingField::GuestPhone.key(), raw) {
                Ok(p) => row.guest_phone = Set(Some(p)),
                Err(e) => errors.push(e),
            },
        }
    }
    if let Some(email) = &patch.guest_email {
        match email.trim() {
            "" => row.guest_email = Set(None),
            raw => match Email::parse(BookingField::GuestEmail.key(), raw) {
                Ok(e) => row.guest_email = Set(Some(e)),
                Err(e) => errors.push(e),
            },
        }
    }
    if let Some(notes) = &patch.notes {
        let notes = notes.trim();
        if notes.chars().count() > MAX_NOTES_CHARS {
            errors.push(FieldError::new(
                "notes",
                "too_long",
                format!("notes can have at most {MAX_NOTES_CHARS} characters"),
            ));
        } else {
            row.notes = Set((!notes.is_empty()).then(|| notes.to_owned()));
        }
    }
}

/// Edits an active reservation (pre_reserved or confirmed).
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    rules: &BookingRules,
    ctx: &AuditContext,
    code: &ReservationCode,
    patch: &ReservationPatch,
) -> Result<reservation::Model> {
    super::retry::once("admin_update", || async {
        let txn = db.begin().await?;
        let result = update_in(&txn, rules, ctx, code, patch).await;
        finish(txn, result).await
    })
    .await
}

async fn update_in(
    txn: &impl ConnectionTrait,
    rules: &BookingRules,
    ctx: &AuditContext,
    code: &ReservationCode,
    patch: &ReservationPatch,
) -> Result<reservation::Model> {
    let before = store::reservations::lock_with_accommodation(txn, code)
        .await?
        .ok_or(Error::NotFound("reservation"))?;
    if !ReservationStatus::EDITABLE.contains(&before.status) {
        return Err(Error::conflict(
            ConflictKind::NotEditable,
            format!("a {} reservation cannot be edited", before.status),
        ));
    }
    let mut errors = Vec::new();
    let mut row: reservation::ActiveModel = before.clone().into();
    apply_contact(patch, &mut row, &mut errors);
    let manual = patch.total_price.as_deref().and_then(|raw| {
        Money::parse("total_price", raw)
            .map_err(|e| errors.push(e))
            .ok()
    });
    let reprice = patch.check_in.is_some() || patch.check_out.is_some() || patch.guests.is_some();
    if reprice {
        let request = QuoteRequest {
            accommodation_id: before.accommodation_id,
            check_in: patch
                .check_in
                .clone()
                .unwrap_or_else(|| before.check_in.to_string()),
            check_out: patch
                .check_out
                .clone()
                .unwrap_or_else(|| before.check_out.to_string()),
            guests: patch.guests.unwrap_or(i64::from(before.guests)),
        };
        // A stay already under way may keep its (past) check-in date, and one booked before
        // the horizon moved may keep its (far) one.
        let mut limits = rules.stay_limits();
        limits.today = limits.today.min(before.check_in);
        limits.latest_check_in = limits.latest_check_in.max(before.check_in);
        let priced =
            price_stay_within(txn, rules, &request, limits, std::mem::take(&mut errors)).await?;
        // New nights: lapsed holds on them are expired first, as any booking does (the
        // accommodation's booking lock is already held, see `lock_with_accommodation`).
        expiry::expire_in(
            txn,
            rules.clock.as_ref(),
            expiry::Scope::Overlapping {
                accommodation_id: before.accommodation_id,
                check_in: priced.stay.check_in(),
                check_out: priced.stay.check_out(),
            },
        )
        .await?;
        row.check_in = Set(priced.stay.check_in());
        row.check_out = Set(priced.stay.check_out());
        row.nights = Set(i32::try_from(priced.stay.nights()).unwrap_or(i32::MAX));
        row.guests = Set(i32::try_from(priced.guests).unwrap_or(i32::MAX));
        row.price_per_night = Set(priced.quote.base_rate);
        row.total_price = Set(priced.quote.total);
        row.deposit_amount = Set(priced.quote.deposit);
    } else if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if let Some(total) = manual {
        row.total_price = Set(total);
        let percent = u8::try_from(before.deposit_percent).unwrap_or(rules.deposit_percent);
        row.deposit_amount = Set(total.percent(percent));
    }
    let now = rules.clock.now();
    row.updated_at = Set(now.into());
    let after = row.update(txn).await?;
    audit::record(
        txn,
        ctx,
        now,
        Change::reservation("reservation.update", Some(&before), &after),
    )
    .await?;
    Ok(after)
}
