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

# shellcheck source=ops/throwaway-api.sh
source "$ROOT/ops/throwaway-api.sh"
LOG_TAG=schemathesis

if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  log "installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$VERSION"
fi

throwaway_api_start st
log "API on $base: fresh database cabanas_$THROWAWAY_ID, Redis namespace $THROWAWAY_ID"
admin_token="$(throwaway_api_login)"
logout_token="$(throwaway_api_login)"

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
