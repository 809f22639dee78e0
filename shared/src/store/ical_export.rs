//! Queries of the iCal export: the accommodation an export token opens, and the stays of its
//! feed.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    prelude::{DateTimeWithTimeZone, Uuid},
};

use crate::{
    Result,
    domain::{Channel, ReservationStatus},
    entities::{accommodation, reservation},
};

/// What the feed needs of a reservation: no guest data is even read.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct StayRow {
    /// Opaque id (the event UID).
    pub uuid: Uuid,
    /// First night.
    pub check_in: NaiveDate,
    /// Departure day.
    pub check_out: NaiveDate,
    /// Life-cycle status.
    pub status: ReservationStatus,
    /// Where it came from.
    pub channel: Channel,
    /// When a hold lapses.
    pub expires_at: Option<DateTimeWithTimeZone>,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// The accommodation one of whose export tokens is `token`: one query, each token column
/// under its own unique index (PostgreSQL ORs the three index probes).
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<accommodation::Model>> {
    use accommodation::Column;
    Ok(accommodation::Entity::find()
        .filter(
            Condition::any()
                .add(Column::IcalExportToken.eq(token))
                .add(Column::IcalTokenAirbnb.eq(token))
                .add(Column::IcalTokenBooking.eq(token)),
        )
        .one(db)
        .await?)
}

/// Every reservation of the accommodation, in any status, that has a night after `since`
/// (cancelled and lapsed ones too: their changes date the feed), by check-in.
pub async fn stays_ending_after(
    db: &impl ConnectionTrait,
    accommodation_id: i32,
    since: NaiveDate,
) -> Result<Vec<StayRow>> {
    use reservation::Column;
    Ok(reservation::Entity::find()
        .select_only()
        .columns([
            Column::Uuid,
            Column::CheckIn,
            Column::CheckOut,
            Column::Status,
            Column::Channel,
            Column::ExpiresAt,
            Column::UpdatedAt,
        ])
        .filter(Column::AccommodationId.eq(accommodation_id))
        .filter(Column::CheckOut.gt(since))
        .order_by_asc(Column::CheckIn)
        .order_by_asc(Column::Id)
        .into_model::<StayRow>()
        .all(db)
        .await?)
}
