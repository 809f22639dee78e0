-- Pre-fills `reservations` of the `prefilled` scenario's database (ops/bench/run.sh) with
-- :rows rows in one INSERT … SELECT generate_series, and keeps the table from ever being
-- analyzed: autovacuum off for the table before the fill, and no ANALYZE, so the planner
-- sees what a freshly restored database or CI's autovacuum-less server shows it.
--
-- psql variables: rows, cabins, first_id, slots, stay_days, perm_a, perm_b, start_date.
--
-- The mix, by g % 20 (row g = 0 .. rows-1):
--   0      lapsed hold (pre_reserved, expired 1–600 minutes ago, never swept)   5 %
--   1–4    expired hold (swept)                                                20 %
--   5–7    cancelled, nights still ahead                                        15 %
--   8–9    cancelled, nights past                                               10 %
--   10–17  completed stay, past                                                 40 %
--   18–19  confirmed stay, past (not marked completed)                          10 %
-- Rows with nights ahead take the stay the run asks for as its stay number
-- n = 10*(g/20) + g%20, through the same permutation as bench.lua: the run asks for
-- n = 0, 1, 2 … in this database, so every tenth booking finds a lapsed hold on its nights
-- and the booking path's targeted expiry has to expire it (an audited UPDATE) before
-- inserting. Rows in the past take one slot each, going back from the first bench check-in,
-- so no two active rows (lapsed holds, confirmed stays) share a night of a cabin.
ALTER TABLE reservations SET (autovacuum_enabled = false);

INSERT INTO reservations (
    code, accommodation_id, check_in, check_out, guest_name, guest_phone, guest_email,
    guests, nights, price_per_night, total_price, deposit_amount, paid_amount, status,
    payment_status, channel, expires_at, confirmed_at, cancelled_at, cancellation_reason,
    expired_at, completed_at, created_at, updated_at, client_ip)
SELECT 'RES' || to_char(t.created_at, 'YYMMDD') || lpad(r.g::text, 6, '0'),
       d.cabin, d.check_in, d.check_in + :stay_days,
       'Prefill Guest ' || r.g,
       '+54922' || lpad(r.g::text, 8, '0'),
       CASE WHEN r.g % 2 = 0 THEN 'guest' || r.g || '@example.com' END,
       1 + r.g % 4, :stay_days, 50000, 50000 * :stay_days, 15000 * :stay_days,
       CASE r.kind WHEN 'completed' THEN 50000 * :stay_days
                   WHEN 'confirmed' THEN 15000 * :stay_days ELSE 0 END,
       CASE WHEN r.kind LIKE 'cancelled%' THEN 'cancelled' ELSE r.kind END,
       CASE r.kind WHEN 'completed' THEN 'paid' WHEN 'confirmed' THEN 'deposit_paid'
                   ELSE 'unpaid' END,
       r.channel,
       CASE WHEN r.kind IN ('pre_reserved', 'expired') THEN t.created_at + interval '30 minutes' END,
       CASE WHEN r.kind IN ('completed', 'confirmed') THEN t.created_at + interval '10 minutes' END,
       CASE WHEN r.kind LIKE 'cancelled%' THEN t.created_at + interval '1 day' END,
       CASE WHEN r.kind LIKE 'cancelled%' THEN 'guest changed plans' END,
       CASE WHEN r.kind = 'expired' THEN t.created_at + interval '31 minutes' END,
       CASE WHEN r.kind = 'completed' THEN (d.check_in + :stay_days) + time '10:00' END,
       t.created_at,
       t.created_at + interval '1 day',
       CASE WHEN r.channel = 'web' THEN '198.18.0.0'::inet + r.g END
FROM (
    SELECT g,
           CASE WHEN g % 20 = 0 THEN 'pre_reserved'
                WHEN g % 20 <= 4 THEN 'expired'
                WHEN g % 20 <= 7 THEN 'cancelled_ahead'
                WHEN g % 20 <= 9 THEN 'cancelled'
                WHEN g % 20 <= 17 THEN 'completed'
                ELSE 'confirmed' END AS kind,
           (ARRAY['web', 'whatsapp', 'web', 'phone', 'admin'])[1 + (g / 20) % 5] AS channel
    FROM generate_series(0, :rows - 1) AS g
) r
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.g % 20 <= 7
                THEN (:perm_a::bigint * (10 * (r.g / 20) + r.g % 20) + :perm_b) % (:cabins * :slots)
           END AS slot
) s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.slot IS NOT NULL
                THEN :first_id + (s.slot % :cabins)::int
                ELSE :first_id + r.g % :cabins END AS cabin,
           CASE WHEN s.slot IS NOT NULL
                THEN date :'start_date' + (:stay_days * (s.slot / :cabins))::int
                ELSE date :'start_date' - (:stay_days * (r.g / :cabins + 1))::int END AS check_in
) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.kind = 'pre_reserved'
                THEN now() - interval '31 minutes' - (r.g % 600) * interval '1 minute'
                WHEN s.slot IS NOT NULL
                THEN now() - (1 + r.g % 30) * interval '1 day'
                ELSE d.check_in - interval '30 days' END AS created_at
) t;
