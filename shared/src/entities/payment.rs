//! `payments`: Mercado Pago checkout links and payments of a reservation. A link row has
//! `status = link_created`, a preference and an `init_point`; a payment row has the provider's
//! payment id (unique) and its latest status.

use sea_orm::entity::prelude::*;

use crate::domain::{Money, PaymentProvider, PaymentRecordStatus};

/// One payment or link row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stable opaque id.
    pub uuid: Uuid,
    /// The reservation paid for.
    pub reservation_id: i64,
    /// Who processed it.
    pub provider: PaymentProvider,
    /// Checkout Pro preference id.
    pub preference_id: Option<String>,
    /// The checkout link guests pay at (link rows).
    pub init_point: Option<String>,
    /// The provider's payment id (payment rows).
    pub provider_payment_id: Option<String>,
    /// Amount asked (links) or paid (payments).
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub amount: Money,
    /// How much of `amount` counts toward the reservation's paid amount.
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
    pub credited_amount: Money,
    /// ISO 4217 currency.
    pub currency: String,
    /// Latest status.
    pub status: PaymentRecordStatus,
    /// The provider's detail (`accredited`, `cc_rejected_insufficient_amount`, ...).
    pub status_detail: Option<String>,
    /// The provider's JSON as last fetched.
    pub raw_provider: Option<Json>,
    /// When a link lapses.
    pub expires_at: Option<DateTimeWithTimeZone>,
    /// When the provider approved the payment.
    pub approved_at: Option<DateTimeWithTimeZone>,
    /// Row creation.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
}

/// Relations of `payments`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The reservation paid for.
    #[sea_orm(
        belongs_to = "super::reservation::Entity",
        from = "Column::ReservationId",
        to = "super::reservation::Column::Id"
    )]
    Reservation,
}

impl Related<super::reservation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reservation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
