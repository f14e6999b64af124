"""The main job's GeoPackage as QGIS opens it: every layer valid, styled from
``layer_styles``, in EPSG:4490, and the overview rendered with its seat labels placed.

PyQGIS is the system Python's (Debian ``python3-qgis``, installed by ``scripts/test.sh``
where possible), so the check runs ``tests/qgis/render_overview.py`` with that interpreter in
a subprocess; without QGIS the test is skipped and says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gisxz.maps.styles import style_for
from gisxz.plan.build import LAYER_ORDER

pytestmark = [pytest.mark.qgis, pytest.mark.slow]

SCRIPT = Path(__file__).parent / "qgis" / "render_overview.py"
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "qgis_overview.png"
#: Layers drawn in the overview (the plan layers, the three-hour circle and the border belt).
OVERVIEW = (*LAYER_ORDER, "three_hour_circle", "border_belt")


def _qgis_python() -> str | None:
    """The interpreter that can ``import qgis.core`` (``GISXZ_QGIS_PYTHON`` or the system's)."""
    for exe in (os.environ.get("GISXZ_QGIS_PYTHON"), "/usr/bin/python3", shutil.which("python3")):
        if not exe or not Path(exe).exists():
            continue
        ok = subprocess.run([exe, "-c", "import qgis.core"], capture_output=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        if ok.returncode == 0:
            return exe
    return None


@pytest.fixture(scope="module")
def qgis_report(main_job, tmp_path_factory):
    exe = _qgis_python()
    if exe is None:
        pytest.skip("PyQGIS not found: install Debian's python3-qgis (scripts/test.sh does "
                    "where apt-get works) or set GISXZ_QGIS_PYTHON to a Python with qgis.core")
    png = tmp_path_factory.mktemp("qgis") / "overview.png"
    order = sorted(OVERVIEW, key=lambda n: (style_for(n).z, OVERVIEW.index(n)))
    res = subprocess.run([exe, str(SCRIPT), str(main_job / "xizang_plan.gpkg"), str(png),
                          ",".join(order)], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads(res.stdout.strip().splitlines()[-1])
    report["stderr"] = res.stderr
    if os.environ.get("GISXZ_UPDATE_FIGURES") == "1":
        FIGURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, FIGURE)
    report["png"] = png
    return report


def test_every_layer_valid_styled_in_cgcs2000(qgis_report):
    layers = qgis_report["layers"]
    assert set(LAYER_ORDER) <= set(layers)
    for name, info in layers.items():
        assert info["valid"], name
        assert info["styled"] and info["in_style_table"], (name, info["style_message"])
        assert info["crs"] == "EPSG:4490", (name, info["crs"])
        assert info["title"] and info["title"] != name, name  # metadata from gpkg_metadata
        assert info["aliases"] >= info["fields"] - 2, name  # Chinese field aliases
    assert layers["places"]["renderer"] == "RuleRenderer"
    assert layers["railways"]["renderer"] == "categorizedSymbol"
    assert layers["three_hour_circle"]["renderer"] == "RuleRenderer"


def test_overview_places_seat_labels_inside_xizang(qgis_report):
    labels = qgis_report["labels"]
    assert labels["total"] == {"prefecture_seat": 7, "county_seat": 74}
    assert labels["placed"]["prefecture_seat"] >= 7, labels
    assert labels["placed"]["county_seat"] >= 60, labels["missing_county_seats"]
    assert Path(qgis_report["png"]).stat().st_size > 100_000


def test_no_sidecar_or_version_warning(qgis_report, main_job):
    assert not list(main_job.glob("*.aux.xml"))
    assert "partially supported" not in qgis_report["stderr"]  # GDAL 3.6 reads GPKG 1.2
