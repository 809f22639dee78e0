//! Pre-reserve a stay: validate, price, and insert a hold that the database itself refuses
//! when the nights are taken.

use sea_orm::{ActiveValue::Set, ConnectionTrait, TransactionSession, TransactionTrait};
use uuid::Uuid;

use super::{
    BookingRules,
    quote::{PricedStay, QuoteRequest, price_stay},
};
use crate::{
    Error, FieldError, Result,
    domain::{
        Channel, Email, GuestName, Money, PaymentStatus, PhoneNumber, ReservationCode,
        ReservationStatus,
    },
    entities::reservation,
    error::ConflictKind,
    store,
};

/// Longest notes accepted.
const MAX_NOTES_CHARS: usize = 2000;
/// How many times a colliding random code is regenerated.
const CODE_ATTEMPTS: usize = 5;

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
    /// Names of the contact fields as the client calls them (they differ on the legacy route).
    pub field_names: ContactFieldNames,
    /// Fields the client layer already refused (a channel it may not claim); reported together
    /// with these checks, and nothing is stored while any remain.
    pub rejected: Vec<FieldError>,
}

/// The client's names for the contact fields, so errors point at what the client sent.
#[derive(Clone, Copy, Debug)]
pub struct ContactFieldNames {
    /// Name field.
    pub name: &'static str,
    /// Phone field.
    pub phone: &'static str,
    /// Email field.
    pub email: &'static str,
}

impl ContactFieldNames {
    /// `guest_name`, `guest_phone`, `guest_email`.
    pub const GUEST: Self = Self {
        name: "guest_name",
        phone: "guest_phone",
        email: "guest_email",
    };
    /// `contact_name`, `contact_phone`, `contact_email` (the system this replaces).
    pub const CONTACT: Self = Self {
        name: "contact_name",
        phone: "contact_phone",
        email: "contact_email",
    };
}

struct Contact {
    name: GuestName,
    phone: PhoneNumber,
    email: Option<Email>,
    notes: Option<String>,
}

fn parse_contact(request: &BookingRequest) -> (Option<Contact>, Vec<FieldError>) {
    let names = request.field_names;
    let mut errors = request.rejected.clone();
    let name = GuestName::parse(names.name, &request.guest_name)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = PhoneNumber::parse(names.phone, &request.guest_phone)
        .map_err(|e| errors.push(e))
        .ok();
    let email = match request.guest_email.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => Email::parse(names.email, raw)
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
/// Overlaps are detected by the exclusion constraint, never by a read-then-write check. Lapsed
/// holds on those nights are expired in the same transaction as the insert, so an expired hold
/// never blocks a booking.
pub async fn pre_reserve<C>(
    db: &C,
    rules: &BookingRules,
    request: &BookingRequest,
) -> Result<reservation::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    let (contact, contact_errors) = parse_contact(request);
    let priced = price_stay(db, rules, &request.stay, contact_errors).await?;
    let contact = contact.ok_or_else(|| Error::Invalid(Vec::new()))?;
    for _ in 0..CODE_ATTEMPTS {
        let row = new_row(rules, request.channel, &priced, &contact);
        match insert_expiring_lapsed(db, rules, &priced, row).await {
            Err(Error::Conflict {
                kind: ConflictKind::Duplicate,
                ..
            }) => continue,
            Err(e) if e.is_date_overlap() => {
                metrics::counter!("reservation_overlap_total", "channel" => request.channel.as_str())
                    .increment(1);
                return Err(e);
            }
            other => {
                if let Ok(row) = &other {
                    metrics::counter!("reservation_create_total", "channel" => request.channel.as_str())
                        .increment(1);
                    tracing::info!(
                        reservation_code = %row.code,
                        accommodation_id = row.accommodation_id,
                        channel = %request.channel,
                        guest_phone = %crate::mask::phone(contact.phone.as_str()),
                        "pre-reservation created"
                    );
                }
                return other;
            }
        }
    }
    Err(Error::Internal(
        "could not generate a unique reservation code".into(),
    ))
}

/// Inserts `row` after expiring lapsed holds on its nights, holding the accommodation's
/// booking lock for the transaction.
///
/// The lock only serializes bookings of one accommodation; the exclusion constraint still
/// decides. Without it, two concurrent inserts of overlapping nights each wait for the other
/// inside the constraint check, and PostgreSQL aborts one as a deadlock (40P01) after
/// `deadlock_timeout`: a 500 for that guest, and a stalled pool for everyone else.
async fn insert_expiring_lapsed<C>(
    db: &C,
    rules: &BookingRules,
    priced: &PricedStay,
    row: reservation::ActiveModel,
) -> Result<reservation::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    store::reservations::lock_accommodation(&txn, priced.accommodation.id).await?;
    store::reservations::expire_lapsed_holds(
        &txn,
        rules.clock.now(),
        Some((
            priced.accommodation.id,
            priced.stay.check_in(),
            priced.stay.check_out(),
        )),
    )
    .await?;
    match store::reservations::insert(&txn, row).await {
        Ok(inserted) => {
            txn.commit().await?;
            Ok(inserted)
        }
        Err(e) => {
            // Release the lock now, not when the pool next recycles the connection.
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a refused booking failed");
            }
            Err(e)
        }
    }
}

fn new_row(
    rules: &BookingRules,
    channel: Channel,
    priced: &PricedStay,
    contact: &Contact,
) -> reservation::ActiveModel {
    let now = rules.clock.now();
    let quote = &priced.quote;
    reservation::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        code: Set(ReservationCode::generate(rules.clock.today(rules.timezone)).to_string()),
        accommodation_id: Set(priced.accommodation.id),
        check_in: Set(priced.stay.check_in()),
        check_out: Set(priced.stay.check_out()),
        guest_name: Set(contact.name.as_str().to_owned()),
        guest_phone: Set(Some(contact.phone.as_str().to_owned())),
        guest_email: Set(contact.email.as_ref().map(|e| e.as_str().to_owned())),
        guests: Set(i32::try_from(priced.guests).unwrap_or(i32::MAX)),
        nights: Set(i32::try_from(priced.stay.nights()).unwrap_or(i32::MAX)),
        price_per_night: Set(quote.base_rate.amount()),
        total_price: Set(quote.total.amount()),
        deposit_percent: Set(i16::from(quote.deposit_percent)),
        deposit_amount: Set(quote.deposit.amount()),
        paid_amount: Set(Money::ZERO.amount()),
        currency: Set(priced.accommodation.currency.clone()),
        status: Set(ReservationStatus::PreReserved),
        payment_status: Set(PaymentStatus::Unpaid),
        channel: Set(channel),
        expires_at: Set(Some((now + rules.hold).into())),
        notes: Set(contact.notes.clone()),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    }
}
