"""GeoPackage compatibility: version 1.2 by default, valid for GDAL's ``validate_gpkg.py``,
per-layer metadata QGIS reads, and no ``.aux.xml`` sidecar.

GDAL's validator is not part of gisxz: the test runs whichever copies the machine has —
Debian's ``python3-gdal`` (GDAL 3.6, ``/usr/bin/python3 -m osgeo_utils.samples.validate_gpkg``,
installed by ``scripts/install_qgis.sh``) and any scripts listed in ``GISXZ_VALIDATE_GPKG``
(``os.pathsep``-separated paths, e.g. a current GDAL's
``swig/python/gdal-utils/osgeo_utils/samples/validate_gpkg.py``) — and skips without one.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from gisxz.exceptions import GisxzError
from gisxz.io.geopackage import list_layers, read_layer, write_layers


def _validators() -> list[list[str]]:
    found = []
    debian = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
    if Path(debian).exists():
        found.append(["/usr/bin/python3", debian])
    for script in filter(None, os.environ.get("GISXZ_VALIDATE_GPKG", "").split(os.pathsep)):
        found.append([sys.executable, script])
    return found


def _small(tmp_path: Path, **kw) -> Path:
    layers = {
        "places": gpd.GeoDataFrame({"name_zh": ["拉萨"], "kind": ["prefecture_seat"]},
                                   geometry=[Point(91.13, 29.66)], crs=4490),
        "railways": gpd.GeoDataFrame({"name_zh": ["拉日铁路"], "status": ["operating"]},
                                     geometry=[LineString([(91.1, 29.6), (88.9, 29.3)])],
                                     crs=4490),
        "zones": gpd.GeoDataFrame({"zone_code": ["east"]}, geometry=[
            Polygon([(95, 29), (98, 29), (98, 32), (95, 32)])], crs=4490),
    }
    return write_layers(layers, tmp_path / "small.gpkg", **kw)


def _user_version(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()


def test_version_12_by_default_and_14_on_request(tmp_path):
    assert _user_version(_small(tmp_path)) == 10200
    newer = write_layers({"p": gpd.GeoDataFrame(geometry=[Point(91, 29)], crs=4490)},
                         tmp_path / "v14.gpkg", version="1.4")
    assert _user_version(newer) == 10400
    with pytest.raises(GisxzError, match="1.2"):
        write_layers({"p": gpd.GeoDataFrame(geometry=[Point(91, 29)], crs=4490)},
                     tmp_path / "bad.gpkg", version="2.0")


def test_per_layer_qgis_metadata(tmp_path):
    con = sqlite3.connect(_small(tmp_path))
    try:
        rows = dict(con.execute(
            "SELECT r.table_name, m.metadata FROM gpkg_metadata_reference r JOIN gpkg_metadata "
            "m ON m.id = r.md_file_id WHERE r.reference_scope = 'table' AND "
            "m.md_standard_uri = 'http://mrcc.com/qgis.dtd'"))
    finally:
        con.close()
    assert set(rows) == {"places", "railways", "zones"}
    assert "<title>铁路 Railways</title>" in rows["railways"]
    assert "<authid>EPSG:4490</authid>" in rows["zones"] and "<license>" in rows["places"]


def test_reading_leaves_no_sidecar(tmp_path):
    path = _small(tmp_path)
    list_layers(path)
    read_layer(path, "places")
    gpd.read_file(path, layer="railways")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.gpkg"]


def _validate(path: Path) -> None:
    validators = _validators()
    if not validators:
        pytest.skip("no GDAL validate_gpkg.py: install Debian's python3-gdal "
                    "(scripts/install_qgis.sh) or set GISXZ_VALIDATE_GPKG")
    for cmd in validators:
        res = subprocess.run([*cmd, "-k", str(path)], capture_output=True, text=True,
                             timeout=300)
        assert res.returncode == 0 and not res.stdout.strip() and not res.stderr.strip(), (
            cmd[-1], res.stdout[-2000:], res.stderr[-2000:])


def test_small_geopackage_passes_gdal_validator(tmp_path):
    _validate(_small(tmp_path))


@pytest.mark.slow
def test_main_job_geopackage_passes_gdal_validator(main_job):
    _validate(main_job / "xizang_plan.gpkg")
    assert not list(main_job.glob("*.aux.xml"))
