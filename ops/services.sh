#!/usr/bin/env bash
# ops/services.sh: make sure the PostgreSQL and Redis that DATABASE_URL and REDIS_URL
# point at are up, and that the database exists.
#
#   ops/services.sh            check, start or install, then create the database
#   source ops/services.sh     the same, and also export DATABASE_URL / REDIS_URL defaults
#   ops/services.sh stop       stop the private servers this script started under .dev/
#                              (never a system-wide PostgreSQL or Redis)
#
# For each service, in order:
#   1. reachable already?                 -> nothing to do (the whole run takes well under 1 s)
#   2. not on this machine (remote host)? -> fail: we cannot start someone else's server
#   3. server installed?                  -> start a private one in .dev/ on that port
#   4. not installed?                     -> apt-get (Debian/Ubuntu, as root or with sudo) or
#                                            Homebrew (macOS); use the server the package
#                                            started if it answers, else start one as in 3
#   5. wait until it answers, at most SERVICES_TIMEOUT seconds (default 30)
# and finally check that PostgreSQL accepts DATABASE_URL's credentials and create the database
# it names if it is missing.
#
# A server this script did not start is used as it is or not at all: it never edits a system
# server's configuration (pg_hba.conf, redis.conf, CONFIG SET), never starts, stops or reloads
# it. When a system server answers but refuses DATABASE_URL's credentials, it fails with a hint.
#
# Environment:
#   DATABASE_URL      postgres://user[:password]@host[:port]/database
#                     (default postgres://postgres@127.0.0.1:5432/cabanas)
#   REDIS_URL         redis://[[user]:password@]host[:port][/db]  (default redis://127.0.0.1:6379)
#   CABANAS_DEV_DIR   where private servers keep their data and logs (default <repo>/.dev)
#   SERVICES_TIMEOUT  seconds to wait for a server that was just started (default 30)
#
# Everything runs in a subshell when the file is sourced, so the caller's shell options are
# left alone and a failure returns an error instead of closing the caller's terminal.
# Written for bash 3.2 too (macOS): no associative arrays, no ${var,,}, no mapfile.

svc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=ops/lib.sh
source "$svc_root/ops/lib.sh"

# Polls "$@" until it succeeds, at most SERVICES_TIMEOUT seconds.
svc_wait_until() { wait_until "${SERVICES_TIMEOUT:-30}" "$@"; }

# Decodes %XX escapes (URLs may carry them in user names, passwords and database names).
svc_urldecode() {
  local s="${1//\\/\\\\}"
  printf '%b' "${s//%/\\x}"
}

# True when the host is this machine, so a server for it may be started here.
svc_is_local() {
  case "$1" in
    "" | localhost | 127.* | ::1) return 0 ;;
    *) return 1 ;;
  esac
}

# Splits "host", "host:port", "[v6]" or "[v6]:port" into SVC_HOST and SVC_PORT.
svc_split_hostport() {
  local hostport="$1" default_port="$2"
  SVC_HOST="" SVC_PORT=""
  if [[ "$hostport" == \[* ]]; then
    SVC_HOST="${hostport#\[}"
    SVC_HOST="${SVC_HOST%%\]*}"
    [[ "$hostport" == *\]:* ]] && SVC_PORT="${hostport##*\]:}"
  else
    SVC_HOST="${hostport%%:*}"
    [[ "$hostport" == *:* ]] && SVC_PORT="${hostport##*:}"
  fi
  SVC_HOST="${SVC_HOST:-localhost}"
  SVC_PORT="${SVC_PORT:-$default_port}"
  [[ "$SVC_PORT" =~ ^[0-9]+$ ]] || die "port '$SVC_PORT' in '$hostport' is not a number"
}

