//! Queries of the iCal export: the accommodation an export token opens together with the
//! fingerprint that says whether its cached feed is still current, and the stays of its feed.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
    prelude::{DateTimeWithTimeZone, Uuid},
};

use crate::{
    Result,
    db::stmt,
    domain::{Channel, FeedConsumer, IcalToken, ReservationStatus},
    entities::reservation,
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

/// How a request names the accommodation whose feed it wants.
#[derive(Clone, Copy, Debug)]
pub enum FeedLookup<'a> {
    /// By numeric id (the token is checked by the caller).
    Id(i32),
    /// By one of its export tokens: each token column has its own unique index, and
    /// PostgreSQL ORs the three index probes.
    Token(&'a str),
}

/// What one statement tells about an accommodation's feed: its tokens, what it renders of the
/// accommodation, and a fingerprint of its reservations in the window.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct FeedHead {
    /// Numeric id.
    pub id: i32,
    /// Display name (the calendar's name).
    pub name: String,
    /// Last change of the accommodation row.
    pub updated_at: DateTimeWithTimeZone,
    /// Token of the generic URL.
    pub ical_export_token: IcalToken,
    /// Token of Airbnb's URL.
    pub ical_token_airbnb: IcalToken,
    /// Token of Booking.com's URL.
    pub ical_token_booking: IcalToken,
    /// How many reservations, in any status, have a night after the window's start.
    pub stays: i64,
    /// Minus the sum of those rows' `xmin` (the id of the transaction that last wrote each
    /// one), give or take `3 × stays`: any insert, update or delete of a row in the window
    /// changes it, whatever columns the writer did or did not touch and whatever its clock
    /// said. Computed as `Σ age(xmin) − stays × age('3')` (each `age` counts back from the
    /// same current transaction id, so that cancels out), which costs PostgreSQL about half
    /// what `Σ xmin::text::bigint` does: `xid` has no cast to a number but through text.
    pub fingerprint: i64,
}

impl FeedHead {
    /// The token of `consumer`'s URL.
    pub fn token(&self, consumer: FeedConsumer) -> &IcalToken {
        match consumer {
            FeedConsumer::Airbnb => &self.ical_token_airbnb,
            FeedConsumer::Booking => &self.ical_token_booking,
            FeedConsumer::Generic => &self.ical_export_token,
        }
    }
}

/// The statement of [`feed_head`], with the lookup's condition on `a` last.
macro_rules! feed_head_sql {
    ($lookup:literal) => {
        concat!(
            "SELECT a.id, a.name, a.updated_at,
                    a.ical_export_token, a.ical_token_airbnb, a.ical_token_booking,
                    s.stays, s.fingerprint
             FROM accommodations a
             CROSS JOIN LATERAL (
                 SELECT count(*) AS stays,
                        COALESCE(sum(age(r.xmin)) - count(*) * age('3'::xid), 0)::bigint
                            AS fingerprint
                 FROM reservations r
                 WHERE r.accommodation_id = a.id AND r.check_out > $1
             ) s
             WHERE ",
            $lookup
        )
    };
}

/// The accommodation `lookup` names and the fingerprint of its reservations departing after
/// `since`, in one round trip: what every feed request reads, cached or not.
pub async fn feed_head(
    db: &impl ConnectionTrait,
    lookup: FeedLookup<'_>,
    since: NaiveDate,
) -> Result<Option<FeedHead>> {
    let statement = match lookup {
        FeedLookup::Id(id) => stmt(feed_head_sql!("a.id = $2"), vec![since.into(), id.into()]),
        FeedLookup::Token(token) => stmt(
            feed_head_sql!(
                "(a.ical_export_token = $2 OR a.ical_token_airbnb = $2 OR a.ical_token_booking = $2)"
            ),
            vec![since.into(), token.into()],
        ),
    };
    Ok(FeedHead::find_by_statement(statement).one(db).await?)
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
