#!/usr/bin/env bash
# The README's test command, for a fresh machine: installs the Debian packages the tests use as real peers and
# tools, the npm dependencies, then runs the whole suite (lint, type check, unit, integration, end-to-end).
#   mosquitto, mosquitto-clients: a real Mosquitto 2 (external-broker e2e, interop, benchmark reference)
#   openssl: test CAs and certificates for TLS / mTLS tests
#   systemd: systemd-analyze verify for the unit files
#   prometheus: promtool check rules / test rules for deploy/monitoring/alerts.yaml
#   chromium: the web console's browser tests (playwright-core drives /usr/bin/chromium headless)
#   postgresql: the PostgreSQL Inventory and stores (tests start private servers from its binaries, as user postgres)
#   redis-server: the broker as a cluster (tests start a private redis-server per test, unix socket, no persistence)
# Needs root (or sudo) only when a package is missing. The tests start every service they use themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(mosquitto mosquitto-clients openssl systemd prometheus chromium postgresql redis-server)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node --version
npm ci --no-audit --no-fund
npm test
