#!/usr/bin/env bash
# ops/check-scripts.sh: shellcheck over every shell script of the repository (ops/, ops/bench/,
# ops/voice/, .ci/run), following sourced files. Installs shellcheck (Debian package) when it
# is missing. Run by .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=ops/lib.sh
source ops/lib.sh
LOG_TAG=scripts
command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck
mapfile -t scripts < <(find ops .ci -type f \( -name '*.sh' -o -name run \) | sort)
shellcheck -x "${scripts[@]}"
log "shellcheck: ${#scripts[@]} scripts clean"
