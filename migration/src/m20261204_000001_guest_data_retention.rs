//! Guest data retention and erasure (issue 11, docs/privacy.md).
//!
//! A past stay keeps what the books need (accommodation, dates, guests, amounts, statuses,
//! payments) and loses who the guest was: `anonymise_reservations` blanks the guest's fields
//! of the rows, of their audit snapshots, of their email log and of the payment JSON Mercado
//! Pago sent, stamps `reservations.anonymised_at` and audits each row, in one statement.
//! `erase_whatsapp_contacts` deletes WhatsApp guests with their conversation, messages and
//! delivery statuses, and drops the raw webhook bodies those messages came in. The retention
//! job and the owner's erase endpoint both go through these two functions, so they erase the
//! same fields.
//!
//! Expand only: one nullable column, indexes and functions; the previous release reads and
//! writes every table as before (its entities never name `anonymised_at`).

use sea_orm_migration::prelude::*;

/// Adds `reservations.anonymised_at`, the lookup indexes, and the anonymising functions.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000001_guest_data_retention"
    }
}

const UP: &str = r#"
ALTER TABLE reservations ADD COLUMN anonymised_at TIMESTAMPTZ;
-- What the retention job looks for: stays not yet anonymised, by check-out.
CREATE INDEX reservations_retention_idx ON reservations (check_out) WHERE anonymised_at IS NULL;
-- A guest asked for by email (the phone already has `reservations_guest_phone_expiry_idx`).
CREATE INDEX reservations_guest_email_idx
    ON reservations (lower(guest_email)) WHERE guest_email IS NOT NULL;
CREATE INDEX whatsapp_contacts_phone_idx ON whatsapp_contacts (phone);
CREATE INDEX whatsapp_contacts_last_seen_idx ON whatsapp_contacts (last_seen_at);

-- The keys of a Mercado Pago payment the books need; everything else (payer, card,
-- additional_info, metadata, ...) may name the guest and is dropped.
CREATE FUNCTION payment_bookkeeping(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN j IS NULL OR jsonb_typeof(j) <> 'object' THEN j ELSE (
        SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
        FROM jsonb_each(j) AS e
        WHERE e.key IN ('id', 'status', 'status_detail', 'transaction_amount',
                        'transaction_amount_refunded', 'currency_id', 'date_created',
                        'date_approved', 'date_last_updated', 'money_release_date',
                        'external_reference', 'payment_method_id', 'payment_type_id',
                        'operation_type', 'installments', 'live_mode', 'mp_status',
                        'amount', 'currency'))
    END
$fn$;

-- An audit snapshot with the guest's fields replaced: the name by p_label, the rest by null
-- (only the keys the snapshot has).
CREATE FUNCTION guest_scrubbed(j jsonb, p_label text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN j IS NULL OR jsonb_typeof(j) <> 'object' THEN j ELSE j || (
        SELECT coalesce(jsonb_object_agg(k, CASE WHEN k = 'guest_name' THEN to_jsonb(p_label)
                                                 ELSE 'null'::jsonb END), '{}'::jsonb)
        FROM unnest(ARRAY['guest_name', 'guest_phone', 'guest_email', 'notes',
                          'cancellation_reason', 'client_ip']) AS k
        WHERE j ? k)
    END
$fn$;

-- Anonymises the reservations p_ids not anonymised yet: guest name → p_label; phone, email,
-- notes, cancellation reason and client IP → null; the same fields of their audit snapshots;
-- the email log's recipient and error; the payment JSON down to its bookkeeping keys. Each
-- row gets an audit entry (p_actor_kind, p_actor, p_trace_id). Returns how many changed.
CREATE FUNCTION anonymise_reservations(
    p_ids bigint[], p_now timestamptz, p_label text,
    p_actor_kind text, p_actor text, p_trace_id text)
RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    done bigint[];
BEGIN
    WITH a AS (
        UPDATE reservations r
        SET guest_name = p_label, guest_phone = NULL, guest_email = NULL, notes = NULL,
            cancellation_reason = NULL, client_ip = NULL, anonymised_at = p_now,
            updated_at = p_now
        WHERE r.id = ANY (p_ids) AND r.anonymised_at IS NULL
        RETURNING r.id)
    SELECT array_agg(a.id) INTO done FROM a;
    IF done IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE audit_log l
    SET before = guest_scrubbed(l.before, p_label), after = guest_scrubbed(l.after, p_label)
    WHERE l.reservation_id = ANY (done);
    UPDATE email_log e SET recipient = NULL, error = NULL
    WHERE e.reservation_id = ANY (done) AND (e.recipient IS NOT NULL OR e.error IS NOT NULL);
    UPDATE payments p SET raw_provider = payment_bookkeeping(p.raw_provider)
    WHERE p.reservation_id = ANY (done) AND p.raw_provider IS NOT NULL;
    UPDATE payment_alerts pa SET details = payment_bookkeeping(pa.details)
    WHERE pa.reservation_id = ANY (done) AND pa.details IS NOT NULL;
    INSERT INTO audit_log (occurred_at, actor_kind, actor, action, entity_kind, entity_id,
                           reservation_id, before, after, trace_id)
    SELECT p_now, p_actor_kind, p_actor, 'reservation.anonymise', 'reservation', r.code, r.id,
           NULL, jsonb_build_object('anonymised_at', p_now), p_trace_id
    FROM reservations r WHERE r.id = ANY (done);
    RETURN cardinality(done);
END
$fn$;

-- Deletes the WhatsApp guests p_ids with their conversations (cascade), messages and
-- delivery statuses, after dropping the raw webhook bodies those messages came in. Returns
-- how many guests were deleted.
CREATE FUNCTION erase_whatsapp_contacts(p_ids bigint[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    erased integer;
BEGIN
    UPDATE webhook_events w SET raw_payload = NULL
    WHERE w.raw_payload IS NOT NULL AND w.id IN (
        SELECT m.webhook_event_id FROM whatsapp_messages m
        WHERE m.contact_id = ANY (p_ids) AND m.webhook_event_id IS NOT NULL);
    DELETE FROM whatsapp_message_statuses s
    USING whatsapp_messages m
    WHERE m.contact_id = ANY (p_ids) AND s.wamid = m.wamid;
    DELETE FROM whatsapp_messages m WHERE m.contact_id = ANY (p_ids);
    DELETE FROM whatsapp_contacts c WHERE c.id = ANY (p_ids);
    GET DIAGNOSTICS erased = ROW_COUNT;
    RETURN erased;
END
$fn$;
"#;

const DOWN: &str = r#"
DROP FUNCTION IF EXISTS erase_whatsapp_contacts;
DROP FUNCTION IF EXISTS anonymise_reservations;
DROP FUNCTION IF EXISTS guest_scrubbed;
DROP FUNCTION IF EXISTS payment_bookkeeping;
DROP INDEX IF EXISTS whatsapp_contacts_last_seen_idx;
DROP INDEX IF EXISTS whatsapp_contacts_phone_idx;
DROP INDEX IF EXISTS reservations_guest_email_idx;
DROP INDEX IF EXISTS reservations_retention_idx;
ALTER TABLE reservations DROP COLUMN IF EXISTS anonymised_at;
"#;

crate::sql_migration!(UP, DOWN);
