"""Transport checks on synthetic cases, the default data, and plan layers = network segments."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from gisxz.check import (
    check_connected,
    check_ends,
    check_lakes,
    check_lengths,
    check_outside,
    check_plan_status,
)

CN = gpd.GeoDataFrame(geometry=[box(90, 28, 92, 30)], crs=4490)


def _lines(*coords, **cols):
    data = {"id": [f"s{i}" for i in range(len(coords))], **cols}
    return gpd.GeoDataFrame(data, geometry=[LineString(c) for c in coords], crs=4490)


def test_outside_china_flags_line_and_spares_cross_border():
    ln = _lines([(91, 29), (93, 29)], [(91, 29), (91.5, 29.5)], [(91, 29), (93, 29)],
                cross_border=["", "", "亚东口岸"])
    out = check_outside(ln, CN, layer="t")
    assert out["id"].tolist() == ["s0"]
    assert out["value"].iloc[0] == pytest.approx(97, abs=3)  # 1° of longitude minus 2 km


def test_outside_china_tolerance():
    ln = _lines([(91, 29), (92.01, 29)])  # ~1 km outside: within the 2 km tolerance
    assert check_outside(ln, CN, layer="t").empty


def test_lake_crossing():
    lake = gpd.GeoDataFrame({"name_zh": ["纳木错"]}, geometry=[box(90.5, 28.5, 90.9, 28.9)],
                            crs=4490)
    ln = _lines([(90.2, 28.7), (91.2, 28.7)], [(90.2, 28.2), (91.2, 28.2)])
    out = check_lakes(ln, lake, layer="t")
    assert out["id"].tolist() == ["s0"] and "纳木错" in out["message"].iloc[0]


def test_segment_end_off_place():
    places = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(90, 29), Point(91, 29)],
                              crs=4490)
    ln = _lines([(90, 29), (91, 29)], [(90, 29), (91.1, 29)], from_place=["a", "a"],
                to_place=["b", "b"])
    out = check_ends(ln, places, layer="t")
    assert out["id"].tolist() == ["s1"]


def test_drawn_vs_cited():
    df = pd.DataFrame({"id": ["ok", "short", "long", "free"],
                       "length_km": [100.0, 100.0, 100.0, 50.0],
                       "length_from": ["cited", "cited", "cited", "measured"],
                       "drawn_km": [90.0, 60.0, 130.0, 10.0]})
    out = check_lengths(df, layer="t").set_index("id")
    assert list(out.index) == ["short", "long"]
    assert out.loc["short", "severity"] == "warning" and out.loc["long", "severity"] == "error"


def test_unconnected_seat():
    from gisxz.network.engine import Graph

    nodes = pd.DataFrame({"x": [0.0, 1000, 50000], "y": 0.0, "name_zh": ["拉萨", "甲", "乙"]})
    g = Graph.from_edges(nodes, [0], [1], [5.0], crs=3857, bidirectional=True)
    seats = gpd.GeoDataFrame({"id": ["s1", "s2", "s3"], "name_zh": ["甲", "乙", "丙"]},
                             geometry=[Point(1000, 0), Point(50000, 0), Point(9e5, 0)],
                             crs=3857)
    out = check_connected(g, seats)
    assert out["id"].tolist() == ["s2", "s3"]


def test_plan_status_mismatch():
    hw = gpd.GeoDataFrame({"id": ["a", "b"], "status": ["operating", "preparatory"],
                           "network_status": ["operating", "operating"]},
                          geometry=[None, None], crs=4490)
    out = check_plan_status({"highways": hw})
    assert out["id"].tolist() == ["b"]


@pytest.mark.slow
def test_default_data_has_no_error():
    from gisxz.check import check_transport

    report = check_transport()
    assert (report["severity"] == "error").sum() == 0, report[report["severity"] == "error"]


def test_plan_layers_are_network_segments():
    """Each highway/railway feature is exactly the union of its network segments."""
    import shapely

    from gisxz.network.segments import network_layers
    from gisxz.plan.features import build_plan_layers

    net = network_layers()
    segs = pd.concat([net["network_roads"], net["network_rail"]]).set_index("id")
    plan = build_plan_layers()
    for name in ("highways", "railways", "transport_channels"):
        for r in plan[name].itertuples():
            ids = r.segments.split(";")
            assert set(ids) <= set(segs.index), (name, r.id)
            union = shapely.union_all(list(segs.loc[ids].geometry))
            assert r.geometry.symmetric_difference(union).length < 1e-6, (name, r.id)
            statuses = set(segs.loc[ids, "status"])
            assert set(r.network_status.split(";")) == statuses


def test_network_layers_columns_and_cited_rail_lengths():
    from gisxz.network.segments import network_layers

    rail = network_layers()["network_rail"]
    for col in ("ref", "status", "opened", "length_km", "length_source", "speed_kmh",
                "minutes"):
        assert col in rail
    totals = rail.groupby("line")["length_km"].sum()
    for line, published in {"qingzang": 1142, "lari": 253, "lalin": 435.48,
                            "chuanzang": 1011}.items():
        assert totals[line] == pytest.approx(published, rel=0.05)
    opened = rail.drop_duplicates("line").set_index("line")["opened_date"]
    assert opened["qingzang"] == "2006-07-01" and opened["lalin"] == "2021-06-25"


def test_seat_access_all_seats():
    from gisxz.network.seats import seat_access

    t = seat_access()
    assert len(t) == 74 * 2 and set(t["scenario"]) == {"current", "plan"}
    assert not t[["lhasa_distance_km", "lhasa_travel_time_min"]].isna().any().any()
    cur = t[t["scenario"] == "current"].set_index("county_zh")
    plan = t[t["scenario"] == "plan"].set_index("county_zh")
    assert (plan["lhasa_travel_time_min"] <= cur["lhasa_travel_time_min"] + 1e-6).all()
    assert cur.loc["城关区", "lhasa_distance_km"] == 0
    assert np.isfinite(cur["prefecture_distance_km"]).all()


def test_official_border_counties():
    from gisxz.base.geography import admin_counties
    from gisxz.plan.derived import official_border_adcodes

    codes = official_border_adcodes(admin_counties())
    assert len(codes) == 21 and 540529 in codes  # 隆子县


def test_line_totals_check():
    from gisxz.check import check_line_totals

    df = pd.DataFrame({"line": ["a", "a", "b"], "length_km": [50.0, 50.0, 100.0],
                       "length_from": ["line_total", "line_total", "line_total"],
                       "drawn_km": [45.0, 45.0, 60.0],
                       "status": ["operating", "operating", "planned"]})
    out = check_line_totals(df).set_index("id")
    assert list(out.index) == ["b"] and out.loc["b", "severity"] == "warning"


def test_published_seat_distances_compare():
    from gisxz.network.seats import compare_published, read_published

    pub = read_published()
    assert pub["seat"].nunique() >= 15 and pub["source"].str.len().gt(10).all()
    cmp = compare_published(published=pub)
    assert cmp["modelled_km"].notna().all()
    # the network follows the published distances closely for most seats
    assert cmp["diff_pct"].abs().median() < 15


def test_check_cli_writes_report_and_exit_code(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import gisxz.check as chk
    from gisxz.cli.main import cli

    bad = pd.DataFrame([{"severity": "error", "check": "outside_china", "layer": "t",
                         "id": "x", "value": 5.0, "message": "5 km outside"}])
    monkeypatch.setattr(chk, "check_transport", lambda **kw: bad)
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(cli, ["check", "-o", str(out)])
    assert res.exit_code == 1 and "1 error(s)" in res.output and out.exists()
    res = CliRunner().invoke(cli, ["check", "-o", str(out)])  # refuses to overwrite
    assert res.exit_code != 0 and "exists" in res.output


def test_run_check_raises_on_errors(monkeypatch):
    import gisxz.check as chk

    bad = pd.DataFrame([{"severity": "error", "check": "crosses_lake", "layer": "t",
                         "id": "x", "value": 5.0, "message": "5 km across 纳木错"}])
    monkeypatch.setattr(chk, "check_transport", lambda **kw: bad)
    with pytest.raises(chk.CheckFailedError, match="crosses_lake t x"):
        chk.run_check()
