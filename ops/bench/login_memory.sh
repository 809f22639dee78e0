#!/usr/bin/env bash
# Memory of the API under a burst of admin logins (issue 7, "Login memory" in
# docs/performance.md).
#
#   ops/bench/login_memory.sh [LOGINS] [PERMITS...]   (defaults: 100 logins; permits 100 2)
#
# Builds the release `api` twice (the default global allocator, mimalloc, and with
# `--no-default-features`, the system allocator), then for each build and each permit count
# starts it on 127.0.0.1, fires LOGINS concurrent logins and prints one table row: peak RSS
# (VmHWM) and RSS two seconds after the burst. A permit count of 100 stands for "no bound"
# (every login of the burst hashes at once, as before issue 7). Loopback only; each run is
# bounded by the login count and a two-minute deadline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
logins="${1:-100}"
shift || true
permits=("${@:-100 2}")
read -r -a permits <<<"${permits[*]}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export RUST_LOG="${RUST_LOG:-warn}"
bin_dir=target/login-memory
mkdir -p "$bin_dir"
cargo build -q --release --locked -p api --no-default-features
cp target/release/api "$bin_dir/api-system"
cargo build -q --release --locked -p api
cp target/release/api "$bin_dir/api-mimalloc"
cargo build -q --release --locked -p tests --example login_memory
echo "| Allocator | Permits | Logins | 200 | 429 | Burst | p50 / max latency | RSS before (MiB) | Peak RSS (MiB) | RSS after (MiB) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for alloc in system mimalloc; do
  for p in "${permits[@]}"; do
    target/release/examples/login_memory "$bin_dir/api-$alloc" "$p" "$logins" "$alloc"
  done
done
