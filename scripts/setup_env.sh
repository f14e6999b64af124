#!/usr/bin/env bash
# Create .venv (if missing) and install gisxz with the given extras. Idempotent.
# Usage: scripts/setup_env.sh [extras]     e.g. scripts/setup_env.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "gisxz needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=${1:-}
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
stamp=".venv/.gisxz-installed-${extras:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
fi
