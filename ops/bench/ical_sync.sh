#!/usr/bin/env bash
# One calendar sync cycle over many channel feeds served on loopback.
#
#   ops/bench/ical_sync.sh [FEEDS] [EVENTS]   (default 200 feeds × 30 events; release build; < 1 minute)
#
# Everything runs on this machine: a throwaway PostgreSQL database and Redis namespace, a
# local feed host on 127.0.0.1, the sync service as the worker's cron calls it, with the
# default settings (ICAL_SYNC_CONCURRENCY=8). Prints one Markdown row per cycle.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
feeds="${1:-200}"
events="${2:-30}"
source ops/services.sh
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export RUST_LOG="${RUST_LOG:-warn}"
echo "| Cycle | Feeds | Events per feed | Time |"
echo "|---|---:|---:|---:|"
timeout 600 cargo run -q --release --locked -p tests --example ical_sync -- "$feeds" "$events"
