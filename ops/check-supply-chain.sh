#!/usr/bin/env bash
# ops/check-supply-chain.sh: what may enter the build, and what must never enter the repository.
# Run by .ci/run; works offline.
#
#   1. cargo deny --locked check licenses bans sources (deny.toml): licences on the allowlist,
#      no duplicate crate versions beyond the reviewed ones, crates.io as the only source.
#      The advisories check needs the RustSec database from the network, which CI lacks; run
#      it where the network allows: `cargo deny check advisories`.
#   2. A secret scan (detect-secrets, PyPI, pinned) of every file git tracks: each finding must
#      already be in .secrets.baseline, where the reviewed ones are marked `"is_secret": false`
#      (the documented fake secrets of tests and examples). Anything else fails, with its file
#      and line. After reviewing a new finding that is not a secret:
#        .dev/detect-secrets-<version>/bin/detect-secrets scan --baseline .secrets.baseline
#        .dev/detect-secrets-<version>/bin/detect-secrets audit .secrets.baseline
#      and commit the baseline. A real secret: remove it, rotate it (docs/runbooks/secret-rotation.md).
#
# Installs what is missing: cargo-deny with `cargo install --locked` (about 9 minutes of
# compiling on 2 busy cores; once per machine) and detect-secrets into .dev/ (a few seconds).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=ops/lib.sh
source ops/lib.sh
LOG_TAG=supply-chain

DENY_VERSION=0.20.2
SECRETS_VERSION=1.5.0
VENV="${CABANAS_DEV_DIR:-$ROOT/.dev}/detect-secrets-$SECRETS_VERSION"

# --- 1. cargo deny ------------------------------------------------------------------------------
if ! cargo deny --version >/dev/null 2>&1; then
  log "installing cargo-deny $DENY_VERSION (cargo install --locked; several minutes)"
  cargo install --locked cargo-deny --version "$DENY_VERSION"
fi
log "cargo deny check licenses bans sources (advisories need the network: cargo deny check advisories)"
cargo deny --locked --log-level warn check licenses bans sources

# --- 2. secret scan -----------------------------------------------------------------------------
if [[ ! -x "$VENV/bin/detect-secrets" ]]; then
  log "installing detect-secrets $SECRETS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "detect-secrets==$SECRETS_VERSION"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A fresh scan, with the baseline's plugins and filters, into a copy (the baseline stays as is).
cp .secrets.baseline "$work/scan.json"
"$VENV/bin/detect-secrets" scan --baseline "$work/scan.json"
python3 - .secrets.baseline "$work/scan.json" <<'PY'
import json, sys
reviewed = json.load(open(sys.argv[1]))["results"]
known = {(f, s["hashed_secret"]) for f, items in reviewed.items() for s in items}
new = [
    f"{f}:{s['line_number']}: {s['type']}"
    for f, items in json.load(open(sys.argv[2]))["results"].items()
    for s in items
    if (f, s["hashed_secret"]) not in known
]
real = [f"{f}: {s['type']}" for f, items in reviewed.items() for s in items if s.get("is_secret") is not False]
for line in new:
    print(f"secret scan: not in .secrets.baseline: {line}", file=sys.stderr)
for line in real:
    print(f"secret scan: in .secrets.baseline but not reviewed as a fake: {line}", file=sys.stderr)
sys.exit(1 if new or real else 0)
PY
log "secret scan: $(git ls-files | wc -l) tracked files, nothing beyond the reviewed fakes of .secrets.baseline"
