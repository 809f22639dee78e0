#!/usr/bin/env bash
# ops/check-scripts.sh: shellcheck over every shell script of the repository (ops/, ops/bench/,
# ops/voice/, .ci/run), following sourced files. Installs shellcheck (Debian package) when it
# is missing. Run by .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "[scripts] installing shellcheck (Debian package)" >&2
  sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq shellcheck >/dev/null ||
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq shellcheck >/dev/null; }
fi
mapfile -t scripts < <(find ops .ci -type f \( -name '*.sh' -o -name run \) | sort)
shellcheck -x "${scripts[@]}"
echo "[scripts] shellcheck: ${#scripts[@]} scripts clean" >&2
