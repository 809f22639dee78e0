//! Pre-reserve a stay: validate, price, and insert a hold that the database itself refuses
//! when the nights are taken.

use sea_orm::{ActiveValue::Set, ConnectionTrait, Iterable, TransactionSession};
use uuid::Uuid;

use super::{
    BookingRules, HoldPolicy, expiry,
    hold_limits::HoldGuard,
    quote::{PricedStay, QuoteRequest, price},
    retry,
};
use crate::{
    Error, FieldError, Result,
    clock::Clock,
    domain::{
        Channel, Email, GuestName, Money, PaymentStatus, PhoneNumber, ReservationCode,
        ReservationStatus,
    },
    entities::reservation,
    error::ConflictKind,
    store::{self, reservation_booking::Booking},
};

/// Longest notes accepted.
const MAX_NOTES_CHARS: usize = 2000;
/// How many times a colliding random code is regenerated.
const CODE_ATTEMPTS: usize = 5;
/// How many times a public booking is priced again because its accommodation changed while
/// it was being booked.
const PRICE_ATTEMPTS: usize = 3;

/// A booking request as a client sent it (checked by [`pre_reserve`]).
#[derive(Clone, Debug)]
pub struct BookingRequest {
    /// The stay and party size.
    pub stay: QuoteRequest,
    /// Guest's full name.
    pub guest_name: String,
    /// Guest's phone.
    pub guest_phone: String,
    /// Guest's email, optional.
    pub guest_email: Option<String>,
    /// Where the booking comes from.
    pub channel: Channel,
    /// Free text.
    pub notes: Option<String>,
    /// Fields the client layer already refused (a channel it may not claim); reported together
    /// with these checks, and nothing is stored while any remain.
    pub rejected: Vec<FieldError>,
}

/// A guest's contact field, as the booking's errors name it (the `field` of a
/// [`FieldError`]): by its domain key, the reservation's own name for it (`guest_phone`). A
/// client that calls the field something else (the legacy route) renames it in its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sea_orm::EnumIter)]
pub enum BookingField {
    /// The guest's name.
    GuestName,
    /// The guest's phone.
    GuestPhone,
    /// The guest's email.
    GuestEmail,
}

impl BookingField {
    /// The domain key (`guest_name`).
    pub fn key(self) -> &'static str {
        match self {
            Self::GuestName => "guest_name",
            Self::GuestPhone => "guest_phone",
            Self::GuestEmail => "guest_email",
        }
    }

    /// The field whose key is `key`, if it is one of these.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::iter().find(|f| f.key() == key)
    }
}

/// A guest's checked contact data.
pub(crate) struct Contact {
    name: GuestName,
    phone: Option<PhoneNumber>,
    email: Option<Email>,
    notes: Option<String>,
}

/// Checks the contact fields; the phone may be left empty only when not `phone_required`.
pub(crate) fn parse_contact(
    request: &BookingRequest,
    phone_required: bool,
) -> (Option<Contact>, Vec<FieldError>) {
    let mut errors = request.rejected.clone();
    let name = GuestName::parse(BookingField::GuestName.key(), &request.guest_name)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = if !phone_required && request.guest_phone.trim().is_empty() {
        Some(None)
    } else {
        PhoneNumber::parse(BookingField::GuestPhone.key(), &request.guest_phone)
            .map(Some)
            .map_err(|e| errors.push(e))
            .ok()
    };
    let email = match request.guest_email.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => Email::parse(BookingField::GuestEmail.key(), raw)
            .map(Some)
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let notes = request
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > MAX_NOTES_CHARS) {
        errors.push(FieldError::new(
            "notes",
            "too_long",
            format!("notes can have at most {MAX_NOTES_CHARS} characters"),
        ));
    }
    match (name, phone, email) {
        (Some(name), Some(phone), Some(email)) if errors.is_empty() => (
            Some(Contact {
                name,
                phone,
                email,
                notes: notes.map(str::to_owned),
            }),
            errors,
        ),
        _ => (None, errors),
    }
}

