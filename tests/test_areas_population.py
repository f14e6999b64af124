"""Overlay areas recomputed per piece; population roll-ups and settlements."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from gisxz.spatial.overlay import clip, intersect, summarize_by_unit

GEOD = Geod(ellps="GRS80")  # CGCS2000 uses the GRS80-equivalent ellipsoid


def _geodesic_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def test_clipped_pieces_get_their_own_area():
    # two "counties" in degrees with a stale area_km2, clipped by a small mask
    counties = gpd.GeoDataFrame({"name_zh": ["甲", "乙"], "area_km2": [5747.0, 9999.0]},
                                geometry=[box(88.0, 29.0, 89.0, 30.0),
                                          box(89.0, 29.0, 90.0, 30.0)], crs="EPSG:4490")
    mask = gpd.GeoDataFrame(geometry=[box(88.9, 29.4, 89.2, 29.5)], crs="EPSG:4490")
    pieces = clip(counties, mask).set_index("name_zh")
    for name in ("甲", "乙"):
        expected = _geodesic_km2(pieces.loc[name, "geometry"])
        assert pieces.loc[name, "area_km2"] == pytest.approx(expected, rel=2e-3)
    assert pieces.loc["甲", "parent_area_km2"] == 5747.0
    assert pieces.loc["甲", "area_km2"] < 200


def test_intersection_keeps_both_parents_areas():
    a = gpd.GeoDataFrame({"area_km2": [1.0]}, geometry=[box(88, 29, 89, 30)], crs="EPSG:4490")
    b = gpd.GeoDataFrame({"area_km2": [2.0]}, geometry=[box(88.5, 29, 90, 30)], crs="EPSG:4490")
    out = intersect(a, b, names=("county", "belt"))
    assert {"county_area_km2", "belt_area_km2", "area_km2"} <= set(out.columns)
    assert out["area_km2"].item() == pytest.approx(_geodesic_km2(out.geometry.item()), rel=2e-3)


def test_prefecture_rollups_equal_county_sums():
    from gisxz.base.population import county_population, population_rollup, prefecture_code

    pop = county_population()
    roll = population_rollup(pop).set_index("adcode")
    sums = pop.groupby(prefecture_code(pop["adcode"]))["population_2020"].sum()
    for code, total in sums.items():
        assert roll.loc[code, "population_2020"] == total
    assert roll.loc[540000, "population_2020"] == pop["population_2020"].sum()


def test_settlements_add_up_per_county():
    from gisxz.base.population import county_population, settlement_population

    pop = county_population().set_index("adcode")["population_2020"]
    s = settlement_population()
    per = s.groupby("adcode")["population"].sum()
    assert (per == pop.reindex(per.index)).all() and len(per) == 74
    dangxiong = s[s["adcode"] == 540122].set_index("name_zh")
    assert dangxiong.loc["当雄县", "population"] > dangxiong.loc["羊八井", "population"]


def test_summary_by_prefecture_has_population_and_method():
    from gisxz.base.geography import admin_prefectures

    pref = admin_prefectures()
    belt = gpd.GeoDataFrame(geometry=[Point(91.13, 29.65).buffer(0.3)], crs="EPSG:4490")
    s = summarize_by_unit(pref, belt, population=True).set_index("adcode")
    assert s.loc[540100, "population_2020"] == 867_891
    # the belt around Lhasa holds the settlement of 城关区 (the seat) at least
    assert s.loc[540100, "population_in"] > 100_000
    assert s.loc[540100, "population_method"].startswith("settlements")


def test_summary_warns_when_no_unit_matches_population():
    units = gpd.GeoDataFrame({"adcode": [1], "name_zh": ["甲"]},
                             geometry=[box(0, 0, 1e5, 1e5)], crs="EPSG:32645")
    layer = gpd.GeoDataFrame(geometry=[box(0, 0, 5e4, 1e5)], crs="EPSG:32645")
    pop = pd.DataFrame({"adcode": [99], "population_2020": [10]})
    with pytest.warns(UserWarning, match="no unit matches a population row"):
        s = summarize_by_unit(units, layer, population=pop)
    assert s["population_method"].iloc[0].startswith("area-weighted")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summarize_by_unit(units, layer, population=pop.assign(adcode=[1]))
