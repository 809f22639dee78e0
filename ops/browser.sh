#!/usr/bin/env bash
# ops/browser.sh: make sure headless Chromium and its WebDriver are installed (the dashboard's
# browser tests, tests/tests/browser; tests/src/harness/browser.rs). Debian's chromium and
# chromium-driver; CHROMIUM and CHROMEDRIVER name other binaries instead.
set -euo pipefail

if [[ -x "${CHROMIUM:-/usr/bin/chromium}" && -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ]]; then
  exit 0
fi
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=browser
apt_install chromium chromium-driver