/// Validates, prices and holds a stay for `rules.hold`.
///
/// Overlaps are detected by the exclusion constraint, never by a read-then-write check; lapsed
/// holds on those nights are expired by the same statement first, so an expired hold never
/// blocks a booking (see [`book_row`]). It is priced from the cached accommodation
/// ([`super::accommodation_cache`]); when the row changed meanwhile it is read and priced again.
///
/// Under [`HoldPolicy::Public`] the hold-hoarding limits are enforced in the inserting
/// transaction (see [`super::hold_limits`]) and the client IP is stored on the hold; staff
/// routes pass [`HoldPolicy::Exempt`].
pub async fn pre_reserve(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    request: &BookingRequest,
    policy: HoldPolicy,
) -> Result<reservation::Model> {
    let (contact, contact_errors) = parse_contact(request, true);
    let id = request.stay.accommodation_id;
    let mut accommodation = rules.accommodations.get(db, id).await?;
    for _ in 0..PRICE_ATTEMPTS {
        let priced = price(
            accommodation.model.as_ref().clone(),
            rules,
            &request.stay,
            rules.stay_limits(),
            contact_errors.clone(),
        )?;
        let contact = contact.as_ref().ok_or_else(|| Error::Invalid(Vec::new()))?;
        let held = hold(
            db,
            rules,
            request,
            &priced,
            contact,
            policy,
            accommodation.version,
        );
        if let Some(row) = held.await? {
            return Ok(row);
        }
        // The owner changed the accommodation meanwhile: price it as it is now.
        accommodation = rules.accommodations.reload(db, id).await?;
    }
    Err(Error::Unavailable(
        "the accommodation kept changing while it was being booked".into(),
    ))
}

/// Inserts the hold of a priced stay, drawing a new code while the drawn one is taken;
/// `None` when the accommodation is no longer at `version`.
async fn hold(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    request: &BookingRequest,
    priced: &PricedStay,
    contact: &Contact,
    policy: HoldPolicy,
    version: i64,
) -> Result<Option<reservation::Model>> {
    let phone = contact.phone.as_ref().map_or("", |p| p.as_str());
    let guard = policy.guard(rules.hold_limits, phone);
    for _ in 0..CODE_ATTEMPTS {
        let row = new_row(rules, request.channel, priced, contact, policy);
        let inserted = retry::once("pre_reserve", || {
            book_row(
                db,
                rules.clock.as_ref(),
                guard.as_ref(),
                Some(version),
                &row,
            )
        })
        .await;
        let row = match inserted {
            Err(Error::Conflict {
                kind: ConflictKind::Duplicate,
                ..
            }) => continue,
            Ok(Some(row)) => row,
            other => return other,
        };
        metrics::counter!("reservation_create_total", "channel" => request.channel.as_str())
            .increment(1);
        tracing::info!(
            reservation_code = %row.code,
            accommodation_id = row.accommodation_id,
            channel = %request.channel,
            guest_phone = %crate::mask::phone(phone),
            "pre-reservation created"
        );
        // After the commit; a failure to enqueue is logged, never fails the booking.
        // Enqueued for every hold: the notice picks the guest's channels.
        super::guest_notices::enqueue(
            rules.notices.as_ref(),
            row.id,
            crate::jobs::notifications::NoticeEvent::HoldCreated,
        )
        .await;
        let code = row.code.to_string();
        super::live::publish(
            rules.notices.as_ref(),
            &super::live::LiveEvent::Booked { code },
        )
        .await;
        return Ok(Some(row));
    }
    Err(Error::Internal(
        "could not generate a unique reservation code".into(),
    ))
}

