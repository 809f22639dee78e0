//! Queries on `reservations`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};

use super::reservation_booking::BOOKING_LOCK_CLASS;
use crate::{
    Result,
    db::stmt,
    domain::{Money, PaymentStatus, ReservationCode, ReservationStatus},
    entities::reservation::{self, Column},
};

/// Takes the booking lock of one accommodation until the current transaction ends.
pub async fn lock_accommodation(db: &impl ConnectionTrait, accommodation_id: i32) -> Result<()> {
    db.execute_raw(stmt(
        "SELECT pg_advisory_xact_lock($1, $2)",
        vec![BOOKING_LOCK_CLASS.into(), accommodation_id.into()],
    ))
    .await?;
    Ok(())
}

/// A reservation by its code.
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &ReservationCode,
) -> Result<Option<reservation::Model>> {
    Ok(reservation::Entity::find()
        .filter(Column::Code.eq(code.clone()))
        .one(db)
        .await?)
}

/// Not a hold that has lapsed at `now` (even if the sweep has not expired it yet).
fn not_lapsed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::Status.ne(ReservationStatus::PreReserved))
        .add(Column::ExpiresAt.gt(now))
}

/// Active reservations of one accommodation that share a night with `[from, to)`, in date
/// order. Holds that have lapsed (even if not yet swept) are not active.
pub async fn active_in_window(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<reservation::Model>> {
    Ok(reservation::Entity::find()
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::Status.is_in(ReservationStatus::ACTIVE))
        .filter(not_lapsed(now))
        .filter(Column::CheckIn.lt(to))
        .filter(Column::CheckOut.gt(from))
        .order_by_asc(Column::CheckIn)
        .all(db)
        .await?)
}

/// Moves a reservation to `to` if its current status allows it, stamping the time; returns the
/// updated row, or `None` when no row with that code is in an allowed status.
///
/// The status check is part of the `UPDATE`, so two concurrent transitions cannot both win.
pub async fn transition(
    db: &impl ConnectionTrait,
    code: &ReservationCode,
    to: ReservationStatus,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<Option<reservation::Model>> {
    let stamp = match to {
        ReservationStatus::Confirmed => Some(Column::ConfirmedAt),
        ReservationStatus::Cancelled => Some(Column::CancelledAt),
        ReservationStatus::Expired => Some(Column::ExpiredAt),
        ReservationStatus::Completed => Some(Column::CompletedAt),
        ReservationStatus::PreReserved | ReservationStatus::Blocked => None,
    };
    let mut update = reservation::Entity::update_many()
        .col_expr(Column::Status, Expr::value(to))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Code.eq(code.clone()))
        .filter(Column::Status.is_in(ReservationStatus::allowed_previous(to)));
    if let Some(column) = stamp {
        update = update.col_expr(column, Expr::value(now));
    }
    if to == ReservationStatus::Confirmed {
        // A confirmed stay no longer lapses.
        update = update.col_expr(
            Column::ExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    }
    if let Some(reason) = reason {
        update = update.col_expr(Column::CancellationReason, Expr::value(reason));
    }
    let mut rows = update.exec_with_returning(db).await?;
    Ok(rows.pop())
}

/// A reservation by its code, locked for update until the transaction ends.
pub async fn lock_by_code(
    db: &impl ConnectionTrait,
    code: &ReservationCode,
) -> Result<Option<reservation::Model>> {
    use sea_orm::QuerySelect;
    Ok(reservation::Entity::find()
        .filter(Column::Code.eq(code.clone()))
        .lock_exclusive()
        .one(db)
        .await?)
}

/// Brings an expired hold back as confirmed because its deposit arrived late. Only payment
/// reconciliation does this (it is not in the general transition table): the exclusion
/// constraint refuses it (`Conflict(DateOverlap)`) when someone else took the nights meanwhile.
pub async fn revive_expired_as_confirmed(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<reservation::Model>> {
    let mut rows = reservation::Entity::update_many()
        .col_expr(Column::Status, Expr::value(ReservationStatus::Confirmed))
        .col_expr(Column::ConfirmedAt, Expr::value(now))
        .col_expr(
            Column::ExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(ReservationStatus::Expired))
        .exec_with_returning(db)
        .await?;
    Ok(rows.pop())
}

/// Stores what a reservation's payments add up to.
pub async fn set_payment_totals(
    db: &impl ConnectionTrait,
    id: i64,
    paid_amount: Money,
    payment_status: PaymentStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    reservation::Entity::update_many()
        .col_expr(Column::PaidAmount, Expr::value(paid_amount))
        .col_expr(Column::PaymentStatus, Expr::value(payment_status))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Locks a reservation whose nights may change (re-activated, re-dated), in the one lock order
/// every booking path uses: the accommodation's booking lock first, then the row. Taking the
/// row first could deadlock against a booking that holds the accommodation lock and expires
/// that same row.
pub async fn lock_with_accommodation(
    db: &impl ConnectionTrait,
    code: &ReservationCode,
) -> Result<Option<reservation::Model>> {
    let Some(found) = find_by_code(db, code).await? else {
        return Ok(None);
    };
    lock_accommodation(db, found.accommodation_id).await?;
    lock_by_code(db, code).await
}

/// A reservation by id.
pub async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<reservation::Model>> {
    Ok(reservation::Entity::find_by_id(id).one(db).await?)
}

/// The guest's own hold on exactly these nights of this cabin, still open at `now`.
pub async fn open_hold(
    db: &impl ConnectionTrait,
    phone: &str,
    accommodation_id: i32,
    check_in: NaiveDate,
    check_out: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<reservation::Model>> {
    Ok(reservation::Entity::find()
        .filter(Column::GuestPhone.eq(phone))
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::CheckIn.eq(check_in))
        .filter(Column::CheckOut.eq(check_out))
        .filter(Column::Status.eq(ReservationStatus::PreReserved))
        .filter(Column::ExpiresAt.gt(now))
        .one(db)
        .await?)
}

/// Reservations holding nights now or ahead at `now` (`today` in the business timezone): open
/// holds and confirmed stays whose check-out has not passed.
pub async fn count_active(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(reservation::Entity::find()
        .filter(Column::Status.is_in(ReservationStatus::EDITABLE))
        .filter(not_lapsed(now))
        .filter(Column::CheckOut.gt(today))
        .count(db)
        .await?)
}
