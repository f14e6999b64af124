"""The routing engine on a small synthetic network with hand-computed answers."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from gisxz.exceptions import MissingCRSError, NetworkError
from gisxz.network import Graph, nearest_source, travel_times
from gisxz.network.accessibility import (
    cumulative_opportunities,
    gravity_access,
    nearest_facility,
    two_step_fca,
)
from gisxz.network.isochrones import isochrones
from gisxz.network.od import od_array, od_matrix
from gisxz.network.snap import snap_points

CRS = "EPSG:32645"  # UTM 45N, metres

#   D (1000,1000)
#   |  \
#   |15  \30
#   |      \
#   B ----- A        C at (2000,0); A-B 10, B-C 10, B-D 15, A-D 30 minutes (two-way)
#   E (5000,5000) - F (6000,5000): a separate island, 5 minutes
XY = {"A": (0, 0), "B": (1000, 0), "C": (2000, 0), "D": (1000, 1000), "E": (5000, 5000),
      "F": (6000, 5000)}
EDGES = [("A", "B", 10.0), ("B", "C", 10.0), ("B", "D", 15.0), ("A", "D", 30.0),
         ("E", "F", 5.0)]


@pytest.fixture(scope="module")
def g() -> Graph:
    names = list(XY)
    nodes = pd.DataFrame({"node": names, "x": [XY[n][0] for n in names],
                          "y": [XY[n][1] for n in names]})
    pos = {n: i for i, n in enumerate(names)}
    u = [pos[a] for a, _, _ in EDGES]
    v = [pos[b] for _, b, _ in EDGES]
    geom = [LineString([XY[a], XY[b]]) for a, b, _ in EDGES]
    return Graph.from_edges(nodes, u, v, [t for *_, t in EDGES], crs=CRS, geometry=geom,
                            bidirectional=True, meta={"iso_buffer_m": 10.0, "max_snap_m": 200})


def _pts(names_xy: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": list(names_xy)},
                            geometry=[Point(xy) for xy in names_xy.values()], crs=CRS)


def test_shortest_times(g):
    t = travel_times(g, [0])[0]
    assert t.dtype == np.float32
    assert t[:4].tolist() == [0.0, 10.0, 20.0, 25.0]  # D via B (10 + 15), not direct (30)
    assert np.isinf(t[4]) and np.isinf(t[5])
    t_rev = travel_times(g, [3], reverse=True)[0]
    assert t_rev[0] == 25.0


def test_cutoff_and_parallel_edges():
    nodes = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": 0.0})
    g2 = Graph.from_edges(nodes, [0, 0, 1], [1, 1, 2], [9.0, 4.0, 4.0], crs=CRS)
    assert travel_times(g2, 0)[0].tolist() == [0.0, 4.0, 8.0]  # the faster parallel edge
    assert travel_times(g2, 0, cutoff=5)[0].tolist()[2] == np.inf


def test_bad_edges_refused():
    nodes = pd.DataFrame({"x": [0.0, 1.0], "y": 0.0})
    with pytest.raises(NetworkError, match="negative or missing travel_time"):
        Graph.from_edges(nodes, [0], [1], [-1.0], crs=CRS)
    with pytest.raises(NetworkError, match="node positions"):
        Graph.from_edges(nodes, [0], [5], [1.0], crs=CRS)


def test_nearest_source(g):
    t, which = nearest_source(g, [0, 2])  # A and C
    assert t[:4].tolist() == [0.0, 10.0, 0.0, 25.0]
    assert which[2] == 1 and which[4] == -1


def test_isochrone_follows_network(g):
    iso = isochrones(_pts({"A": (0, 0)}), graph=g, minutes=[15])
    poly = iso.geometry.iloc[0]
    # A-B fully reached; B-C half (5 of 10 min left), B-D a third, A-D half
    inside = [(500, 0), (1400, 0), (1000, 300), (480, 480)]
    outside = [(1600, 0), (2000, 0), (1000, 400), (560, 560), (500, 200), (5000, 5000)]
    assert all(poly.contains(Point(p)) for p in inside)
    assert not any(poly.contains(Point(p)) for p in outside)
    # not a convex hull: the middle of the triangle A-B-D is not covered
    assert not poly.contains(Point(700, 200))


def test_isochrone_thresholds_nested_and_per_origin(g):
    iso = isochrones(_pts({"A": (0, 0), "C": (2000, 0)}), graph=g, minutes=[5, 30],
                     per_origin=True)
    assert len(iso) == 4 and set(iso["origin"]) == {"A", "C"}
    for _, grp in iso.groupby("origin"):
        small, big = grp.sort_values("minutes").geometry
        assert small.difference(big).area < 1e-6 * small.area
    dissolved = isochrones(_pts({"A": (0, 0), "C": (2000, 0)}), graph=g, minutes=[5])
    assert len(dissolved) == 1
    assert dissolved.geometry.iloc[0].contains(Point(1950, 0))
    assert dissolved.geometry.iloc[0].contains(Point(50, 0))


def test_od_nan_for_unreachable_with_warning(g):
    pts = _pts({"A": (0, 0), "E": (5000, 5000)})
    with pytest.warns(UserWarning, match="unreachable.*A → E"):
        od = od_matrix(pts, graph=g)
    assert list(od.columns[:5]) == ["origin", "destination", "scenario", "mode",
                                    "travel_time_min"]
    tt = od.set_index(["origin", "destination"])["travel_time_min"]
    assert tt["A", "A"] == 0 and np.isnan(tt["A", "E"]) and np.isnan(tt["E", "A"])
    assert od_array(g, [0], [3]).dtype == np.float32


def test_snapping_distance_and_warning(g):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = snap_points(g, _pts({"near B": (1000, 60)}))
    assert s["node_label"].iloc[0] == "B"
    assert s["snap_m"].iloc[0] == pytest.approx(60.0)
    with pytest.warns(UserWarning, match=r"far.*0\.5 km|0\.5 km"):
        snap_points(g, _pts({"far": (1000, -500)}))
    with pytest.raises(MissingCRSError, match="origins has no CRS"):
        snap_points(g, gpd.GeoDataFrame(geometry=[Point(0, 0)]), name="origins")


def test_accessibility_measures(g):
    res = _pts({"A": (0, 0), "C": (2000, 0)})
    res["population"] = [100.0, 300.0]
    fac = _pts({"clinic B": (1000, 0), "clinic F": (6000, 5000)})
    fac["supply"] = [4.0, 1.0]
    near = nearest_facility(res, fac, graph=g)
    assert near["facility"].tolist() == ["clinic B", "clinic B"]
    assert near["travel_time_min"].tolist() == [10.0, 10.0]
    cum = cumulative_opportunities(res, res, graph=g, minutes=15, weight="population")
    assert cum["opportunities"].tolist() == [100.0, 300.0]  # A-C is 20 min
    cum = cumulative_opportunities(res, res, graph=g, minutes=25, weight="population")
    assert cum["opportunities"].tolist() == [400.0, 400.0]
    grav = gravity_access(res, res, graph=g, weight="population", half_life_min=20)
    assert grav["access"].iloc[0] == pytest.approx(100 + 300 * 0.5)
    with pytest.warns(UserWarning, match="clinic F"):
        fca = two_step_fca(res, fac, graph=g, minutes=15, population="population",
                           supply="supply")
    # clinic B serves A and C (both 10 min): ratio 4 / 400; clinic F serves nobody
    assert fca["access"].tolist() == pytest.approx([0.01, 0.01])
