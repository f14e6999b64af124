#!/usr/bin/env bash
# Fresh machine to results: create .venv, install gisxz, run the main job on the embedded
# data. Extra arguments go to `gisxz run` (e.g. --overwrite, --out-dir DIR, --no-maps).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
exec .venv/bin/gisxz run "$@"
