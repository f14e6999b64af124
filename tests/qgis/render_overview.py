"""Open a gisxz GeoPackage in PyQGIS headless, check its layers and render the overview.

Run with the Python QGIS is built for (Debian: ``/usr/bin/python3``), not the project venv::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/render_overview.py PLAN.gpkg OUT.png \
        [LAYER,LAYER,...]

The optional third argument lists the layers drawn, bottom first (default: all).

Prints one JSON object: QGIS version, per-layer checks (valid, style from ``layer_styles``,
CRS, renderer, metadata title, aliases) and the labels placed for prefecture and county seats
inside Xizang. Used by ``tests/test_qgis.py``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    Qgis,
    QgsApplication,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage, QPainter  # noqa: E402

SKIP = {"gisxz_sources", "layer_styles"}


def open_layers(path: str) -> tuple[list[QgsVectorLayer], dict]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
        styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
    finally:
        con.close()
    layers, report = [], {}
    for name in names:
        if name in SKIP:
            continue
        lyr = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        msg, ok = lyr.loadDefaultStyle() if lyr.isValid() else ("invalid", False)
        renderer = lyr.renderer().type() if lyr.isValid() and lyr.renderer() else ""
        aliases = {f.name(): f.alias() for f in lyr.fields()} if lyr.isValid() else {}
        report[name] = {"valid": lyr.isValid(), "styled": bool(ok), "style_message": msg,
                        "crs": lyr.crs().authid(), "renderer": renderer,
                        "labels": bool(lyr.labelsEnabled()),
                        "title": lyr.metadata().title(),
                        "aliases": sum(1 for a in aliases.values() if a),
                        "fields": len(aliases), "in_style_table": name in styled}
        layers.append(lyr)
    return layers, report


def render(layers: list[QgsVectorLayer], out_png: str, drawn: list[str]) -> dict:
    project = QgsProject.instance()
    for lyr in layers:
        project.addMapLayer(lyr)
    by_name = {lyr.name(): lyr for lyr in layers}
    order = [by_name[n] for n in reversed(drawn) if n in by_name]  # QGIS: top layer first
    province = next(lyr for lyr in layers if lyr.name() == "admin_province")
    extent = QgsRectangle(province.extent())
    extent.grow(0.4)
    ms = QgsMapSettings()
    ms.setLayers(order)
    ms.setDestinationCrs(province.crs())
    ms.setOutputSize(QSize(2400, 1150))
    ms.setOutputDpi(96)
    ms.setBackgroundColor(QColor(255, 255, 255))
    ms.setExtent(extent)
    image = QImage(ms.outputSize(), QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    job = QgsMapRendererCustomPainterJob(ms, painter)
    job.renderSynchronously()
    painter.end()
    image.save(out_png, "PNG")
    return {"scale": ms.scale(), "labels": seat_labels(job.takeLabelingResults(), layers)}


def seat_labels(results, layers: list[QgsVectorLayer]) -> dict:
    places = next(lyr for lyr in layers if lyr.name() == "places")
    province = next(lyr for lyr in layers if lyr.name() == "admin_province")
    xizang = QgsGeometry.unaryUnion([f.geometry() for f in province.getFeatures()])
    kinds = {f.id(): (f["kind"], f["name_zh"], f["adcode"]) for f in
             places.getFeatures(QgsFeatureRequest())}
    placed: dict[str, set] = {"prefecture_seat": set(), "county_seat": set()}
    total = {k: sum(1 for kd, _, ad in kinds.values() if kd == k and str(ad).startswith("54"))
             for k in placed}
    for pos in results.allLabels():
        if pos.layerID != places.id() or pos.isUnplaced:
            continue
        kind, name, _ = kinds.get(pos.featureId, ("", "", ""))
        centre = QgsGeometry.fromPointXY(pos.labelRect.center())
        if kind in placed and xizang.contains(centre):
            placed[kind].add(name)
    layer_counts: dict[str, int] = {}
    ids = {lyr.id(): lyr.name() for lyr in layers}
    for pos in results.allLabels():
        if not pos.isUnplaced:
            layer_counts[ids.get(pos.layerID, "?")] = layer_counts.get(
                ids.get(pos.layerID, "?"), 0) + 1
    return {"placed": {k: len(v) for k, v in placed.items()}, "total": total,
            "missing_county_seats": sorted({n for kd, n, ad in kinds.values()
                                            if kd == "county_seat"} - placed["county_seat"]),
            "per_layer": layer_counts}


def main(path: str, out_png: str, drawn: str = "") -> int:
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        layers, report = open_layers(path)
        names = drawn.split(",") if drawn else [lyr.name() for lyr in layers]
        result = {"qgis": Qgis.QGIS_VERSION, "layers": report}
        result.update(render([lyr for lyr in layers if lyr.isValid()], out_png, names))
        print(json.dumps(result, ensure_ascii=False))
    finally:
        QgsProject.instance().clear()
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
