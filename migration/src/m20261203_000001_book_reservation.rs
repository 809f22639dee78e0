//! A booking in one round trip (issue 10, ADR 0098).
//!
//! A public booking used to be eight statements in one transaction (begin, the hold-limit
//! locks, their count, the accommodation's booking lock, the audited expiry of lapsed holds on
//! those nights, the insert, commit): eight round trips, each costing PostgreSQL more CPU than
//! the statement it carried. `book_reservation` does the same steps, in the same lock order,
//! inside the server, so the API sends one statement (autocommitted, or inside the caller's
//! transaction) and gets back the new row, or the hold counts that refused it. Pricing and
//! validation stay in Rust; every invariant stays here:
//!
//! - hold limits: transaction-scoped advisory locks on the phone and on the client network
//!   (phone first), then the counts, each a statement of its own so that it sees what the
//!   previous holder of the lock committed (READ COMMITTED, a new snapshot per statement);
//! - the accommodation's booking lock, then the audited expiry of lapsed holds on the nights
//!   (`expire_lapsed_holds`, also the every-minute sweep), then the insert, which the
//!   exclusion constraint refuses (23P01) when a night is taken.
//!
//! The plans must not depend on the table's size or statistics (a restored or never-analyzed
//! table, CI's with autovacuum off), and must not be a coin toss either: on a small table every
//! estimate is clamped to one row, so candidate indexes tie, and the generic plan a connection
//! builds early on a fresh database stays cached as the table grows. Measured: the hold counts
//! kept reading every open hold per booking through `reservations_open_holds_idx` (24,050 rows
//! for six bookings in `tests/tests/integration/booking_plans.rs`; 477 requests/s). So each
//! statement leaves the planner one sensible index:
//!
//! - the counts filter only on their key and the expiry (`guest_phone = … AND expires_at >
//!   now`), the status is an aggregate `FILTER`: the one index that starts with the key,
//!   `(guest_phone, expires_at)` / `(client_ip, expires_at)`, reads that guest's or network's
//!   unexpired rows, a handful;
//! - the targeted expiry spells the exclusion constraint's `accommodation_id = … AND
//!   daterange(check_in, check_out, '[)') && …` on its partial gist index (whose predicate the
//!   literal `status = 'pre_reserved'` implies);
//! - the sweep (`status = 'pre_reserved' AND expires_at <= now`) reads `(status, expires_at)`,
//!   which replaces the partial open-holds index and the plain status index (it serves
//!   `status = …` alone just as well), and the phone and status-led hold indexes it makes
//!   redundant.

use sea_orm_migration::prelude::*;

/// Creates `reservation_audit_snapshot`, `expire_lapsed_holds` and `book_reservation`; replaces
/// the index that made their plans a coin toss.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_book_reservation"
    }
}

const UP: &str = r#"
CREATE INDEX reservations_status_expiry_idx ON reservations (status, expires_at);
CREATE INDEX reservations_guest_phone_expiry_idx
    ON reservations (guest_phone, expires_at) WHERE guest_phone IS NOT NULL;
CREATE INDEX reservations_client_ip_expiry_idx
    ON reservations (client_ip, expires_at) WHERE client_ip IS NOT NULL;
DROP INDEX IF EXISTS reservations_open_holds_idx;
DROP INDEX IF EXISTS reservations_status_idx;
DROP INDEX IF EXISTS reservations_guest_phone_idx;
DROP INDEX IF EXISTS reservations_holds_by_phone_idx;
DROP INDEX IF EXISTS reservations_holds_by_ip_idx;

-- The audited fields of a reservation: the same keys and values as the API's
-- `service::audit::reservation_snapshot` (amounts as decimal strings).
CREATE FUNCTION reservation_audit_snapshot(r reservations) RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
    SELECT jsonb_build_object(
        'status', r.status,
        'payment_status', r.payment_status,
        'accommodation_id', r.accommodation_id,
        'check_in', r.check_in,
        'check_out', r.check_out,
        'guests', r.guests,
        'guest_name', r.guest_name,
        'guest_phone', r.guest_phone,
        'guest_email', r.guest_email,
        'total_price', r.total_price::text,
        'deposit_amount', r.deposit_amount::text,
        'paid_amount', r.paid_amount::text,
        'expires_at', r.expires_at,
        'cancellation_reason', r.cancellation_reason,
        'notes', r.notes)
