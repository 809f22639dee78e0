# shellcheck shell=bash
# ops/throwaway-api.sh: sourced by the scripts that check a running API (schemathesis.sh,
# live-checks.sh). `throwaway_api_start PREFIX` builds the api binary (PROFILE, default debug),
# creates a fresh database on TEST_DATABASE_URL's server and a Redis namespace (both named
# PREFIX_<time>_<pid>), migrates and seeds the demo data, starts `api serve` on a free loopback
# port (its metrics on another, METRICS_PORT) and waits for healthz (30 s at most). It sets
# `base` (the API's URL), `api` (the binary)
# and `WORK` (a scratch folder with api.log), and an EXIT trap that stops the API, drops the
# database, deletes the namespace's keys and WORK, and shows the API log's tail on failure.
# `throwaway_api_login` prints an access token of the demo owner.
#
# Environment: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# TEST_REDIS_URL (default redis://127.0.0.1:6379), PROFILE. Callers may export settings of the
# API before starting it; the ones set here keep it quiet, unlimited and offline.

THROWAWAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=ops/lib.sh
source "$THROWAWAY_ROOT/ops/lib.sh"
THROWAWAY_SERVER_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
THROWAWAY_REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
THROWAWAY_ID=""
throwaway_api_pid=""

throwaway_api_cleanup() {
  local status=$?
  [[ -z "$throwaway_api_pid" ]] || stop_pid "$throwaway_api_pid"
  if [[ -n "$THROWAWAY_ID" ]]; then
    psql "$THROWAWAY_SERVER_URL" -w -X -q \
      -c "DROP DATABASE IF EXISTS \"cabanas_$THROWAWAY_ID\" WITH (FORCE)" || true
    redis-cli -u "$THROWAWAY_REDIS" --scan --pattern "$THROWAWAY_ID:*" |
      xargs -r redis-cli -u "$THROWAWAY_REDIS" unlink >/dev/null || true
  fi
  ((status == 0)) || { echo "API log (last lines):" >&2; tail -n 20 "$WORK/api.log" >&2 || true; }
  rm -rf "$WORK"
  exit "$status"
}

throwaway_api_start() {
  THROWAWAY_ID="${1}_$(date +%s)_$$"
  WORK="$(mktemp -d)"
  trap throwaway_api_cleanup EXIT
  export DATABASE_URL="${THROWAWAY_SERVER_URL%/*}/cabanas_$THROWAWAY_ID" \
    REDIS_URL="$THROWAWAY_REDIS" REDIS_NAMESPACE="$THROWAWAY_ID" APP_ENV=development \
    HOST=127.0.0.1 DATABASE_MAX_CONNECTIONS="${DATABASE_MAX_CONNECTIONS:-5}" \
    RATE_LIMIT_PER_MINUTE=0 LOGIN_RATE_LIMIT_PER_MINUTE=0 HOLD_LIMIT_PER_PHONE=0 \
    HOLD_LIMIT_PER_IP=0 MERCADOPAGO_API_BASE=http://127.0.0.1:9 MERCADOPAGO_TIMEOUT_SECONDS=2 \
    LOG_FORMAT=json RUST_LOG=warn SHUTDOWN_GRACE_SECONDS=2

  local profile="${PROFILE:-debug}" cargo_profile
  [[ "$profile" == debug ]] && cargo_profile=dev || cargo_profile="$profile"
  cargo build -q --locked --profile "$cargo_profile" -p api --manifest-path "$THROWAWAY_ROOT/Cargo.toml"
  api="${CARGO_TARGET_DIR:-$THROWAWAY_ROOT/target}/$profile/api"

  psql "$THROWAWAY_SERVER_URL" -w -X -q -c "CREATE DATABASE \"cabanas_$THROWAWAY_ID\""
  "$api" migrate >"$WORK/setup.log" 2>&1
  "$api" seed >>"$WORK/setup.log" 2>&1

  read -r PORT METRICS_PORT < <(free_ports 2)
  export PORT METRICS_PORT
  base="http://127.0.0.1:$PORT"
  "$api" serve >"$WORK/api.log" 2>&1 &
  throwaway_api_pid=$!
  wait_http_ok 30 "$base/api/v1/healthz" "$throwaway_api_pid" || exit 1
}

# The demo owner's credentials (ops/dev.sh seeds them; never in production).
THROWAWAY_ADMIN_EMAIL="owner@cabanas.test"
THROWAWAY_ADMIN_PASSWORD="demo-owner-password"

throwaway_api_login() {
  curl -sf -X POST "$base/api/v1/admin/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$THROWAWAY_ADMIN_EMAIL\",\"password\":\"$THROWAWAY_ADMIN_PASSWORD\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
