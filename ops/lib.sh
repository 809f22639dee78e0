# shellcheck shell=bash
# ops/lib.sh: the few shell helpers the ops scripts share. Source it, then set LOG_TAG:
#
#   # shellcheck source=ops/lib.sh
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # ops/bench/*: .../../lib.sh
#   LOG_TAG=backup
#
#   log MESSAGE...              "[TAG HH:MM:SS] MESSAGE" on stderr (UTC)
#   die MESSAGE...              log "error: MESSAGE", then exit 1
#   mask_url URL                the URL with its password replaced by ***, for messages
#   wait_until SECONDS WHAT CMD...
#                               run CMD every 0.2 s until it succeeds; after SECONDS, log that
#                               WHAT is not ready and return 1 (CMD may `die` to fail at once)
#   wait_http_ok SECONDS URL [PID]
#                               wait_until URL answers 2xx, failing at once when PID exits
#   free_ports [N]              N (default 1) free loopback TCP ports, on one line
#   port_in_use PORT            true when something accepts connections on 127.0.0.1:PORT
#   pid_alive PID               true while PID runs
#   stop_pid PID [GRACE]        SIGTERM, up to GRACE seconds (default 25) to exit, then SIGKILL;
#                               reaps PID when it is a child of this shell
#   as_root CMD...              CMD as root: directly when root, else through sudo (which never
#                               prompts without a terminal, so CI fails fast instead of hanging)
#   apt_install PACKAGE...      apt-get install (no recommends, quiet), running apt-get update
#                               first only when the install fails without it
#
# Functions only, no options set and nothing run, so sourcing it changes nothing else.
# Written for bash 3.2 too (ops/services.sh runs on macOS).

LOG_TAG="${LOG_TAG:-${0##*/}}"

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date -u +%H:%M:%S)" "$*" >&2; }

die() {
  log "error: $*"
  exit 1
}

mask_url() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

wait_until() {
  local limit="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "error: $what is not ready after $limit s"
      return 1
    fi
    sleep 0.2
  done
}

# One GET with a short limit of its own, so a hung server cannot outlast the deadline.
wait_http_ok() {
  local limit="$1" url="$2" pid="${3:-}"
  local deadline=$((SECONDS + limit))
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
      log "error: process $pid exited before $url answered"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "error: $url did not answer within $limit s"
      return 1
    fi
    sleep 0.2
  done
}

free_ports() {
  python3 - "${1:-1}" <<'PY'
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { kill -0 "$1" 2>/dev/null; }

stop_pid() {
  local pid="$1" grace="${2:-25}" deadline
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + grace))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      log "pid $pid did not exit within $grace s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
}

as_root() {
  if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
  else
    die "need root to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get is missing: install $* by hand"
  log "installing $* (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
    as_root apt-get update -qq >/dev/null &&
      as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  }
}