$fn$;

-- Expires lapsed holds (all of them, or those of one accommodation sharing a night with
-- [p_check_in, p_check_out)) and writes one audit row each (action p_action by the given
-- actor); returns the expired rows.
CREATE FUNCTION expire_lapsed_holds(
    p_now timestamptz, p_actor_kind text, p_actor text, p_action text,
    p_accommodation_id integer, p_check_in date, p_check_out date)
RETURNS SETOF reservations
LANGUAGE plpgsql AS $fn$
DECLARE
    expired reservations[];
BEGIN
    IF p_accommodation_id IS NULL THEN
        WITH e AS (
            UPDATE reservations r SET status = 'expired', expired_at = p_now, updated_at = p_now
            WHERE r.status = 'pre_reserved' AND r.expires_at <= p_now
            RETURNING r)
        SELECT array_agg(e.r) INTO expired FROM e;
    ELSE
        WITH e AS (
            UPDATE reservations r SET status = 'expired', expired_at = p_now, updated_at = p_now
            WHERE r.accommodation_id = p_accommodation_id
              AND daterange(r.check_in, r.check_out, '[)') && daterange(p_check_in, p_check_out, '[)')
              AND r.status = 'pre_reserved' AND r.expires_at <= p_now
            RETURNING r)
        SELECT array_agg(e.r) INTO expired FROM e;
    END IF;
    IF expired IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO audit_log (occurred_at, actor_kind, actor, action, entity_kind, entity_id,
                           reservation_id, before, after)
    SELECT p_now, p_actor_kind, p_actor, p_action, 'reservation', x.code, x.id,
           reservation_audit_snapshot(x) || jsonb_build_object('status', 'pre_reserved'),
           reservation_audit_snapshot(x)
    FROM unnest(expired) AS x;
    RETURN QUERY SELECT * FROM unnest(expired);
END
$fn$;

-- Books a reservation in one statement. p_phone_key / p_ip_network are NULL when that hold
-- limit does not apply; otherwise the hold is refused (booked NULL, the counts returned)
-- when the phone / the network already has p_*_limit active holds. When the exclusion
-- constraint refuses the nights, booked is NULL and overlap true (lapsed holds expired on the
-- way stay expired). With p_accommodation_version (the `xmin` of the accommodation row the
-- stay was priced from), nothing is inserted and stale is true when that row has changed
-- since or is no longer active: the caller re-reads it and prices again. The expiry of lapsed
-- holds on the nights is audited as (p_actor_kind, p_actor, p_action). Lock order: phone,
-- network, accommodation.
CREATE FUNCTION book_reservation(
    p_phone_class integer, p_phone_key text, p_phone_limit integer,
    p_ip_class integer, p_ip_network text, p_ip_limit integer,
    p_booking_class integer, p_accommodation_version bigint, p_now timestamptz,
    p_actor_kind text, p_actor text, p_action text,
    p_uuid uuid, p_code text, p_accommodation_id integer, p_check_in date, p_check_out date,
    p_guest_name text, p_guest_phone text, p_guest_email text, p_guests integer,
    p_nights integer, p_price_per_night numeric, p_total_price numeric,
    p_deposit_percent smallint, p_deposit_amount numeric, p_paid_amount numeric,
    p_currency text, p_status text, p_payment_status text, p_channel text,
    p_expires_at timestamptz, p_confirmed_at timestamptz, p_notes text, p_client_ip inet,
    p_created_at timestamptz, p_updated_at timestamptz)
RETURNS TABLE (by_phone bigint, phone_first_expiry timestamptz, by_ip bigint,
               ip_first_expiry timestamptz, expired_codes text[], overlap boolean,
               stale boolean, booked reservations)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_net inet := p_ip_network::inet;
