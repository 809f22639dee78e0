#!/usr/bin/env bash
# Signed WhatsApp webhook ingest benchmark: the `webhooks` scenario of run.sh on its own
# (signature check + record in PostgreSQL + enqueue in Redis + 202, the worker not running),
# at concurrency 16 and 64, report in target/bench/webhooks.md (docs/performance.md is left
# alone). Target: p99 < 15 ms at concurrency 16.
#
# Usage: ops/bench/webhooks.sh [run.sh options]     (needs target/release/api, or --api-bin)
# Env:   DURATION (seconds, default 20); later options override the defaults here.
set -euo pipefail

cd "$(dirname "$0")/../.."
duration="${DURATION:-20}"
exec ops/bench/run.sh --no-build --scenarios webhooks --concurrency "16 64" --duration "${duration%s}" \
    --output target/bench/webhooks.md "$@"
