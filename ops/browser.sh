#!/usr/bin/env bash
# ops/browser.sh: make sure headless Chromium and its WebDriver are installed (the dashboard's
# browser tests, tests/tests/browser; tests/src/harness/browser.rs). Debian's chromium and
# chromium-driver; CHROMIUM and CHROMEDRIVER name other binaries instead.
set -euo pipefail

if [[ -x "${CHROMIUM:-/usr/bin/chromium}" && -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ]]; then
  exit 0
fi
echo "browser.sh: installing Debian's chromium and chromium-driver" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: no apt-get here: install Chromium and chromedriver, then set CHROMIUM and CHROMEDRIVER" >&2
  exit 1
fi
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 ||
  { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium chromium-driver >/dev/null; }
