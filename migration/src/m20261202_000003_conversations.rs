//! The WhatsApp concierge (issue 9): `conversations`, one per guest contact, with its state,
//! the collected slots, the hand-off flag and the processing lease; and the outbox columns of
//! `whatsapp_messages` (outbound rows are written `queued` before they are sent, so a reply
//! decided is never lost and is sent in order, and get their `wamid` once Meta answers).
//!
//! The lease (`lease_token`, `lease_until`) makes the messages of one guest processed one at a
//! time across worker machines without holding a transaction open while Meta is called.

use sea_orm_migration::prelude::*;

/// Adds `conversations` and the outbox columns of `whatsapp_messages`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000003_conversations"
    }
}

const UP: &str = r#"
CREATE TABLE conversations (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id           BIGINT NOT NULL UNIQUE REFERENCES whatsapp_contacts (id) ON DELETE CASCADE,
    state                TEXT NOT NULL DEFAULT 'new'
        CHECK (state IN ('new', 'collecting', 'quoted', 'holding', 'booked')),
    slots                JSONB NOT NULL DEFAULT '{}'::jsonb,
    misunderstood        SMALLINT NOT NULL DEFAULT 0 CHECK (misunderstood >= 0),
    handed_off           BOOLEAN NOT NULL DEFAULT false,
    handed_off_at        TIMESTAMPTZ,
    hand_off_reason      TEXT CHECK (hand_off_reason IN ('cancel', 'human', 'misunderstood', 'complaint')),
    reservation_id       BIGINT REFERENCES reservations (id) ON DELETE SET NULL,
    last_message_at      TIMESTAMPTZ,
    last_message_preview TEXT CHECK (length(last_message_preview) <= 200),
    lease_token          UUID,
    lease_until          TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT conversations_hand_off_stamped CHECK (handed_off = (handed_off_at IS NOT NULL))
);
CREATE INDEX conversations_recent_idx ON conversations (last_message_at DESC NULLS LAST, id DESC);
CREATE INDEX conversations_handed_off_idx ON conversations (handed_off_at) WHERE handed_off;
CREATE INDEX conversations_reservation_idx ON conversations (reservation_id) WHERE reservation_id IS NOT NULL;

ALTER TABLE whatsapp_messages ALTER COLUMN wamid DROP NOT NULL;
ALTER TABLE whatsapp_messages DROP CONSTRAINT whatsapp_messages_state_check;
ALTER TABLE whatsapp_messages ADD CONSTRAINT whatsapp_messages_state_check
    CHECK (state IN ('unanswered', 'answered', 'ignored', 'queued', 'sent', 'failed'));
ALTER TABLE whatsapp_messages ADD CONSTRAINT whatsapp_messages_wamid_when_stored
    CHECK (wamid IS NOT NULL OR (direction = 'outbound' AND state IN ('queued', 'failed')));
ALTER TABLE whatsapp_messages ADD COLUMN author TEXT CHECK (author IN ('bot', 'owner'));
ALTER TABLE whatsapp_messages ADD COLUMN error TEXT CHECK (length(error) <= 1000);
CREATE INDEX whatsapp_messages_pending_idx
    ON whatsapp_messages (contact_id, sent_at, id) WHERE state IN ('unanswered', 'queued');
"#;

const DOWN: &str = r#"
DROP INDEX IF EXISTS whatsapp_messages_pending_idx;
DELETE FROM whatsapp_messages WHERE wamid IS NULL;
UPDATE whatsapp_messages SET state = 'sent' WHERE state IN ('queued', 'failed');
ALTER TABLE whatsapp_messages DROP COLUMN IF EXISTS error;
ALTER TABLE whatsapp_messages DROP COLUMN IF EXISTS author;
ALTER TABLE whatsapp_messages DROP CONSTRAINT IF EXISTS whatsapp_messages_wamid_when_stored;
ALTER TABLE whatsapp_messages DROP CONSTRAINT whatsapp_messages_state_check;
ALTER TABLE whatsapp_messages ADD CONSTRAINT whatsapp_messages_state_check
    CHECK (state IN ('unanswered', 'answered', 'ignored', 'sent'));
ALTER TABLE whatsapp_messages ALTER COLUMN wamid SET NOT NULL;
DROP TABLE IF EXISTS conversations;
"#;

crate::sql_migration!(UP, DOWN);
