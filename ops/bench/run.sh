#!/usr/bin/env bash
# Load-tests the API over loopback with wrk and writes docs/performance.md.
#
# What it does: installs wrk if missing, builds the release binaries (unless --no-build),
# creates a fresh database cabanas_bench with many cabins, starts `api serve` on a free
# loopback port, drives GET /api/v1/healthz and POST /api/v1/reservations at several
# concurrencies (each run bounded in time), samples the API's memory, stops everything,
# drops the database and writes the report. See ops/bench/README.md.
#
# Every request goes to 127.0.0.1 only; every wrk run is bounded by --duration.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: ops/bench/run.sh [options]

  --no-build                  use the existing target/release/api
  --duration SECONDS          measured run of each scenario (default 10)
  --warmup SECONDS            unmeasured run before each scenario (default 2)
  --cabins N                  cabins inserted into the bench database (default 500)
  --concurrency "1 16 64"     wrk connections per scenario (default "1 16 64")
  --endpoints "healthz reservations"
                              which endpoints to drive (default both)
  --db-max-connections N      DATABASE_MAX_CONNECTIONS of the API (default 20, the API's own)
  --synchronous-commit on|off set synchronous_commit for the bench database only
                              (ALTER DATABASE cabanas_bench SET ...); default: server setting
  --pg-sslmode MODE           add ?sslmode=MODE to the API's DATABASE_URL (default: none, so
                              the driver's default, prefer: TLS whenever the server offers it)
  --log-level FILTER          RUST_LOG of the API (default warn)
  --output PATH               report to write (default docs/performance.md)
  -h, --help                  this text

Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), REDIS_URL
(redis://127.0.0.1:6379). PostgreSQL and Redis must be running.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$ROOT/ops/bench"
COMMAND_LINE="ops/bench/run.sh${*:+ $*}"

BUILD=1
DURATION=10
WARMUP=2
CABINS=500
CONCURRENCY="1 16 64"
ENDPOINTS="healthz reservations"
DB_MAX_CONNECTIONS=20
SYNCHRONOUS_COMMIT=""
PG_SSLMODE=""
LOG_LEVEL=warn
OUTPUT="$ROOT/docs/performance.md"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) BUILD=0; shift ;;
        --duration) DURATION="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --cabins) CABINS="$2"; shift 2 ;;
        --concurrency) CONCURRENCY="$2"; shift 2 ;;
        --endpoints) ENDPOINTS="$2"; shift 2 ;;
        --db-max-connections) DB_MAX_CONNECTIONS="$2"; shift 2 ;;
        --synchronous-commit) SYNCHRONOUS_COMMIT="$2"; shift 2 ;;
        --pg-sslmode) PG_SSLMODE="$2"; shift 2 ;;
        --log-level) LOG_LEVEL="$2"; shift 2 ;;
        --output) OUTPUT="$(realpath -m "$2")"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for value in "$DURATION" "$WARMUP" "$CABINS" "$DB_MAX_CONNECTIONS"; do
    is_uint "$value" || { echo "not a whole number: $value" >&2; exit 2; }
done
for c in $CONCURRENCY; do
    if ! is_uint "$c" || [[ "$c" -lt 1 ]]; then echo "bad concurrency: $c" >&2; exit 2; fi
done
for e in $ENDPOINTS; do
    [[ "$e" == healthz || "$e" == reservations ]] || { echo "bad endpoint: $e" >&2; exit 2; }
done
[[ -z "$SYNCHRONOUS_COMMIT" || "$SYNCHRONOUS_COMMIT" =~ ^(on|off|local|remote_write|remote_apply)$ ]] ||
    { echo "bad --synchronous-commit: $SYNCHRONOUS_COMMIT" >&2; exit 2; }
[[ -z "$PG_SSLMODE" || "$PG_SSLMODE" =~ ^(disable|prefer|require)$ ]] ||
    { echo "bad --pg-sslmode: $PG_SSLMODE" >&2; exit 2; }
[[ "$DURATION" -ge 1 && "$DURATION" -le 120 ]] || { echo "--duration must be 1..120" >&2; exit 2; }
[[ "$CABINS" -ge 1 ]] || { echo "--cabins must be at least 1" >&2; exit 2; }

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DB_NAME=cabanas_bench
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB_NAME${PG_SSLMODE:+?sslmode=$PG_SSLMODE}"
REDIS_NAMESPACE="cabanas-bench-$$"
API_BIN="$ROOT/target/release/api"
# Raw wrk output, API log and samples of this run (target/ is git-ignored).
RUN_DIR="$ROOT/target/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
RESULTS="$RUN_DIR/results.tsv"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_bench() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB_NAME" "$@"; }

