//! Queries on `payments` and `payment_alerts`, scoped by reservation or by provider payment id.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{
    Result,
    db::stmt,
    domain::{AlertKind, PaymentProvider, PaymentRecordStatus},
    entities::{
        payment::{self, Column},
        payment_alert,
    },
};

/// The reservation's checkout link that is still valid at `now`, if any.
pub async fn open_link(
    db: &impl ConnectionTrait,
    reservation_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(Column::ReservationId.eq(reservation_id))
        .filter(Column::Status.eq(PaymentRecordStatus::LinkCreated))
        .filter(Column::ExpiresAt.gt(now))
        .order_by_desc(Column::ExpiresAt)
        .one(db)
        .await?)
}

/// The reservation's most recent checkout link, valid or not.
pub async fn latest_link(
    db: &impl ConnectionTrait,
    reservation_id: i64,
) -> Result<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(Column::ReservationId.eq(reservation_id))
        .filter(Column::InitPoint.is_not_null())
        .order_by_desc(Column::CreatedAt)
        .one(db)
        .await?)
}

/// The row of one provider payment.
pub async fn find_by_provider_payment_id(
    db: &impl ConnectionTrait,
    provider_payment_id: &str,
) -> Result<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(Column::Provider.eq(PaymentProvider::Mercadopago))
        .filter(Column::ProviderPaymentId.eq(provider_payment_id))
        .one(db)
        .await?)
}

/// Every provider payment (not link) of a reservation, oldest first.
pub async fn payments_of(
    db: &impl ConnectionTrait,
    reservation_id: i64,
) -> Result<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(Column::ReservationId.eq(reservation_id))
        .filter(Column::ProviderPaymentId.is_not_null())
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Inserts a row.
pub async fn insert(
    db: &impl ConnectionTrait,
    row: payment::ActiveModel,
) -> Result<payment::Model> {
    Ok(row.insert(db).await?)
}

/// Saves the changed columns of a row.
pub async fn update(
    db: &impl ConnectionTrait,
    row: payment::ActiveModel,
) -> Result<payment::Model> {
    Ok(row.update(db).await?)
}

/// An alert to raise.
#[derive(Clone, Debug)]
pub struct NewAlert<'a> {
    /// Why.
    pub kind: AlertKind,
    /// The provider's payment id.
    pub provider_payment_id: &'a str,
    /// The reservation, when known.
    pub reservation_id: Option<i64>,
    /// The payment row, when recorded.
    pub payment_id: Option<i64>,
    /// What happened, for the owner.
    pub message: String,
    /// Extra context.
    pub details: Option<serde_json::Value>,
    /// When.
    pub now: DateTime<Utc>,
}

/// Raises an alert unless this payment already has one of this kind; returns whether it is new.
pub async fn raise_alert(db: &impl ConnectionTrait, alert: NewAlert<'_>) -> Result<bool> {
    let result = db
        .execute_raw(stmt(
            "INSERT INTO payment_alerts \
               (kind, provider, provider_payment_id, reservation_id, payment_id, message, details, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT ON CONSTRAINT payment_alerts_once DO NOTHING",
            vec![
                alert.kind.into(),
                PaymentProvider::Mercadopago.into(),
                alert.provider_payment_id.into(),
                alert.reservation_id.into(),
                alert.payment_id.into(),
                alert.message.into(),
                alert.details.into(),
                alert.now.into(),
            ],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Alerts, newest first: only unresolved ones unless `include_resolved`.
pub async fn list_alerts(
    db: &impl ConnectionTrait,
    include_resolved: bool,
    limit: u64,
) -> Result<Vec<payment_alert::Model>> {
    let mut query = payment_alert::Entity::find()
        .order_by_desc(payment_alert::Column::CreatedAt)
        .order_by_desc(payment_alert::Column::Id)
        .limit(limit);
    if !include_resolved {
        query = query.filter(payment_alert::Column::ResolvedAt.is_null());
    }
    Ok(query.all(db).await?)
}

/// Every row of a reservation (links and provider payments), oldest first.
pub async fn all_of(db: &impl ConnectionTrait, reservation_id: i64) -> Result<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(Column::ReservationId.eq(reservation_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}
