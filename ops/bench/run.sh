#!/usr/bin/env bash
# Load-tests the API over loopback with wrk, measures PostgreSQL's own insert rate with
# pgbench, and writes docs/performance.md (or --output). See ops/bench/README.md.
#
# The API runs with every guard on (TRUST_PROXY_HEADERS=true, the built-in hold limits, the
# rate limiter on); every request carries its own public client IP and phone. Throw-away
# databases (cabanas_bench_<pid>_*) and a Redis namespace are removed on exit, whatever
# happens. Every request goes to 127.0.0.1 only; every wrk and pgbench run is bounded.
#
# Pieces: bench.lua (wrk: requests and results), prefill.sql (the 100k never-analyzed rows),
# ceiling.sql (pgbench), signed_bodies.py (webhook bodies), measure.sh (/proc readings),
# report.sh (the Markdown report).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: ops/bench/run.sh [options]

  --no-build                  use the existing target/release/api
  --api-bin PATH              the api binary to run (implies --no-build; env API_BIN too)
  --scenarios "healthz reservations conflicts prefilled webhooks ceiling"
                              what to run (default all; --endpoints is an alias)
  --concurrency "1 16 64"     connections per scenario (default "1 16 64")
  --duration SECONDS          measured run of each scenario, 1..120 (default 10)
  --warmup SECONDS            unmeasured run before each, 0..60 (default 2)
  --cabins N                  cabins in the bench databases (default 1000)
  --prefill-rows N            rows pre-filled for `prefilled` (default 100000)
  --conflict-percent P        share of `conflicts` requests that repeat a stay (default 30)
  --seed N                    the run's random seed (env BENCH_SEED; default: the clock in ns)
  --rate-limit N              RATE_LIMIT_PER_MINUTE of the API, > 0 (default 600)
  --db-max-connections N      DATABASE_MAX_CONNECTIONS of the API (default 20, the API's own)
  --synchronous-commit on|off set synchronous_commit for the bench databases only
                              (ALTER DATABASE ... SET); default: the server's setting
  --pg-sslmode MODE           add ?sslmode=MODE to the API's DATABASE_URL (default: none, so
                              the driver's default, prefer: TLS whenever the server offers it)
  --log-level FILTER          RUST_LOG of the API (default warn)
  --output PATH               report to write (default docs/performance.md)
  -h, --help                  this text

Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), REDIS_URL
(redis://127.0.0.1:6379), API_BIN, BENCH_SEED. PostgreSQL and Redis must be running.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$ROOT/ops/bench"
COMMAND_LINE="ops/bench/run.sh${*:+ $*}"
ALL_SCENARIOS="healthz reservations conflicts prefilled webhooks ceiling"

BUILD=1
API_BIN="${API_BIN:-}"
[[ -n "$API_BIN" ]] && BUILD=0
SCENARIOS="$ALL_SCENARIOS"
CONCURRENCY="1 16 64"
DURATION=10
WARMUP=2
CABINS=1000
PREFILL_ROWS=100000
CONFLICT_PCT=30
SEED="${BENCH_SEED:-$(date +%s%N)}"
RATE_LIMIT=600
DB_MAX_CONNECTIONS=20
SYNCHRONOUS_COMMIT=""
PG_SSLMODE=""
LOG_LEVEL=warn
OUTPUT="$ROOT/docs/performance.md"

VALUED_OPTIONS=" --api-bin --scenarios --endpoints --concurrency --duration --warmup --cabins --prefill-rows --conflict-percent --seed --rate-limit --db-max-connections --synchronous-commit --pg-sslmode --log-level --output "
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) BUILD=0; shift; continue ;;
        -h | --help) usage; exit 0 ;;
    esac
    if [[ "$VALUED_OPTIONS" != *" $1 "* ]]; then echo "unknown option: $1" >&2; usage >&2; exit 2; fi
    [[ $# -ge 2 ]] || { echo "$1 needs a value" >&2; exit 2; }
    case "$1" in
        --api-bin) API_BIN="$(realpath -m "$2")"; BUILD=0 ;;
        --scenarios | --endpoints) SCENARIOS="$2" ;;
        --concurrency) CONCURRENCY="$2" ;;
        --duration) DURATION="$2" ;;
        --warmup) WARMUP="$2" ;;
        --cabins) CABINS="$2" ;;
        --prefill-rows) PREFILL_ROWS="$2" ;;
        --conflict-percent) CONFLICT_PCT="$2" ;;
        --seed) SEED="$2" ;;
        --rate-limit) RATE_LIMIT="$2" ;;
        --db-max-connections) DB_MAX_CONNECTIONS="$2" ;;
        --synchronous-commit) SYNCHRONOUS_COMMIT="$2" ;;
        --pg-sslmode) PG_SSLMODE="$2" ;;
        --log-level) LOG_LEVEL="$2" ;;
        --output) OUTPUT="$(realpath -m "$2")" ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift 2