BEGIN
    by_phone := 0;
    by_ip := 0;
    overlap := false;
    stale := false;
    IF p_phone_key IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(p_phone_class, hashtext(p_phone_key));
    END IF;
    IF v_net IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(p_ip_class, hashtext(p_ip_network));
    END IF;
    IF p_phone_key IS NOT NULL THEN
        SELECT count(*) FILTER (WHERE r.status = 'pre_reserved'),
               min(r.expires_at) FILTER (WHERE r.status = 'pre_reserved')
        INTO by_phone, phone_first_expiry
        FROM reservations r
        WHERE r.guest_phone = p_phone_key AND r.expires_at > p_now;
    END IF;
    IF v_net IS NOT NULL THEN
        -- `<<=` becomes an index range only for a constant: the range is spelled out.
        SELECT count(*) FILTER (WHERE r.status = 'pre_reserved'),
               min(r.expires_at) FILTER (WHERE r.status = 'pre_reserved')
        INTO by_ip, ip_first_expiry
        FROM reservations r
        WHERE r.client_ip >= network(v_net) AND r.client_ip <= host(broadcast(v_net))::inet
          AND r.client_ip <<= v_net AND r.expires_at > p_now;
    END IF;
    IF (p_phone_key IS NOT NULL AND by_phone >= p_phone_limit)
       OR (v_net IS NOT NULL AND by_ip >= p_ip_limit) THEN
        RETURN NEXT;
        RETURN;
    END IF;

    PERFORM pg_advisory_xact_lock(p_booking_class, p_accommodation_id);
    SELECT array_agg(x.code) INTO expired_codes
    FROM expire_lapsed_holds(p_now, p_actor_kind, p_actor, p_action,
                             p_accommodation_id, p_check_in, p_check_out) AS x;
    IF p_accommodation_version IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM accommodations a
        WHERE a.id = p_accommodation_id AND a.active
          AND a.xmin::text::bigint = p_accommodation_version) THEN
        stale := true;
        RETURN NEXT;
        RETURN;
    END IF;
    -- A taken night is a typed answer, not an error (an error costs an aborted transaction
    -- and a line in the server's log per refusal): ON CONFLICT DO NOTHING checks the
    -- exclusion constraint and the unique indexes before it writes, so a refusal writes
    -- nothing. A taken code is still the unique violation the caller retries on.
    INSERT INTO reservations AS r (
        uuid, code, accommodation_id, check_in, check_out, guest_name, guest_phone,
        guest_email, guests, nights, price_per_night, total_price, deposit_percent,
        deposit_amount, paid_amount, currency, status, payment_status, channel, expires_at,
        confirmed_at, notes, client_ip, created_at, updated_at)
    VALUES (
        p_uuid, p_code, p_accommodation_id, p_check_in, p_check_out, p_guest_name,
        p_guest_phone, p_guest_email, p_guests, p_nights, p_price_per_night, p_total_price,
        p_deposit_percent, p_deposit_amount, p_paid_amount, p_currency, p_status,
        p_payment_status, p_channel, p_expires_at, p_confirmed_at, p_notes, p_client_ip,
        p_created_at, p_updated_at)
    ON CONFLICT DO NOTHING
    RETURNING r.* INTO booked;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM reservations x WHERE x.code = p_code) THEN
            RAISE unique_violation USING CONSTRAINT = 'reservations_code_key',
                MESSAGE = 'duplicate key value violates unique constraint "reservations_code_key"';
        END IF;
        overlap := true;
    END IF;
    RETURN NEXT;
END
$fn$;
"#;

const DOWN: &str = r#"
CREATE INDEX IF NOT EXISTS reservations_open_holds_idx
    ON reservations (expires_at) WHERE status = 'pre_reserved';
CREATE INDEX IF NOT EXISTS reservations_status_idx ON reservations (status);
CREATE INDEX IF NOT EXISTS reservations_guest_phone_idx
    ON reservations (guest_phone) WHERE guest_phone IS NOT NULL;
CREATE INDEX IF NOT EXISTS reservations_holds_by_phone_idx
    ON reservations (status, guest_phone, expires_at) WHERE guest_phone IS NOT NULL;
CREATE INDEX IF NOT EXISTS reservations_holds_by_ip_idx
    ON reservations (status, client_ip, expires_at) WHERE client_ip IS NOT NULL;
DROP INDEX IF EXISTS reservations_client_ip_expiry_idx;
DROP INDEX IF EXISTS reservations_guest_phone_expiry_idx;
DROP INDEX IF EXISTS reservations_status_expiry_idx;
DROP FUNCTION IF EXISTS book_reservation;
DROP FUNCTION IF EXISTS expire_lapsed_holds;
DROP FUNCTION IF EXISTS reservation_audit_snapshot;
"#;

crate::sql_migration!(UP, DOWN);