# The "host[:port]" part of a URL with its scheme, user info, path and query removed, and
# the user info alone. Sets SVC_USERINFO, SVC_HOSTPORT and SVC_PATH.
svc_split_url() {
  local rest="${1#*://}"
  rest="${rest%%\?*}"
  rest="${rest%%#*}"
  SVC_USERINFO=""
  # The user info ends at the LAST "@", so a password holding an unescaped "@" still works.
  if [[ "$rest" == *@* ]]; then
    SVC_USERINFO="${rest%@*}"
    rest="${rest##*@}"
  fi
  SVC_HOSTPORT="${rest%%/*}"
  SVC_PATH=""
  [[ "$rest" == */* ]] && SVC_PATH="${rest#*/}"
  return 0
}

# Installs packages: "pg-server", "pg-client", "redis-server" or "redis-client".
# Debian/Ubuntu through apt-get, macOS through Homebrew; anything else gets a clear message.
svc_install() {
  local what="$1" debs="" brews=""
  case "$what" in
    # postgresql-contrib holds btree_gist (the exclusion constraint needs it) on releases
    # where it is not already part of the server package.
    pg-server) debs="postgresql postgresql-contrib" brews="postgresql@15" ;;
    pg-client) debs="postgresql-client" brews="postgresql@15" ;;
    redis-server) debs="redis-server" brews="redis" ;;
    redis-client) debs="redis-tools" brews="redis" ;;
  esac
  if command -v apt-get >/dev/null 2>&1 &&
    { [[ ${EUID:-$(id -u)} -eq 0 ]] || command -v sudo >/dev/null 2>&1; }; then
    # shellcheck disable=SC2086 # $debs is a list of package names
    apt_install $debs
  elif [[ "$(uname -s)" == Darwin ]] && command -v brew >/dev/null 2>&1; then
    log "installing $brews with Homebrew"
    brew install "$brews" >&2
  else
    die "$what is not installed and this script cannot install it here.
  Install PostgreSQL 15+ (with contrib) and Redis 7 with your package manager, or point
  DATABASE_URL / REDIS_URL at servers you already have, then run this again."
  fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# Sets PG_USER, PG_HOST, PG_PORT, PG_DB and PG_MAINT_URL (the same server and credentials,
# database "postgres") from DATABASE_URL. The password stays inside PG_MAINT_URL.
svc_pg_parse() {
  local url="$DATABASE_URL"
  case "$url" in
    postgres://* | postgresql://*) ;;
    *) die "DATABASE_URL must start with postgres:// or postgresql:// (got '${url%%:*}:...')" ;;
  esac
  svc_split_url "$url"
  PG_USER=""
  [[ -n "$SVC_USERINFO" ]] && PG_USER="$(svc_urldecode "${SVC_USERINFO%%:*}")"
  PG_USER="${PG_USER:-$(id -un)}" # libpq's default: the operating-system user
  svc_split_hostport "$SVC_HOSTPORT" 5432
  PG_HOST="$SVC_HOST" PG_PORT="$SVC_PORT"
  PG_DB="$(svc_urldecode "$SVC_PATH")"
  PG_DB="${PG_DB:-$PG_USER}"
  # Same URL with the database swapped for "postgres"; the query (sslmode=...) is kept.
  local query=""
  [[ "$url" == *\?* ]] && query="?${url#*\?}"
  PG_MAINT_URL="${url%%://*}://"
  [[ -n "$SVC_USERINFO" ]] && PG_MAINT_URL+="$SVC_USERINFO@"
  PG_MAINT_URL+="$SVC_HOSTPORT/postgres$query"
}

# The newest directory holding the PostgreSQL server programs (initdb, pg_ctl, postgres):
# Debian keeps them off PATH in /usr/lib/postgresql/N/bin, Homebrew in opt/postgresql@N/bin.
svc_pg_bindir() {
  local dir found=""
  for dir in /usr/lib/postgresql/*/bin /opt/homebrew/opt/postgresql@*/bin \
    /usr/local/opt/postgresql@*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && found+="$dir"$'\n'
  done
  if [[ -n "$found" ]]; then
    # Keep the highest major version (the number just before /bin).
    printf '%s' "$found" | awk '{ v = $0; sub(/\/bin$/, "", v); sub(/.*[^0-9]/, "", v)
      if (v + 0 >= best) { best = v + 0; line = $0 } } END { print line }'
    return 0
  fi
  dir="$(command -v initdb 2>/dev/null)" || return 1
  dir="$(dirname "$dir")"
  [[ -x "$dir/pg_ctl" ]] && printf '%s\n' "$dir"
}