done

bad() { echo "$*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]{1,9}$ ]]; }
for value in "$DURATION" "$WARMUP" "$CABINS" "$PREFILL_ROWS" "$CONFLICT_PCT" "$RATE_LIMIT" "$DB_MAX_CONNECTIONS"; do
    is_uint "$value" || bad "not a whole number (up to 9 digits): $value"
done
[[ "$SEED" =~ ^[0-9]{1,19}$ ]] || bad "--seed must be a whole number (up to 19 digits): $SEED"
[[ -n "${CONCURRENCY// /}" ]] || bad "--concurrency is empty"
for c in $CONCURRENCY; do
    if ! is_uint "$c" || [[ "$c" -lt 1 || "$c" -gt 1000 ]]; then bad "bad concurrency (1..1000): $c"; fi
done
[[ -n "${SCENARIOS// /}" ]] || bad "--scenarios is empty"
for s in $SCENARIOS; do
    [[ " $ALL_SCENARIOS " == *" $s "* ]] || bad "unknown scenario: $s (known: $ALL_SCENARIOS)"
done
[[ -z "$SYNCHRONOUS_COMMIT" || "$SYNCHRONOUS_COMMIT" =~ ^(on|off|local|remote_write|remote_apply)$ ]] ||
    bad "bad --synchronous-commit: $SYNCHRONOUS_COMMIT"
[[ -z "$PG_SSLMODE" || "$PG_SSLMODE" =~ ^(disable|prefer|require)$ ]] || bad "bad --pg-sslmode: $PG_SSLMODE"
[[ "$LOG_LEVEL" =~ ^[A-Za-z0-9_=,:.-]+$ ]] || bad "bad --log-level: $LOG_LEVEL"
[[ "$DURATION" -ge 1 && "$DURATION" -le 120 ]] || bad "--duration must be 1..120"
[[ "$WARMUP" -le 60 ]] || bad "--warmup must be 0..60"
[[ "$CABINS" -ge 1 && "$CABINS" -le 100000 ]] || bad "--cabins must be 1..100000"
[[ "$PREFILL_ROWS" -ge 20 && "$PREFILL_ROWS" -le 1000000 ]] || bad "--prefill-rows must be 20..1000000"
[[ "$CONFLICT_PCT" -le 100 ]] || bad "--conflict-percent must be 0..100"
[[ "$RATE_LIMIT" -ge 1 ]] || bad "--rate-limit must be at least 1 (the limiter stays on)"
[[ "$DB_MAX_CONNECTIONS" -ge 1 ]] || bad "--db-max-connections must be at least 1"
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }

# Stays: STAY_DAYS nights each, back to back (half-open, so they never overlap), SLOTS per
# cabin from two days ahead: the last check-in is ~1.4 years ahead, inside the API's default
# MAX_MONTHS_AHEAD (18). A run may ask for at most CABINS * SLOTS fresh stays per database.
STAY_DAYS=2
SLOTS=260
SPACE=$((CABINS * SLOTS))
[[ $((PREFILL_ROWS / 2)) -le "$SPACE" ]] ||
    bad "--cabins $CABINS is too few for --prefill-rows $PREFILL_ROWS (needs cabins >= rows / $((2 * SLOTS)))"

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DB_BASE="cabanas_bench_$$"
TEMPLATE_DB="${DB_BASE}_template"
REDIS_NAMESPACE="cabanas-bench-$$"
WEBHOOK_SECRET="bench-app-secret"
WEBHOOK_BODIES=20000
[[ -n "$API_BIN" ]] || API_BIN="$ROOT/target/release/api"
# Raw wrk and pgbench output, API logs and samples of this run (target/ is git-ignored).
RUN_DIR="$ROOT/target/bench/$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$RUN_DIR"
RESULTS="$RUN_DIR/results.tsv"
CEILING="$RUN_DIR/ceiling.tsv"

