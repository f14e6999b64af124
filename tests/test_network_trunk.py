"""The embedded trunk network: connectivity, scenarios, FYP deliveries, calibration, errors."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pytest

from gisxz.base.gazetteer import default_gazetteer
from gisxz.core.crs import metric_crs
from gisxz.exceptions import PlanFileError, UnknownPlaceError, UnknownScenarioError
from gisxz.network.calibration import calibrate
from gisxz.network.circle import circle_table, three_hour_circle
from gisxz.network.trunk import load_trunk, trunk_edges, trunk_graph

#: Calibration tolerance: each measured (not 'expectation') road or rail time between
#: prefecture seats within 20 % of the published figure, and their median within 12 %.
TOLERANCE_PCT = 20.0
MEDIAN_TOLERANCE_PCT = 12.0
PREFECTURE_SEATS = {"拉萨", "日喀则", "山南", "林芝", "那曲", "昌都", "阿里"}


@pytest.fixture(scope="module")
def table():
    return circle_table(scenarios=("current", "plan"), modes=("road", "multimodal"))


def test_every_county_seat_reachable_from_lhasa_today(table):
    cur = table[table["scenario"] == "current"]  # prefecture seats stand for their district
    assert cur["adcode"].nunique() == 74
    unreachable = cur.loc[cur["travel_time_min"].isna(), "name_zh"].tolist()
    assert unreachable == []
    assert (cur["snap_km"] < 1.0).all(), "every county seat should be a network node"


def test_plan_never_slower_than_current(table):
    t = table.pivot_table(index=["name_zh", "kind", "mode"], columns="scenario",
                          values="travel_time_min")
    assert (t["plan"] <= t["current"] + 1e-6).all()
    road = table.pivot_table(index=["name_zh", "kind", "scenario"], columns="mode",
                             values="travel_time_min")
    assert (road["multimodal"] <= road["road"] + 1e-6).all()


def test_fourteenth_fyp_deliveries_are_current():
    cur = trunk_edges(scenario="current", mode="multimodal")
    ids = set(cur["id"])
    # G6 Nagqu-Lhasa expressway (2021), G4218 Lhasa-Shigatse (2024), Lhasa-Nyingchi rail (2021)
    assert {"g6_nagqu_damxung", "g6_damxung_yangbajain", "g6_yangbajain_lhasa"} <= ids
    assert "g4218_lhasa_shigatse_airport" in ids
    assert "lalin" in set(cur["line"])
    # and what is not built is not current
    assert not {"g6_golmud_amdo", "g4218_shigatse_lhatse"} & ids
    assert "cz_bome_nyingchi" not in ids
    net = load_trunk()
    e = net.edges[net.edges["mode"].isin(["road", "rail"])]
    opened = e["opened"].fillna(0).astype(int)
    assert not ((opened >= 2021) & (opened <= 2025) & (e["status"] != "operating")).any()


def test_plan_adds_the_15th_fyp_projects():
    plan = set(trunk_edges(scenario="plan", mode="multimodal")["id"])
    assert {"g6_golmud_amdo", "g4218_shigatse_lhatse", "cz_bome_nyingchi"} <= plan


def test_calibration_within_tolerance():
    c = calibrate()
    assert c["modelled_min"].notna().all()
    measured = c[~c["note"].str.contains("expectation", case=False)
                 & c["from"].isin(PREFECTURE_SEATS) & c["to"].isin(PREFECTURE_SEATS)]
    assert len(measured) >= 5
    worst = measured.loc[measured["diff_pct"].abs().idxmax()]
    assert abs(worst["diff_pct"]) <= TOLERANCE_PCT, worst.to_dict()
    assert measured["diff_pct"].abs().median() <= MEDIAN_TOLERANCE_PCT


def test_three_hour_circle_layer():
    iso, table = three_hour_circle(scenarios=("current",), modes=("road",))
    assert iso.crs.to_epsg() == 4490
    assert iso["hours"].tolist() == [1.0, 2.0, 3.0]
    assert list(table.columns[:8]) == ["name_zh", "name_en", "adcode", "kind", "scenario",
                                      "mode", "travel_time_min", "within_3h"]
    lhasa = table[table["name_zh"] == "拉萨"].iloc[0]
    assert lhasa["travel_time_min"] == 0 and lhasa["within_3h"] == "yes"
    # every seat inside 3 h lies inside (or within 2 km of) the 3 h polygon
    poly = iso.loc[iso["hours"] == 3.0].to_crs(metric_crs()).geometry.union_all()
    inside = table[table["within_3h"] == "yes"]  # yes / marginal / no
    assert len(inside) >= 2
    gz = default_gazetteer()
    pts = gpd.GeoSeries([gz.point(n) for n in inside["name_zh"]], crs=4490).to_crs(metric_crs())
    assert (pts.distance(poly) <= 2000).all(), inside["name_zh"].tolist()


def test_unknown_scenario_lists_known():
    with pytest.raises(UnknownScenarioError, match="current"):
        trunk_graph(scenario="dream")


def test_unknown_place_names_file_and_line(tmp_path, monkeypatch):
    from gisxz import settings

    src = settings.layers_dir
    shutil.copytree(src / "network", tmp_path / "network")
    shutil.copytree(src / "gazetteer", tmp_path / "gazetteer")
    roads = tmp_path / "network" / "roads.yaml"
    text = roads.read_text(encoding="utf-8")
    first = text.index("  from: ")
    line = text[:first].count("\n") + 1
    end = text.index("\n", first)
    roads.write_text(text[:first] + "  from: 拉萨萨" + text[end:], encoding="utf-8")
    with pytest.raises(UnknownPlaceError) as err:
        load_trunk(layers_dir=tmp_path)
    assert f"roads.yaml:{line}:" in str(err.value) and "拉萨" in str(err.value)
    roads.write_text(text.replace("class: national", "class: nationall", 1), encoding="utf-8")
    with pytest.raises(PlanFileError, match="nationall.*use one of"):
        load_trunk(layers_dir=tmp_path)
