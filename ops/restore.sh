#!/usr/bin/env bash
# ops/restore.sh: restores a backup made by ops/backup.sh into an empty database.
#
#   ops/restore.sh [--create] DUMP_FILE TARGET_DATABASE_URL
#
# Checks the dump against its .sha256 file first and refuses a dump that does not match (or has
# none). Refuses a target database that already has tables: a restore never mixes with, or
# overwrites, live data (restore into a new database, check it, then point the app at it; see
# docs/runbooks/disaster-recovery.md). --create creates the target database when it does not
# exist (through the server's `postgres` maintenance database, with the same credentials).
# Stops at the first error (pg_restore --exit-on-error, in one transaction), so a failed restore
# leaves the target empty. The URL's password is never printed. Needs pg_restore and psql.
set -euo pipefail

# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=restore

create=0
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --create) create=1; shift ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option: $1" ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ ${#args[@]} -eq 2 ]] || die "usage: ops/restore.sh [--create] DUMP_FILE TARGET_DATABASE_URL"
dump="${args[0]}"
url="${args[1]}"
for tool in pg_restore psql sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

[[ -f "$dump" ]] || die "no such dump: $dump"
[[ -f "$dump.sha256" ]] || die "no checksum file $dump.sha256: refusing an unverified dump"
(cd "$(dirname "$dump")" && sha256sum --check --status "$(basename "$dump").sha256") ||
  die "$dump does not match its checksum: refusing to restore it"
log "checksum of $dump verified"

database="${url##*/}"
database="${database%%\?*}"
[[ "$database" =~ ^[A-Za-z0-9_-]+$ ]] || die "cannot tell the database name from $(mask_url "$url")"
query() { PGCONNECT_TIMEOUT=10 psql "$1" -w -X -q -tA -v ON_ERROR_STOP=1 -c "$2"; }

if [[ "$create" -eq 1 ]]; then
  maintenance="${url%%\?*}"
  maintenance="${maintenance%/*}/postgres"
  [[ "$url" == *\?* ]] && maintenance="$maintenance?${url#*\?}"
  exists="$(query "$maintenance" "SELECT 1 FROM pg_database WHERE datname = '$database'")" ||
    die "cannot reach the server of $(mask_url "$url")"
  if [[ "$exists" != 1 ]]; then
    log "creating database $database"
    query "$maintenance" "CREATE DATABASE \"$database\"" >/dev/null || die "could not create $database"
  fi
fi

tables="$(query "$url" "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" ||
  die "cannot connect to $(mask_url "$url")"
[[ "$tables" == 0 ]] ||
  die "$(mask_url "$url") already has $tables tables: restore into a new, empty database"

log "restoring $dump into $(mask_url "$url")"
pg_restore --no-owner --no-acl --exit-on-error --single-transaction --dbname="$url" "$dump" ||
  die "pg_restore failed; nothing was restored"
log "restored"
