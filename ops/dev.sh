#!/usr/bin/env bash
# ops/dev.sh: bring the whole system up on this machine.
#
#   ops/dev.sh              services, build, migrate, seed, then run the API and the worker in
#                           the foreground; Ctrl-C (or SIGTERM) stops both
#   ops/dev.sh --detach     the same, but leave both running (pids in .dev/*.pid)
#   ops/dev.sh --no-build   skip `cargo build` and use the binaries already in target/
#   ops/dev.sh stop         stop an API and worker started by this script
#
# Steps: PostgreSQL and Redis found, started or installed (ops/services.sh); `cargo build -p api
# -p worker`; `api migrate`; `api seed` (demo cabins, idempotent); `api serve` and `worker` in
# the background, logging to .dev/api.log and .dev/worker.log; wait until both answer /healthz;
# print where everything is.
#
# Environment (besides what the binaries read themselves, see README "Configuration"):
#   PROFILE        cargo profile: debug (default), release, or any custom profile
#   PORT           API port (default 8080);  METRICS_PORT  API metrics port (default 9091)
#   WORKER_PORT    worker metrics port (default 9100)
#   DATABASE_URL, REDIS_URL   see ops/services.sh (defaults: local cabanas db, local Redis)
#   DEV_TIMEOUT    seconds to wait for both processes to become healthy (default 60)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEV_DIR="${CABANAS_DEV_DIR:-$ROOT/.dev}"
export PORT="${PORT:-8080}"
export WORKER_PORT="${WORKER_PORT:-9100}"
export METRICS_PORT="${METRICS_PORT:-9091}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://localhost:$PORT}"
PROCESSES="api worker"

# shellcheck source=ops/lib.sh
source "$ROOT/ops/lib.sh"
LOG_TAG=dev
step() { printf '\n==> %s\n' "$*"; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------------------------------------
# Process bookkeeping: one pid file per process in $DEV_DIR.
# ---------------------------------------------------------------------------------------------

pidfile() { printf '%s/%s.pid\n' "$DEV_DIR" "$1"; }

# Prints the pid recorded for NAME if that process is alive and still our NAME binary
# (a stale pid file may name a pid the system has since given to something else).
running_pid() {
  local file pid comm
  file="$(pidfile "$1")"
  [[ -s "$file" ]] || return 1
  pid="$(cat "$file")"
  comm="$(ps -p "$pid" -o comm= 2>/dev/null)" || return 1
  [[ "${comm##*/}" == "$1" ]] || return 1
  printf '%s\n' "$pid"
}

# SIGTERM, then the graceful shutdown's time (SHUTDOWN_GRACE_SECONDS + 10 s), then SIGKILL.
stop_one() {
  local name="$1" pid
  if pid="$(running_pid "$name")"; then
    echo "stopping $name (pid $pid)"
    stop_pid "$pid" $((${SHUTDOWN_GRACE_SECONDS:-20} + 10))
  fi
  rm -f "$(pidfile "$name")"
}

stop_all() {
  local name
  for name in $PROCESSES; do stop_one "$name"; done
}

http_200() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")" == 200 ]]; }

# Shows why NAME stopped, from the end of its log.
report_exit() {
  local name="$1"
  echo "$name exited; last lines of $DEV_DIR/$name.log:" >&2
  tail -n 40 "$DEV_DIR/$name.log" >&2 || true
}

# Waits until the API and the worker both answer /healthz with 200, failing fast when one of
# them exits (a taken port, a bad setting) and after DEV_TIMEOUT seconds at most.
wait_healthy() {
  local deadline=$((SECONDS + ${DEV_TIMEOUT:-60})) name
  local api_health="http://127.0.0.1:$PORT/api/v1/healthz"
  local worker_health="http://127.0.0.1:$WORKER_PORT/healthz"
  until http_200 "$api_health" && http_200 "$worker_health"; do
    for name in $PROCESSES; do
      running_pid "$name" >/dev/null || {
        report_exit "$name"
        return 1
      }
    done
    if ((SECONDS >= deadline)); then
      echo "not healthy after ${DEV_TIMEOUT:-60} s: $api_health and $worker_health must answer 200" >&2
      for name in $PROCESSES; do report_exit "$name"; done
      return 1
    fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

detach="" build=1
for arg in "$@"; do
  case "$arg" in
    stop)
      stop_all
      exit 0
      ;;
    -d | --detach) detach=1 ;;
    --no-build) build="" ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

