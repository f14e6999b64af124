"""Overlays and summaries by unit: areas against independent computations, shares in
[0, 1] that add up, points inside, population, CRS checks, empty results, tables."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, Polygon, box

from gisxz.core.crs import metric_crs
from gisxz.exceptions import CRSMismatchError, GisxzError, OutputExistsError
from gisxz.io.tables import bilingual_headers, field_names, write_table
from gisxz.spatial.buffers import buffer_bands
from gisxz.spatial.overlay import (
    clip,
    difference,
    intersect,
    overlay_layers,
    summarize_by_unit,
    union,
)

KM = 1000.0
Y0 = 3_300_000.0


def grid() -> gpd.GeoDataFrame:
    """Four 100 km x 100 km counties in a 2 x 2 grid (metric CRS)."""
    cells = [box(i * 100 * KM, Y0 + j * 100 * KM, (i + 1) * 100 * KM, Y0 + (j + 1) * 100 * KM)
             for j in range(2) for i in range(2)]
    return gpd.GeoDataFrame({"adcode": [1, 2, 3, 4], "name_zh": ["甲", "乙", "丙", "丁"],
                             "prefecture_zh": ["A", "A", "B", "B"]},
                            geometry=cells, crs=metric_crs())


def strip(x0_km: float, x1_km: float) -> gpd.GeoDataFrame:
    """A vertical strip over the whole grid."""
    return gpd.GeoDataFrame({"kind": ["belt"]},
                            geometry=[box(x0_km * KM, Y0, x1_km * KM, Y0 + 200 * KM)],
                            crs=metric_crs())


def test_summary_areas_and_shares():
    units = grid()
    belt = strip(50, 120)  # 70 km wide over 200 km: 14,000 km2
    s = summarize_by_unit(units, belt)
    s = s.set_index("adcode")
    assert set(s.index) == {1, 2, 3, 4}
    assert s.loc[1, "unit_area_km2"] == pytest.approx(10_000)
    assert s.loc[1, "area_km2"] == pytest.approx(50 * 100)
    assert s.loc[2, "area_km2"] == pytest.approx(20 * 100)
    assert s.loc[1, "share_of_unit"] == pytest.approx(0.5)
    assert s.loc[2, "share_of_unit"] == pytest.approx(0.2)
    assert s["share_of_layer"].sum() == pytest.approx(1.0)
    assert s.loc[1, "share_of_layer"] == pytest.approx(5000 / 14000)
    for col in ("share_of_unit", "share_of_layer"):
        assert s[col].between(0, 1).all()
    # geometry = the part of the unit inside the belt
    assert s.geometry.area.sum() / 1e6 == pytest.approx(14_000)


def test_units_not_reached_are_dropped_or_kept():
    s = summarize_by_unit(grid(), strip(10, 20))
    assert sorted(s["adcode"]) == [1, 3]
    full = summarize_by_unit(grid(), strip(10, 20), keep_all=True)
    assert sorted(full["adcode"]) == [1, 2, 3, 4]
    assert full.set_index("adcode").loc[2, "area_km2"] == 0


def test_bands_of_a_unit_add_up_to_its_total():
    units = grid()
    border = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, Y0), (0, Y0 + 200 * KM)])],
                              crs=metric_crs())
    region = gpd.GeoDataFrame(geometry=[units.union_all()], crs=metric_crs())
    rings = buffer_bands(border, [10, 30, 50, 150], dissolve=True, within=region)
    whole = buffer_bands(border, [150], dissolve=True, within=region)
    per_band = summarize_by_unit(units, rings, by="band_label")
    total = summarize_by_unit(units, whole)
    sums = per_band.groupby("adcode")["area_km2"].sum()
    for row in total.itertuples():
        assert sums[row.adcode] == pytest.approx(row.area_km2, rel=1e-9)
    # each band's county shares add up to 1
    for _, g in per_band.groupby("band_label"):
        assert g["share_of_layer"].sum() == pytest.approx(1.0)
    # county 1 (west column) : 0-10 km band = 10 x 100 km
    one = per_band[(per_band["adcode"] == 1) & (per_band["band_label"] == "0-10 km")]
    assert one["area_km2"].item() == pytest.approx(1000)
    assert per_band["share_of_unit"].between(0, 1).all()


def test_points_inside_and_population():
    units = grid()
    places = gpd.GeoDataFrame(
        {"name_zh": ["甲县城", "乙县城", "口岸1", "机场1", "村"],
         "kind": ["county_seat", "county_seat", "land_port", "airport", "village"],
         "adcode": [1, 2, 1, 3, 1]},
        geometry=[Point(60 * KM, Y0 + 50 * KM), Point(150 * KM, Y0 + 50 * KM),
                  Point(70 * KM, Y0 + 10 * KM), Point(60 * KM, Y0 + 150 * KM),
                  Point(55 * KM, Y0 + 20 * KM)], crs=metric_crs())
    pop = pd.DataFrame({"adcode": [1, 2, 3, 4], "population_2020": [1000, 2000, 3000, 4000]})
    s = summarize_by_unit(units, strip(50, 120), points=places, population=pop)
    s = s.set_index("adcode")
    assert s.loc[1, "n_county_seat"] == 1 and s.loc[1, "county_seat_names"] == "甲县城"
    assert s.loc[2, "n_county_seat"] == 0  # 乙's seat at 150 km is outside the belt
    assert s.loc[1, "land_port_names"] == "口岸1"
    assert s.loc[3, "n_airport"] == 1
    assert "n_village" not in s.columns  # only the default kinds are counted
    assert s.loc[1, "population_in"] == pytest.approx(500)
    assert s.loc[2, "population_in"] == pytest.approx(400)
    assert s.loc[1, "population_share"] == pytest.approx(500 / 10_000)
    assert bool(s.loc[1, "seat_inside"]) and not bool(s.loc[2, "seat_inside"])
    assert s.loc[1, "population_seat_inside"] == 1000
    assert s.loc[2, "population_seat_inside"] == 0
    assert s["population_share"].between(0, 1).all()
    # a mapping of point sets works too
    s2 = summarize_by_unit(units, strip(50, 120), points={"port": places.iloc[[2]]})
    assert s2.set_index("adcode").loc[1, "port_names"] == "口岸1"


def test_area_matches_geodesic_area_in_degrees():
    """A 1 x 1 degree county near Lhasa in EPSG:4490: equal-area km2 = geodesic km2."""
    cell = shapely.segmentize(box(91.0, 29.0, 92.0, 30.0), 0.01)
    units = gpd.GeoDataFrame({"adcode": [1], "name_zh": ["x"]}, geometry=[cell], crs=4490)
    layer = gpd.GeoDataFrame(geometry=[shapely.segmentize(box(91.0, 29.0, 91.5, 30.0), 0.01)],
                             crs=4490)
    s = summarize_by_unit(units, layer)
    geod = Geod(ellps="GRS80")
    expected = abs(geod.geometry_area_perimeter(cell)[0]) / 1e6
    assert s["unit_area_km2"].item() == pytest.approx(expected, rel=1e-4)
    assert s["share_of_unit"].item() == pytest.approx(0.5, rel=1e-3)
    assert s.crs.to_epsg() == 4490


def test_crs_mismatch_is_refused_naming_both():
    units = grid()
    belt = strip(50, 120).to_crs(4490)
    with pytest.raises(CRSMismatchError) as err:
        summarize_by_unit(units, belt)
    msg = str(err.value)
    assert "EPSG:4490" in msg and "+proj=aea" in msg
    s = summarize_by_unit(units, belt, reproject=True)
    assert s["share_of_layer"].sum() == pytest.approx(1.0, rel=1e-3)
    with pytest.raises(CRSMismatchError, match="EPSG:4490"):
        intersect(units, belt)


def test_lines_must_be_buffered_before_a_summary():
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, Y0), (0, Y0 + KM)])],
                            crs=metric_crs())
    with pytest.raises(GisxzError, match="buffer it first"):
        summarize_by_unit(grid(), line)


def test_overlay_operations():
    a = gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 2, 2)], crs=metric_crs())
    b = gpd.GeoDataFrame({"b": [2]}, geometry=[box(1, 1, 3, 3)], crs=metric_crs())
    before = a.copy()
    assert intersect(a, b).area.sum() == pytest.approx(1)
    assert union(a, b).area.sum() == pytest.approx(7)
    assert difference(a, b).area.sum() == pytest.approx(3)
    c = clip(a, b)
    assert c.area.sum() == pytest.approx(1) and list(c.columns) == ["a", "area_km2", "geometry"]
    assert overlay_layers(a, b, how="symmetric_difference").area.sum() == pytest.approx(6)
    assert a.equals(before)
    pts = gpd.GeoDataFrame({"p": [1, 2]}, geometry=[Point(1, 1), Point(5, 5)],
                           crs=metric_crs())
    inside = intersect(a, pts)
    assert inside["p"].tolist() == [1] and inside.geom_type.tolist() == ["Point"]
    with pytest.raises(GisxzError, match="how='xor'"):
        overlay_layers(a, b, how="xor")


def test_empty_results_keep_the_schema():
    a = gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 1, 1)], crs=metric_crs())
    far = gpd.GeoDataFrame({"b": [2]}, geometry=[box(10, 10, 11, 11)], crs=metric_crs())
    out = intersect(a, far)
    assert len(out) == 0 and {"a", "b"} <= set(out.columns)
    assert len(clip(a, far)) == 0
    s = summarize_by_unit(grid(), gpd.GeoDataFrame(
        geometry=[box(1e7, 1e7, 1.1e7, 1.1e7)], crs=metric_crs()))
    assert len(s) == 0
    assert {"adcode", "area_km2", "share_of_unit", "share_of_layer"} <= set(s.columns)
    assert s.crs == grid().crs


def test_invalid_geometry_in_summary_is_repaired_with_warning():
    bow = Polygon([(0, Y0), (100 * KM, Y0 + 100 * KM), (100 * KM, Y0), (0, Y0 + 100 * KM)])
    layer = gpd.GeoDataFrame(geometry=[bow], crs=metric_crs())
    with pytest.warns(UserWarning, match="1 invalid geometry"):
        s = summarize_by_unit(grid(), layer)
    # the bow tie's two triangles cover half of county 1
    assert s.set_index("adcode").loc[1, "area_km2"] == pytest.approx(5000)


def test_tables_csv_and_xlsx_with_bilingual_headers(tmp_path):
    s = summarize_by_unit(grid(), strip(50, 120))
    csv = write_table(s, tmp_path / "s.csv")
    df = pd.read_csv(csv, encoding="utf-8-sig")
    assert df.columns[0] == "行政区划代码 adcode"
    assert "面积(km²) area_km2" in df.columns
    assert field_names(df.columns)[:2] == ["adcode", "name_zh"]
    assert "geometry" not in field_names(df.columns)
    assert np.allclose(df["占单元比例 share_of_unit"], s["share_of_unit"])
    xlsx = write_table(s, tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(xlsx).active
    assert ws.cell(1, 1).value == "行政区划代码 adcode"
    assert ws.max_row == len(s) + 1
    with pytest.raises(OutputExistsError):
        write_table(s, tmp_path / "s.csv")
    write_table(s, tmp_path / "s.csv", overwrite=True, headers="fields")
    assert pd.read_csv(tmp_path / "s.csv").columns[0] == "adcode"
    with pytest.raises(GisxzError, match=".csv or .xlsx"):
        write_table(s, tmp_path / "s.txt")
    assert bilingual_headers(["n_county_seat"]) == ["县城数 n_county_seat"]
