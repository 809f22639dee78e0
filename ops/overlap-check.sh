#!/usr/bin/env bash
# ops/overlap-check.sh: N guests ask for the same nights at the same moment; exactly one may get
# them. Run against a staging or a local API (it leaves N-1 refusals and one real hold, which
# lapses by itself; it says which).
#
#   ops/overlap-check.sh BASE_URL [N]          (N concurrent bookings, default 20)
#
# Every request has its own phone, so the hold limits do not interfere; the night is a random
# one 30-330 days ahead, of the first listed cabin. Exit status 0 only when exactly
# one answer is 201 and all the others are 409. Needs curl and python3.
set -euo pipefail

base="${1:?usage: ops/overlap-check.sh BASE_URL [N]}"
base="${base%/}"
n="${2:-20}"
[[ "$n" =~ ^[0-9]+$ && "$n" -ge 2 && "$n" -le 200 ]] || { echo "N must be 2..200" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cabin="$(curl -sf --max-time 15 "$base/api/v1/accommodations" |
  python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[0]["id"] if d else "")')"
[[ -n "$cabin" ]] || { echo "overlap-check: no accommodation at $base" >&2; exit 1; }
# race NIGHT: N concurrent bookings of NIGHT; statuses in $work/status.*, bodies in body.*.
race() {
  local night="$1" next i body
  next="$(python3 -c "import datetime; print(datetime.date.fromisoformat('$night') + datetime.timedelta(days=1))")"
  rm -f "$work"/status.* "$work"/body.*
  for i in $(seq 1 "$n"); do
    body="{\"accommodation_id\":$cabin,\"check_in\":\"$night\",\"check_out\":\"$next\",\"guests\":1,\"guest_name\":\"Overlap Check\",\"guest_phone\":\"+549110000$(printf '%04d' "$i")\"}"
    curl -s -o "$work/body.$i" -w '%{http_code}\n' --max-time 30 -X POST "$base/api/v1/reservations" \
      -H 'content-type: application/json' --data-binary "$body" >"$work/status.$i" &
  done
  wait
  created="$(cat "$work"/status.* | grep -c '^201$' || true)"
  refused="$(cat "$work"/status.* | grep -c '^409$' || true)"
  other=$((n - created - refused))
}

# A random night 30 to 330 days ahead (inside any booking horizon of a year); when every
# request is refused the night was taken before the check (a real stay, an earlier check's
# hold), so another night is tried, five at most.
for _ in 1 2 3 4 5; do
  night="$(python3 -c 'import datetime, random; print(datetime.date.today() + datetime.timedelta(days=random.randint(30, 330)))')"
  race "$night"
  [[ "$created" -eq 0 && "$refused" -eq "$n" ]] || break
  echo "overlap-check: $night was already taken; trying another night"
done
echo "overlap-check: $n concurrent bookings of cabin $cabin on $night: $created created, $refused refused (409), $other other"
if [[ "$created" -eq 1 && "$refused" -eq $((n - 1)) ]]; then
  winner="$(grep -l '^201$' "$work"/status.* | head -1)"
  code="$(python3 -c "import json; print(json.load(open('$work/body.${winner##*.}'))['code'])")"
  echo "overlap-check: PASS (the one hold is $code; it lapses unpaid by itself)"
else
  for f in "$work"/status.*; do
    s="$(cat "$f")"
    [[ "$s" == 201 || "$s" == 409 ]] || { echo "unexpected $s: $(head -c 300 "$work/body.${f##*.}")" >&2; break; }
  done
  echo "overlap-check: FAIL" >&2
  exit 1
fi
