#!/usr/bin/env bash
# ops/smoke.sh: the checks to run right after a deploy, against any running API.
#
#   SMOKE_ADMIN_EMAIL=... SMOKE_ADMIN_PASSWORD=... ops/smoke.sh BASE_URL [METRICS_URL]
#
# In order, each a numbered PASS/FAIL line, exit status non-zero on the first failure:
#   healthz and readyz answer 200; METRICS_URL (when given: the metrics port is private)
#   serves Prometheus text; GET /api/v1/accommodations lists a cabin; POST /api/v1/reservations
#   holds one night of it, far ahead at a random date (201); the admin login works and the
#   smoke hold is cancelled at once (reason "smoke test"); the cabin's iCal export (the URL the
#   admin API gives for it) is a calendar.
# The hold lives for seconds and is cancelled with a reason, so the owner can tell it apart.
# Needs curl and python3.
set -euo pipefail

base="${1:?usage: ops/smoke.sh BASE_URL [METRICS_URL]}"
base="${base%/}"
metrics_url="${2:-}"
email="${SMOKE_ADMIN_EMAIL:?set SMOKE_ADMIN_EMAIL (an admin of the target)}"
password="${SMOKE_ADMIN_PASSWORD:?set SMOKE_ADMIN_PASSWORD}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

n=0
pass() { n=$((n + 1)); printf '%2d. PASS  %s\n' "$n" "$*"; }
fail() { n=$((n + 1)); printf '%2d. FAIL  %s\n' "$n" "$*"; exit 1; }
# call METHOD PATH_OR_URL [JSON] [TOKEN]: body in $work/body, status printed.
call() {
  local url="$2"
  [[ "$url" == http* ]] || url="$base$url"
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$1" --max-time 15 "$url")
  [[ -n "${3:-}" ]] && args+=(-H 'content-type: application/json' --data-binary "$3")
  [[ -n "${4:-}" ]] && args+=(-H "authorization: Bearer $4")
  curl "${args[@]}" || echo 000
}
json() { python3 -c "import json, sys; d = json.load(open('$work/body')); print($1)"; }

# expect STATUS DESCRIPTION METHOD PATH [JSON] [TOKEN]: a PASS line, or a FAIL line and exit.
expect() {
  local want="$1" what="$2" got
  shift 2
  got="$(call "$@")"
  if [[ "$got" != "$want" ]]; then
    fail "$what: $got $(head -c 300 "$work/body")"
  fi
  pass "$what"
}
# holds PATTERN DESCRIPTION: the last body contains PATTERN, or a FAIL line and exit.
holds() { grep -q "$1" "$work/body" || fail "$2: no $1 in the answer"; }

expect 200 "healthz 200" GET /api/v1/healthz
expect 200 "readyz 200" GET /api/v1/readyz
if [[ -n "$metrics_url" ]]; then
  expect 200 "metrics served" GET "$metrics_url"
  holds '^http_requests_total' "metrics"
fi
expect 200 "accommodations listed" GET /api/v1/accommodations
cabin="$(json 'd[0]["id"] if d else ""')"
[[ -n "$cabin" ]] || fail "no accommodation to book"

night="$(python3 -c 'import datetime, random; print(datetime.date.today() + datetime.timedelta(days=random.randint(200, 330)))')"
next="$(python3 -c "import datetime; print(datetime.date.fromisoformat('$night') + datetime.timedelta(days=1))")"
body="{\"accommodation_id\":$cabin,\"check_in\":\"$night\",\"check_out\":\"$next\",\"guests\":1,\"guest_name\":\"Smoke Test\",\"guest_phone\":\"+5491100000000\"}"
expect 201 "pre-reservation of cabin $cabin on $night" POST /api/v1/reservations "$body"
code="$(json 'd["code"]')"

expect 200 "admin login" POST /api/v1/admin/login "{\"email\":\"$email\",\"password\":\"$password\"}"
token="$(json 'd["access_token"]')"
expect 200 "cancellation of $code" POST "/api/v1/admin/reservations/$code/cancel" '{"reason":"smoke test"}' "$token"

expect 200 "admin list of accommodations" GET /api/v1/admin/accommodations "" "$token"
export_path="$(json "[a for a in (d if isinstance(d, list) else d['items']) if a['id'] == $cabin][0]['ical_export_urls']['generic'].split('://', 1)[-1].split('/', 1)[1]")"
expect 200 "iCal export" GET "/$export_path"
holds 'BEGIN:VCALENDAR' "iCal export"
echo "smoke: all $n checks passed against $base"