# shellcheck source=ops/lib.sh
source "$BENCH_DIR/../lib.sh"
LOG_TAG=bench
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_db() { local db="$1"; shift; psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# shellcheck source=ops/bench/measure.sh
source "$BENCH_DIR/measure.sh"
# shellcheck source=ops/bench/report.sh
source "$BENCH_DIR/report.sh"

# --- clean-up, whatever happens ---------------------------------------------------------
API_PID=""
SAMPLER_PID=""
DATABASES=()
cleanup() {
    local status=$? db
    set +e
    [[ -n "$API_PID" ]] && stop_api
    for db in "${DATABASES[@]}"; do
        psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || log "could not drop $db"
    done
    # Delete whatever the API put under its namespace (rate-limit buckets, queued jobs), never FLUSHDB.
    redis-cli -u "$REDIS_URL" --scan --pattern "$REDIS_NAMESPACE:*" 2>/dev/null |
        xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1
    [[ $status -ne 0 ]] && log "failed; logs in ${RUN_DIR#"$ROOT"/}"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# create_db NAME [TEMPLATE]: a throw-away database, dropped on exit.
create_db() {
    psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
    DATABASES+=("$1")
    psql_admin -c "CREATE DATABASE $1${2:+ TEMPLATE $2}" >/dev/null
    if [[ -n "$SYNCHRONOUS_COMMIT" ]]; then
        psql_admin -c "ALTER DATABASE $1 SET synchronous_commit = $SYNCHRONOUS_COMMIT" >/dev/null
    fi
}

drop_db() {
    psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
    local kept=() db
    for db in "${DATABASES[@]}"; do [[ "$db" == "$1" ]] || kept+=("$db"); done
    DATABASES=("${kept[@]}")
}

# --- the API ------------------------------------------------------------------------------
# Every guard on, as behind Fly's proxy: client IPs from Fly-Client-IP / X-Forwarded-For
# (each request sends its own), the hold limits at the binary's defaults (unset here, and
# removed from the inherited environment), and the rate limiter on at a limit no client
# reaches (one request per IP). Webhooks are signed with WEBHOOK_SECRET.
api_env() {
    local db="$1"
    API_ENV=(
        env -u HOLD_LIMIT_PER_PHONE -u HOLD_LIMIT_PER_IP
        APP_ENV=development
        DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db${PG_SSLMODE:+?sslmode=$PG_SSLMODE}"
        DATABASE_MAX_CONNECTIONS="$DB_MAX_CONNECTIONS"
        REDIS_URL="$REDIS_URL"
        REDIS_NAMESPACE="$REDIS_NAMESPACE"
        RUST_LOG="$LOG_LEVEL"
        LOG_FORMAT=json
        TRUST_PROXY_HEADERS=true
        RATE_LIMIT_PER_MINUTE="$RATE_LIMIT"
        WHATSAPP_APP_SECRET="$WEBHOOK_SECRET"
    )
}

PEAK_RSS_KB=0
start_api() { # start_api DATABASE LABEL
    local port
    api_env "$1"
    port="$(free_ports 1)"
    BASE_URL="http://127.0.0.1:$port"
    log "starting api serve on $BASE_URL ($1)"
    "${API_ENV[@]}" HOST=127.0.0.1 PORT="$port" METRICS_PORT=0 "$API_BIN" serve >"$RUN_DIR/api-$2.log" 2>&1 &
    API_PID=$!
    if ! wait_http_ok 30 "$BASE_URL/api/v1/healthz" "$API_PID"; then
        pid_alive "$API_PID" || { cat "$RUN_DIR/api-$2.log" >&2; API_PID=""; }
        die "the API did not become healthy"
    fi
    sample_rss "$API_PID" >>"$RUN_DIR/rss.txt" &
    SAMPLER_PID=$!
    log "API healthy (pid $API_PID)"
}

# SIGTERM, then wait for the graceful drain (SHUTDOWN_GRACE_SECONDS is 20) before SIGKILL.
stop_api() {
    local hwm
    hwm="$(proc_kb "$API_PID" VmHWM 2>/dev/null || echo 0)"
    if [[ "$hwm" -gt "$PEAK_RSS_KB" ]]; then PEAK_RSS_KB="$hwm"; fi
    if [[ -n "$SAMPLER_PID" ]]; then
        kill "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
        SAMPLER_PID=""
    fi
    stop_pid "$API_PID" 25
    API_PID=""
}

# --- one wrk run --------------------------------------------------------------------------
NEXT_REQ=0  # request numbers already used (client IPs and phones), across the whole run
NEXT_SLOT=0 # stay numbers already used in the current database
declare -A CREATED=() CUT_OFF=() # per scenario: 201/202 answers, warm-ups included; connections
RESULT=""
WRK_TICKS=0
WRK_RUNS=0

# run_wrk SCENARIO CONNECTIONS SECONDS OUTFILE: leaves the BENCH_RESULT line in RESULT.
run_wrk() {
    local scenario="$1" connections="$2" seconds="$3" out="$4" mode="$1" ticks0
    local threads=$((connections < 2 ? connections : 2)) url="$BASE_URL"
    [[ "$scenario" == prefilled ]] && mode=reservations
    [[ "$scenario" == healthz ]] && url="$BASE_URL/api/v1/healthz"
    ticks0="$(reaped_children_ticks $$)"
    WRK_RUNS=$((WRK_RUNS + 1)) # each wrk run (and each of its threads) draws its own stream
    BENCH_MODE="$mode" BENCH_THREADS="$threads" BENCH_REQ_BASE="$NEXT_REQ" BENCH_SLOT_BASE="$NEXT_SLOT" \
        BENCH_SEED="$((LUA_SEED + 16 * WRK_RUNS))" BENCH_IP_A="$IP_A" BENCH_IP_B="$IP_B" \
        BENCH_CABINS="$CABINS" BENCH_FIRST_ID="$FIRST_ID" BENCH_SLOTS="$SLOTS" BENCH_STAY_DAYS="$STAY_DAYS" \
        BENCH_PERM_A="$PERM_A" BENCH_PERM_B="$PERM_B" BENCH_START_EPOCH="$START_EPOCH" \
        BENCH_CONFLICT_PCT="$([[ "$mode" == conflicts ]] && echo "$CONFLICT_PCT" || echo 0)" \
        BENCH_BODIES="$RUN_DIR/webhook-bodies.txt" \
        timeout $((seconds + 30)) wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s \
        -s "$BENCH_DIR/bench.lua" "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
    WRK_TICKS=$(($(reaped_children_ticks $$) - ticks0))
    RESULT="$(grep '^BENCH_RESULT ' "$out")" || { cat "$out" >&2; die "wrk printed no result"; }
    NEXT_REQ="$(field next_req "$RESULT")"
    NEXT_SLOT="$(field next_slot "$RESULT")"
    [[ "$NEXT_SLOT" -le "$SPACE" ]] || die "the run asked for more than $SPACE stays: raise --cabins"
    local statuses
    statuses="$(field statuses "$RESULT")"
    CREATED[$scenario]=$((${CREATED[$scenario]:-0} + $(status_count 201 "$statuses") + $(status_count 202 "$statuses")))
    CUT_OFF[$scenario]=$((${CUT_OFF[$scenario]:-0} + connections))
}

# measure SCENARIO CONNECTIONS DATABASE: warm-up, then a measured run; appends to RESULTS.
measure() {
    local scenario="$1" c="$2" db="$3" name="$1-c$2" threads=$(($2 < 2 ? $2 : 2))
    local busy0 total0 busy1 total1 api0 api1 t0 t1 result hz
    if [[ "$WARMUP" -gt 0 ]]; then
        log "$name: warm-up ${WARMUP}s"
        run_wrk "$scenario" "$c" "$WARMUP" "$RUN_DIR/$name-warmup.txt"
    fi
    log "$name: measuring ${DURATION}s (wrk -t$threads -c$c)"
    pg_backend_ticks "$db" >"$RUN_DIR/$name-pg-start.txt"
    read -r busy0 total0 < <(machine_ticks)
    api0="$(proc_ticks "$API_PID")"
    t0="$EPOCHREALTIME"
    run_wrk "$scenario" "$c" "$DURATION" "$RUN_DIR/$name.txt"
    result="$RESULT"
    t1="$EPOCHREALTIME"
    api1="$(proc_ticks "$API_PID")"
    read -r busy1 total1 < <(machine_ticks)
    pg_backend_ticks "$db" >"$RUN_DIR/$name-pg-end.txt"
    kill -0 "$API_PID" 2>/dev/null || die "the API died during $name (log: ${RUN_DIR#"$ROOT"/})"
    hz="$(getconf CLK_TCK)"
    awk -v OFS='\t' \
        -v scenario="$scenario" -v c="$c" -v t="$threads" -v dur="$(field duration_us "$result")" \
        -v req="$(field requests "$result")" \
        -v p50="$(field p50_us "$result")" -v p95="$(field p95_us "$result")" \
        -v p99="$(field p99_us "$result")" -v max="$(field max_us "$result")" \
        -v unexpected="$(field unexpected "$result")" -v statuses="$(field statuses "$result")" \
        -v sock="$(($(field connect_errors "$result") + $(field read_errors "$result") + $(field write_errors "$result") + $(field timeouts "$result")))" \
        -v api="$((api1 - api0))" -v wrk="$WRK_TICKS" -v hz="$hz" -v cores="$(nproc)" \
        -v pg="$(pg_ticks_delta "$RUN_DIR/$name-pg-start.txt" "$RUN_DIR/$name-pg-end.txt")" \
        -v busy="$((busy1 - busy0))" -v total="$((total1 - total0))" -v t0="$t0" -v t1="$t1" \
        -v rss="$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$RUN_DIR/rss.txt")" \
        -v repeats="$(field repeats "$result")" \
        'BEGIN {
            secs = dur / 1e6; wall = t1 - t0
            print scenario, c, t, sprintf("%.1f", secs), req, sprintf("%.0f", req / secs),
                p50, p95, p99, max, unexpected, statuses, sock,
                sprintf("%.0f", 100 * api / hz / wall), sprintf("%.0f", 100 * pg / hz / wall),
                sprintf("%.0f", 100 * wrk / hz / wall),
                sprintf("%.0f", total > 0 ? 100 * cores * busy / total - 100 * (api + pg + wrk) / hz / wall : 0),
                rss,
                sprintf("%.0f", req > 0 ? 1e6 * api / hz / req : 0),
                sprintf("%.0f", req > 0 ? 1e6 * pg / hz / req : 0),
                repeats
        }' >>"$RESULTS"
    log "$name: $(tail -n1 "$RESULTS" | awk -F'\t' '{ printf "%s req/s, p50 %.2f ms, p99 %.2f ms, unexpected %s (%s)", $6, $7 / 1000, $9 / 1000, $11, $12 }')"
}

