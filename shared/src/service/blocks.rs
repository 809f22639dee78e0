//! Nights the owner closes (maintenance, personal use) and the blocks standing on a calendar.
//!
//! An owner block is a row of `reservations` with status `blocked`, channel admin and no
//! feed or event UID, so the one exclusion constraint that forbids double booking judges it:
//! a block cannot land on a guest's nights or another block (`Conflict(DateOverlap)`), and no
//! guest can book the nights it holds. It has no guest and no price: the guest name is a
//! label, prices and the deposit are zero, the owner's reason is kept in `notes`.
//!
//! Listing shows the owner's blocks and the ones imported from channel feeds, each with its
//! source; only the owner's can be released here (an imported one comes back with the next
//! sync unless its feed or the event at the channel goes). Creating and releasing are audited
//! in their transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, TransactionTrait, prelude::Uuid};

use super::{
    BookingRules,
    audit::{self, AuditContext, Change},
    availability,
    booking::{self, finish},
    retry,
};
use crate::{
    Error, FieldError, Result,
    clock::Clock,
    domain::{
        Channel, FeedSource, GuestName, Money, PaymentStatus, ReservationCode, ReservationStatus,
        Stay, StayLimits,
    },
    entities::{accommodation, reservation},
    error::ConflictKind,
    store,
};

/// The guest name an owner block carries (lists and the calendar show it where a guest's name
/// would be).
pub const OWNER_BLOCK_LABEL: &str = "Owner block";
/// The longest block, in nights: a whole (leap) year.
pub const MAX_BLOCK_NIGHTS: u32 = 366;
/// How many calendar months ahead a block may start, at least (further when bookings open
/// further ahead): the owner may close a season before pricing it.
pub const BLOCK_MONTHS_AHEAD: u32 = 24;
/// The longest reason kept with a block.
pub const MAX_BLOCK_REASON_CHARS: usize = 200;
/// The cancellation reason of a released owner block.
pub const RELEASE_REASON: &str = "released by the owner";

/// Who closed the nights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockSource {
    /// The owner, through the admin API.
    Owner,
    /// A channel's calendar feed.
    Feed(FeedSource),
}

impl BlockSource {
    /// The wire name: `owner`, or the feed's source (`airbnb`, `booking`, `vrbo`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Feed(source) => source.as_str(),
        }
    }

    /// The source of a blocked row; `feed` is the source of its feed when that row still
    /// exists (a block whose feed is gone is named after its channel).
    fn of(row: &reservation::Model, feed: Option<FeedSource>) -> Self {
        if row.ical_feed_id.is_none() && row.external_uid.is_none() {
            return Self::Owner;
        }
        Self::Feed(feed.unwrap_or(match row.channel {
            Channel::Airbnb => FeedSource::Airbnb,
            Channel::Booking => FeedSource::Booking,
            _ => FeedSource::Other,
        }))
    }
}

/// A standing (or just released) block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The row's uuid (what the admin routes name).
    pub id: Uuid,
    /// The accommodation closed.
    pub accommodation_id: i32,
    /// First night closed.
    pub check_in: NaiveDate,
    /// Day after the last night closed.
    pub check_out: NaiveDate,
    /// Nights closed.
    pub nights: i32,
    /// Why (the owner's words, or what the import kept).
    pub reason: Option<String>,
    /// Who closed them.
    pub source: BlockSource,
    /// When the block was stored.
    pub created_at: DateTime<Utc>,
}

impl Block {
    fn new(row: reservation::Model, feed: Option<FeedSource>) -> Self {
        Self {
            source: BlockSource::of(&row, feed),
            id: row.uuid,
            accommodation_id: row.accommodation_id,
            check_in: row.check_in,
            check_out: row.check_out,
            nights: row.nights,
            reason: row.notes,
            created_at: row.created_at.with_timezone(&Utc),
        }
    }
}

