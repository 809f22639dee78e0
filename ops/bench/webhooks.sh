#!/usr/bin/env bash
# Signed WhatsApp webhook ingest benchmark: signature check + record in PostgreSQL + enqueue in
# Redis + 202, at concurrency 16 and 64, with wrk.
#
# wrk's Lua cannot compute HMAC-SHA256, so N signed bodies (each with its own wamid, so no
# two requests are duplicates) are generated up front by python3 into one file, and the Lua
# script sends them round-robin. Ingest does not dedupe (the worker does), so a fixed body
# would cost the same; unique bodies keep the stored data realistic.
#
# The worker is NOT started: this measures the API's ingest path only. Jobs pile up in a
# throw-away Redis namespace that is deleted at the end, with the throw-away database.
#
# Usage: ops/bench/webhooks.sh            (needs target/release/api: cargo build --release -p api)
# Env:   DURATION (default 20s), THREADS (2), BODIES (20000), PORT (a free one),
#        PG_URL (postgres://postgres@127.0.0.1:5432), REDIS_URL (redis://127.0.0.1:6379)
set -euo pipefail

cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
BODIES=${BODIES:-20000}
SECRET=bench-app-secret
RUN_ID=$(date +%s)
DB=cabanas_bench_${RUN_ID}
NAMESPACE=bench-${RUN_ID}
# shellcheck source=ops/bench/lib.sh
source ops/bench/lib.sh

echo "== generating $BODIES signed bodies"
python3 - "$WORK/bodies.txt" "$BODIES" "$SECRET" <<'PY'
import hmac, hashlib, json, sys
path, n, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
with open(path, "w") as out:
    for i in range(n):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "5492944000000", "phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Martín Pérez"}, "wa_id": "5491112345678"}],
            "messages": [{"from": "5491112345678", "id": f"wamid.BENCH{i:012d}", "timestamp": "1764000000", "type": "text",
                          "text": {"body": "Hola! ¿Tienen lugar del 15 al 17 de enero para 4 personas? 🙂"}}]}}]}]},
            ensure_ascii=False, separators=(",", ":")).encode()
        sig = hmac.new(secret, body, hashlib.sha256).hexdigest()
        out.write(f"sha256={sig}\t{body.decode()}\n")
PY

cat > "$WORK/signed.lua" <<LUA
local lines = {}
for line in io.lines("$WORK/bodies.txt") do lines[#lines + 1] = line end
local counter = 0
local offset = 0
function setup(thread) offset = offset + 1; thread:set("offset", offset * 7919) end
function init(args) counter = (offset or 0) end
function request()
    counter = counter + 1
    local line = lines[(counter % #lines) + 1]
    local tab = string.find(line, "\t", 1, true)
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["X-Hub-Signature-256"] = string.sub(line, 1, tab - 1)
    return wrk.format("POST", "/api/v1/webhooks/whatsapp", nil, string.sub(line, tab + 1))
end
LUA

echo "== database $DB, namespace $NAMESPACE"
psql "$PG_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PG_URL/$DB" REDIS_URL REDIS_NAMESPACE="$NAMESPACE" HOST=127.0.0.1 PORT METRICS_PORT=0 \
    WHATSAPP_APP_SECRET="$SECRET" RUST_LOG=warn LOG_FORMAT=json APP_ENV=development \
    DATABASE_MAX_CONNECTIONS=${DATABASE_MAX_CONNECTIONS:-32}
$API migrate >/dev/null
start_api

# One signed request first: it must be 202.
first=$(head -1 "$WORK/bodies.txt")
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/v1/webhooks/whatsapp" \
    -H 'Content-Type: application/json' -H "X-Hub-Signature-256: ${first%%$'\t'*}" --data-binary "${first#*$'\t'}")
[[ $status == 202 ]] || { echo "smoke request answered $status" >&2; cat "$WORK/api.log" >&2; exit 1; }

for conc in 16 64; do
    echo "== concurrency $conc, $THREADS threads, $DURATION"
    wrk -t"$THREADS" -c"$conc" -d"$DURATION" --latency -s "$WORK/signed.lua" "http://127.0.0.1:$PORT" \
        | tee "$WORK/wrk-$conc.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$conc.txt")
    p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk-$conc.txt")
    p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk-$conc.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk-$conc.txt")
    echo "RESULT concurrency=$conc rps=$rps p50=$p50 p99=$p99 non2xx=${non2xx:-0}"
done
events=$(psql "$PG_URL/$DB" -Atc "SELECT count(*) FROM webhook_events WHERE status_returned = 202")
# apalis-redis 1.0 pushes to the scheduled set (run_at = now); count both.
queue="$NAMESPACE:queue:whatsapp_inbound.v1"
queued=$(( $(redis-cli -u "$REDIS_URL" LLEN "$queue:active") + $(redis-cli -u "$REDIS_URL" ZCARD "$queue:scheduled") ))
echo "RESULT recorded_events=$events queued_jobs=$queued"
