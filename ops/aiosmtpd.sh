#!/usr/bin/env bash
# ops/aiosmtpd.sh: make sure Python's aiosmtpd is installed (the local SMTP server the
# guest-email tests send to; tests/src/harness/smtp_server.rs). Debian's package first, for
# CI's robustness; pip as the fallback.
set -euo pipefail

has() { "$1" -c 'import aiosmtpd' >/dev/null 2>&1; }
if has python3 || { [[ -x /usr/bin/python3 ]] && has /usr/bin/python3; }; then
  exit 0
fi
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=aiosmtpd
if command -v apt-get >/dev/null 2>&1 &&
  { [[ $(id -u) -eq 0 ]] || command -v sudo >/dev/null 2>&1; } &&
  apt_install python3-aiosmtpd; then
  exit 0
fi
log "installing aiosmtpd with pip"
python3 -m pip install --quiet aiosmtpd
