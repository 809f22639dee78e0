//! Writing a new reservation and expiring lapsed holds, each in one statement: the SQL
//! functions `book_reservation` and `expire_lapsed_holds` of migration
//! `m20261203_000001_book_reservation` take the locks, check the hold limits, expire and audit
//! lapsed holds on the nights and insert, inside the server (one round trip; ADR 0098).

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, Value,
};

use crate::{
    Error, Result,
    db::stmt,
    entities::{
        audit_log::ActorKind,
        reservation::{self, Column},
    },
};

/// First key of the advisory lock that serializes bookings of one accommodation.
pub(crate) const BOOKING_LOCK_CLASS: i32 = 0x6361_6261;
/// Lock class of per-phone hold locks (first key of `pg_advisory_xact_lock(int, int)`).
const PHONE_LOCK_CLASS: i32 = 0x484f_4c50; // "HOLP"
/// Lock class of per-network hold locks.
const IP_LOCK_CLASS: i32 = 0x484f_4c49; // "HOLI"

/// SQL type of a parameter of `book_reservation`.
#[derive(Clone, Copy, Debug)]
enum Param {
    Uuid,
    Text,
    Integer,
    SmallInt,
    Numeric,
    Date,
    Timestamptz,
    Inet,
}

impl Param {
    /// The type's SQL name, for the cast after the placeholder.
    fn sql(self) -> &'static str {
        match self {
            Self::Uuid => "uuid",
            Self::Text => "text",
            Self::Integer => "integer",
            Self::SmallInt => "smallint",
            Self::Numeric => "numeric",
            Self::Date => "date",
            Self::Timestamptz => "timestamptz",
            Self::Inet => "inet",
        }
    }

    /// A NULL bound as the same Rust type the column's values are bound as. The statement is
    /// prepared once per connection with the types of its first binding, so a NULL of another
    /// type in a later call would be read as that first type's bytes.
    fn null(self) -> Value {
        match self {
            Self::Uuid => Value::Uuid(None),
            Self::Text | Self::Inet => Value::String(None),
            Self::Integer => Value::Int(None),
            Self::SmallInt => Value::SmallInt(None),
            Self::Numeric => Value::Decimal(None),
            Self::Date => Value::ChronoDate(None),
            Self::Timestamptz => Value::ChronoDateTimeWithTimeZone(None),
        }
    }
}

/// The columns a booking writes, in the order of `book_reservation`'s row parameters, with
/// the SQL type of each (a column the row leaves unset is sent as a NULL of that type).
const ROW_COLUMNS: [(Column, Param); 25] = [
    (Column::Uuid, Param::Uuid),
    (Column::Code, Param::Text),
    (Column::AccommodationId, Param::Integer),
    (Column::CheckIn, Param::Date),
    (Column::CheckOut, Param::Date),
    (Column::GuestName, Param::Text),
    (Column::GuestPhone, Param::Text),
    (Column::GuestEmail, Param::Text),
    (Column::Guests, Param::Integer),
    (Column::Nights, Param::Integer),
    (Column::PricePerNight, Param::Numeric),
    (Column::TotalPrice, Param::Numeric),
    (Column::DepositPercent, Param::SmallInt),
    (Column::DepositAmount, Param::Numeric),
    (Column::PaidAmount, Param::Numeric),
    (Column::Currency, Param::Text),
    (Column::Status, Param::Text),
    (Column::PaymentStatus, Param::Text),
    (Column::Channel, Param::Text),
    (Column::ExpiresAt, Param::Timestamptz),
    (Column::ConfirmedAt, Param::Timestamptz),
    (Column::Notes, Param::Text),
    (Column::ClientIp, Param::Inet),
    (Column::CreatedAt, Param::Timestamptz),
    (Column::UpdatedAt, Param::Timestamptz),
];

/// SQL types of `book_reservation`'s parameters before the row's (lock classes, hold checks,
/// now, the expiry's audit).
const LEADING_PARAMETERS: [&str; 12] = [
    "integer",
    "text",
    "integer",
    "integer",
    "text",
    "integer",
    "integer",
    "bigint",
    "timestamptz",
    "text",
    "text",
    "text",
];

/// The one statement of a booking.
static BOOK: LazyLock<String> = LazyLock::new(|| {
    let types = LEADING_PARAMETERS
        .iter()
        .copied()
        .chain(ROW_COLUMNS.iter().map(|(_, param)| param.sql()));
    let arguments: Vec<String> = types
        .enumerate()
        .map(|(i, ty)| format!("${}::{ty}", i + 1))
        .collect();
    format!(
        "SELECT b.by_phone, b.phone_first_expiry, b.by_ip, b.ip_first_expiry, b.expired_codes, \
         b.overlap, b.stale, {} FROM book_reservation({}) AS b",
        row_columns("(b.booked)."),
        arguments.join(", ")
    )
});

/// The statement of [`expire_lapsed_holds`].
static EXPIRE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM expire_lapsed_holds($1, $2, $3, $4, $5, $6, $7) AS x",
        row_columns("x.")
    )
});

/// Every column of a reservation row named `{prefix}column`, as the entity reads it (the
/// client IP as text).
fn row_columns(prefix: &str) -> String {
    let columns: Vec<String> = Column::iter()
        .map(|column| {
            let name = column.as_str();
            match column {
                Column::ClientIp => format!("{prefix}{name}::text AS {name}"),
                _ => format!("{prefix}{name}"),
            }
        })
        .collect();
    columns.join(", ")
}

