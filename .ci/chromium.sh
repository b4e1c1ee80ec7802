#!/usr/bin/env bash
# Debian's Chromium for the browser test (tests/tui/test_serve_browser.py)
# and scripts/screenshots.py. Playwright drives it with executable_path;
# `playwright install` (a browser download) is never used.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ci: chromium missing and cannot be installed here (needs root and apt-get); the browser test will skip" >&2
    exit 0
fi
echo "ci: installing chromium (Debian package)" >&2
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "ci: chromium could not be installed; the browser test will skip" >&2
exit 0
