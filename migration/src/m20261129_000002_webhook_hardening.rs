//! Webhook hardening (issue 7): refused deliveries become bounded samples, Mercado Pago
//! notifications are deduplicated by `x-request-id`.

use sea_orm_migration::prelude::*;

/// Drops stored payloads of refused deliveries and adds the sample and dedupe indexes.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_webhook_hardening"
    }
}

const UP: &str = r#"
-- Refused bodies came from anyone: no longer kept.
UPDATE webhook_events SET raw_payload = NULL WHERE state = 'rejected';

-- At most one refusal sample per provider, client and minute (service::webhook_refusals);
-- older rejected rows have neither key and never collide (NULLs are distinct).
CREATE UNIQUE INDEX webhook_events_refusal_sample_key
    ON webhook_events (provider, (metadata->>'client'), (metadata->>'minute'))
    WHERE state = 'rejected';
CREATE INDEX webhook_events_rejected_idx ON webhook_events (received_at) WHERE state = 'rejected';

-- One recorded Mercado Pago notification per x-request-id. Earlier duplicates (before this
-- rule) keep their id under another key so the index can be built.
UPDATE webhook_events e
   SET metadata = (e.metadata - 'request_id')
                  || jsonb_build_object('duplicate_request_id', e.metadata->'request_id')
 WHERE e.provider = 'mercadopago' AND e.signature_valid
   AND e.metadata->>'request_id' IS NOT NULL
   AND e.id <> (SELECT min(o.id) FROM webhook_events o
                 WHERE o.provider = 'mercadopago' AND o.signature_valid
                   AND o.metadata->>'request_id' = e.metadata->>'request_id');
CREATE UNIQUE INDEX webhook_events_mp_request_id_key
    ON webhook_events ((metadata->>'request_id'))
    WHERE provider = 'mercadopago' AND signature_valid;
"#;

const DOWN: &str = r#"
DROP INDEX IF EXISTS webhook_events_mp_request_id_key;
DROP INDEX IF EXISTS webhook_events_rejected_idx;
DROP INDEX IF EXISTS webhook_events_refusal_sample_key;
"#;

crate::sql_migration!(UP, DOWN);
