//! `email_log`: the email of each guest notice (reservation × event) and how it went. One row
//! per reservation and event (unique): a notice delivered twice sends one email.

use sea_orm::entity::prelude::*;

use crate::jobs::notifications::NoticeEvent;

/// How a notice's email went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum EmailOutcome {
    /// An attempt is in progress (claimed by a worker).
    Pending,
    /// The mail server accepted it.
    Sent,
    /// The last attempt failed (`error` says why).
    Failed,
    /// Not sent: email is off, or the guest gave no address.
    Skipped,
}

/// One notice's email.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_log")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The reservation.
    pub reservation_id: i64,
    /// The lifecycle moment.
    pub event: NoticeEvent,
    /// Which of the owner's resends of the link this row is of (0: a lifecycle moment).
    pub resend: i32,
    /// The guest's address (personal data: mask it in logs).
    pub recipient: Option<String>,
    /// The subject sent.
    pub subject: Option<String>,
    /// How it went.
    pub outcome: EmailOutcome,
    /// The last failure or the reason for skipping.
    pub error: Option<String>,
    /// Attempts made so far.
    pub attempts: i32,
    /// First attempt.
    pub created_at: DateTimeWithTimeZone,
    /// Last change.
    pub updated_at: DateTimeWithTimeZone,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTimeWithTimeZone>,
}

/// Relations of `email_log` (none navigated).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
