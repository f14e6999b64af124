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
bash "$(dirname "$0")/apt_install.sh" install_qgis.sh "${need[@]}"
/usr/bin/python3 -c "from qgis.core import Qgis; print('QGIS', Qgis.QGIS_VERSION)"
