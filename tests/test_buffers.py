"""Distance bands: metres not degrees, rings and cumulative bands, one-sided bands,
per feature and dissolved, repair of invalid geometries, empty input, CRS checks."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box

from gisxz.core.crs import metric_crs
from gisxz.exceptions import CRSMismatchError, GisxzError, MissingCRSError
from gisxz.spatial.buffers import BAND_COLUMNS, buffer_bands, parse_distances, repair_geometries

KM = 1000.0
# a 32-gon (quad_segs=8) has this fraction of its circle's area
POLY_FACTOR = 32 / (2 * math.pi) * math.sin(2 * math.pi / 32)


def square(x0: float = 0.0, y0: float = 3_300_000.0, side_km: float = 100.0) -> Polygon:
    return box(x0, y0, x0 + side_km * KM, y0 + side_km * KM)


def metric(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=metric_crs())


def test_point_in_degrees_is_buffered_in_kilometres():
    lhasa = gpd.GeoDataFrame({"name": ["拉萨"]}, geometry=[Point(91.13, 29.65)], crs=4490)
    out = buffer_bands(lhasa, [10])
    assert out.crs.to_epsg() == 4490  # returned in the input CRS
    expected = math.pi * 10**2 * POLY_FACTOR
    assert out["area_km2"].iloc[0] == pytest.approx(expected, rel=1e-3)
    # every vertex lies ~10 km (geodesic) from the centre: not 10 degrees
    geod = Geod(ellps="GRS80")
    xs, ys = out.geometry.iloc[0].exterior.coords.xy
    _, _, dist = geod.inv([91.13] * len(xs), [29.65] * len(xs), list(xs), list(ys))
    assert min(dist) == pytest.approx(10_000, rel=5e-3)
    assert max(dist) == pytest.approx(10_000, rel=5e-3)
    minx, miny, maxx, maxy = out.total_bounds
    assert maxy - miny < 0.2  # degrees: a 20 km disc, nowhere near 20 degrees


def test_rings_and_cumulative_bands_of_a_point():
    pt = metric([Point(0, 3_300_000)], name=["p"])
    rings = buffer_bands(pt, [10, 30, 50])
    cum = buffer_bands(pt, "10,30,50", cumulative=True)
    assert rings["band_label"].tolist() == ["0-10 km", "10-30 km", "30-50 km"]
    assert cum["band_label"].tolist() == ["0-10 km", "0-30 km", "0-50 km"]
    assert list(rings.columns) == ["name", *BAND_COLUMNS, "geometry"]
    for r, outer in zip(rings.itertuples(), [10, 30, 50], strict=True):
        inner = {10: 0, 30: 10, 50: 30}[outer]
        assert r.area_km2 == pytest.approx(math.pi * (outer**2 - inner**2) * POLY_FACTOR,
                                           rel=1e-6)
    # rings do not overlap and add up to the outer disc
    assert rings["area_km2"].sum() == pytest.approx(cum["area_km2"].iloc[-1], rel=1e-9)
    assert rings.geometry.iloc[0].intersection(rings.geometry.iloc[1]).area < 1.0


def test_line_buffer_area():
    line = metric([LineString([(0, 3_300_000), (100 * KM, 3_300_000)])])
    out = buffer_bands(line, 10)
    expected = 100 * 20 + math.pi * 10**2 * POLY_FACTOR
    assert out["area_km2"].iloc[0] == pytest.approx(expected, rel=1e-4)


def test_polygon_inside_and_outside_bands_of_a_square():
    sq = metric([square()], name=["sq"])
    inside = buffer_bands(sq, 10, side="inside")
    assert inside["area_km2"].iloc[0] == pytest.approx(100**2 - 80**2, rel=1e-9)
    outside = buffer_bands(sq, 10, side="outside")
    # 4 sides of 100 x 10 plus 4 rounded corners (quarter circles)
    expected = 4 * 100 * 10 + math.pi * 10**2 * POLY_FACTOR
    assert outside["area_km2"].iloc[0] == pytest.approx(expected, rel=1e-4)
    assert outside.geometry.iloc[0].intersection(sq.geometry.iloc[0]).area < 1.0


def test_one_sided_band_inside_a_region():
    """A border along the west edge of a 100 km square: the 10 km band inside is 1000 km2."""
    region = metric([square()])
    x0, y0 = 0.0, 3_300_000.0
    border = metric([LineString([(x0, y0), (x0, y0 + 100 * KM)])])
    out = buffer_bands(border, [10, 30], within=region)
    assert out["area_km2"].tolist() == pytest.approx([1000.0, 2000.0], rel=1e-6)
    assert out.geometry.union_all().difference(region.geometry.iloc[0]).area < 1.0
    outside = buffer_bands(border, [10], within=region, side="outside")
    assert outside["area_km2"].iloc[0] == pytest.approx(
        1000 + math.pi * 10**2 * POLY_FACTOR, rel=1e-4)


def test_per_feature_and_dissolved():
    pts = metric([Point(0, 3_300_000), Point(5 * KM, 3_300_000), Point(500 * KM, 3_300_000)],
                 grp=["a", "a", "b"], name=["x", "y", "z"])
    per = buffer_bands(pts, [10])
    assert len(per) == 3 and per["name"].tolist() == ["x", "y", "z"]
    one = buffer_bands(pts, [10], dissolve=True)
    assert len(one) == 1 and "name" not in one.columns
    assert one["area_km2"].iloc[0] < per["area_km2"].sum()  # overlap counted once
    by = buffer_bands(pts, [10], by="grp")
    assert by["grp"].tolist() == ["a", "b"]
    assert by["area_km2"].sum() == pytest.approx(one["area_km2"].iloc[0], rel=1e-9)


def test_input_is_not_modified():
    pts = metric([Point(0, 3_300_000)], name=["x"])
    before = pts.copy()
    buffer_bands(pts, [10, 20], within=metric([square(-50 * KM, 3_250_000)]))
    assert_geodataframe_equal(pts, before)


def test_empty_input_gives_empty_layer_with_schema():
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=4490)
    out = buffer_bands(empty, [10, 30])
    assert len(out) == 0
    assert list(out.columns) == ["name", *BAND_COLUMNS, "geometry"]
    assert out.crs.to_epsg() == 4490
    # clipped away entirely: still an empty layer, not an error
    far = metric([Point(5_000 * KM, 0)])
    assert len(buffer_bands(far, [10], within=metric([square()]))) == 0


def test_invalid_geometries_are_repaired_with_a_counting_warning():
    bow = Polygon([(0, 0), (10 * KM, 10 * KM), (10 * KM, 0), (0, 10 * KM)])
    gdf = gpd.GeoDataFrame({"n": [1, 2, 3]},
                           geometry=[bow, shapely.affinity.translate(bow, 50 * KM), box(0, 0, 1, 1)],
                           crs=metric_crs())
    with pytest.warns(UserWarning, match=r"2 invalid geometries repaired"):
        out = buffer_bands(gdf, [1])
    assert out.is_valid.all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        valid = gdf.iloc[[2]]
        fixed = repair_geometries(valid)  # valid: no warning, same object
    assert fixed is valid


def test_refusals():
    pts = metric([Point(0, 3_300_000)])
    nocrs = gpd.GeoDataFrame(geometry=[Point(91, 29)])
    with pytest.raises(MissingCRSError, match="no CRS"):
        buffer_bands(nocrs, 10)
    with pytest.raises(GisxzError, match="unit 'deg'"):
        buffer_bands(pts, 10, unit="deg")
    with pytest.raises(GisxzError, match="positive"):
        buffer_bands(pts, [-5])
    with pytest.raises(GisxzError, match="not a number"):
        parse_distances("ten")
    with pytest.raises(GisxzError, match="within="):
        buffer_bands(pts, 10, side="inside")
    with pytest.raises(GisxzError, match="by='nope'"):
        buffer_bands(pts, 10, by="nope")


def test_within_in_another_crs_is_refused_or_reprojected():
    pts = gpd.GeoDataFrame(geometry=[Point(91.1, 29.6)], crs=4490)
    region = gpd.GeoDataFrame(geometry=[box(90, 29, 92, 30)], crs=4326)
    with pytest.raises(CRSMismatchError) as err:
        buffer_bands(pts, 10, within=region)
    assert "EPSG:4490" in str(err.value) and "EPSG:4326" in str(err.value)
    out = buffer_bands(pts, 10, within=region, reproject=True)
    assert len(out) == 1


def test_unit_metres():
    pt = metric([Point(0, 3_300_000)])
    out = buffer_bands(pt, [500, 1000], unit="m")
    assert out["band_label"].tolist() == ["0-500 m", "500-1000 m"]
    assert out["band_to_km"].tolist() == [0.5, 1.0]
    assert out["area_km2"].iloc[0] == pytest.approx(math.pi * 0.25 * POLY_FACTOR, rel=1e-6)