# Tools. rustup installs cargo in ~/.cargo/bin, which a fresh shell may not have on PATH yet.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "cargo is not installed. Install Rust with rustup:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh
  then open a new shell (or run: . \"\$HOME/.cargo/env\") and run ops/dev.sh again."
command -v curl >/dev/null 2>&1 || die "curl is needed to check health (apt-get install curl)"

mkdir -p "$DEV_DIR"

# A previous detached run would hold the ports: replace it.
for name in $PROCESSES; do
  if running_pid "$name" >/dev/null; then
    step "Stopping the previous run"
    stop_all
    break
  fi
done
for port in "$PORT" "$METRICS_PORT" "$WORKER_PORT"; do
  if port_in_use "$port"; then
    die "port $port is already in use by another program (set PORT / METRICS_PORT / WORKER_PORT)"
  fi
done

step "PostgreSQL and Redis"
# shellcheck source=ops/services.sh
source "$ROOT/ops/services.sh"
echo "PostgreSQL: $(mask_url "$DATABASE_URL")"
echo "Redis:      $(mask_url "$REDIS_URL")"

profile="${PROFILE:-debug}"
case "$profile" in
  debug | dev) cargo_profile=dev profile_dir=debug ;;
  *) cargo_profile="$profile" profile_dir="$profile" ;;
esac
bin="${CARGO_TARGET_DIR:-$ROOT/target}/$profile_dir"
if [[ -n "$build" ]]; then
  step "Building api and worker ($profile)"
  cargo build --profile "$cargo_profile" -p api -p worker
fi
for name in $PROCESSES; do
  [[ -x "$bin/$name" ]] || die "$bin/$name does not exist (run without --no-build)"
done

step "Migrating the database"
"$bin/api" migrate

step "Seeding demo data"
"$bin/api" seed

# From here on, leaving by any path stops what was started, unless it was detached on purpose.
keep_running=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local status=$?
  if [[ -z "$keep_running" ]]; then
    echo
    stop_all
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

step "Starting the API and the worker"
# Ctrl-C in the terminal reaches this script and both children (they shut down gracefully on
# SIGINT or SIGTERM); cleanup also sends SIGTERM and waits, for when only this script is told to
# stop. nohup keeps a detached run alive when its terminal closes.
nohup "$bin/api" serve >"$DEV_DIR/api.log" 2>&1 </dev/null &
echo $! >"$(pidfile api)"
nohup "$bin/worker" >"$DEV_DIR/worker.log" 2>&1 </dev/null &
echo $! >"$(pidfile worker)"
wait_healthy

cat <<EOF

Cabañas is up.
  Owner dashboard  http://localhost:$PORT/admin   (demo login printed above by "api seed")
  Swagger UI       http://localhost:$PORT/docs
  OpenAPI          http://localhost:$PORT/openapi.json
  API metrics      http://localhost:$METRICS_PORT/metrics
  Health           http://localhost:$PORT/api/v1/healthz
  Worker metrics   http://localhost:$WORKER_PORT/metrics
  Logs             $DEV_DIR/api.log
                   $DEV_DIR/worker.log
EOF

if [[ -n "$detach" ]]; then
  keep_running=1
  echo
  echo "Running in the background (pids in $DEV_DIR/api.pid, $DEV_DIR/worker.pid)."
  echo "Stop with: ops/dev.sh stop"
  exit 0
fi

echo
echo "Press Ctrl-C to stop both."
# `wait` returns as soon as a trapped signal arrives, so Ctrl-C acts at once.
while running_pid api >/dev/null && running_pid worker >/dev/null; do
  sleep 1 &
  wait $! || true
done
for name in $PROCESSES; do
  running_pid "$name" >/dev/null || report_exit "$name"
done
exit 1