# pg_isready, psql: on PATH, or borrowed from the server's directory, or installed.
svc_pg_clients() {
  local bindir
  if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    if bindir="$(svc_pg_bindir)" && [[ -x "$bindir/psql" ]]; then
      PATH="$bindir:$PATH"
    else
      svc_install pg-client
      if bindir="$(svc_pg_bindir)"; then PATH="$PATH:$bindir"; fi
    fi
  fi
  command -v pg_isready >/dev/null 2>&1 || die "pg_isready not found after installing the client"
}

svc_pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

# Prints "version name status" of the Debian cluster configured on PG_PORT, if there is one.
svc_pg_debian_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4; f = 1; exit } END { exit !f }'
}

# PostgreSQL refuses to run as root; as root, the private cluster belongs to the "postgres"
# system user (Debian's packages create it).
svc_pg_as_owner() {
  if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# initdb (once) and start a private cluster in $svc_dev_dir/pg: trust authentication, the
# user from DATABASE_URL as superuser, listening on PG_HOST:PG_PORT only.
svc_pg_start_private() {
  local bindir="$1" data="$svc_dev_dir/pg" logfile="$svc_dev_dir/pg.log" as_root=""
  mkdir -p "$svc_dev_dir"
  if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    as_root=1
    id postgres >/dev/null 2>&1 ||
      die "running as root and there is no 'postgres' user to run a private PostgreSQL as"
    command -v runuser >/dev/null 2>&1 || die "running as root and runuser is missing"
    mkdir -p "$data"
    touch "$logfile"
    chown postgres "$data" "$logfile"
    chmod 700 "$data"
  fi
  if [[ ! -s "$data/PG_VERSION" ]]; then
    log "creating a private PostgreSQL cluster in $data"
    svc_pg_as_owner "$bindir/initdb" -D "$data" -U "$PG_USER" --auth=trust -E UTF8 \
      --locale=C >>"$logfile" 2>&1 || die "initdb failed; see $logfile"
    printf "\ninclude_if_exists = 'cabanas-dev.conf'\n" >>"$data/postgresql.conf"
  fi
  if svc_pg_as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    die "the private cluster in $data is running but not answering on $PG_HOST:$PG_PORT
  (started for another port?). Stop it with: ops/services.sh stop"
  fi
  # Rewritten on every start so a changed DATABASE_URL port or host takes effect. The socket
  # lives in the data directory unless that path is too long for a Unix socket.
  local socket_dir="$data" listen="$PG_HOST"
  ((${#data} > 80)) && socket_dir="/tmp"
  [[ "$PG_HOST" == localhost ]] && listen="localhost"
  {
    echo "# Written by ops/services.sh on every start."
    echo "port = $PG_PORT"
    echo "listen_addresses = '$listen'"
    echo "unix_socket_directories = '$socket_dir'"
    echo "# A throwaway development cluster: durability is traded for speed."
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
  } >"$data/cabanas-dev.conf"
  [[ -n "$as_root" ]] && chown postgres "$data/cabanas-dev.conf"
  log "starting the private PostgreSQL on $PG_HOST:$PG_PORT (log: $logfile)"
  svc_pg_as_owner "$bindir/pg_ctl" -D "$data" -l "$logfile" -W start >/dev/null ||
    die "pg_ctl start failed; see $logfile"
}

# On Homebrew the superuser is the macOS user; create the role DATABASE_URL names.
svc_pg_brew_role() {
  [[ "$PG_USER" == "$(id -un)" ]] && return 0
  psql -w -X -q -h "$PG_HOST" -p "$PG_PORT" -d postgres -tAc \
    "SELECT 1 FROM pg_roles WHERE rolname = '${PG_USER//\'/\'\'}'" 2>/dev/null | grep -q 1 && return 0
  log "creating superuser role $PG_USER"
  psql -w -X -q -h "$PG_HOST" -p "$PG_PORT" -d postgres \
    -c "CREATE ROLE \"${PG_USER//\"/\"\"}\" SUPERUSER LOGIN" >/dev/null
}

# Nothing answers on PG_HOST:PG_PORT: start a private cluster there. A system cluster (a
# Debian one configured for this port but stopped, or one a package install just created) is
# left as it is: this script never starts, stops or reconfigures a server it does not own.
svc_pg_start() {
  local cluster bindir
  if ! bindir="$(svc_pg_bindir)"; then
    svc_install pg-server
    # Debian's package creates and starts a system cluster on port 5432 with its own
    # authentication: when it answers it is used like any running server (the credentials
    # check follows), never reconfigured. Homebrew's is started as the user's own service.
    svc_pg_ready && return 0
    if [[ "$(uname -s)" == Darwin && "$PG_PORT" == 5432 ]]; then
      brew services start postgresql@15 >&2
      svc_wait_until "PostgreSQL on $PG_HOST:$PG_PORT" svc_pg_ready
      svc_pg_brew_role
      return 0
    fi
    bindir="$(svc_pg_bindir)" || die "PostgreSQL was installed but initdb cannot be found"
  fi
  if cluster="$(svc_pg_debian_cluster)"; then
    log "the system cluster ${cluster% *} is configured for port $PG_PORT but not running;" \
      "leaving it alone and starting a private one on that port"
  fi
  svc_pg_start_private "$bindir"
}

# psql against the maintenance database; the password (if any) travels in the URL.
# -w: never prompt for a password (it would read the SQL on stdin as one).
svc_pg_psql() { PGCONNECT_TIMEOUT=5 psql "$PG_MAINT_URL" -w -X -q -tA -v ON_ERROR_STOP=1 "$@"; }

svc_pg_db_exists() {
  local out
  out="$(svc_pg_psql -v db="$PG_DB" 2>&1 <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'db';
SQL
  )" || {
    log "error: cannot query PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER:"
    printf '%s\n' "$out" >&2
    case "$out" in
      *password* | *"does not exist"* | *"no pg_hba.conf entry"* | *"authentication failed"*)
        log "hint: DATABASE_URL's user and password must be accepted by that server; this" \
          "script never changes a server's authentication. Use credentials it accepts, or" \
          "point DATABASE_URL at a free local port (e.g. 127.0.0.1:5433) to get a private" \
          "server under ${CABANAS_DEV_DIR:-.dev}/" ;;
    esac
    exit 1
  }
  [[ "$out" == 1 ]]
}

svc_ensure_postgres() {
  svc_pg_parse
  svc_pg_clients
  if ! svc_pg_ready; then
    svc_is_local "$PG_HOST" ||
      die "PostgreSQL at $PG_HOST:$PG_PORT does not answer and is not on this machine"
    svc_pg_start
    svc_wait_until "PostgreSQL on $PG_HOST:$PG_PORT" svc_pg_ready || exit 1
  fi
  # Also proves the server accepts DATABASE_URL's credentials, "postgres" included.
  svc_pg_db_exists && return 0
  log "creating database $PG_DB"
  local err
  if ! err="$(svc_pg_psql -v db="$PG_DB" 2>&1 >/dev/null <<'SQL'
CREATE DATABASE :"db";
SQL
  )"; then
    # Another process may have created it at the same moment; that is fine.
    svc_pg_db_exists || die "cannot create database $PG_DB: $err"
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

# Sets REDIS_HOST, REDIS_PORT, REDIS_PASSWORD and REDIS_CLI (the redis-cli command line).
# redis-cli gets -h/-p/--user/-a rather than -u URL: redis-cli 7.0 reads "redis://:pw@host"
# as user "" with password "pw" and then fails to authenticate.
svc_redis_parse() {
  local url="$REDIS_URL" user=""
  case "$url" in
    redis://* | rediss://*) ;;
    *) die "REDIS_URL must start with redis:// or rediss:// (got '${url%%:*}:...')" ;;
  esac
  svc_split_url "$url"
  REDIS_PASSWORD=""
  if [[ "$SVC_USERINFO" == *:* ]]; then
    user="$(svc_urldecode "${SVC_USERINFO%%:*}")"
    REDIS_PASSWORD="$(svc_urldecode "${SVC_USERINFO#*:}")"
  elif [[ -n "$SVC_USERINFO" ]]; then
    REDIS_PASSWORD="$(svc_urldecode "$SVC_USERINFO")" # redis://password@host, as redis-rs reads it
  fi
  svc_split_hostport "$SVC_HOSTPORT" 6379
  REDIS_HOST="$SVC_HOST" REDIS_PORT="$SVC_PORT"
  REDIS_CLI=(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT")
  [[ -n "$user" ]] && REDIS_CLI+=(--user "$user")
  [[ -n "$REDIS_PASSWORD" ]] && REDIS_CLI+=(-a "$REDIS_PASSWORD" --no-auth-warning)
  [[ "$url" == rediss://* ]] && REDIS_CLI+=(--tls)
  return 0
}

svc_redis_ready() {
  local reply
  # timeout(1) bounds a hung connection to a remote host (not on stock macOS: skipped there).
  if command -v timeout >/dev/null 2>&1; then
    reply="$(timeout 5 "${REDIS_CLI[@]}" ping 2>/dev/null)" || return 1
  else
    reply="$("${REDIS_CLI[@]}" ping 2>/dev/null)" || return 1
  fi
  [[ "$reply" == PONG ]]
}

svc_redis_start() {
  if ! command -v redis-server >/dev/null 2>&1; then
    svc_install redis-server
    # A package may start its own server; Homebrew needs to be told to.
    if [[ "$(uname -s)" == Darwin && "$REDIS_PORT" == 6379 ]]; then
      brew services start redis >&2
      return 0
    fi
    svc_redis_ready && return 0
  fi
  local dir="$svc_dev_dir/redis" bind="$REDIS_HOST"
  [[ "$REDIS_HOST" == localhost ]] && bind="127.0.0.1 -::1" # "-": IPv6 only if available
  mkdir -p "$dir"
  local -a args=(--daemonize yes --port "$REDIS_PORT" --save "" --appendonly no
    --dir "$dir" --logfile "$dir/redis-$REDIS_PORT.log" --pidfile "$dir/redis-$REDIS_PORT.pid")
  [[ -n "$REDIS_PASSWORD" ]] && args+=(--requirepass "$REDIS_PASSWORD")
  log "starting Redis on $REDIS_HOST:$REDIS_PORT (log: $dir/redis-$REDIS_PORT.log)"
  # shellcheck disable=SC2086 # $bind may hold two addresses
  redis-server --bind $bind "${args[@]}" >&2 || die "redis-server failed to start"
}

svc_ensure_redis() {
  svc_redis_parse
  command -v redis-cli >/dev/null 2>&1 || svc_install redis-client
  svc_redis_ready && return 0
  svc_is_local "$REDIS_HOST" ||
    die "Redis at $REDIS_HOST:$REDIS_PORT does not answer and is not on this machine"
  # Something listens there but refuses REDIS_URL (another password, TLS): never touch it.
  if (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT") 2>/dev/null; then
    die "Redis at $REDIS_HOST:$REDIS_PORT answers but refuses REDIS_URL ($("${REDIS_CLI[@]}" ping 2>&1 | head -n 1))
  This script never reconfigures a server it did not start: put that server's password in
  REDIS_URL, or point REDIS_URL at a free local port to get a private Redis under ${CABANAS_DEV_DIR:-.dev}/"
  fi
  svc_redis_start
  svc_wait_until "Redis on $REDIS_HOST:$REDIS_PORT" svc_redis_ready || exit 1
}

# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

# Stops only the private servers started from $svc_dev_dir.
svc_stop() {
  local data="$svc_dev_dir/pg" pidfile bindir
  if [[ -s "$data/postmaster.pid" ]] && bindir="$(svc_pg_bindir)"; then
    log "stopping the private PostgreSQL in $data"
    svc_pg_as_owner "$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null
  fi
  for pidfile in "$svc_dev_dir"/redis/redis-*.pid; do
    [[ -s "$pidfile" ]] || continue
    local pid
    pid="$(cat "$pidfile")"
    # SIGTERM makes Redis shut down cleanly (it saves nothing: it was started with --save "").
    if ps -p "$pid" -o comm= 2>/dev/null | grep -q redis-server; then
      log "stopping the private Redis in $pidfile (pid $pid)"
      stop_pid "$pid" "${SERVICES_TIMEOUT:-30}"
    fi
    rm -f "$pidfile"
  done
}

svc_main() {
  set -euo pipefail
  LOG_TAG=services
  DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cabanas}"
  REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  svc_dev_dir="${CABANAS_DEV_DIR:-$svc_root/.dev}"
  case "${1:-}" in
    "") ;;
    stop)
      svc_stop
      return 0
      ;;
    -h | --help)
      sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
      return 0
      ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
  svc_ensure_postgres
  svc_ensure_redis
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  svc_main "$@"
else
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cabanas}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  # Sourced: the caller's own arguments must not leak into svc_main.
  (svc_main) || return
fi
