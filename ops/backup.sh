#!/usr/bin/env bash
# ops/backup.sh: a verified, rotated backup of the PostgreSQL database.
#
#   ops/backup.sh [--dir DIR] [--keep N] [DATABASE_URL]
#
# Writes DIR/cabanas-<database>-<UTC time>.dump with pg_dump's custom format (compressed, what
# pg_restore reads, table by table), and beside it <file>.sha256 (sha256sum format). The dump is
# written under a temporary name and renamed only once pg_dump and the checksum succeeded, so a
# failed or interrupted run leaves no file that looks like a backup. Then only the newest N
# backups of that database are kept (their checksum files with them).
#
#   --dir DIR    where backups go (default: $BACKUP_DIR, else ./backups)
#   --keep N     backups of this database to keep, N >= 1 (default: $BACKUP_KEEP, else 14)
#   DATABASE_URL the database (default: $DATABASE_URL)
#
# Restore with ops/restore.sh. The URL's password is never printed. Needs pg_dump (the
# server's major version or newer) and sha256sum.
set -euo pipefail

# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=backup

dir="${BACKUP_DIR:-backups}"
keep="${BACKUP_KEEP:-14}"
url="${DATABASE_URL:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --keep) [[ $# -ge 2 ]] || die "--keep needs a value"; keep="$2"; shift 2 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option: $1" ;;
    *) url="$1"; shift ;;
  esac
done
[[ -n "$url" ]] || die "no database: pass DATABASE_URL as an argument or in the environment"
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep must be a whole number of at least 1, not '$keep'"
command -v pg_dump >/dev/null || die "pg_dump is not installed"
command -v sha256sum >/dev/null || die "sha256sum is not installed"

# The database name: the URL's path without its query string.
database="${url##*/}"
database="${database%%\?*}"
[[ "$database" =~ ^[A-Za-z0-9_-]+$ ]] || die "cannot tell the database name from $(mask_url "$url")"

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%S.%NZ)" # %N: GNU date; two backups in one second get two names
name="cabanas-$database-$stamp.dump"
partial="$dir/.$name.partial"
trap 'rm -f "$partial"' EXIT

log "dumping $(mask_url "$url") to $dir/$name"
pg_dump --format=custom --no-owner --no-acl --file="$partial" "$url" ||
  die "pg_dump failed"
hash="$(sha256sum <"$partial")"
printf '%s  %s\n' "${hash%% *}" "$name" >"$dir/$name.sha256"
mv "$partial" "$dir/$name"
log "wrote $dir/$name ($(wc -c <"$dir/$name") bytes) and its checksum"

# Retention: the newest $keep dumps of this database (names sort by time).
mapfile -t old < <(find "$dir" -maxdepth 1 -type f -name "cabanas-$database-*.dump" -printf '%f\n' |
  sort -r | tail -n +"$((keep + 1))")
for file in "${old[@]}"; do
  rm -f "$dir/$file" "$dir/$file.sha256"
  log "removed old backup $file"
done
printf '%s\n' "$dir/$name"
