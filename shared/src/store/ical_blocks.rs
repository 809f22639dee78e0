//! Queries on imported blocks: `reservations` rows with status `blocked` and a feed.
//!
//! Every write goes through the exclusion constraint: a block lands only on free nights. A new
//! block is inserted with `ON CONFLICT DO NOTHING` (an exclusion constraint is an arbiter for
//! `DO NOTHING`), so a whole feed is placed in a few statements and the events whose nights
//! are taken simply come back missing; a move runs under a savepoint, so a refused move leaves
//! the transaction usable.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    Error, Result,
    db::stmt,
    domain::{Channel, PaymentStatus, ReservationCode, ReservationStatus, Stay},
    entities::reservation::{self, Column},
};

/// A standing block of a feed.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct StandingBlock {
    /// Row id.
    pub id: i64,
    /// The event's UID in the feed.
    pub external_uid: String,
    /// First night.
    pub check_in: NaiveDate,
    /// Departure day.
    pub check_out: NaiveDate,
}

/// The stay holding some nights.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Holder {
    /// Row id.
    pub id: i64,
    /// Its status (`blocked` for another block).
    pub status: ReservationStatus,
}

/// What a block row of one feed is made of.
#[derive(Clone, Copy, Debug)]
pub struct FeedBlocks<'a> {
    /// The accommodation.
    pub accommodation_id: i32,
    /// The feed.
    pub feed_id: i64,
    /// The reservation channel of the feed's source.
    pub channel: Channel,
    /// The name the owner's lists show in place of a guest's.
    pub label: &'a str,
}

/// Rows per insert statement (5 values each, far below PostgreSQL's 65,535 parameters).
const INSERT_CHUNK: usize = 1000;

/// The standing blocks of a feed.
pub async fn standing(db: &impl ConnectionTrait, feed_id: i64) -> Result<Vec<StandingBlock>> {
    Ok(reservation::Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::ExternalUid,
            Column::CheckIn,
            Column::CheckOut,
        ])
        .filter(Column::IcalFeedId.eq(feed_id))
        .filter(Column::Status.eq(ReservationStatus::Blocked))
        .filter(Column::ExternalUid.is_not_null())
        .into_model::<StandingBlock>()
        .all(db)
        .await?)
}

/// Inserts a block for each `(uid, stay)` whose nights are free; returns the UIDs placed.
pub async fn insert_where_free(
    db: &impl ConnectionTrait,
    of: FeedBlocks<'_>,
    events: &[(&str, Stay)],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let mut placed = Vec::new();
    for chunk in events.chunks(INSERT_CHUNK) {
        let mut values: Vec<sea_orm::Value> = vec![
            of.accommodation_id.into(),
            of.label.into(),
            ReservationStatus::Blocked.into(),
            PaymentStatus::Unpaid.into(),
            of.channel.into(),
            of.feed_id.into(),
            now.into(),
        ];
        let mut rows = Vec::with_capacity(chunk.len());
        for (uid, stay) in chunk {
            let n = values.len();
            rows.push(format!(
                "(${}::uuid, ${}, ${}::date, ${}::date, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
            values.push(Uuid::now_v7().into());
            values.push(ReservationCode::generate(today).as_str().into());
            values.push(stay.check_in().into());
            values.push(stay.check_out().into());
            values.push((*uid).into());
        }
        let sql = format!(
            "INSERT INTO reservations (uuid, code, accommodation_id, check_in, check_out, guest_name,
                 guests, nights, price_per_night, total_price, deposit_percent, deposit_amount,
                 currency, status, payment_status, channel, ical_feed_id, external_uid,
                 created_at, updated_at)
             SELECT v.uuid, v.code, a.id, v.check_in, v.check_out, $2, 1, v.check_out - v.check_in,
                 0, 0, 0, 0, a.currency, $3, $4, $5, $6, v.uid, $7, $7
             FROM accommodations a,
                 (VALUES {}) AS v (uuid, code, check_in, check_out, uid)
             WHERE a.id = $1
             ON CONFLICT DO NOTHING
             RETURNING external_uid",
            rows.join(", ")
        );
        for row in db.query_all_raw(stmt(&sql, values)).await? {
            placed.push(row.try_get::<String>("", "external_uid")?);
        }
    }
    Ok(placed)
}

/// Moves a block to `stay` if those nights are free; false (and nothing changed) when they
/// are taken.
pub async fn move_if_free(
    txn: &DatabaseTransaction,
    id: i64,
    stay: Stay,
    now: DateTime<Utc>,
) -> Result<bool> {
    let savepoint = txn.begin().await?;
    let moved = reservation::Entity::update_many()
        .col_expr(Column::CheckIn, Expr::value(stay.check_in()))
        .col_expr(Column::CheckOut, Expr::value(stay.check_out()))
        .col_expr(
            Column::Nights,
            Expr::value(i32::try_from(stay.nights()).unwrap_or(i32::MAX)),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(&savepoint)
        .await
        .map_err(Error::from);
    match moved {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(true)
        }
        Err(e) if e.is_date_overlap() => {
            savepoint.rollback().await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Releases blocks (status `cancelled`, with the reason); returns how many were standing.
pub async fn release(
    db: &impl ConnectionTrait,
    ids: &[i64],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = reservation::Entity::update_many()
        .col_expr(Column::Status, Expr::value(ReservationStatus::Cancelled))
        .col_expr(Column::CancelledAt, Expr::value(now))
        .col_expr(Column::CancellationReason, Expr::value(reason))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::Status.eq(ReservationStatus::Blocked))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The first stay (by check-in) of the accommodation but `except` that holds some of
/// `stay`'s nights, as the exclusion constraint sees it (a lapsed hold the sweep has not
/// expired still holds).
pub async fn holder(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    stay: Stay,
    except: Option<i64>,
) -> Result<Option<Holder>> {
    let mut query = reservation::Entity::find();
    if let Some(id) = except {
        query = query.filter(Column::Id.ne(id));
    }
    Ok(query
        .select_only()
        .columns([Column::Id, Column::Status])
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::Status.is_in(ReservationStatus::ACTIVE))
        .filter(Column::CheckIn.lt(stay.check_out()))
        .filter(Column::CheckOut.gt(stay.check_in()))
        .order_by_asc(Column::CheckIn)
        .into_model::<Holder>()
        .one(db)
        .await?)
}
