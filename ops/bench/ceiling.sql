-- pgbench script of ops/bench/run.sh's `ceiling`: PostgreSQL's own rate for one bare,
-- autocommitted INSERT of a hold into `reservations`, exclusion constraint and every index
-- included, with nothing else around it (no locks, no hold counts, no expiry, no audit).
-- Stay number n comes from a sequence (bench_ceiling_seq, created by run.sh) and maps to
-- cabin first_id + n % cabins, check-in start_day + stay_days * (n / cabins) (days since
-- 1970-01-01): back-to-back stays, so no two inserts overlap and none is refused.
-- pgbench variables (-D): first_id, cabins, start_day, stay_days.
INSERT INTO reservations (
    code, accommodation_id, check_in, check_out, guest_name, guest_phone, guest_email,
    guests, nights, price_per_night, total_price, deposit_amount, status, channel,
    expires_at, client_ip)
SELECT 'RES' || lpad(s.n::text, 12, '0'),
       :first_id + (s.n % :cabins)::int,
       d.check_in, d.check_in + :stay_days::int,
       'Bench Guest', '+54933' || lpad((s.n % 100000000)::text, 8, '0'), 'bench@example.com',
       2, :stay_days::int, 50000, 50000 * :stay_days::int, 15000 * :stay_days::int,
       'pre_reserved', 'web', now() + interval '30 minutes',
       '11.0.0.0'::inet + s.n % 16777216
FROM (SELECT nextval('bench_ceiling_seq') AS n) s
CROSS JOIN LATERAL (
    SELECT date '1970-01-01' + (:start_day + :stay_days * (s.n / :cabins))::int AS check_in
) d;
