//! Payments: Mercado Pago checkout links and payments of each reservation, and the alerts the
//! owner must act on (refunds owed, refunds and chargebacks, payments we cannot place).

use sea_orm_migration::prelude::*;

/// Creates `payments` and `payment_alerts`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_payments"
    }
}

const UP: &str = r#"
CREATE TABLE payments (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid                UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    reservation_id      BIGINT NOT NULL REFERENCES reservations (id) ON DELETE RESTRICT,
    provider            TEXT NOT NULL DEFAULT 'mercadopago' CHECK (provider IN ('mercadopago')),
    -- Checkout Pro preference and its link (link rows; copied onto payment rows when known).
    preference_id       TEXT,
    init_point          TEXT,
    -- The provider's payment id (payment rows only).
    provider_payment_id TEXT,
    amount              NUMERIC(12, 2) NOT NULL CHECK (amount >= 0),
    -- How much of `amount` the owner holds for the reservation (see domain::payment).
    credited_amount     NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (credited_amount >= 0),
    currency            TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              TEXT NOT NULL CHECK (status IN (
                            'link_created', 'expired', 'pending', 'in_process', 'authorized',
                            'approved', 'rejected', 'cancelled', 'refunded', 'charged_back',
                            'in_mediation', 'needs_refund')),
    status_detail       TEXT,
    -- The provider's JSON as last fetched (audit trail).
    raw_provider        JSONB,
    expires_at          TIMESTAMPTZ,
    approved_at         TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payments_link_has_url CHECK (status <> 'link_created' OR (init_point IS NOT NULL AND expires_at IS NOT NULL)),
    CONSTRAINT payments_credited_within_amount CHECK (credited_amount <= amount)
);

-- One row per provider payment: reconciling the same payment again finds it.
CREATE UNIQUE INDEX payments_provider_payment_id_key
    ON payments (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL;
-- At most one link per hold window ("the unexpired link of this reservation").
CREATE UNIQUE INDEX payments_open_link_key
    ON payments (reservation_id, expires_at) WHERE status = 'link_created';
CREATE INDEX payments_reservation_idx ON payments (reservation_id);

CREATE TABLE payment_alerts (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN (
                            'needs_refund', 'refunded', 'charged_back', 'in_mediation',
                            'unknown_reference', 'currency_mismatch')),
    provider            TEXT NOT NULL DEFAULT 'mercadopago',
    provider_payment_id TEXT NOT NULL,
    -- NULL when the payment names no reservation we know.
    reservation_id      BIGINT REFERENCES reservations (id) ON DELETE RESTRICT,
    payment_id          BIGINT REFERENCES payments (id) ON DELETE RESTRICT,
    message             TEXT NOT NULL,
    details             JSONB,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at         TIMESTAMPTZ,
    -- Reconciling the same payment again never raises the same alert twice.
    CONSTRAINT payment_alerts_once UNIQUE (provider, provider_payment_id, kind)
);

CREATE INDEX payment_alerts_open_idx ON payment_alerts (created_at) WHERE resolved_at IS NULL;
"#;

const DOWN: &str = r#"
DROP TABLE IF EXISTS payment_alerts;
DROP TABLE IF EXISTS payments;
"#;

crate::sql_migration!(UP, DOWN);
