# shellcheck shell=bash
# ops/bench/lib.sh: what the single-endpoint wrk benchmarks share (today ical_export.sh; run.sh
# has its own set-up). Source it from the repository root after setting DB and NAMESPACE (the
# throw-away database and Redis namespace): it picks a free PORT, checks for the release API and wrk,
# makes a WORK folder, and on exit stops the API ($API_PID), drops the database, deletes the
# namespace and removes WORK. `start_api` starts `api serve` (environment already exported)
# and returns once its healthz answers.
# Env: API (default target/release/api), PORT (a free one), PG_URL (postgres://postgres@127.0.0.1:5432),
#      REDIS_URL (redis://127.0.0.1:6379).

# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
PORT=${PORT:-$(free_ports 1)}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
WORK=$(mktemp -d)
API=${API:-target/release/api}

[[ -x $API ]] || { echo "build first: cargo build --release -p api" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is required" >&2; exit 1; }

cleanup() {
    [[ -z ${API_PID:-} ]] || stop_pid "$API_PID"
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    redis-cli -u "$REDIS_URL" --scan --pattern "$NAMESPACE:*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

start_api() {
    $API serve >"$WORK/api.log" 2>&1 &
    API_PID=$!
    wait_http_ok 10 "http://127.0.0.1:$PORT/api/v1/healthz" "$API_PID" || { cat "$WORK/api.log" >&2; exit 1; }
}
