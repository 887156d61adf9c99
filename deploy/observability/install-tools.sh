#!/usr/bin/env bash
# Install Prometheus and promtool (Debian's `prometheus` package) when either is missing.
# The package would start a system service on install; a policy-rc.d refuses that for the
# duration, and any prometheus service the install started anyway is stopped, so nothing is
# left running: the tests start their own binary with their own config on loopback.
set -euo pipefail

if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "prometheus/promtool missing and no apt-get here: install Prometheus 2.x by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi

policy=/usr/sbin/policy-rc.d
placed_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  placed_policy=1
fi
cleanup() {
  if [ "$placed_policy" = 1 ]; then $SUDO rm -f "$policy"; fi
}
trap cleanup EXIT

if ! apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  $SUDO apt-get update -qq
fi
apt-cache policy prometheus | sed -n '1,3p'
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus

# Whatever the init system, leave no packaged service running or enabled.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
elif [ -x /etc/init.d/prometheus ]; then
  $SUDO /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
prometheus --version | head -1
promtool --version | head -1