# --- load tool ----------------------------------------------------------------------------
ensure_wrk() {
    command -v wrk >/dev/null && return
    log "installing wrk (Debian package)"
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq wrk >/dev/null ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null; }
    command -v wrk >/dev/null || die "wrk could not be installed"
}

# --- clean-up, whatever happens ---------------------------------------------------------
API_PID=""
SAMPLER_PID=""
DB_CREATED=0
cleanup() {
    local status=$?
    set +e
    [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
    if [[ -n "$API_PID" ]] && kill -0 "$API_PID" 2>/dev/null; then
        stop_api
    fi
    if [[ "$DB_CREATED" -eq 1 ]]; then
        psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 ||
            log "could not drop $DB_NAME"
    fi
    # Delete whatever the API put under its namespace (today: nothing), never FLUSHDB.
    redis-cli -u "$REDIS_URL" --scan --pattern "$REDIS_NAMESPACE:*" 2>/dev/null |
        xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1
    [[ $status -ne 0 ]] && log "failed; logs in ${RUN_DIR#"$ROOT"/}"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# SIGTERM, then wait for the graceful drain (SHUTDOWN_GRACE_SECONDS is 20) before SIGKILL.
stop_api() {
    kill -TERM "$API_PID" 2>/dev/null || return 0
    local deadline=$((SECONDS + 25))
    while kill -0 "$API_PID" 2>/dev/null && [[ $SECONDS -lt $deadline ]]; do sleep 0.2; done
    kill -0 "$API_PID" 2>/dev/null && { log "API did not stop; killing it"; kill -KILL "$API_PID"; }
    wait "$API_PID" 2>/dev/null || true
    API_PID=""
}

# --- measurements -------------------------------------------------------------------------
# Memory of the API in kB (VmRSS now, or VmHWM = the peak since start).
proc_kb() {
    local key value _unit
    while read -r key value _unit; do
        [[ "$key" == "$2:" ]] && { echo "$value"; return; }
    done <"/proc/$1/status"
    echo 0
}

# CPU time (utime + stime, in clock ticks) of one process; 0 if it is gone.
proc_ticks() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
    stat="${stat##*) }" # fields after "(comm) "; utime and stime are fields 14 and 15
    local -a f
    read -r -a f <<<"$stat"
    echo $((f[11] + f[12]))
}

# CPU ticks of this shell's finished children (cutime + cstime): wrk's, read around each run.
child_ticks() {
    local stat
    stat="$(cat "/proc/$$/stat")"
    stat="${stat##*) }"
    local -a f
    read -r -a f <<<"$stat"
    echo $((f[13] + f[14]))
}

# "pid ticks" for every PostgreSQL backend connected to the bench database.
pg_backend_ticks() {
    local pid
    for pid in $(psql_bench -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB_NAME' AND pid <> pg_backend_pid()"); do
        echo "$pid $(proc_ticks "$pid")"
    done
}

# Sum over the backends of ticks(end) - ticks(start); backends that appeared count from 0.
pg_ticks_delta() {
    awk 'NR == FNR { start[$1] = $2; next } { total += $2 - ($1 in start ? start[$1] : 0) }
         END { print total + 0 }' "$1" "$2"
}

# busy and total jiffies of the whole machine (all CPUs).
machine_ticks() {
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# Samples VmRSS every 200 ms while the API lives: "epoch_seconds rss_kb" lines.
sample_rss() {
    while kill -0 "$API_PID" 2>/dev/null; do
        echo "$EPOCHREALTIME $(proc_kb "$API_PID" VmRSS)"
        sleep 0.2
    done
}

field() { # field NAME LINE -> value of NAME=value in a BENCH_RESULT line
    local kv
    for kv in $2; do [[ "$kv" == "$1="* ]] && { echo "${kv#*=}"; return; }; done
    echo ""
}

# --- preparation --------------------------------------------------------------------------
ensure_wrk
command -v psql >/dev/null || die "psql is needed"
command -v redis-cli >/dev/null || die "redis-cli is needed"
command -v curl >/dev/null || die "curl is needed"
pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL is not answering on $PGHOST:$PGPORT"
[[ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" == PONG ]] || die "Redis is not answering at $REDIS_URL"

if [[ "$BUILD" -eq 1 ]]; then
    # The same package set as the usual release build, so its artifacts are reused (building
    # -p api alone can unify dependency features differently and rebuild them).
    log "building release binaries (cargo build --release -p api -p worker)"
    (cd "$ROOT" && cargo build --release -p api -p worker)
fi
[[ -x "$API_BIN" ]] || die "$API_BIN is missing (run without --no-build)"

log "creating database $DB_NAME"
psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql_admin -c "CREATE DATABASE $DB_NAME" >/dev/null
DB_CREATED=1
if [[ -n "$SYNCHRONOUS_COMMIT" ]]; then
    psql_admin -c "ALTER DATABASE $DB_NAME SET synchronous_commit = $SYNCHRONOUS_COMMIT" >/dev/null
fi

# Settings of the API for every command. The per-IP rate limit is raised out of the way and the
# per-IP hold limit is off: every request of the benchmark comes from one loopback address,
# which no deployment sees (behind Fly's proxy each guest has their own IP). The per-phone hold
# limit keeps its production default, so its locks and count are measured (every request uses
# its own phone).
api_env=(
    env
    APP_ENV=development
    DATABASE_URL="$DATABASE_URL"
    DATABASE_MAX_CONNECTIONS="$DB_MAX_CONNECTIONS"
    REDIS_URL="$REDIS_URL"
    REDIS_NAMESPACE="$REDIS_NAMESPACE"
    RUST_LOG="$LOG_LEVEL"
    LOG_FORMAT=json
    RATE_LIMIT_PER_MINUTE=100000000
    HOLD_LIMIT_PER_PHONE=${BENCH_HOLD_LIMIT_PER_PHONE:-2}
    HOLD_LIMIT_PER_IP=0
    TRUST_PROXY_HEADERS=false
)

log "migrating"
"${api_env[@]}" "$API_BIN" migrate >"$RUN_DIR/migrate.log" 2>&1 || { cat "$RUN_DIR/migrate.log" >&2; die "migrate failed"; }

log "inserting $CABINS cabins"
psql_bench >/dev/null <<SQL
INSERT INTO accommodations (name, kind, capacity, base_price, ical_export_token)
SELECT 'Bench cabin ' || g, 'cabin', 4, 50000, md5('bench-' || g) || md5('token-' || g)
FROM generate_series(1, $CABINS) AS g;
SQL
read -r FIRST_ID LAST_ID COUNT < <(psql_bench -F ' ' -c "SELECT min(id), max(id), count(*) FROM accommodations")
[[ "$COUNT" -eq "$CABINS" && $((LAST_ID - FIRST_ID + 1)) -eq "$CABINS" ]] ||
    die "expected $CABINS cabins with consecutive ids, got $COUNT ($FIRST_ID..$LAST_ID)"
SYNC_COMMIT_IN_EFFECT="$(psql_bench -c "SHOW synchronous_commit")"
PG_SSL_ON="$(psql_bench -c "SHOW ssl")"

# A free loopback port: the kernel picks one, then it is released for the API.
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE_URL="http://127.0.0.1:$PORT"

log "starting api serve on $BASE_URL"
"${api_env[@]}" HOST=127.0.0.1 PORT="$PORT" METRICS_PORT=0 "$API_BIN" serve >"$RUN_DIR/api.log" 2>&1 &
API_PID=$!

deadline=$((SECONDS + 30))
until curl -fs -o /dev/null --max-time 2 "$BASE_URL/api/v1/healthz"; do
    kill -0 "$API_PID" 2>/dev/null || { cat "$RUN_DIR/api.log" >&2; die "the API exited"; }
    [[ $SECONDS -lt $deadline ]] || die "the API did not become healthy within 30 s"
    sleep 0.2
done
log "API healthy (pid $API_PID)"

sample_rss >"$RUN_DIR/rss.txt" &
SAMPLER_PID=$!

# Check-ins start two days from now (UTC noon), so none is "in the past" in the business
# timezone (UTC-3) whenever the run happens.
START_EPOCH=$(( ($(date -u +%s) / 86400 + 2) * 86400 + 43200 ))
NEXT_BASE=0
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

printf 'endpoint\tconnections\tthreads\tduration_s\trequests\trps\tp50_us\tp95_us\tp99_us\tmax_us\tunexpected\tstatuses\tsocket_errors\tapi_cpu_pct\tpg_cpu_pct\twrk_cpu_pct\tother_cpu_pct\trss_peak_kb\tapi_us_per_req\tpg_us_per_req\n' >"$RESULTS"

# run_wrk MODE CONNECTIONS SECONDS OUTFILE: one bounded wrk run; its BENCH_RESULT line is left
# in RESULT, and the request counter moves past every number this run used.
RESULT=""
run_wrk() {
    local mode="$1" connections="$2" seconds="$3" out="$4"
    local threads=$((connections < 2 ? connections : 2))
    local url="$BASE_URL/api/v1/healthz"
    [[ "$mode" == reservations ]] && url="$BASE_URL/api/v1/reservations"
    local ticks0
    ticks0="$(child_ticks)"
    BENCH_MODE="$mode" BENCH_THREADS="$threads" BENCH_BASE="$NEXT_BASE" BENCH_CABINS="$CABINS" \
        BENCH_FIRST_ID="$FIRST_ID" BENCH_START_EPOCH="$START_EPOCH" \
        timeout $((seconds + 30)) wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s \
        -s "$BENCH_DIR/bench.lua" "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
    WRK_TICKS=$(($(child_ticks) - ticks0))
    RESULT="$(grep '^BENCH_RESULT ' "$out")" || { cat "$out" >&2; die "wrk printed no result"; }
    if [[ "$mode" == reservations ]]; then
        NEXT_BASE="$(field next_base "$RESULT")"
        CREATED=$((CREATED + $(grep -o '201:[0-9]*' <<<"$RESULT" | cut -d: -f2 || echo 0)))
        CUT_OFF=$((CUT_OFF + connections))
    fi
}
CREATED=0  # 201 answers counted by wrk, warm-ups included
CUT_OFF=0  # requests that may have been in flight when a wrk run ended (not counted by wrk)
WRK_TICKS=0

for endpoint in $ENDPOINTS; do
    for c in $CONCURRENCY; do
        threads=$((c < 2 ? c : 2))
        name="$endpoint-c$c"
        if [[ "$WARMUP" -gt 0 ]]; then
            log "$name: warm-up ${WARMUP}s"
            run_wrk "$endpoint" "$c" "$WARMUP" "$RUN_DIR/$name-warmup.txt"
        fi
        log "$name: measuring ${DURATION}s (wrk -t$threads -c$c)"
        pg_backend_ticks >"$RUN_DIR/$name-pg-start.txt"
        read -r busy0 total0 < <(machine_ticks)
        api0="$(proc_ticks "$API_PID")"
        t0="$EPOCHREALTIME"
        run_wrk "$endpoint" "$c" "$DURATION" "$RUN_DIR/$name.txt"
        result="$RESULT"
        t1="$EPOCHREALTIME"
        api1="$(proc_ticks "$API_PID")"
        read -r busy1 total1 < <(machine_ticks)
        pg_backend_ticks >"$RUN_DIR/$name-pg-end.txt"
        kill -0 "$API_PID" 2>/dev/null || { cat "$RUN_DIR/api.log" >&2; die "the API died during $name"; }

        duration_us="$(field duration_us "$result")"
        requests="$(field requests "$result")"
        socket_errors=$(($(field connect_errors "$result") + $(field read_errors "$result") + $(field write_errors "$result") + $(field timeouts "$result")))
        hz="$(getconf CLK_TCK)"
        pg_ticks="$(pg_ticks_delta "$RUN_DIR/$name-pg-start.txt" "$RUN_DIR/$name-pg-end.txt")"
        rss_peak="$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$RUN_DIR/rss.txt")"
        awk -v OFS='\t' \
            -v endpoint="$endpoint" -v c="$c" -v t="$threads" -v dur="$duration_us" -v req="$requests" \
            -v p50="$(field p50_us "$result")" -v p95="$(field p95_us "$result")" \
            -v p99="$(field p99_us "$result")" -v max="$(field max_us "$result")" \
            -v unexpected="$(field unexpected "$result")" -v statuses="$(field statuses "$result")" \
            -v sock="$socket_errors" -v api="$((api1 - api0))" -v pg="$pg_ticks" -v wrk="$WRK_TICKS" -v hz="$hz" \
            -v cores="$(nproc)" \
            -v busy="$((busy1 - busy0))" -v total="$((total1 - total0))" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
            -v rss="$rss_peak" \
            'BEGIN {
                secs = dur / 1e6
                print endpoint, c, t, sprintf("%.1f", secs), req, sprintf("%.0f", req / secs),
                    p50, p95, p99, max, unexpected, statuses, sock,
                    sprintf("%.0f", 100 * api / hz / wall), sprintf("%.0f", 100 * pg / hz / wall),
                    sprintf("%.0f", 100 * wrk / hz / wall),
                    sprintf("%.0f", total > 0 ? 100 * cores * busy / total - 100 * (api + pg + wrk) / hz / wall : 0),
                    rss,
                    sprintf("%.0f", req > 0 ? 1e6 * api / hz / req : 0),
                    sprintf("%.0f", req > 0 ? 1e6 * pg / hz / req : 0)
            }' >>"$RESULTS"
        log "$name: $(tail -n1 "$RESULTS" | awk -F'\t' '{ printf "%s req/s, p50 %.2f ms, p99 %.2f ms, unexpected %s (%s)", $6, $7 / 1000, $9 / 1000, $11, $12 }')"
    done
done

PEAK_RSS_KB="$(proc_kb "$API_PID" VmHWM)"
RESERVATIONS_IN_DB="$(psql_bench -c "SELECT count(*) FROM reservations")"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
log "peak RSS (VmHWM) ${PEAK_RSS_KB} kB; stopping the API"
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
stop_api
psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
DB_CREATED=0

# --- report -------------------------------------------------------------------------------
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
mem_total="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
commit="$(git -C "$ROOT" rev-parse --short HEAD)"
git -C "$ROOT" diff --quiet HEAD -- . ':!docs/performance.md' 2>/dev/null || commit="$commit (with uncommitted changes)"
pg_version="$(psql -X -A -t -d postgres -c "SHOW server_version")"
wrk_version="$(wrk --version 2>&1 | head -n1 | awk '{ print $2 }' || true)"
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

endpoint_table() { # endpoint_table ENDPOINT
    echo "| Concurrency (wrk) | Requests | Requests/s | p50 | p95 | p99 | max | Non-2xx | Socket errors | Statuses |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    while IFS=$'\t' read -r ep c t _dur req rps p50 p95 p99 max unexpected statuses sock _rest; do
        [[ "$ep" == "$1" ]] || continue
        echo "| $c (-t$t -c$c) | $req | $rps | $(ms "$p50") | $(ms "$p95") | $(ms "$p99") | $(ms "$max") | $unexpected | $sock | $statuses |"
    done < <(tail -n +2 "$RESULTS")
}

resources_table() {
    echo "| Scenario | API | PostgreSQL backends | wrk | Everything else | API CPU / request | PostgreSQL CPU / request | API RSS peak |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r ep c _t _dur _req _rps _p50 _p95 _p99 _max _u _s _sock api pg wrk other rss api_us pg_us; do
        echo "| $ep c=$c | $api % | $pg % | $wrk % | $other % | $api_us µs | $pg_us µs | $(mib "$rss") |"
    done < <(tail -n +2 "$RESULTS")
}

target_row() { # target_row NAME MEASURED MET
    echo "| $1 | $2 | $([[ "$3" == 1 ]] && echo "met" || echo "**not met**") |"
}

targets_table() {
    echo "| Target | Measured | Result |"
    echo "|---|---:|---|"
    local row
    row="$(awk -F'\t' '$1 == "reservations" && $2 == 16' "$RESULTS")"
    if [[ -n "$row" ]]; then
        local rps p99 unexpected req
        IFS=$'\t' read -r _ _ _ _ req rps _ _ p99 _ unexpected _ <<<"$row"
        local ok_rps=0 ok_p99=0
        [[ "$rps" -ge 1500 && "$unexpected" -eq 0 ]] && ok_rps=1
        [[ "$p99" -lt 25000 ]] && ok_p99=1
        target_row "POST /reservations ≥ 1,500 requests/s at concurrency 16 (all 201)" "$rps req/s ($unexpected non-201 of $req)" "$ok_rps"
        target_row "POST /reservations p99 < 25 ms at concurrency 16" "$(ms "$p99")" "$ok_p99"
    else
        echo "| POST /reservations at concurrency 16 | not run | – |"
    fi
    target_row "API RSS < 64 MiB under load (VmHWM)" "$(mib "$PEAK_RSS_KB")" "$([[ "$PEAK_RSS_KB" -lt 65536 ]] && echo 1 || echo 0)"
}

# Rows beyond the counted 201s can only come from requests still in flight when a wrk run
# stopped (wrk does not count those): at most one per connection per run.
rows_check() {
    local extra=$((RESERVATIONS_IN_DB - CREATED))
    if [[ "$extra" -ge 0 && "$extra" -le "$CUT_OFF" ]]; then
        echo " (consistent: the $extra extra rows are requests in flight when wrk stopped, at most $CUT_OFF)"
    else
        echo " (**inconsistent**: $extra rows beyond the 201s, at most $CUT_OFF expected)"
    fi
}

samples_section() {
    local f found=0
    for f in "$RUN_DIR"/*.txt; do
        grep -q '^BENCH_SAMPLE ' "$f" 2>/dev/null || continue
        [[ "$found" -eq 0 ]] && { echo; echo "Bodies of some unexpected responses (first three per run):"; echo; found=1; }
        grep '^BENCH_SAMPLE ' "$f" | cut -c14- | cut -c1-300 | sed "s/^/- \`$(basename "$f" .txt)\`: /"
    done
}

notes_placeholder() {
    cat <<'EOF'
## Notes

(Findings go here. ops/bench/run.sh keeps everything from the "## Notes" heading on when it
rewrites this file.)
EOF
}

# Hand-written notes survive a re-run: everything from "## Notes" on is kept.
notes=""
if [[ -f "$OUTPUT" ]]; then
    notes="$(awk '/^## Notes/ { keep = 1 } keep' "$OUTPUT")"
fi
[[ -n "$notes" ]] || notes="$(notes_placeholder)"

mkdir -p "$(dirname "$OUTPUT")"
{
    cat <<EOF
# Performance

Generated by \`ops/bench/run.sh\` (see \`ops/bench/README.md\`); the figures below are one real
run on the machine described, with PostgreSQL, Redis, the API and the load generator (wrk)
all on the same machine, so they share its cores.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Machine: $(nproc) CPUs ($cpu_model), $mem_total memory, Linux $(uname -r)
- Load average before / after the run: $LOAD_BEFORE / $LOAD_AFTER (other work on the machine shares the cores)
- Commit: \`$commit\` (release build)
- Command: \`$COMMAND_LINE\`
- Load tool: wrk $wrk_version, ${DURATION} s measured per scenario after a ${WARMUP} s warm-up, threads = min(connections, 2), timeout 5 s
- API: \`api serve\` on 127.0.0.1, RUST_LOG=$LOG_LEVEL, LOG_FORMAT=json, DATABASE_MAX_CONNECTIONS=$DB_MAX_CONNECTIONS, DATABASE_URL sslmode: ${PG_SSLMODE:-not set (prefer)}, server ssl: $PG_SSL_ON, so the API's database connections $( [[ "$PG_SSLMODE" == disable || "$PG_SSL_ON" != on ]] && echo "are plain TCP" || echo "use TLS")
- PostgreSQL $pg_version on 127.0.0.1; synchronous_commit for the bench database: $SYNC_COMMIT_IN_EFFECT$([[ -n "$SYNCHRONOUS_COMMIT" ]] && echo " (set with ALTER DATABASE $DB_NAME SET synchronous_commit = $SYNCHRONOUS_COMMIT)"); Redis at $REDIS_URL
- Data: $CABINS cabins (capacity 4); every POST asks for a stay no other request asks for (2 nights, 2 guests, its own cabin/date pair and phone), so each should answer 201

Latency is measured by wrk from sending a request to reading its response (wrk does not
correct for coordinated omission; at these closed-loop concurrencies that is what a client
sees). Non-2xx counts every response other than the expected one (200 for healthz, 201 for a
reservation); socket errors are connect/read/write errors and timeouts.

## Targets

$(targets_table)

## GET /api/v1/healthz

Each call pings PostgreSQL (\`SELECT 1\`) and Redis (\`PING\`).

$(endpoint_table healthz)

## POST /api/v1/reservations

$(endpoint_table reservations)

201 answers counted by wrk, warm-ups included: $CREATED; reservations in the database at the
end: $RESERVATIONS_IN_DB$(rows_check).
$(samples_section)

## Memory and CPU

Peak RSS of the API process (VmHWM from /proc at the end of the run): **$(mib "$PEAK_RSS_KB")** ($PEAK_RSS_KB kB).

Per measured scenario: CPU used by the API process, by the PostgreSQL backends of the bench
database, by wrk, and by everything else on the machine (Redis, PostgreSQL's background
writers, other users' work), where 100 % is one core and the machine has $(nproc) (so the four
add up to at most $(( $(nproc) * 100 )) %); the CPU time the API and its PostgreSQL backends
spent per completed request (less sensitive to other work on the machine than requests/s);
and the API's largest VmRSS sampled every 200 ms.

$(resources_table)

$notes
EOF
} >"$OUTPUT"

log "wrote ${OUTPUT#"$ROOT"/} (raw output in ${RUN_DIR#"$ROOT"/})"