/// Books a staff row (no hold limits, no price check) with [`book_row`], inside the caller's
/// transaction.
pub(crate) async fn insert_locked(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    row: &reservation::ActiveModel,
) -> Result<reservation::Model> {
    book_row(db, clock, None, None, row)
        .await?
        .ok_or_else(|| Error::Internal("a booking without a price check came back stale".into()))
}

/// Books `row` in one statement (see [`store::reservation_booking::book`]): the hold limits
/// of `guard` (when guarded, refused with `Error::TooMany`), the accommodation's booking lock,
/// the audited expiry of lapsed holds on its nights (so an expired hold never blocks it), the
/// insert, only while the accommodation is at `version` (`None` when it is not). Autocommitted
/// on a connection, or part of the caller's transaction.
///
/// The lock only serializes bookings of one accommodation; the exclusion constraint still
/// decides every overlap. Without it, two concurrent inserts of overlapping nights each wait
/// for the other inside the constraint check, and PostgreSQL aborts one as a deadlock (40P01)
/// after `deadlock_timeout`: a 500 for that guest, and a stalled pool for everyone else.
/// Every path that inserts a reservation goes through here. Lock order: hold-limit locks
/// (phone, IP) first, then the accommodation.
async fn book_row(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    guard: Option<&HoldGuard<'_>>,
    version: Option<i64>,
    row: &reservation::ActiveModel,
) -> Result<Option<reservation::Model>> {
    let now = clock.now();
    let check = guard.map(HoldGuard::check).unwrap_or_default();
    let booking =
        store::reservation_booking::book(db, &check, expiry::EXPIRY_AUDIT, now, version, row);
    match booking.await? {
        Booking::Booked { row, expired } => {
            let codes: Vec<&str> = expired.iter().map(String::as_str).collect();
            expiry::record_expired(&codes);
            Ok(Some(*row))
        }
        Booking::Stale => Ok(None),
        Booking::Refused(active) => {
            guard.map_or(Ok(()), |guard| guard.verdict(&active, now))?;
            Err(Error::Internal(
                "a booking was refused without a hold limit reached".into(),
            ))
        }
    }
}

/// Commits on success; on failure rolls back at once, releasing the locks now rather than when
/// the pool next recycles the connection.
pub(crate) async fn finish<T>(txn: impl TransactionSession, result: Result<T>) -> Result<T> {
    match result {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a refused booking failed");
            }
            Err(e)
        }
    }
}

/// A new pre-reserved row for a priced stay.
pub(crate) fn new_row(
    rules: &BookingRules,
    channel: Channel,
    priced: &PricedStay,
    contact: &Contact,
    policy: HoldPolicy,
) -> reservation::ActiveModel {
    let now = rules.clock.now();
    let quote = &priced.quote;
    reservation::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        code: Set(ReservationCode::generate(rules.clock.today(rules.timezone))),
        accommodation_id: Set(priced.accommodation.id),
        check_in: Set(priced.stay.check_in()),
        check_out: Set(priced.stay.check_out()),
        guest_name: Set(contact.name.clone()),
        guest_phone: Set(contact.phone.clone()),
        guest_email: Set(contact.email.clone()),
        guests: Set(i32::try_from(priced.guests).unwrap_or(i32::MAX)),
        nights: Set(i32::try_from(priced.stay.nights()).unwrap_or(i32::MAX)),
        price_per_night: Set(quote.base_rate),
        total_price: Set(quote.total),
        deposit_percent: Set(i16::from(quote.deposit_percent)),
        deposit_amount: Set(quote.deposit),
        paid_amount: Set(Money::ZERO),
        currency: Set(priced.accommodation.currency.clone()),
        status: Set(ReservationStatus::PreReserved),
        payment_status: Set(PaymentStatus::Unpaid),
        channel: Set(channel),
        expires_at: Set(Some((now + rules.hold).into())),
        notes: Set(contact.notes.clone()),
        client_ip: Set(policy.client_ip().map(|ip| ip.to_string())),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    }
}
