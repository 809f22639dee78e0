#!/usr/bin/env bash
# ops/test.sh: run every test of the workspace against a real PostgreSQL and Redis.
#
#   ops/test.sh                       all tests (cargo nextest run --workspace --no-fail-fast)
#   ops/test.sh --profile ci          what CI runs (profiles live in .config/nextest.toml)
#   ops/test.sh -E 'test(booking)'    any other arguments go to cargo nextest run
#
# The tests create (and drop) their own databases on the TEST_DATABASE_URL server, working
# from its maintenance database, and keep to their own Redis key namespaces on TEST_REDIS_URL:
#   TEST_DATABASE_URL   default postgres://postgres@127.0.0.1:5432/postgres
#   TEST_REDIS_URL      default redis://127.0.0.1:6379
# Both servers are found, started or installed first by ops/services.sh. The fault tests
# (tests/tests/faults) start private PostgreSQL and Redis servers of their own on free ports
# and the `api` and `worker` binaries, which this script builds first.
#
# cargo-nextest runs each test in its own process, in parallel. When it is missing this script
# installs it (cargo install cargo-nextest --locked) and, if that fails, falls back to
# `cargo test --workspace --no-fail-fast` (nextest-only arguments such as --profile are dropped).
#
# When the tests pass, ops/live-checks.sh runs the deploy smoke and overlap checks against a
# throwaway local API (SKIP_LIVE_CHECKS=1 skips them), and ops/schemathesis.sh checks the running API against its OpenAPI
# document (about 3 minutes); SKIP_SCHEMATHESIS=1 skips that for quick local runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || {
  echo "test.sh: cargo is not installed; see https://rustup.rs" >&2
  exit 1
}

# The servers the tests will use (not DATABASE_URL's database: the tests never touch it).
DATABASE_URL="$TEST_DATABASE_URL" REDIS_URL="$TEST_REDIS_URL" "$ROOT/ops/services.sh"
# The local SMTP server of the guest-email tests (Python's aiosmtpd).
"$ROOT/ops/aiosmtpd.sh"
# Headless Chromium and chromedriver for the dashboard's browser tests.
"$ROOT/ops/browser.sh"
# The fault tests (tests/tests/faults) start the real binaries, found next to the test binary.
cargo build -p api -p worker

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test.sh: cargo-nextest is missing; installing it (cargo install cargo-nextest --locked)" >&2
  if ! cargo install cargo-nextest --locked; then
    echo "test.sh: could not install cargo-nextest; falling back to cargo test" >&2
    args=()
    skip=""
    for arg in "$@"; do
      if [[ -n "$skip" ]]; then
        skip=""
        continue
      fi
      case "$arg" in
        --profile) skip=1 ;; # and its value
        --profile=*) ;;
        *) args+=("$arg") ;;
      esac
    done
    cargo test --workspace --no-fail-fast ${args[@]+"${args[@]}"}
    tested=1
  fi
fi

[[ -n "${tested:-}" ]] || cargo nextest run --workspace --no-fail-fast "$@"

if [[ -n "${SKIP_SCHEMATHESIS:-}" ]]; then
  echo "test.sh: SKIP_SCHEMATHESIS is set: the API is not checked against its OpenAPI document"
else
  "$ROOT/ops/schemathesis.sh"
fi

if [[ -n "${SKIP_LIVE_CHECKS:-}" ]]; then
  echo "test.sh: SKIP_LIVE_CHECKS is set: smoke and overlap checks not run"
else
  "$ROOT/ops/live-checks.sh"
fi
