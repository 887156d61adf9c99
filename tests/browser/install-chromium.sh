#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing (Playwright's own browser
# download is not used: the tests launch /usr/bin/chromium).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends chromium || {
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium
}
command -v chromium
