//! The owner resends a hold's payment link (issue 12): `email_log` learns the event
//! `payment_link_resent` and which resend a row is of (`resend`, 0 for lifecycle notices).
//!
//! Expand only: the unique key stays `(reservation_id, event)`, which the previous release's
//! claim (`ON CONFLICT (reservation_id, event)`) names, and the new column has a default. A
//! newer resend takes its reservation's row over (see `service::guest_notices::claim`).

use sea_orm_migration::prelude::*;

/// Adds `email_log.resend` and the `payment_link_resent` event.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000001_payment_link_resends"
    }
}

const UP: &str = r#"
ALTER TABLE email_log ADD COLUMN resend INTEGER NOT NULL DEFAULT 0 CHECK (resend >= 0);
ALTER TABLE email_log DROP CONSTRAINT email_log_event_check;
ALTER TABLE email_log ADD CONSTRAINT email_log_event_check
    CHECK (event IN ('hold_created', 'confirmed', 'expiring', 'expired', 'cancelled',
                     'payment_link_resent'));
"#;

const DOWN: &str = r#"
DELETE FROM email_log WHERE event = 'payment_link_resent';
ALTER TABLE email_log DROP CONSTRAINT email_log_event_check;
ALTER TABLE email_log ADD CONSTRAINT email_log_event_check
    CHECK (event IN ('hold_created', 'confirmed', 'expiring', 'expired', 'cancelled'));
ALTER TABLE email_log DROP COLUMN IF EXISTS resend;
"#;

crate::sql_migration!(UP, DOWN);
