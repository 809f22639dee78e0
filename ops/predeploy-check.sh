#!/usr/bin/env bash
# ops/predeploy-check.sh: the pre-deploy validator. Run it before `fly deploy`.
#
#   ops/predeploy-check.sh [--env production|staging] [--secrets FILE] [--skip-tests]
#                          [--files-only] [--root DIR]
#
# Prints a numbered PASS/FAIL list and exits 1 when any check fails:
#   1. api and worker build (debug profile: same commands and settings as the image's release)
#   2. fly.toml and Procfile agree with each other and with the ports of [env]
#      (ops/check-fly-config.py: app, primary_region eze/gru, rolling deploy, process groups)
#   3. the image: stages, non-root user, and every command of the Dockerfile, Procfile and
#      fly.toml is a binary with a subcommand it has (ops/check-dockerfile.sh --bin-dir)
#   4. the settings load and validate for the target environment: fly.toml's [env] plus the
#      secrets file (a filled copy of ops/fly-secrets.example, as loaded by set-fly-secrets.sh;
#      by default the template itself with dummy values), nothing else inherited; DATABASE_URL
#      and REDIS_URL point at local throwaway ones
#   5. the migrations apply to a scratch database (created, `api migrate` twice, every
#      migration recorded, dropped) on TEST_DATABASE_URL's server
#   6. docs/openapi.json matches the code (ops/openapi.sh --check)
#   7. the tests pass (ops/test.sh --profile ci); --skip-tests skips them
# --files-only runs 1-3 (no database, no OpenAPI, no tests). --root DIR checks the fly.toml,
# Procfile and Dockerfile of DIR (the binaries always come from this repository).
# --env staging checks the same as production (staging runs APP_ENV=production with its own
# app and secrets, so that it proves what production will do).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=ops/lib.sh
source ops/lib.sh
LOG_TAG=predeploy

target_env=production secrets=ops/fly-secrets.example skip_tests="" files_only="" root="$REPO"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --env | --secrets | --root)
      [[ $# -ge 2 ]] || die "$1 needs a value"
      case "$1" in
        --env) target_env="$2" ;;
        --secrets) secrets="$2" ;;
        --root) root="$(cd "$2" 2>/dev/null && pwd)" || die "--root: no directory $2" ;;
      esac
      shift
      ;;
    --skip-tests) skip_tests=1 ;;
    --files-only) files_only=1 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "$0" && exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
  shift
done
[[ "$target_env" == production || "$target_env" == staging ]] || die "--env is production or staging"
[[ -f "$secrets" ]] || die "no secrets file $secrets"

WORK="$(mktemp -d)"
SERVER_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SCRATCH="predeploy_$(date +%s)_$$"
scratch_created=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  [[ -z "$scratch_created" ]] ||
    psql "$SERVER_URL" -w -X -q -c "DROP DATABASE IF EXISTS \"$SCRATCH\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

n=0 failed=0
# check NAME CMD...: runs CMD with its output in a file; PASS, or FAIL with the output's own
# FAIL lines when it has some (ops/check-dockerfile.sh), else its last lines.
check() {
  local name="$1" out="$WORK/step.log"
  shift
  n=$((n + 1))
  if "$@" >"$out" 2>&1; then
    printf '%2d. PASS  %s\n' "$n" "$name"
  else
    failed=$((failed + 1))
    printf '%2d. FAIL  %s\n' "$n" "$name"
    { grep '^FAIL' "$out" || tail -n 15 "$out"; } | sed 's/^/        /'
  fi
}

bin="${CARGO_TARGET_DIR:-$REPO/target}/debug"
check "api and worker build (cargo build -p api -p worker)" \
  cargo build -q --locked -p api -p worker
check "fly.toml and Procfile agree (process groups, commands, ports, rolling deploy, region)" \
  python3 ops/check-fly-config.py "$root"
check "image: stages, non-root user, commands are subcommands of the binaries (ops/check-dockerfile.sh)" \
  ops/check-dockerfile.sh --bin-dir "$bin" --root "$root"

if [[ -z "$files_only" ]]; then
  # The environment of a Machine: fly.toml's [env], then the secrets with every placeholder
  # replaced by a dummy of 48 characters, then the two URLs pointed at local throwaways.
  dummies=""
  [[ "$(realpath "$secrets")" != "$(realpath ops/fly-secrets.example)" ]] || dummies=1
  python3 - "$root/fly.toml" "$secrets" "$dummies" >"$WORK/env" <<'PY'
import sys, tomllib
for key, value in tomllib.load(open(sys.argv[1], "rb")).get("env", {}).items():
    print(f"{key}={value}")
for line in open(sys.argv[2]):
    line = line.strip()
    if line and not line.startswith("#") and "=" in line:
        key, value = line.split("=", 1)
        if sys.argv[3]:  # the template: dummies of the right shape, 48 characters for keys
            dummy = "100000000000001" if key.endswith("_ID") else "predeploy-dummy-" + "x" * 32
            value = value.replace("CHANGE_ME", dummy)
        print(f"{key}={value}")
PY
  mapfile -t machine_env <"$WORK/env"
  machine_env+=("DATABASE_URL=${SERVER_URL%/*}/$SCRATCH" "REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
    "REDIS_NAMESPACE=$SCRATCH" "LOG_FORMAT=json" "RUST_LOG=warn")
  as_machine() { env -i PATH="$PATH" HOME="$HOME" "${machine_env[@]}" "$@"; }

  psql "$SERVER_URL" -w -X -q -c "CREATE DATABASE \"$SCRATCH\"" >/dev/null && scratch_created=1
  migrated=""
  if as_machine "$bin/api" migrate >"$WORK/migrate.log" 2>&1; then migrated=1; fi
  settings_valid() { ! grep -q 'invalid configuration' "$WORK/migrate.log" || { cat "$WORK/migrate.log"; false; }; }
  check "settings load and validate for $target_env (fly.toml [env] + $(basename "$secrets"))" settings_valid

  # Every migration of migration/src/lib.rs recorded, and a second run is a no-op.
  migrations_applied() {
    [[ -n "$migrated" ]] || { cat "$WORK/migrate.log"; return 1; }
    as_machine "$bin/api" migrate
    diff <(sed -nE 's/.*Box::new\((m[0-9_a-z]+)::Migration\).*/\1/p' migration/src/lib.rs | sort) \
      <(psql "${SERVER_URL%/*}/$SCRATCH" -w -X -q -tA -c 'SELECT version FROM seaql_migrations' | sort)
  }
  check "migrations apply to a scratch database ($SCRATCH, dropped afterwards)" migrations_applied
  check "docs/openapi.json matches the code (ops/openapi.sh --check)" ops/openapi.sh --check
  if [[ -z "$skip_tests" ]]; then
    check "tests pass (ops/test.sh --profile ci)" ops/test.sh --profile ci
  fi
fi

echo
if ((failed > 0)); then
  echo "predeploy-check: $failed of $n checks FAILED: do not deploy"
  exit 1
fi
echo "predeploy-check: all $n checks passed${skip_tests:+ (tests skipped)}${files_only:+ (files only)}"
