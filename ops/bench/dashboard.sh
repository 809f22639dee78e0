#!/usr/bin/env bash
# The owner's dashboard (issue 12): server-side latency of every page with 5,000 reservations
# in the database, over loopback with wrk (a logged-in session cookie, CONCURRENCY clients).
# Target: p95 < 300 ms per page. Each page's run is bounded by DURATION.
#
# Usage: ops/bench/dashboard.sh   (needs target/release/api: cargo build --release -p api;
#                                  API=target/debug/api measures a debug build instead)
# Env:   DURATION (default 5s), THREADS (2), CONCURRENCY (4), STAYS (5000), API, PORT,
#        PG_URL (postgres://postgres@127.0.0.1:5432), REDIS_URL (redis://127.0.0.1:6379)
set -euo pipefail

cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONCURRENCY=${CONCURRENCY:-4}
STAYS=${STAYS:-5000}
RUN_ID=$(date +%s)
DB=cabanas_bench_dash_${RUN_ID}
NAMESPACE=bench-dash-${RUN_ID}
# shellcheck source=ops/bench/lib.sh
source ops/bench/lib.sh

echo "== database $DB: the demo cabins, $STAYS two-night stays around today"
psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PG_URL/$DB" REDIS_URL REDIS_NAMESPACE="$NAMESPACE" HOST=127.0.0.1 PORT METRICS_PORT=0 \
    RUST_LOG=warn LOG_FORMAT=json APP_ENV=development RATE_LIMIT_PER_MINUTE=100000000
$API migrate >/dev/null
$API seed >"$WORK/seed.txt"
psql "$PG_URL/$DB" -qAt -v ON_ERROR_STOP=1 <<SQL
WITH cabins AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n
                FROM accommodations)
INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name, guest_phone,
                          guest_email, guests, nights, price_per_night, total_price,
                          deposit_amount, paid_amount, status, channel)
SELECT 'RES261130' || lpad((g * c.n + c.k)::text, 6, '0'), c.id,
       current_date - 400 + 2 * g, current_date - 398 + 2 * g,
       (ARRAY['Ana Gómez', 'Luis Paz', 'Marta Quiroga', 'Juan Pérez', 'Sofía Díaz'])[1 + g % 5] || ' ' || g,
       '+54911' || lpad(g::text, 8, '0'), 'huesped' || g || '@example.com', 2, 2, 50000, 100000,
       30000, CASE WHEN g % 3 = 0 THEN 100000 ELSE 30000 END, 'confirmed',
       (ARRAY['web', 'whatsapp', 'airbnb', 'booking', 'admin'])[1 + g % 5]
FROM cabins c, generate_series(0, ($STAYS / (SELECT count(*) FROM accommodations))::int - 1) AS g;
ANALYZE reservations;
SQL
rows=$(psql "$PG_URL/$DB" -qAt -c "SELECT count(*) FROM reservations")
code=$(psql "$PG_URL/$DB" -qAt -c "SELECT code FROM reservations ORDER BY check_in DESC LIMIT 1")
cabin=$(psql "$PG_URL/$DB" -qAt -c "SELECT min(id) FROM accommodations")
start_api

base="http://127.0.0.1:$PORT"
email=$(sed -nE 's/^Demo admin: ([^ ]+) \/ .*/\1/p' "$WORK/seed.txt")
password=$(sed -nE 's/^Demo admin: [^ ]+ \/ (.*)/\1/p' "$WORK/seed.txt")
form=$(curl -fsS -D "$WORK/form.h" "$base/admin/login")
csrf=$(grep -o 'name="csrf" value="[^"]*"' <<<"$form" | sed -E 's/.*value="([^"]*)"/\1/')
form_cookie=$(grep -io 'set-cookie: cabanas_login_csrf=[^;]*' "$WORK/form.h" | cut -d' ' -f2)
curl -fsS -o /dev/null -D "$WORK/login.h" -H "Cookie: $form_cookie" \
    --data-urlencode "email=$email" --data-urlencode "password=$password" \
    --data-urlencode "csrf=$csrf" "$base/admin/login"
session=$(grep -io 'set-cookie: cabanas_admin=[^;]*' "$WORK/login.h" | cut -d' ' -f2)
[[ -n $session ]] || { echo "could not log in" >&2; exit 1; }

echo "== $rows reservations; $CONCURRENCY clients, $THREADS threads, $DURATION per page"
printf '%-48s %9s %9s %9s %9s %7s\n' page requests p50_ms p95_ms p99_ms errors
worst=0
for page in /admin /admin/inicio/datos /admin/reservas "/admin/reservas?q=quiroga" \
    "/admin/reservas?channel=airbnb&sort=-total_price&page=20" "/admin/reservas/$code" \
    /admin/calendario "/admin/calendario?cabana=$cabin" /admin/conversaciones /admin/operacion \
    /admin/configuracion; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $session" "$base$page")
    [[ $status == 200 ]] || { echo "$page answered $status" >&2; exit 1; }
    wrk -t"$THREADS" -c"$CONCURRENCY" -d"$DURATION" -s ops/bench/p95.lua -H "Cookie: $session" \
        "$base$page" >"$WORK/wrk.txt"
    value() { awk -v k="$1" '$1==k {print $2}' "$WORK/wrk.txt"; }
    printf '%-48s %9s %9s %9s %9s %7s\n' "$page" "$(value REQUESTS)" "$(value P50_MS)" \
        "$(value P95_MS)" "$(value P99_MS)" "$(value ERRORS)"
    worst=$(awk -v a="$worst" -v b="$(value P95_MS)" 'BEGIN {print (b > a) ? b : a}')
done
echo "RESULT stays=$rows worst_p95_ms=$worst target_ms=300 $(awk -v w="$worst" 'BEGIN {print (w < 300) ? "met" : "NOT met"}')"
