//! Integration tests against real PostgreSQL and Redis, one file per feature.

mod end_to_end;
mod idempotency;
mod jobs_crash;
mod jobs_cron;
mod jobs_failed;
mod jobs_retry;
mod webhooks_mercadopago;
mod webhooks_outages;
mod webhooks_whatsapp;
