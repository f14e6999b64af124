"""Scenario-aware facilities, door-to-door times, distances and routes on tiny networks."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from gisxz.network import Graph
from gisxz.network.accessibility import nearest_facility
from gisxz.network.od import od_matrix
from gisxz.network.snap import OFFROAD_SPEED_KMH

CRS = "EPSG:32645"

#  O ---60 min, 50 km--- P ---60 min, 60 km--- Q
#  an unbuilt airport stands by O (10 min away); an open airport stands by Q.
XY = {"O": (0, 0), "P": (50_000, 0), "Q": (110_000, 0)}
EDGES = [("O", "P", 60.0, 50.0, "G1", "operating"), ("P", "Q", 60.0, 60.0, "G2", "planned")]


def _graph(edges=EDGES, meta=None) -> Graph:
    names = list(XY)
    nodes = pd.DataFrame({"node": names, "x": [XY[n][0] for n in names],
                          "y": [XY[n][1] for n in names]})
    pos = {n: i for i, n in enumerate(names)}
    attrs = pd.DataFrame({"length_km": [e[3] for e in edges], "highway": [e[4] for e in edges],
                          "status": [e[5] for e in edges], "mode": "road",
                          "id": [f"{e[0]}{e[1]}" for e in edges]})
    return Graph.from_edges(nodes, [pos[e[0]] for e in edges], [pos[e[1]] for e in edges],
                            [e[2] for e in edges], crs=CRS, edges=attrs,
                            geometry=[LineString([XY[e[0]], XY[e[1]]]) for e in edges],
                            bidirectional=True, meta={"max_snap_m": 20_000, **(meta or {})})


def _pts(rows: dict[str, tuple[float, float]], **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": list(rows), **cols},
                            geometry=[Point(xy) for xy in rows.values()], crs=CRS)


def test_unbuilt_airport_ignored_in_current_used_in_plan():
    g = _graph()
    origin = _pts({"town": (0, 0)})
    airports = _pts({"new airport": (0, 2_000), "old airport": (110_000, 0)},
                    status=["preparatory", "operating"])
    with pytest.warns(UserWarning, match="new airport"):
        cur = nearest_facility(origin, airports, graph=g, scenario="current")
    plan = nearest_facility(origin, airports, graph=g, scenario="plan")
    assert cur["facility"].item() == "old airport"
    assert cur["travel_time_min"].item() == pytest.approx(120.0)
    assert plan["facility"].item() == "new airport"
    # the 2 km from the airport to the network costs time at the off-road speed
    assert plan["travel_time_min"].item() == pytest.approx(2.0 / OFFROAD_SPEED_KMH * 60)


def test_graph_scenario_wins_over_argument():
    g = _graph(meta={"scenario": "current"})
    airports = _pts({"new airport": (0, 0), "old airport": (110_000, 0)},
                    status=["planned", "upgrading"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nearest_facility(_pts({"t": (0, 0)}), airports, graph=g, scenario="plan")
    assert res["facility"].item() == "old airport"


def test_far_facility_is_refused_not_zero():
    g = _graph()
    airports = _pts({"remote": (0, 45_000)}, status=["operating"])
    with pytest.warns(UserWarning, match="remote.*45.0 km"), \
            pytest.warns(UserWarning, match="reach no facility"):
        res = nearest_facility(_pts({"t": (0, 0)}), airports, graph=g, scenario="current")
    assert np.isnan(res["travel_time_min"].item()) and res["facility"].item() == ""


def test_od_distance_follows_fastest_path():
    g = _graph()
    pts = _pts({"O": (0, 0), "Q": (110_000, 0)})
    od = od_matrix(pts, graph=g).set_index(["origin", "destination"])
    assert od.loc[("O", "Q"), "distance_km"] == pytest.approx(110.0)
    assert od.loc[("O", "Q"), "travel_time_min"] == pytest.approx(120.0)
    assert od.loc[("Q", "Q"), "distance_km"] == 0


def test_route_segments_add_up():
    from gisxz.network.route import route

    g = _graph()
    r = route(_pts({"O": (0, 0)}), _pts({"Q": (110_000, 1_000)}), graph=g)
    seg = r.segments
    assert seg["ref"].tolist()[:2] == ["G1", "G2"]
    assert seg["minutes"].sum() == pytest.approx(r.travel_time_min)
    assert r.distance_km == pytest.approx(seg["km"].sum())
    assert seg["status"].tolist()[:2] == ["operating", "planned"]
    assert seg["kind"].iloc[-1] == "egress"  # the last km off the network
    assert seg["minutes"].iloc[-1] == pytest.approx(1.0 / OFFROAD_SPEED_KMH * 60)
    assert r.line().geometry.iloc[0].length > 100_000


def test_verdict_yes_marginal_no():
    from gisxz.network.circle import SPEED_SENSITIVITY, time_range, verdict

    limit = 180.0
    t = np.array([0.0, 162.0, 162.1, 181.0, 198.0, 198.1, np.nan])
    # yes while the 10 % slower case (t / 0.9) stays within 180: t <= 162
    # no once the 10 % faster case (t / 1.1) is beyond 180: t > 198
    assert verdict(t, limit).tolist() == ["yes", "yes", "marginal", "marginal", "marginal",
                                          "no", "no"]
    lo, hi = time_range(t[3])
    assert lo == pytest.approx(181 / (1 + SPEED_SENSITIVITY))
    assert hi == pytest.approx(181 / (1 - SPEED_SENSITIVITY))


def test_circle_counts_each_seat_once():
    from gisxz.network.circle import seat_points

    s = seat_points()
    assert s["adcode"].is_unique and len(s) == 74
    lhasa = s[s["name_zh"] == "拉萨"].iloc[0]
    assert lhasa["county_zh"] == "城关区" and "城关区" not in set(s["name_zh"])
