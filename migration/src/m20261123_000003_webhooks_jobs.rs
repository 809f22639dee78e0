//! Webhooks and jobs: the webhook log, idempotency keys (HTTP and provider dedupe), the record
//! of permanently failed jobs, and the WhatsApp contacts, messages and delivery statuses.

use sea_orm_migration::prelude::*;

/// Creates `webhook_events`, `idempotency_keys`, `failed_jobs`, `whatsapp_contacts`,
/// `whatsapp_messages` and `whatsapp_message_statuses`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_webhooks_jobs"
    }
}

const UP: &str = r#"
CREATE TABLE webhook_events (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider            TEXT NOT NULL CHECK (provider IN ('whatsapp', 'mercadopago')),
    -- WhatsApp: the first message/status id of the batch; Mercado Pago: the payment id.
    provider_event_id   TEXT,
    received_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    signature_valid     BOOLEAN NOT NULL,
    status_returned     SMALLINT NOT NULL,
    -- Time from receiving the request until it was durably recorded.
    latency_ms          INTEGER NOT NULL DEFAULT 0,
    -- The exact body (NULL once purged after the retention period).
    raw_payload         TEXT,
    -- The signed parts that are not in the body (Mercado Pago's query id, request id).
    metadata            JSONB NOT NULL DEFAULT '{}',
    -- How many jobs the event was split into.
    jobs_total          INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'processed', 'failed', 'rejected')),
    last_error          TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    enqueued_at         TIMESTAMPTZ,
    processed_at        TIMESTAMPTZ
);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at DESC);
CREATE INDEX webhook_events_provider_state_idx ON webhook_events (provider, state, received_at DESC);
CREATE INDEX webhook_events_pending_idx ON webhook_events (received_at) WHERE state = 'pending';

CREATE TABLE idempotency_keys (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope               TEXT NOT NULL,
    key                 TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint         TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'in_flight' CHECK (state IN ('in_flight', 'completed')),
    -- While in flight: after this instant the owner is presumed dead and the key can be retaken.
    locked_until        TIMESTAMPTZ,
    response_status     SMALLINT,
    response_body       BYTEA,
    response_content_type TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at          TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotency_keys_scope_key UNIQUE (scope, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

CREATE TABLE failed_jobs (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_name            TEXT NOT NULL,
    payload             JSONB NOT NULL,
    error               TEXT NOT NULL,
    attempts            INTEGER NOT NULL,
    failed_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    retried_at          TIMESTAMPTZ
);
CREATE INDEX failed_jobs_failed_at_idx ON failed_jobs (failed_at DESC);

CREATE TABLE whatsapp_contacts (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wa_id               TEXT NOT NULL UNIQUE,
    phone               TEXT NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    profile_name        TEXT,
    first_seen_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE whatsapp_messages (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wamid               TEXT NOT NULL UNIQUE,
    contact_id          BIGINT NOT NULL REFERENCES whatsapp_contacts (id) ON DELETE RESTRICT,
    direction           TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    message_type        TEXT NOT NULL,
    text_body           TEXT,
    interactive_id      TEXT,
    media_id            TEXT,
    raw                 JSONB NOT NULL,
    sent_at             TIMESTAMPTZ,
    received_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    state               TEXT NOT NULL DEFAULT 'unanswered'
                        CHECK (state IN ('unanswered', 'answered', 'ignored', 'sent')),
    webhook_event_id    BIGINT REFERENCES webhook_events (id) ON DELETE SET NULL
);
CREATE INDEX whatsapp_messages_contact_idx ON whatsapp_messages (contact_id, received_at DESC);
CREATE INDEX whatsapp_messages_unanswered_idx ON whatsapp_messages (received_at) WHERE state = 'unanswered';

CREATE TABLE whatsapp_message_statuses (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wamid               TEXT NOT NULL,
    status              TEXT NOT NULL,
    recipient_id        TEXT,
    status_at           TIMESTAMPTZ,
    errors              JSONB,
    received_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT whatsapp_message_statuses_wamid_status_key UNIQUE (wamid, status)
);
"#;

const DOWN: &str = r#"
DROP TABLE IF EXISTS whatsapp_message_statuses;
DROP TABLE IF EXISTS whatsapp_messages;
DROP TABLE IF EXISTS whatsapp_contacts;
DROP TABLE IF EXISTS failed_jobs;
DROP TABLE IF EXISTS idempotency_keys;
DROP TABLE IF EXISTS webhook_events;
"#;

crate::sql_migration!(UP, DOWN);
