//! Booking core: accommodations and reservations, with the rule that makes double booking
//! impossible enforced by PostgreSQL itself.

use sea_orm_migration::prelude::*;

/// Creates `accommodations` and `reservations`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_booking_core"
    }
}

const UP: &str = r#"
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE accommodations (
    id                  INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid                UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    name                TEXT NOT NULL CHECK (length(btrim(name)) > 0),
    kind                TEXT NOT NULL DEFAULT 'cabin'
                        CHECK (kind IN ('cabin', 'apartment', 'house', 'room', 'dome', 'other')),
    capacity            INTEGER NOT NULL CHECK (capacity > 0),
    base_price          NUMERIC(12, 2) NOT NULL CHECK (base_price >= 0),
    weekend_multiplier  NUMERIC(5, 2) NOT NULL DEFAULT 1.20 CHECK (weekend_multiplier > 0),
    -- Nights charged the weekend rate, by the day the guest goes to sleep.
    weekend_nights      JSONB NOT NULL DEFAULT '["friday", "saturday"]'
                        CHECK (jsonb_typeof(weekend_nights) = 'array'),
    currency            TEXT NOT NULL DEFAULT 'ARS' CHECK (currency ~ '^[A-Z]{3}$'),
    description         TEXT NOT NULL DEFAULT '',
    amenities           JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(amenities) = 'array'),
    photos              JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(photos) = 'array'),
    location            TEXT NOT NULL DEFAULT '',
    policies            TEXT NOT NULL DEFAULT '',
    check_in_time       TIME NOT NULL DEFAULT '14:00',
    check_out_time      TIME NOT NULL DEFAULT '10:00',
    ical_export_token   TEXT NOT NULL UNIQUE CHECK (length(ical_export_token) >= 32),
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE reservations (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid                UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    code                TEXT NOT NULL CHECK (code ~ '^RES[0-9]{6}[A-Z0-9]{6}$'),
    accommodation_id    INTEGER NOT NULL REFERENCES accommodations (id) ON DELETE RESTRICT,
    check_in            DATE NOT NULL,
    check_out           DATE NOT NULL,
    guest_name          TEXT NOT NULL,
    guest_phone         TEXT CHECK (guest_phone ~ '^\+[1-9][0-9]{7,14}$'),
    guest_email         TEXT,
    guests              INTEGER NOT NULL CHECK (guests > 0),
    nights              INTEGER NOT NULL,
    price_per_night     NUMERIC(12, 2) NOT NULL CHECK (price_per_night >= 0),
    total_price         NUMERIC(12, 2) NOT NULL CHECK (total_price >= 0),
    deposit_percent     SMALLINT NOT NULL DEFAULT 30 CHECK (deposit_percent BETWEEN 0 AND 100),
    deposit_amount      NUMERIC(12, 2) NOT NULL CHECK (deposit_amount >= 0),
    paid_amount         NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    currency            TEXT NOT NULL DEFAULT 'ARS' CHECK (currency ~ '^[A-Z]{3}$'),
    status              TEXT NOT NULL
                        CHECK (status IN ('pre_reserved', 'confirmed', 'cancelled', 'expired', 'completed')),
    payment_status      TEXT NOT NULL DEFAULT 'unpaid'
                        CHECK (payment_status IN ('unpaid', 'partial', 'deposit_paid', 'paid', 'refunded', 'needs_refund')),
    channel             TEXT NOT NULL
                        CHECK (channel IN ('whatsapp', 'web', 'admin', 'airbnb', 'booking', 'ical', 'phone')),
    expires_at          TIMESTAMPTZ,
    confirmed_at        TIMESTAMPTZ,
    cancelled_at        TIMESTAMPTZ,
    cancellation_reason TEXT,
    expired_at          TIMESTAMPTZ,
    completed_at        TIMESTAMPTZ,
    notes               TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT reservations_code_key UNIQUE (code),
    CONSTRAINT reservations_dates_ordered CHECK (check_in < check_out),
    CONSTRAINT reservations_nights_match CHECK (nights = check_out - check_in),
    CONSTRAINT reservations_deposit_within_total CHECK (deposit_amount <= total_price),
    CONSTRAINT reservations_hold_expires CHECK (status <> 'pre_reserved' OR expires_at IS NOT NULL),
    -- The rule that makes double booking impossible: two active reservations of the same
    -- accommodation never share a night. Stays are half-open, so back-to-back stays are fine.
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist (
        accommodation_id WITH =,
        daterange(check_in, check_out, '[)') WITH &&
    ) WHERE (status IN ('pre_reserved', 'confirmed'))
);

CREATE INDEX reservations_accommodation_dates_idx ON reservations (accommodation_id, check_in, check_out);
CREATE INDEX reservations_guest_phone_idx ON reservations (guest_phone) WHERE guest_phone IS NOT NULL;
CREATE INDEX reservations_open_holds_idx ON reservations (expires_at) WHERE status = 'pre_reserved';
CREATE INDEX reservations_created_at_idx ON reservations (created_at);
CREATE INDEX reservations_status_idx ON reservations (status);
"#;

const DOWN: &str = r#"
DROP TABLE IF EXISTS reservations;
DROP TABLE IF EXISTS accommodations;
"#;

crate::sql_migration!(UP, DOWN);
