#!/usr/bin/env bash
# Install Debian's Chromium for the offline book test (tests/test_book_browser.py drives it
# with Playwright; no browser is downloaded from anywhere else). Idempotent; needs root.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi
chromium --version