# --- the ceiling: pgbench ------------------------------------------------------------------
# ceiling CONNECTIONS DATABASE: warm-up, then a measured pgbench run; appends to CEILING.
ceiling() {
    local c="$1" db="$2" jobs=$(($1 < 2 ? $1 : 2)) out="$RUN_DIR/ceiling-c$1.txt"
    local -a bench=(pgbench -n -M prepared -c "$c" -j "$jobs" -f "$BENCH_DIR/ceiling.sql"
        -D first_id="$FIRST_ID" -D cabins="$CABINS" -D start_day="$((START_EPOCH / 86400))"
        -D stay_days="$STAY_DAYS" "$db")
    if [[ "$WARMUP" -gt 0 ]]; then
        log "ceiling-c$c: warm-up ${WARMUP}s"
        timeout $((WARMUP + 30)) "${bench[@]}" -T "$WARMUP" >"$RUN_DIR/ceiling-c$c-warmup.txt" 2>&1 ||
            { cat "$RUN_DIR/ceiling-c$c-warmup.txt" >&2; die "pgbench failed"; }
    fi
    log "ceiling-c$c: measuring ${DURATION}s (pgbench -c$c -j$jobs)"
    local pm busy0 total0 busy1 total1 reaped0 reaped1 t0 t1
    pm="$(postmaster_pid)"
    reaped0="$(reaped_children_ticks "$pm")"
    read -r busy0 total0 < <(machine_ticks)
    t0="$EPOCHREALTIME"
    timeout $((DURATION + 30)) "${bench[@]}" -T "$DURATION" -l --log-prefix="$RUN_DIR/ceiling-c$c-log" >"$out" 2>&1 ||
        { cat "$out" >&2; die "pgbench failed"; }
    t1="$EPOCHREALTIME"
    read -r busy1 total1 < <(machine_ticks)
    sleep 0.5 # the postmaster reaps the run's backends, adding their CPU to its children's
    reaped1="$(reaped_children_ticks "$pm")"
    local tps failed count
    tps="$(awk '/^tps = / { print $3; exit }' "$out")"
    failed="$(awk '/^number of failed transactions:/ { print $5; exit }' "$out")"
    count="$(awk '/^number of transactions actually processed:/ { print $6; exit }' "$out")"
    # Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us.
    cat "$RUN_DIR/ceiling-c$c-log".* | awk '{ print $3 }' | sort -n >"$RUN_DIR/ceiling-c$c-latencies.txt"
    awk -v OFS='\t' -v c="$c" -v j="$jobs" -v tps="$tps" -v failed="${failed:-0}" -v count="${count%%/*}" \
        -v pg="$((reaped1 - reaped0))" -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" \
        -v busy="$((busy1 - busy0))" -v total="$((total1 - total0))" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        '{ lat[NR] = $1 }
         function pct(p) { return NR ? lat[int((NR - 1) * p / 100) + 1] : 0 }
         END {
            print c, j, sprintf("%.0f", tps), count, pct(50), pct(95), pct(99), (NR ? lat[NR] : 0), failed,
                sprintf("%.0f", count > 0 ? 1e6 * pg / hz / count : 0),
                sprintf("%.0f", total > 0 ? 100 * cores * busy / total : 0)
         }' "$RUN_DIR/ceiling-c$c-latencies.txt" >>"$CEILING"
    rm -f "$RUN_DIR/ceiling-c$c-log".*
    log "ceiling-c$c: $(tail -n1 "$CEILING" | awk -F'\t' '{ printf "%s inserts/s, p50 %.2f ms, p99 %.2f ms, failed %s", $3, $5 / 1000, $7 / 1000, $9 }')"
}

