#!/usr/bin/env bash
# Fresh machine to test results: create .venv, install gisxz with test extras, install
# Debian's chromium (browser test) and python3-qgis (QGIS test) when possible, run ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh test
if [ -f scripts/install_chromium.sh ]; then
  bash scripts/install_chromium.sh || echo "warning: chromium could not be installed; browser tests will be skipped" >&2
fi
if [ -f scripts/install_qgis.sh ]; then
  bash scripts/install_qgis.sh || echo "warning: PyQGIS could not be installed; QGIS tests will be skipped" >&2
fi
.venv/bin/ruff check gisxz tests scripts
exec .venv/bin/python -m pytest -q "$@"