/// Nights the owner asks to close (raw input, checked by [`create`]).
#[derive(Clone, Debug)]
pub struct BlockRequest {
    /// Accommodation id.
    pub accommodation_id: i32,
    /// First night, `YYYY-MM-DD`.
    pub check_in: String,
    /// Day after the last night, `YYYY-MM-DD`.
    pub check_out: String,
    /// Why, optional (blank is none).
    pub reason: Option<String>,
}

/// The reason as kept: trimmed, blank as none, at most [`MAX_BLOCK_REASON_CHARS`].
fn parse_reason(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if r.chars().count() > MAX_BLOCK_REASON_CHARS => Err(FieldError::new(
            "reason",
            "too_long",
            format!("the reason can have at most {MAX_BLOCK_REASON_CHARS} characters"),
        )),
        reason => Ok(reason.map(str::to_owned)),
    }
}

/// Date limits of a new block: check-in today or later, at most [`MAX_BLOCK_NIGHTS`], starting
/// at most [`BLOCK_MONTHS_AHEAD`] months ahead (or as far as bookings open, if further).
fn limits(rules: &BookingRules) -> StayLimits {
    StayLimits::new(
        rules.clock.today(rules.timezone),
        MAX_BLOCK_NIGHTS,
        rules.max_months_ahead.max(BLOCK_MONTHS_AHEAD),
    )
}

/// The row of a new owner block.
fn new_row(
    rules: &BookingRules,
    accommodation: &accommodation::Model,
    stay: &Stay,
    reason: Option<String>,
) -> Result<reservation::ActiveModel> {
    let now = rules.clock.now();
    // A constant the unit tests parse: failing here would be a bug, not bad input.
    let label = GuestName::parse("guest_name", OWNER_BLOCK_LABEL)
        .map_err(|e| Error::Internal(e.message.into()))?;
    Ok(reservation::ActiveModel {
        uuid: Set(Uuid::now_v7()),
        code: Set(ReservationCode::generate(rules.clock.today(rules.timezone))),
        accommodation_id: Set(accommodation.id),
        check_in: Set(stay.check_in()),
        check_out: Set(stay.check_out()),
        guest_name: Set(label),
        guest_phone: Set(None),
        guest_email: Set(None),
        guests: Set(1),
        nights: Set(i32::try_from(stay.nights()).unwrap_or(i32::MAX)),
        price_per_night: Set(Money::ZERO),
        total_price: Set(Money::ZERO),
        deposit_percent: Set(0),
        deposit_amount: Set(Money::ZERO),
        paid_amount: Set(Money::ZERO),
        currency: Set(accommodation.currency.clone()),
        status: Set(ReservationStatus::Blocked),
        payment_status: Set(PaymentStatus::Unpaid),
        channel: Set(Channel::Admin),
        expires_at: Set(None),
        notes: Set(reason),
        client_ip: Set(None),
        ical_feed_id: Set(None),
        external_uid: Set(None),
        created_at: Set(now.into()),
        updated_at: Set(now.into()),
        ..Default::default()
    })
}

/// Closes nights of an active accommodation. `NotFound` for an unknown or inactive one,
/// `Invalid` listing every bad field, `Conflict(DateOverlap)` when any night is held by a
/// guest's stay or another block (nothing is stored then).
#[tracing::instrument(skip_all, fields(accommodation_id = request.accommodation_id), err)]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    rules: &BookingRules,
    ctx: &AuditContext,
    request: &BlockRequest,
) -> Result<Block> {
    let accommodation = store::accommodations::find_active(db, request.accommodation_id).await?;
    let mut errors = Vec::new();
    let stay = Stay::parse_new(&request.check_in, &request.check_out, limits(rules))
        .map_err(|e| errors.extend(e))
        .ok();
    let reason = parse_reason(request.reason.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(stay), Some(reason)) = (stay, reason) else {
        return Err(Error::Invalid(errors));
    };
    let row = new_row(rules, &accommodation, &stay, reason)?;
    let created = retry::once("owner_block", || async {
        let txn = db.begin().await?;
        let clock = rules.clock.as_ref();
        let created = insert_in(&txn, clock, ctx, row.clone()).await;
        finish(txn, created).await
    })
    .await?;
    Ok(Block::new(created, None))
}