# --- preparation --------------------------------------------------------------------------
for tool in wrk pgbench psql redis-cli curl python3; do
    command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install wrk postgresql-client redis-tools curl python3)"
done
pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL is not answering on $PGHOST:$PGPORT"
[[ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" == PONG ]] || die "Redis is not answering at $REDIS_URL"

if [[ "$BUILD" -eq 1 ]]; then
    # The same package set as the usual release build, so its artifacts are reused.
    log "building release binaries (cargo build --release -p api -p worker)"
    (cd "$ROOT" && cargo build --release -p api -p worker)
fi
[[ -x "$API_BIN" ]] || die "$API_BIN is missing (build it, or pass --api-bin)"
API_BUILT="$(date -u -r "$API_BIN" '+%Y-%m-%d %H:%M UTC')"
API_SHA="$(sha256sum "$API_BIN" | cut -c1-12)"

# The run's randomness, all from SEED: the stays' permutation (a, b with gcd(a, M) = 1), the
# scramble of request numbers into IPs and phones (odd a, b modulo 2^24), and the base of the
# wrk threads' seeds.
read -r PERM_A PERM_B IP_A IP_B LUA_SEED < <(python3 - "$SEED" "$SPACE" <<'PY'
import math, random, sys
rng = random.Random(int(sys.argv[1]))
space = int(sys.argv[2])
a = rng.randrange(1, space)
while math.gcd(a, space) != 1:
    a = rng.randrange(1, space)
print(a, rng.randrange(space), rng.randrange(1 << 24) | 1, rng.randrange(1 << 24), rng.randrange(1 << 30))
PY
)
# Check-ins start two days from now (UTC noon), so none is "in the past" in the business
# timezone (UTC-3) whenever the run happens.
START_EPOCH=$((($(date -u +%s) / 86400 + 2) * 86400 + 43200))
START_DATE="$(date -u -d "@$START_EPOCH" +%F)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "seed $SEED; scenarios: $SCENARIOS; concurrency: $CONCURRENCY; run files in ${RUN_DIR#"$ROOT"/}"

log "creating $TEMPLATE_DB (migrations, $CABINS cabins)"
create_db "$TEMPLATE_DB"
api_env "$TEMPLATE_DB"
"${API_ENV[@]}" "$API_BIN" migrate >"$RUN_DIR/migrate.log" 2>&1 || { cat "$RUN_DIR/migrate.log" >&2; die "migrate failed"; }
psql_db "$TEMPLATE_DB" >/dev/null <<SQL
INSERT INTO accommodations (name, kind, capacity, base_price, ical_export_token)
SELECT 'Bench cabin ' || g, 'cabin', 4, 50000, md5('bench-' || g) || md5('token-' || g)
FROM generate_series(1, $CABINS) AS g;
SQL
read -r FIRST_ID LAST_ID COUNT < <(psql_db "$TEMPLATE_DB" -F ' ' -c "SELECT min(id), max(id), count(*) FROM accommodations")
[[ "$COUNT" -eq "$CABINS" && $((LAST_ID - FIRST_ID + 1)) -eq "$CABINS" ]] ||
    die "expected $CABINS cabins with consecutive ids, got $COUNT ($FIRST_ID..$LAST_ID)"
SYNC_COMMIT_IN_EFFECT="$(psql_db "$TEMPLATE_DB" -c "SHOW synchronous_commit")"
[[ -n "$SYNCHRONOUS_COMMIT" ]] && SYNC_COMMIT_IN_EFFECT="$SYNCHRONOUS_COMMIT"
PG_SSL_ON="$(psql_db "$TEMPLATE_DB" -c "SHOW ssl")"

printf 'scenario\tconnections\tthreads\tduration_s\trequests\trps\tp50_us\tp95_us\tp99_us\tmax_us\tunexpected\tstatuses\tsocket_errors\tapi_cpu_pct\tpg_cpu_pct\twrk_cpu_pct\tother_cpu_pct\trss_peak_kb\tapi_us_per_req\tpg_us_per_req\trepeats\n' >"$RESULTS"
printf 'connections\tjobs\ttps\ttransactions\tp50_us\tp95_us\tp99_us\tmax_us\tfailed\tpg_us_per_tx\tmachine_cpu_pct\n' >"$CEILING"

# --- the empty database: healthz, reservations, conflicts, webhooks -----------------------
EMPTY_DB="${DB_BASE}_empty"
EMPTY_SCENARIOS=""
for s in healthz reservations conflicts webhooks; do wants "$s" && EMPTY_SCENARIOS+=" $s"; done
if [[ -n "$EMPTY_SCENARIOS" ]]; then
    create_db "$EMPTY_DB" "$TEMPLATE_DB"
    if wants webhooks; then
        log "generating $WEBHOOK_BODIES signed webhook bodies"
        python3 "$BENCH_DIR/signed_bodies.py" "$RUN_DIR/webhook-bodies.txt" "$WEBHOOK_BODIES" "$WEBHOOK_SECRET"
    fi
    start_api "$EMPTY_DB" empty
    NEXT_SLOT=0
    for scenario in $EMPTY_SCENARIOS; do
        if [[ "$scenario" == webhooks ]]; then
            # One signed request first: it must be 202, or the whole scenario would be refusals.
            first="$(head -n1 "$RUN_DIR/webhook-bodies.txt")"
            status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$BASE_URL/api/v1/webhooks/whatsapp" \
                -H 'Content-Type: application/json' -H "X-Hub-Signature-256: ${first%%$'\t'*}" --data-binary "${first#*$'\t'}")"
            [[ "$status" == 202 ]] || die "a signed webhook answered $status, not 202"
            CREATED[webhooks]=1
        fi
        for c in $CONCURRENCY; do measure "$scenario" "$c" "$EMPTY_DB"; done
    done
    EMPTY_ROWS="$(psql_db "$EMPTY_DB" -c "SELECT count(*) FROM reservations")"
    if wants webhooks; then
        WEBHOOK_EVENTS="$(psql_db "$EMPTY_DB" -c "SELECT count(*) FROM webhook_events WHERE status_returned = 202")"
    fi
    stop_api
    drop_db "$EMPTY_DB"
fi

# --- the pre-filled, never analyzed database -----------------------------------------------
# What the planner knows about reservations: reltuples -1 and no analyze time = never analyzed.
table_stats() {
    psql_db "$1" -c "SELECT format('reltuples %s, last_analyze %s, last_autoanalyze %s, reloptions %s',
        c.reltuples, coalesce(s.last_analyze::text, 'NULL'), coalesce(s.last_autoanalyze::text, 'NULL'),
        coalesce(array_to_string(c.reloptions, ','), 'none'))
        FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'reservations'::regclass"
}

if wants prefilled; then
    PREFILLED_DB="${DB_BASE}_prefilled"
    create_db "$PREFILLED_DB" "$TEMPLATE_DB"
    log "pre-filling $PREFILL_ROWS reservations (never analyzed)"
    fill_started=$SECONDS
    timeout 600 psql -X -q -v ON_ERROR_STOP=1 -d "$PREFILLED_DB" -v rows="$PREFILL_ROWS" -v cabins="$CABINS" -v first_id="$FIRST_ID" \
        -v slots="$SLOTS" -v stay_days="$STAY_DAYS" -v perm_a="$PERM_A" -v perm_b="$PERM_B" \
        -v start_date="$START_DATE" -f "$BENCH_DIR/prefill.sql" >/dev/null
    PREFILL_SECONDS=$((SECONDS - fill_started))
    PREFILL_MAX_ID="$(psql_db "$PREFILLED_DB" -c "SELECT coalesce(max(id), 0) FROM reservations")"
    PREFILL_MIX="$(psql_db "$PREFILLED_DB" -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT status, count(*) AS n FROM reservations GROUP BY status) s")"
    PREFILL_LAPSED="$(psql_db "$PREFILLED_DB" -c "SELECT count(*) FROM reservations WHERE status = 'pre_reserved' AND expires_at < now()")"
    STATS_BEFORE="$(table_stats "$PREFILLED_DB")"
    start_api "$PREFILLED_DB" prefilled
    NEXT_SLOT=0
    for c in $CONCURRENCY; do measure prefilled "$c" "$PREFILLED_DB"; done
    PREFILLED_SLOTS="$NEXT_SLOT"
    PREFILLED_NEW_ROWS="$(psql_db "$PREFILLED_DB" -c "SELECT count(*) FROM reservations WHERE id > $PREFILL_MAX_ID")"
    PREFILLED_EXPIRED="$(psql_db "$PREFILLED_DB" -c "SELECT count(*) FROM audit_log WHERE action = 'reservation.expire'")"
    stop_api
    STATS_AFTER="$(table_stats "$PREFILLED_DB")"
    drop_db "$PREFILLED_DB"
fi

# --- the ceiling: bare inserts, no API ------------------------------------------------------
if wants ceiling; then
    CEILING_DB="${DB_BASE}_ceiling"
    create_db "$CEILING_DB" "$TEMPLATE_DB"
    psql_db "$CEILING_DB" -c "CREATE SEQUENCE bench_ceiling_seq" >/dev/null
    for c in $CONCURRENCY; do ceiling "$c" "$CEILING_DB"; done
    CEILING_ROWS="$(psql_db "$CEILING_DB" -c "SELECT count(*) FROM reservations")"
    drop_db "$CEILING_DB"
fi

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
drop_db "$TEMPLATE_DB"
write_report
log "wrote ${OUTPUT#"$ROOT"/} (raw output in ${RUN_DIR#"$ROOT"/})"
