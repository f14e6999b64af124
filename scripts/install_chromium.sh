#!/usr/bin/env bash
# Install Debian's Chromium, ChromeDriver, a CJK font (and poppler-utils) for the browser tests
# (tests/test_maps_browser.py), when missing. Idempotent; needs root or sudo.
# The tests skip (with a reason) when Chromium is not installed.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# a CJK font so that Chinese labels render in screenshots (not needed for the tests to pass)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
# pdffonts, for the test that PDF figures embed TrueType/CID fonts (no Type 3)
command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  echo "chromium, chromedriver and a CJK font are installed"
  exit 0
fi
bash "$(dirname "$0")/apt_install.sh" install_chromium.sh "${need[@]}"
command -v chromium >/dev/null && chromium --version || true
