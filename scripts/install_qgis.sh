#!/usr/bin/env bash
# Install Debian's PyQGIS (python3-qgis, qgis-providers), GDAL's Python utilities (whose
# validate_gpkg.py checks the GeoPackage) and a CJK font for the QGIS test
# (tests/test_qgis.py, marker qgis), when missing. Idempotent; needs root or sudo and apt-get.
# The tests skip (with a reason) when PyQGIS is not installed.
set -euo pipefail
need=()
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || need+=(python3-qgis qgis-providers)
/usr/bin/python3 -c "import osgeo_utils.samples.validate_gpkg" >/dev/null 2>&1 || need+=(python3-gdal)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then
  echo "PyQGIS, GDAL's validate_gpkg.py and a CJK font are installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install_qgis.sh: need root (or sudo) to install: ${need[*]}" >&2; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_qgis.sh: apt-get not found; install ${need[*]} with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
/usr/bin/python3 -c "from qgis.core import Qgis; print('QGIS', Qgis.QGIS_VERSION)"
