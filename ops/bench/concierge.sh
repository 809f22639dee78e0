#!/usr/bin/env bash
# WhatsApp concierge end to end (issue 9): signed webhooks over loopback HTTP → API (202) →
# worker (store, answer) → the Graph stand-in answering every call after 50 ms.
#
#   ops/bench/concierge.sh [GUESTS] [RATE...]    (defaults: 2000 guests; rates "0 100 250")
#
# One run of tests/examples/concierge_throughput.rs per RATE, each in a fresh throwaway
# database and Redis namespace: RATE 0 sends every guest's message as fast as 64 connections
# allow (throughput: messages/s); RATE > 0 starts one webhook every 1/RATE s (latency at that
# load). Each run gives up after 4 minutes (the example's deadline; `timeout` backs it up).
# Prints a Markdown table with the load average before and after each run, and writes it to
# target/bench/concierge-<time>.md; copy the figures into docs/performance.md by hand.
# Env: WORKER_WHATSAPP_CONCURRENCY, DATABASE_MAX_CONNECTIONS (the worker's pool) and
#      WORKER_POLL_MS are passed to the worker as in production; unset, the test harness's
#      values (pool 10, poll 50 ms) and the setting's default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
guests="${1:-2000}"
shift || true
rates=("$@")
[[ ${#rates[@]} -gt 0 ]] || rates=(0 100 250)
source ops/services.sh
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export RUST_LOG="${RUST_LOG:-warn}"
cargo build -q --release --locked -p tests --example concierge_throughput
bin=target/release/examples/concierge_throughput
mkdir -p target/bench
out="target/bench/concierge-$(date -u +%Y%m%dT%H%M%S).md"
{
  echo "ops/bench/concierge.sh $guests ${rates[*]} — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) CPUs"
  echo "WORKER_WHATSAPP_CONCURRENCY=${WORKER_WHATSAPP_CONCURRENCY:-default} DATABASE_MAX_CONNECTIONS=${DATABASE_MAX_CONNECTIONS:-10} WORKER_POLL_MS=${WORKER_POLL_MS:-50}"
  echo
} | tee "$out"
header=
for rate in "${rates[@]}"; do
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  table=$(timeout 300 "$bin" "$guests" "$rate" 2> >(sed 's/^/  # /' >&2))
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  if [[ -z $header ]]; then
    echo "$table" | head -n 2 | sed '1s/$/ Load before → after |/; 2s/$/---|/' | tee -a "$out"
    header=1
  fi
  echo "$table" | tail -n 1 | sed "s/|\$/| $before → $after |/" | tee -a "$out"
done
echo "written to $out"