/// Who the audit rows of an expiry name, and the action they record.
#[derive(Clone, Copy, Debug)]
pub struct ExpiryAudit<'a> {
    /// Kind of actor.
    pub actor_kind: ActorKind,
    /// The actor's name.
    pub actor: &'a str,
    /// The audited action (`reservation.expire`).
    pub action: &'a str,
}

/// The hold limits a booking is checked against; a key is `None` when its limit does not
/// apply (a limit of 0, or no client IP).
#[derive(Clone, Debug, Default)]
pub struct HoldCheck<'a> {
    /// The guest's phone (stored form) and how many active holds it may have.
    pub phone: Option<(&'a str, u32)>,
    /// The client's network (`203.0.113.7/32`, `2001:db8::/64`) and how many active holds it
    /// may have.
    pub network: Option<(String, u32)>,
}

/// Active holds of one phone and one network, with their earliest expiry, as the booking saw
/// them after taking their locks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActiveHolds {
    /// Active holds of the phone.
    pub by_phone: i64,
    /// When the earliest of them lapses.
    pub phone_first_expiry: Option<DateTime<Utc>>,
    /// Active holds of the network.
    pub by_ip: i64,
    /// When the earliest of them lapses.
    pub ip_first_expiry: Option<DateTime<Utc>>,
}

/// What [`book`] did.
#[derive(Clone, Debug)]
pub enum Booking {
    /// The row was inserted; `expired` are the codes of the lapsed holds expired on its nights.
    Booked {
        /// The new row.
        row: Box<reservation::Model>,
        /// Codes of lapsed holds that were expired (and audited) to make room.
        expired: Vec<String>,
    },
    /// A hold limit refused it: nothing was written.
    Refused(ActiveHolds),
    /// The accommodation changed since the version the row was priced from: nothing was
    /// inserted (lapsed holds on the nights may have been expired).
    Stale,
}

/// Books `row` in one statement: the hold-limit locks and counts of `check`, the
/// accommodation's booking lock, the audited expiry of lapsed holds on the nights, the insert
/// (only if the accommodation row still has `accommodation_version`, when given).
/// The exclusion constraint refuses overlapping nights (`Conflict(DateOverlap)`: the insert is
/// `ON CONFLICT DO NOTHING`, so the statement succeeds, nothing is written for the refused row
/// and the lapsed holds it expired stay expired), the code's unique index a taken code
/// (`Conflict(Duplicate)`, an error the caller retries with a new code). Autocommitted on a connection, or
/// part of the caller's transaction.
pub async fn book(
    db: &impl ConnectionTrait,
    check: &HoldCheck<'_>,
    audit: ExpiryAudit<'_>,
    now: DateTime<Utc>,
    accommodation_version: Option<i64>,
    row: &reservation::ActiveModel,
) -> Result<Booking> {
    let (phone, per_phone) = check.phone.unzip();
    let (network, per_network) = check.network.clone().unzip();
    let mut values: Vec<Value> = vec![
        PHONE_LOCK_CLASS.into(),
        phone.into(),
        per_phone.unwrap_or(0).into(),
        IP_LOCK_CLASS.into(),
        network.into(),
        per_network.unwrap_or(0).into(),
        BOOKING_LOCK_CLASS.into(),
        accommodation_version.into(),
        now.into(),
        audit.actor_kind.into(),
        audit.actor.into(),
        audit.action.into(),
    ];
    debug_assert_eq!(values.len(), LEADING_PARAMETERS.len());
    for (column, param) in ROW_COLUMNS {
        let value = row.get(column).into_value().unwrap_or_else(|| param.null());
        debug_assert_eq!(
            std::mem::discriminant(&value),
            std::mem::discriminant(&param.null()),
            "{column:?} is bound as {value:?}, not as its parameter's type"
        );
        values.push(value);
    }
    let result = db
        .query_one_raw(stmt(&BOOK, values))
        .await?
        .ok_or_else(|| Error::Internal("book_reservation returned no row".into()))?;
    let booked: Option<i64> = result.try_get("", "id")?;
    if booked.is_none() && result.try_get::<bool>("", "overlap")? {
        return Err(Error::date_overlap());
    }
    if booked.is_none() && result.try_get::<bool>("", "stale")? {
        return Ok(Booking::Stale);
    }
    if booked.is_none() {
        return Ok(Booking::Refused(ActiveHolds {
            by_phone: result.try_get("", "by_phone")?,
            phone_first_expiry: result.try_get("", "phone_first_expiry")?,
            by_ip: result.try_get("", "by_ip")?,
            ip_first_expiry: result.try_get("", "ip_first_expiry")?,
        }));
    }
    let expired: Option<Vec<String>> = result.try_get("", "expired_codes")?;
    Ok(Booking::Booked {
        row: Box::new(reservation::Model::from_query_result(&result, "")?),
        expired: expired.unwrap_or_default(),
    })
}

/// Expires lapsed holds, all of them or only those of one accommodation that overlap the
/// given nights, and audits each (in the same statement). Returns the expired rows.
pub async fn expire_lapsed_holds(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    audit: ExpiryAudit<'_>,
    only_overlapping: Option<(i32, NaiveDate, NaiveDate)>,
) -> Result<Vec<reservation::Model>> {
    let (accommodation_id, check_in, check_out) = match only_overlapping {
        Some((id, from, to)) => (Some(id), Some(from), Some(to)),
        None => (None, None, None),
    };
    let values: Vec<Value> = vec![
        now.into(),
        audit.actor_kind.into(),
        audit.actor.into(),
        audit.action.into(),
        accommodation_id.into(),
        check_in.into(),
        check_out.into(),
    ];
    Ok(reservation::Entity::find()
        .from_raw_sql(stmt(&EXPIRE, values))
        .all(db)
        .await?)
}
