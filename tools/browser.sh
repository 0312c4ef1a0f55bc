#!/usr/bin/env bash
# The portal's browser test needs Debian's chromium and its chromedriver; installs them if missing.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "browser: chromium and chromium-driver are missing; install them (apt-get install chromium chromium-driver) or run as root." >&2
    exit 1
fi
command -v apt-get >/dev/null || { echo "browser: no apt-get: install chromium and chromedriver at /usr/bin by hand." >&2; exit 1; }
echo "browser: installing chromium and chromium-driver (Debian packages) for the portal's browser test"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
