#!/usr/bin/env bash
# ops/test-predeploy-check.sh: proves that ops/predeploy-check.sh reports a FAIL and exits
# non-zero when the deploy files disagree with the binaries. On a copy of fly.toml, Procfile,
# Dockerfile, .dockerignore and Cargo.toml in a temporary folder (--root, --files-only: no
# database, a few seconds): the intact copy passes, then each broken copy must fail with the
# check that names the breakage. Run by .ci/run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=ops/lib.sh
source ops/lib.sh
LOG_TAG=test-predeploy

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# copy NAME: a fresh copy of the deploy files in $work/NAME.
copy() {
  mkdir -p "$work/$1"
  cp fly.toml Procfile Dockerfile .dockerignore Cargo.toml "$work/$1/"
}

# expect_fail NAME PATTERN: predeploy-check on copy NAME exits 1 with a FAIL line and a line
# matching PATTERN.
expect_fail() {
  local out="$work/$1.out"
  if ops/predeploy-check.sh --files-only --root "$work/$1" >"$out" 2>&1; then
    cat "$out" >&2
    die "$1: predeploy-check passed a broken copy"
  fi
  grep -q '^ *[0-9]*\. FAIL ' "$out" || { cat "$out" >&2; die "$1: no numbered FAIL line"; }
  grep -q -- "$2" "$out" || { cat "$out" >&2; die "$1: no line matching '$2'"; }
  log "$1: FAIL reported as expected ($(grep -c '^ *[0-9]*\. FAIL ' "$out") failing check(s))"
}

copy intact
ops/predeploy-check.sh --files-only --root "$work/intact" >"$work/intact.out" 2>&1 ||
  { cat "$work/intact.out" >&2; die "the intact copy fails"; }
log "intact copy: every check passes"

copy subcommand && sed -i 's/^worker: worker$/worker: api work/' "$work/subcommand/Procfile"
expect_fail subcommand "lists no subcommand 'work'"

copy groups && sed -i 's/^app: /web: /' "$work/groups/Procfile"
expect_fail groups "Procfile web:"

copy strategy && sed -i 's/strategy = "rolling"/strategy = "immediate"/' "$work/strategy/fly.toml"
expect_fail strategy "not 'rolling'"

copy root && sed -i 's/^USER 10001:10001$/USER root/' "$work/root/Dockerfile"
expect_fail root "runs as root"
