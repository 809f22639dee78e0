#!/usr/bin/env bash
# ops/check-monitoring.sh: checks the monitoring files against Prometheus's own tool.
#
#   - ops/prometheus/alerts.yml parses (`promtool check rules`) and every alert fires on the
#     series that should trigger it and stays quiet on healthy ones (`promtool test rules
#     ops/prometheus/alerts_test.yml`);
#   - ops/prometheus/prometheus.yml is a valid configuration (`promtool check config`);
#   - ops/grafana/cabanas.json is JSON, and every metric its panels and the alerts query is one
#     the code records (a renamed metric would otherwise leave a silent alert).
#
# Installs promtool (Debian package `prometheus`) when it is missing. Run by .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=ops/lib.sh
source ops/lib.sh
LOG_TAG=monitoring

# promtool: Debian package prometheus.
command -v promtool >/dev/null 2>&1 || apt_install prometheus
promtool check rules ops/prometheus/alerts.yml
promtool test rules ops/prometheus/alerts_test.yml
promtool check config --syntax-only ops/prometheus/prometheus.yml
python3 -m json.tool ops/grafana/cabanas.json >/dev/null

# Metric names the alerts and the dashboard use, and the ones the Rust code records.
used="$(grep -ohE '\b[a-z_]+(_total|_seconds|_minutes|_bytes|_fds|_depth|_reservations)\b' \
  ops/prometheus/alerts.yml ops/grafana/cabanas.json | sed -E 's/_(bucket|count|sum)$//' | sort -u)"
recorded="$(find api/src worker/src shared/src -name '*.rs' -exec perl -0777 -ne \
  'print "$1\n" while /(?:counter|gauge|histogram)!\(\s*"([a-z_]+)"/g' {} + | sort -u)"
missing="$(comm -23 <(printf '%s\n' "$used") <(printf '%s\n' "$recorded"))"
if [[ -n "$missing" ]]; then
  log "metrics used by alerts or the dashboard that the code never records:"
  while read -r name; do log "  $name"; done <<<"$missing"
  exit 1
fi
log "alerts, their tests, the Prometheus configuration and the dashboard are consistent"
