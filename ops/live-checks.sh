#!/usr/bin/env bash
# ops/live-checks.sh: runs the deploy checks, ops/smoke.sh and ops/overlap-check.sh, against a
# throwaway local API (fresh database with the demo data, its own Redis namespace; see
# ops/throwaway-api.sh), the way they run against staging or production after a deploy.
# ops/test.sh runs it after the tests (SKIP_LIVE_CHECKS=1 skips it there).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=ops/throwaway-api.sh
source "$ROOT/ops/throwaway-api.sh"

throwaway_api_start live
echo "==> live checks against $base"
SMOKE_ADMIN_EMAIL="$THROWAWAY_ADMIN_EMAIL" SMOKE_ADMIN_PASSWORD="$THROWAWAY_ADMIN_PASSWORD" \
  "$ROOT/ops/smoke.sh" "$base" "http://127.0.0.1:${METRICS_PORT}/metrics"
"$ROOT/ops/overlap-check.sh" "$base" 20
