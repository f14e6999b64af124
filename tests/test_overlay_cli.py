"""``gisxz buffer``, ``gisxz overlay`` and ``gisxz summarize`` through click's CliRunner."""

from __future__ import annotations

import math

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from gisxz.cli.main import cli
from gisxz.core.crs import metric_crs

KM = 1000.0
Y0 = 3_300_000.0


@pytest.fixture
def files(tmp_path):
    """A region (two counties), a border line on its west edge and two seats, as files."""
    counties = gpd.GeoDataFrame(
        {"adcode": [1, 2], "name_zh": ["甲县", "乙县"]},
        geometry=[box(0, Y0, 100 * KM, Y0 + 100 * KM), box(100 * KM, Y0, 200 * KM, Y0 + 100 * KM)],
        crs=metric_crs()).to_crs(4490)
    region = gpd.GeoDataFrame({"name_zh": ["区"]}, geometry=[counties.union_all()], crs=4490)
    border = gpd.GeoDataFrame({"name_zh": ["国界"]},
                              geometry=[LineString([(0, Y0), (0, Y0 + 100 * KM)])],
                              crs=metric_crs()).to_crs(4490)
    places = gpd.GeoDataFrame({"name_zh": ["甲县城", "乙县城"], "kind": ["county_seat"] * 2,
                               "adcode": [1, 2]},
                              geometry=[Point(5 * KM, Y0 + 50 * KM),
                                        Point(150 * KM, Y0 + 50 * KM)],
                              crs=metric_crs()).to_crs(4490)
    gpkg = tmp_path / "in.gpkg"
    counties.to_file(gpkg, layer="counties")
    region.to_file(gpkg, layer="region")
    places.to_file(gpkg, layer="places")
    border.to_file(tmp_path / "border.geojson")
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_commands_are_registered_with_help():
    for name in ("buffer", "overlay", "summarize"):
        res = run(name, "--help")
        assert res.exit_code == 0, res.output
        assert "--overwrite" in res.output and "-o, --out" in res.output


def test_buffer_one_sided_bands(files):
    out = files / "belt.gpkg"
    res = run("buffer", files / "border.geojson", "--distance", "10", "30", "50", "--dissolve",
              "--one-sided", "inside", "--within", f"{files / 'in.gpkg'}:region", "-o", out)
    assert res.exit_code == 0, res.output
    belt = gpd.read_file(out, layer="buffer")
    assert belt.crs.to_epsg() == 4490
    assert belt["band_label"].tolist() == ["0-10 km", "10-30 km", "30-50 km"]
    assert belt["area_km2"].tolist() == pytest.approx([1000, 2000, 2000], rel=1e-3)
    # existing output is refused, replaced with --overwrite
    res = run("buffer", files / "border.geojson", "-d", "10", "-o", out)
    assert res.exit_code == 3 and "exists" in res.output and "--overwrite" in res.output
    res = run("buffer", files / "border.geojson", "-d", "5,15", "-o", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert len(gpd.read_file(out, layer="buffer")) == 2


def test_buffer_metres_geojson(files):
    out = files / "seats.geojson"
    res = run("buffer", f"{files / 'in.gpkg'}:places", "-d", "500", "--unit", "m", "-o", out)
    assert res.exit_code == 0, res.output
    g = gpd.read_file(out)
    assert len(g) == 2 and g["name_zh"].tolist() == ["甲县城", "乙县城"]
    poly = 32 / (2 * math.pi) * math.sin(2 * math.pi / 32)
    assert g["area_km2"].iloc[0] == pytest.approx(math.pi * 0.25 * poly, rel=1e-3)


def test_bad_inputs_get_clear_messages(files):
    res = run("buffer", files / "missing.gpkg", "-d", "10", "-o", files / "x.gpkg")
    assert res.exit_code == 1 and "no such file" in res.output
    res = run("buffer", files / "in.gpkg", "-d", "10", "-o", files / "x.gpkg")
    assert res.exit_code == 1 and "several layers" in res.output
    res = run("buffer", f"{files / 'in.gpkg'}:nope", "-d", "10", "-o", files / "x.gpkg")
    assert res.exit_code == 1 and "no layer 'nope'" in res.output
    res = run("buffer", files / "border.geojson", "-d", "ten", "-o", files / "x.gpkg")
    assert res.exit_code == 2 and "not a number" in res.output
    res = run("buffer", files / "border.geojson", "-o", files / "x.gpkg")
    assert res.exit_code == 2 and "at least one distance" in res.output
    assert not (files / "x.gpkg").exists()


def test_overlay_crs_mismatch_and_reproject(files):
    wgs = gpd.read_file(files / "in.gpkg", layer="region").to_crs(4326)
    wgs.to_file(files / "region_wgs84.geojson")
    out = files / "ov.gpkg"
    res = run("overlay", f"{files / 'in.gpkg'}:counties", files / "region_wgs84.geojson",
              "-o", out)
    assert res.exit_code == 1
    assert "EPSG:4490" in res.output and "EPSG:4326" in res.output
    assert "--reproject" in res.output and not out.exists()
    res = run("overlay", f"{files / 'in.gpkg'}:counties", files / "region_wgs84.geojson",
              "--reproject", "--how", "clip", "-o", out)
    assert res.exit_code == 0, res.output
    assert len(gpd.read_file(out, layer="overlay")) == 2


def test_summarize_tables(files):
    belt = files / "belt.gpkg"
    run("buffer", files / "border.geojson", "-d", "10", "30", "150", "--dissolve",
        "--one-sided", "inside", "--within", f"{files / 'in.gpkg'}:region", "-o", belt)
    pop = files / "pop.csv"
    pd.DataFrame({"adcode": [1, 2], "population_2020": [100, 300]}).to_csv(pop, index=False)
    csv = files / "s.csv"
    res = run("summarize", f"{files / 'in.gpkg'}:counties", f"{belt}:buffer", "--by",
              "band_label", "--points", f"{files / 'in.gpkg'}:places", "--population-file",
              pop, "-o", csv)
    assert res.exit_code == 0, res.output
    df = pd.read_csv(csv, encoding="utf-8-sig")
    assert df.columns[0] == "行政区划代码 adcode"
    shares = df["占单元比例 share_of_unit"]
    assert shares.between(0, 1).all()
    per_county = df.groupby("行政区划代码 adcode")["面积(km²) area_km2"].sum()
    assert per_county[1] == pytest.approx(10_000, rel=1e-3)  # all of 甲县 within 150 km
    assert per_county[2] == pytest.approx(5_000, rel=1e-3)
    seat = df[df["县城名单 county_seat_names"] == "甲县城"]
    assert seat["距离带 band_label"].tolist() == ["0-10 km"]
    xlsx = files / "s.xlsx"
    res = run("summarize", f"{files / 'in.gpkg'}:counties", f"{belt}:buffer", "-o", xlsx)
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(xlsx).active
    assert ws.cell(1, 2).value == "名称 name_zh"
    gpkg = files / "s.gpkg"
    res = run("summarize", f"{files / 'in.gpkg'}:counties", f"{belt}:buffer", "-o", gpkg)
    assert res.exit_code == 0, res.output
    assert "share_of_layer" in gpd.read_file(gpkg, layer="summary").columns
