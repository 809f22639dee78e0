//! Database migrations for PostgreSQL, one change per file, named by date.
//!
//! A landed migration is never edited: add a new one. Each one is expand-only: the previous
//! release keeps running on the schema it leaves (`tests/tests/integration/expand_contract.rs`
//! checks it), and what it no longer uses is removed in a later release. PostgreSQL is the
//! source of truth and enforces the invariants itself (exclusion, unique, check and foreign-key
//! constraints).

pub use sea_orm_migration::prelude::*;

/// Implements `MigrationTrait` for the file's `Migration` as two SQL scripts, `$up` and
/// `$down`, each run as one unprepared batch. Every migration here is plain SQL: what it does
/// to the schema reads top to bottom in its `UP`/`DOWN` constants.
#[macro_export]
macro_rules! sql_migration {
    ($up:ident, $down:ident) => {
        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                manager
                    .get_connection()
                    .execute_unprepared($up)
                    .await
                    .map(|_| ())
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                manager
                    .get_connection()
                    .execute_unprepared($down)
                    .await
                    .map(|_| ())
            }
        }
    };
}

mod m20261123_000001_booking_core;
mod m20261123_000002_admin;
mod m20261123_000003_webhooks_jobs;
mod m20261123_000004_payments;
mod m20261123_000005_reservation_client_ip;
mod m20261123_000006_hold_limit_indexes;
mod m20261129_000001_admin_hardening;
mod m20261129_000002_webhook_hardening;
mod m20261130_000001_hold_count_indexes;
mod m20261130_000002_ical_export_tokens;
mod m20261201_000001_ical_sync;
mod m20261202_000002_email_log;
mod m20261202_000003_conversations;
mod m20261203_000001_book_reservation;
mod m20261204_000001_guest_data_retention;
mod m20261205_000001_legacy_codes;
mod m20261206_000001_payment_link_resends;

/// Every migration in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_booking_core::Migration),
            Box::new(m20261123_000002_admin::Migration),
            Box::new(m20261123_000003_webhooks_jobs::Migration),
            Box::new(m20261123_000004_payments::Migration),
            Box::new(m20261123_000005_reservation_client_ip::Migration),
            Box::new(m20261123_000006_hold_limit_indexes::Migration),
            Box::new(m20261129_000001_admin_hardening::Migration),
            Box::new(m20261129_000002_webhook_hardening::Migration),
            Box::new(m20261130_000001_hold_count_indexes::Migration),
            Box::new(m20261130_000002_ical_export_tokens::Migration),
            Box::new(m20261201_000001_ical_sync::Migration),
            Box::new(m20261202_000002_email_log::Migration),
            Box::new(m20261202_000003_conversations::Migration),
            Box::new(m20261203_000001_book_reservation::Migration),
            Box::new(m20261204_000001_guest_data_retention::Migration),
            Box::new(m20261205_000001_legacy_codes::Migration),
            Box::new(m20261206_000001_payment_link_resends::Migration),
        ]
    }
}
