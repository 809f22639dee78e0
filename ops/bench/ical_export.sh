#!/usr/bin/env bash
# iCal export benchmark (issue 8): GET /api/v1/ical/{token}.ics of a cabin with 1,000 stays
# (half from Airbnb, so the Airbnb feed filters), at concurrency 16 with wrk, over loopback.
# Target: < 5 ms per request (p50 and the mean). Each run is bounded by DURATION. The per-IP
# rate limit is lifted: every request comes from 127.0.0.1. The API keeps the
# rendered feed (ADR 0082), so wrk measures the steady state of channels polling an unchanged
# calendar (one revalidating query per request); the first request, which renders, is timed
# on its own (`cold`, then `warm` for the second).
#
# Usage: ops/bench/ical_export.sh   (needs target/release/api: cargo build --release -p api)
# Env:   DURATION (default 15s), THREADS (2), CONCURRENCY (16), STAYS (1000), PORT (a free one),
#        PG_URL (postgres://postgres@127.0.0.1:5432), REDIS_URL (redis://127.0.0.1:6379)
set -euo pipefail

cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONCURRENCY=${CONCURRENCY:-16}
STAYS=${STAYS:-1000}
RUN_ID=$(date +%s)
DB=cabanas_bench_ical_${RUN_ID}
NAMESPACE=bench-ical-${RUN_ID}
# shellcheck source=ops/bench/lib.sh
source ops/bench/lib.sh

echo "== database $DB: one cabin, $STAYS one-night stays from today on"
psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PG_URL/$DB" REDIS_URL REDIS_NAMESPACE="$NAMESPACE" HOST=127.0.0.1 PORT METRICS_PORT=0 \
    RUST_LOG=warn LOG_FORMAT=json APP_ENV=development RATE_LIMIT_PER_MINUTE=100000000
$API migrate >/dev/null
TOKEN=$(psql "$PG_URL/$DB" -qAt -v ON_ERROR_STOP=1 <<SQL
INSERT INTO accommodations (name, capacity, base_price, ical_export_token)
VALUES ('Cabaña «Ñandú» del lago Nahuel Huapi', 4, 50000, md5('bench') || md5('ical'));
INSERT INTO reservations (code, accommodation_id, check_in, check_out, guest_name, guests, nights,
                          price_per_night, total_price, deposit_amount, status, channel)
SELECT 'RES261130' || lpad(g::text, 6, '0'), a.id, current_date + g, current_date + g + 1,
       'Huésped ' || g, 2, 1, 50000, 50000, 15000, 'confirmed',
       CASE WHEN g % 2 = 0 THEN 'airbnb' ELSE 'web' END
FROM accommodations a, generate_series(1, $STAYS) AS g;
SELECT ical_token_airbnb FROM accommodations;
SQL
)
start_api

URL="http://127.0.0.1:$PORT/api/v1/ical/$TOKEN.ics"
cold=$(curl -fs -o "$WORK/feed.ics" -w '%{time_total}' "$URL")
warm=$(curl -fs -o /dev/null -w '%{time_total}' "$URL")
events=$(grep -c '^BEGIN:VEVENT' "$WORK/feed.ics" || true)
bytes=$(wc -c <"$WORK/feed.ics")
[[ $events -eq $((STAYS / 2)) ]] || { echo "expected $((STAYS / 2)) events, got $events" >&2; exit 1; }
echo "== the Airbnb feed: $events events, $bytes bytes; first request ${cold}s, second ${warm}s"
echo "== concurrency $CONCURRENCY, $THREADS threads, $DURATION"
wrk -t"$THREADS" -c"$CONCURRENCY" -d"$DURATION" --latency "$URL" | tee "$WORK/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
mean=$(awk '$1=="Latency" {print $2; exit}' "$WORK/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk.txt")
[[ -z $non2xx ]] || echo "WARNING: $non2xx responses were not 200" >&2
echo "RESULT stays=$STAYS events=$events cold=${cold}s warm=${warm}s concurrency=$CONCURRENCY rps=$rps mean=$mean p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
