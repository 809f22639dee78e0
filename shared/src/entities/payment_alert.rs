//! `payment_alerts`: payments the owner must act on (a refund owed, a refund or chargeback
//! that happened, a dispute, a payment we could not place). One per payment and kind.

use sea_orm::entity::prelude::*;

use crate::domain::AlertKind;

/// One alert row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_alerts")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Why the owner is alerted.
    pub kind: AlertKind,
    /// The provider's name (`mercadopago`, see `domain::PaymentProvider`). Text, not the enum:
    /// unlike `payments.provider` this column has no CHECK, and reading a row must not fail
    /// for a value the database accepts.
    pub provider: String,
    /// The provider's payment id.
    pub provider_payment_id: String,
    /// The reservation, when the payment names one we know.
    pub reservation_id: Option<i64>,
    /// The payment row, when one was recorded.
    pub payment_id: Option<i64>,
    /// What happened, for the owner.
    pub message: String,
    /// Extra context (e.g. the payment's reference and amount).
    pub details: Option<Json>,
    /// When it was raised.
    pub created_at: DateTimeWithTimeZone,
    /// When the owner marked it handled.
    pub resolved_at: Option<DateTimeWithTimeZone>,
}

/// Relations of `payment_alerts` (none navigated).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
