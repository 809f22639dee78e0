#!/usr/bin/env bash
# ops/schemathesis.sh: check that the API answers what its OpenAPI document says.
#
# Starts the API on a free port against a fresh database (migrated, demo-seeded) and a private
# Redis namespace, logs in as the demo owner, runs schemathesis over every operation (checks in
# ops/schemathesis.toml: not_a_server_error, response_schema_conformance,
# status_code_conformance; examples, coverage, fuzzing and stateful phases), then stops the
# API, drops the database and deletes the namespace's keys. Exits non-zero on any finding, or
# when schemathesis tested fewer operations than the document has.
#
# ops/test.sh runs it after the tests (SKIP_SCHEMATHESIS=1 skips it there). Environment:
#   TEST_DATABASE_URL     server to create the throwaway database on (default local, postgres)
#   TEST_REDIS_URL        Redis to use (default redis://127.0.0.1:6379)
#   SCHEMATHESIS_MAX_TIME seconds schemathesis may run (default 120; whole step < 4 minutes)
#   SCHEMATHESIS_EXAMPLES examples per operation and phase (default 25)
#   PROFILE               cargo profile of the api binary (default debug, built if stale)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSION=4.32.5
VENV="${CABANAS_DEV_DIR:-$ROOT/.dev}/schemathesis-$VERSION"
SERVER_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
RUN_ID="st_$(date +%s)_$$"
WORK="$(mktemp -d)"

log() { printf '==> schemathesis: %s\n' "$*"; }

# Rate limits and hold limits off: schemathesis must meet the API's contract, not its quotas.
export DATABASE_URL="${SERVER_URL%/*}/cabanas_$RUN_ID" REDIS_URL="$REDIS" \
  REDIS_NAMESPACE="$RUN_ID" APP_ENV=development HOST=127.0.0.1 DATABASE_MAX_CONNECTIONS=5 \
  RATE_LIMIT_PER_MINUTE=0 LOGIN_RATE_LIMIT_PER_MINUTE=0 HOLD_LIMIT_PER_PHONE=0 \
  HOLD_LIMIT_PER_IP=0 MERCADOPAGO_API_BASE=http://127.0.0.1:9 MERCADOPAGO_TIMEOUT_SECONDS=2 \
  LOG_FORMAT=json RUST_LOG=warn SHUTDOWN_GRACE_SECONDS=2

api_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local status=$?
  if [[ -n "$api_pid" ]]; then
    kill -TERM "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  psql "$SERVER_URL" -w -X -q -c "DROP DATABASE IF EXISTS \"cabanas_$RUN_ID\" WITH (FORCE)" || true
  redis-cli -u "$REDIS" --scan --pattern "$RUN_ID:*" | xargs -r redis-cli -u "$REDIS" unlink >/dev/null || true
  ((status == 0)) || { echo "API log (last lines):" >&2; tail -n 20 "$WORK/api.log" >&2 || true; }
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  log "installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$VERSION"
fi

profile="${PROFILE:-debug}"
[[ "$profile" == debug ]] && cargo_profile=dev || cargo_profile="$profile"
cargo build -q --locked --profile "$cargo_profile" -p api
api="${CARGO_TARGET_DIR:-$ROOT/target}/$profile/api"

log "fresh database cabanas_$RUN_ID, Redis namespace $RUN_ID"
psql "$SERVER_URL" -w -X -q -c "CREATE DATABASE \"cabanas_$RUN_ID\""
"$api" migrate >"$WORK/setup.log" 2>&1
"$api" seed >>"$WORK/setup.log" 2>&1

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PORT
base="http://127.0.0.1:$PORT"
"$api" serve >"$WORK/api.log" 2>&1 &
api_pid=$!
deadline=$((SECONDS + 30))
until curl -sf -o /dev/null "$base/api/v1/healthz"; do
  kill -0 "$api_pid" 2>/dev/null || { echo "the API exited" >&2; exit 1; }
  ((SECONDS < deadline)) || { echo "the API did not answer in 30 s" >&2; exit 1; }
  sleep 0.2
done

login() {
  curl -sf -X POST "$base/api/v1/admin/login" -H 'content-type: application/json' \
    -d '{"email":"owner@cabanas.test","password":"demo-owner-password"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
admin_token="$(login)"
logout_token="$(login)"

# One run over every operation but logout, which would revoke the token the others use; then
# logout alone, with a token of its own (after its first call it answers 401, documented).
cd "$WORK" # schemathesis keeps a cache directory where it runs
status=0
st() {
  local name="$1" token="$2"
  shift 2
  "$VENV/bin/schemathesis" --config-file "$ROOT/ops/schemathesis.toml" --no-color run \
    "$base/openapi.json" --url "$base/api/v1" -H "Authorization: Bearer $token" --workers 1 \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --report junit --report-dir "$WORK/$name" \
    "$@" 2>&1 | tee "$WORK/$name.log" || status=1
}
log "running against $base (at most ${SCHEMATHESIS_MAX_TIME:-120} s)"
st all "$admin_token" --exclude-path /admin/logout --max-time "${SCHEMATHESIS_MAX_TIME:-120}"
st logout "$logout_token" --include-path /admin/logout --max-time 15

# "Selected: 34/35" and "Tested: 34" in each summary: every operation must have been exercised.
total="$(sed -nE 's/^ *Selected: [0-9]+\/([0-9]+).*/\1/p' "$WORK/all.log")"
count() { sed -nE 's/^ *Tested: ([0-9]+).*/\1/p' "$WORK/$1.log"; }
all="$(count all)" logout="$(count logout)"
tested=$((${all:-0} + ${logout:-0}))
log "operations tested: $tested of ${total:-?}"
if [[ "$tested" != "$total" ]]; then
  echo "schemathesis did not exercise every operation" >&2
  exit 1
fi
exit "$status"
