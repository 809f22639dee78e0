//! `failed_jobs`: jobs that failed permanently or ran out of attempts, for the owner to see
//! and retry.

use sea_orm::entity::prelude::*;

/// One permanently failed job.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "failed_jobs")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Versioned job name (`whatsapp_inbound.v1`).
    pub job_name: String,
    /// The job's payload as queued.
    pub payload: Json,
    /// The last error.
    pub error: String,
    /// Attempts made.
    pub attempts: i32,
    /// When it was given up on.
    pub failed_at: DateTimeWithTimeZone,
    /// When it was last re-enqueued by hand.
    pub retried_at: Option<DateTimeWithTimeZone>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