/// Inserts the block as every booking is inserted (the accommodation's booking lock, lapsed
/// holds on its nights expired first: a hold past its time must not refuse the block), and
/// audits it.
async fn insert_in(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &AuditContext,
    row: reservation::ActiveModel,
) -> Result<reservation::Model> {
    let created = booking::insert_locked(txn, clock, &row).await?;
    let change = Change::reservation("block.create", None, &created);
    audit::record(txn, ctx, clock.now(), change).await?;
    Ok(created)
}

/// Standing blocks of an accommodation (active or not) sharing a night with the window
/// `[from, to)` (defaults and bounds of [`availability::window`]), in date order.
pub async fn list(
    db: &impl ConnectionTrait,
    rules: &BookingRules,
    accommodation_id: i32,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Block>> {
    let (from, to) = availability::window(rules, from, to)?;
    store::accommodations::find(db, accommodation_id).await?;
    let rows = store::blocks::standing_in_window(db, accommodation_id, from, to).await?;
    Ok(rows
        .into_iter()
        .map(|(row, feed)| Block::new(row, feed))
        .collect())
}

/// Releases a standing owner block: it becomes cancelled (with [`RELEASE_REASON`]) and its
/// nights are free. `NotFound` when the accommodation has no standing block with that id
/// (including one already released); `Conflict(NotEditable)` for an imported block.
#[tracing::instrument(skip_all, fields(accommodation_id = accommodation_id, block_id = %id), err)]
pub async fn release<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    clock: &dyn Clock,
    ctx: &AuditContext,
    accommodation_id: i32,
    id: Uuid,
) -> Result<Block> {
    let released = retry::once("owner_block_release", || async {
        let txn = db.begin().await?;
        let released = release_in(&txn, clock, ctx, accommodation_id, id).await;
        finish(txn, released).await
    })
    .await?;
    Ok(Block::new(released, None))
}

async fn release_in(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    ctx: &AuditContext,
    accommodation_id: i32,
    id: Uuid,
) -> Result<reservation::Model> {
    let before = store::blocks::find(txn, accommodation_id, id)
        .await?
        .filter(|row| row.status == ReservationStatus::Blocked)
        .ok_or(Error::NotFound("block"))?;
    if let BlockSource::Feed(source) = BlockSource::of(&before, None) {
        return Err(Error::conflict(
            ConflictKind::NotEditable,
            format!(
                "this {} was imported from a channel's calendar and only the import may \
                 release it: remove the feed, or the event at the channel",
                source.block_label()
            ),
        ));
    }
    let now = clock.now();
    let after = store::blocks::release_owner_block(txn, before.id, now, RELEASE_REASON)
        .await?
        .ok_or(Error::NotFound("block"))?;
    let change = Change::reservation("block.release", Some(&before), &after);
    audit::record(txn, ctx, now, change).await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_block_label_is_a_valid_guest_name() {
        assert!(GuestName::parse("guest_name", OWNER_BLOCK_LABEL).is_ok());
    }

    #[test]
    fn reasons_are_trimmed_blank_is_none_and_long_ones_are_refused() {
        assert_eq!(parse_reason(None), Ok(None));
        assert_eq!(parse_reason(Some("   ")), Ok(None));
        assert_eq!(
            parse_reason(Some("  painting the deck ")),
            Ok(Some("painting the deck".into()))
        );
        let longest = "a".repeat(MAX_BLOCK_REASON_CHARS);
        assert_eq!(parse_reason(Some(&longest)), Ok(Some(longest.clone())));
        let err = parse_reason(Some(&format!("{longest}a"))).expect_err("too long");
        assert_eq!(
            (err.field.as_str(), err.code.as_str()),
            ("reason", "too_long")
        );
    }
}
