#!/usr/bin/env bash
# ops/aiosmtpd.sh: make sure Python's aiosmtpd is installed (the local SMTP server the
# guest-email tests send to; tests/src/harness/smtp_server.rs). Debian's package first, for
# CI's robustness; pip as the fallback.
set -euo pipefail

has() { "$1" -c 'import aiosmtpd' >/dev/null 2>&1; }
if has python3 || { [[ -x /usr/bin/python3 ]] && has /usr/bin/python3; }; then
  exit 0
fi
echo "aiosmtpd.sh: installing aiosmtpd" >&2
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  if $SUDO apt-get install -y -q python3-aiosmtpd >/dev/null 2>&1 ||
    { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q python3-aiosmtpd >/dev/null; }; then
    exit 0
  fi
fi
python3 -m pip install --quiet aiosmtpd
