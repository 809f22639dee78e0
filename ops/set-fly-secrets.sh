#!/usr/bin/env bash
# ops/set-fly-secrets.sh: loads a filled copy of ops/fly-secrets.example into a Fly.io app.
#
#   ops/set-fly-secrets.sh SECRETS_FILE --app APP [--stage]
#
# Refuses the file when a value is empty or still CHANGE_ME, a line is not NAME=VALUE, or a
# name is not one ops/fly-secrets.example lists (a typo would otherwise be stored and ignored).
# The values go to `fly secrets import` on its standard input, never on a command line (where
# `ps` would show them) and never to this script's output. --stage stores them without
# restarting the machines (they apply on the next deploy).
set -euo pipefail

die() { printf 'set-fly-secrets: error: %s\n' "$*" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
file="" app="" stage=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --app) [[ $# -ge 2 ]] || die "--app needs a value"; app="$2"; shift 2 ;;
    --stage) stage=(--stage); shift ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option: $1" ;;
    *) [[ -z "$file" ]] || die "one secrets file only"; file="$1"; shift ;;
  esac
done
[[ -n "$file" && -n "$app" ]] || die "usage: ops/set-fly-secrets.sh SECRETS_FILE --app APP [--stage]"
[[ -f "$file" ]] || die "no such file: $file"
[[ "$(realpath "$file")" != "$(realpath "$here/fly-secrets.example")" ]] ||
  die "that is the template: copy it outside the repository and fill it in"

# The names the template lists.
mapfile -t known < <(grep -E '^[A-Z][A-Z0-9_]*=' "$here/fly-secrets.example" | cut -d= -f1)
is_known() { local k; for k in "${known[@]}"; do [[ "$k" == "$1" ]] && return 0; done; return 1; }

pairs=()
problems=()
seen=()
line_no=0
while IFS= read -r line || [[ -n "$line" ]]; do
  line_no=$((line_no + 1))
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  if [[ ! "$line" =~ ^([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
    problems+=("line $line_no is not NAME=VALUE")
    continue
  fi
  name="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
  is_known "$name" || problems+=("line $line_no: $name is not a secret Cabañas reads")
  [[ -n "$value" ]] || problems+=("line $line_no: $name is empty")
  [[ "$value" != *CHANGE_ME* ]] || problems+=("line $line_no: $name still holds a CHANGE_ME placeholder")
  seen+=("$name")
  pairs+=("$name=$value")
done <"$file"
for name in "${known[@]}"; do
  printf '%s\n' "${seen[@]}" | grep -qx "$name" || problems+=("$name is missing")
done
if [[ ${#problems[@]} -gt 0 ]]; then
  printf 'set-fly-secrets: refusing %s:\n' "$file" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
command -v fly >/dev/null || die "flyctl (fly) is not installed: https://fly.io/docs/flyctl/install/"
printf '%s\n' "${pairs[@]}" | fly secrets import --app "$app" "${stage[@]}"
printf 'set-fly-secrets: %d secrets loaded into %s\n' "${#pairs[@]}" "$app"
