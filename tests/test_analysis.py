"""Derived plan layers and county membership (synthetic layers and the real ones), and
the county population table."""

from __future__ import annotations

import shutil
import time

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from gisxz.base.population import XIZANG_TOTAL_2020, county_population, population_path
from gisxz.core.crs import metric_crs
from gisxz.exceptions import MissingDataError, PlanFileError
from gisxz.plan.derived import border_counties, derive_plan_layers

KM = 1000.0
Y0 = 3_300_000.0

#: The 21 border counties usually cited (plan catalog, outside knowledge): for comparison
#: only: the code derives border counties from geometry.
REFERENCE_21 = {"普兰县", "札达县", "噶尔县", "日土县", "定日县", "康马县", "定结县", "仲巴县",
                "亚东县", "吉隆县", "聂拉木县", "萨嘎县", "岗巴县", "洛扎县", "错那市", "浪卡子县",
                "隆子县", "米林市", "墨脱县", "察隅县", "朗县"}


def _m(data: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=geoms, crs=metric_crs()).to_crs(4490)


def cell(i: int) -> object:
    return box(i * 100 * KM, Y0, (i + 1) * 100 * KM, Y0 + 100 * KM)


@pytest.fixture
def synthetic() -> dict[str, gpd.GeoDataFrame]:
    """Three 100 km counties in a row; the border runs along the west and south edges of
    the first one, so the second touches it at a single corner."""
    counties = _m({"adcode": [540101, 540102, 540201], "name_zh": ["甲区", "乙县", "丙县"],
                   "prefecture_zh": ["拉萨市", "拉萨市", "日喀则市"]},
                  [cell(0), cell(1), cell(2)])
    province = _m({"adcode": [540000], "name_zh": ["西藏自治区"]},
                  [box(0, Y0, 300 * KM, Y0 + 100 * KM)])
    border = _m({"country_zh": ["甲国"]},
                [LineString([(0, Y0 + 100 * KM), (0, Y0), (100 * KM, Y0)])])
    railways = _m({"id": ["r1", "r2"], "name_zh": ["经济带铁路", "其他铁路"],
                   "economic_belt": [True, False]},
                  [LineString([(140 * KM, Y0 + 50 * KM), (300 * KM, Y0 + 50 * KM)]),
                   LineString([(10 * KM, Y0 + 90 * KM), (90 * KM, Y0 + 90 * KM)])])
    channels = _m({"id": ["ch_a", "ch_b"], "name_zh": ["A通道", "B通道"],
                   "rank": ["main", "secondary"]},
                  [LineString([(250 * KM, Y0 - 50 * KM), (250 * KM, Y0 + 150 * KM)]),
                   LineString([(0, Y0 + 10 * KM), (300 * KM, Y0 + 10 * KM)])])
    zones = _m({"zone_code": ["z1", "z2"], "name_zh": ["一区", "二区"],
                "member_adcodes": ["540101;540102", "540201"]},
               [box(0, Y0, 200 * KM, Y0 + 100 * KM), cell(2)])
    places = _m({"id": ["s1", "s2", "s3", "p1"], "name_zh": ["甲区", "乙县", "丙县", "口岸"],
                 "kind": ["county_seat", "county_seat", "county_seat", "land_port"],
                 "adcode": [540101, 540102, 540201, 540101]},
                [Point(50 * KM, Y0 + 50 * KM), Point(150 * KM, Y0 + 60 * KM),
                 Point(250 * KM, Y0 + 95 * KM), Point(5 * KM, Y0 + 50 * KM)])
    return {"admin_province": province, "admin_county": counties, "border_line": border,
            "railways": railways, "transport_channels": channels, "zones": zones,
            "places": places}


POP = pd.DataFrame({"adcode": [540101, 540102, 540201],
                    "population_2020": [1000, 2000, 3000]})


def test_border_county_from_geometry(synthetic):
    bc = border_counties(synthetic["admin_county"], synthetic["border_line"])
    assert bc["name_zh"].tolist() == ["甲区"]  # 乙县 touches at one corner only
    assert bc["border_length_km"].item() == pytest.approx(200, abs=0.5)
    assert bc["countries"].item() == "甲国"


def test_membership_on_synthetic_layers(synthetic):
    before = {k: v.copy() for k, v in synthetic.items()}
    circle = pd.DataFrame({"adcode": [540101, 540102, 540201] * 2,
                           "scenario": ["current"] * 3 + ["plan"] * 3,
                           "mode": ["multimodal"] * 6,
                           "within_3h": [True, False, False, True, True, False]})
    layers, tables = derive_plan_layers(synthetic, population=POP, circle_table=circle)
    for k, v in before.items():  # inputs untouched
        assert v.equals(synthetic[k])
    m = tables["county_membership"].set_index("name_zh")
    assert list(tables["county_membership"].columns[:13]) == [
        "adcode", "name_zh", "prefecture_zh", "border_county", "touches_boundary", "core",
        "three_hour_circle", "border_belt_band", "seat_border_band", "border_belt_share",
        "railway_belt", "railway_belt_share", "zone"]
    # synthetic counties are on no official list; touching the boundary is geometry
    assert m["border_county"].tolist() == [False, False, False]
    assert m["touches_boundary"].tolist() == [True, False, False]
    assert m["core"].tolist() == [True, False, False]  # districts (区) of Lhasa
    assert m["three_hour_circle"].tolist() == [True, False, False]
    assert m["three_hour_circle_plan"].tolist() == [True, True, False]
    assert m.loc["甲区", "border_belt_band"] == "0-10 km"
    assert m.loc["乙县", "border_belt_band"] == "0-10 km"  # reaches the corner
    assert m.loc["丙县", "border_belt_band"] == ""
    assert m.loc["甲区", "seat_border_band"] == "30-50 km"  # seat 50 km from the west edge
    assert m["railway_belt"].tolist() == [False, True, False]  # seat-based, 30 km
    assert m.loc["丙县", "railway_belt_share"] > 0.5
    assert m["zone"].tolist() == ["一区", "一区", "二区"]
    assert m.loc["丙县", "channels_served"] == "A通道 (1.00); B通道 (0.60)"
    assert m.loc["甲区", "channels_served"] == "B通道 (0.60)"
    assert m["population_2020"].tolist() == [1000, 2000, 3000]
    assert m["area_km2"].tolist() == pytest.approx([10_000] * 3, rel=1e-6)
    for col in ("border_belt_share", "railway_belt_share"):
        assert m[col].between(0, 1).all()

    # the border belt: bands inside the region only, county shares of each band add to 1
    belt = layers["border_belt"]
    assert belt.crs.to_epsg() == 4490
    assert belt["band_label"].tolist() == ["0-10 km", "10-30 km", "30-50 km"]
    bs = tables["border_belt_summary"]
    for _, g in bs.groupby("band"):
        assert g["share_of_layer"].sum() == pytest.approx(1.0)
    # the west column of 甲区 inside 0-10 km: 100 km x 10 km along the west edge and
    # 100 x 10 along the south edge, minus the 10 x 10 corner counted once
    first = bs[(bs["name_zh"] == "甲区") & (bs["band"] == 1)]
    assert first["area_km2"].item() == pytest.approx(1900, rel=1e-4)
    total = bs.groupby("adcode")["share_of_unit"].sum()
    assert total[540101] == pytest.approx(m.loc["甲区", "border_belt_share"])

    # the railway belt lists its counties and seats
    rb = layers["railway_belt"]
    assert rb["railways"].item() == "经济带铁路"
    assert rb["seats"].item() == "乙县"
    assert set(rb["counties"].item().split(";")) == {"乙县", "丙县"}
    assert tables["railway_belt_summary"]["share_of_layer"].sum() == pytest.approx(1.0)

    z = tables["zone_summary"].set_index("zone_code")
    assert z.loc["z1", "area_km2"] == pytest.approx(20_000, rel=1e-6)
    assert z.loc["z1", "population_2020"] == 3000
    assert z["share_of_area"].sum() == pytest.approx(1.0)
    assert z["share_of_population"].sum() == pytest.approx(1.0)

    assert set(layers) == {"border_belt", "border_counties", "border_belt_counties",
                           "railway_belt", "railway_belt_counties", "channel_zones",
                           "zone_summary", "county_membership"}
    for name, gdf in layers.items():
        assert gdf.crs.to_epsg() == 4490, name
        assert all(str(c).isascii() for c in gdf.columns), name


def test_options_and_missing_circle(synthetic):
    _, tables = derive_plan_layers(synthetic, population=POP, border_bands_km=[20],
                                   railway_belt_km=5, channel_zone_km=20,
                                   core_adcodes=[540201])
    m = tables["county_membership"].set_index("name_zh")
    assert m["three_hour_circle"].isna().all()
    assert m["core"].tolist() == [False, False, True]
    assert m.loc["乙县", "railway_belt"] == False  # noqa: E712  seat 10 km from the line
    assert m.loc["甲区", "border_belt_band"] == "0-20 km"
    assert m.loc["甲区", "channels_served"] == "B通道 (0.30)"


def test_missing_layer_is_named(synthetic):
    del synthetic["zones"]
    with pytest.raises(MissingDataError, match="zones"):
        derive_plan_layers(synthetic, population=POP)


# ---- the real layers ----------------------------------------------------------------
def test_real_layers_border_counties_and_membership(layers):
    t0 = time.perf_counter()
    new, tables = derive_plan_layers(layers)
    assert time.perf_counter() - t0 < 30
    m = tables["county_membership"]
    assert len(m) == 74 and m["adcode"].is_unique
    # border_county is the official list of 21 (policy data); touches_boundary is derived
    # from the tianditu polygons: 隆子县, 米林市 and 朗县 do not reach the boundary line in
    # this edition of the county polygons
    assert set(m.loc[m["border_county"], "name_zh"]) == REFERENCE_21
    touching = set(m.loc[m["touches_boundary"], "name_zh"])
    assert len(touching) == 18 and touching <= REFERENCE_21
    assert REFERENCE_21 - touching == {"隆子县", "米林市", "朗县"}
    assert set(m.loc[m["core"], "name_zh"]) == {"城关区", "堆龙德庆区", "达孜区"}
    assert m["population_2020"].sum() == XIZANG_TOTAL_2020
    assert m["area_km2"].sum() == pytest.approx(
        layers["admin_county"].to_crs(metric_crs()).area.sum() / 1e6)
    assert (m["zone"] != "").all()
    assert m.loc[m["name_zh"] == "城关区", "railway_belt"].item()
    assert not m.loc[m["name_zh"] == "改则县", "railway_belt"].item()
    bs = tables["border_belt_summary"]
    for _, g in bs.groupby("band"):
        assert g["share_of_layer"].sum() == pytest.approx(1.0, abs=1e-6)
    assert bs["share_of_unit"].between(0, 1).all()
    assert tables["railway_belt_summary"]["share_of_layer"].sum() == pytest.approx(1.0,
                                                                                  abs=1e-6)
    assert len(new["channel_zones"]) == 6
    assert tables["zone_summary"]["population_2020"].sum() == XIZANG_TOTAL_2020


# ---- population -----------------------------------------------------------------------
def test_county_population_is_complete_and_adds_up():
    pop = county_population()
    assert len(pop) == 74 and pop["adcode"].is_unique
    assert int(pop["population_2020"].sum()) == XIZANG_TOTAL_2020
    q = pop.set_index("name_zh")["population_quality"]
    assert q["城关区"] == "census" and q["革吉县"] == "derived"
    est = pop[pop["population_quality"] == "estimated"]
    assert set(est["name_zh"]) <= {"江孜县", "昂仁县", "白朗县", "仁布县", "定结县", "吉隆县"}
    shigatse = pop[pop["prefecture_zh"] == "日喀则市"]
    assert shigatse["population_2020"].sum() == 798_153
    if len(est):
        assert est["population_source"].str.contains("2010 census").all()


def _copy_population(tmp_path, *, weights: bool = True):
    src = population_path()
    dst = tmp_path / "county_population_2020.csv"
    shutil.copy(src, dst)
    if weights and (src.parent / "shigatse_2010.csv").exists():
        shutil.copy(src.parent / "shigatse_2010.csv", tmp_path / "shigatse_2010.csv")
    return dst


def test_population_area_fallback_and_derived(tmp_path):
    path = _copy_population(tmp_path, weights=False)
    pop = county_population(path=path)
    est = pop[pop["population_quality"] == "estimated"]
    assert int(pop["population_2020"].sum()) == XIZANG_TOTAL_2020
    if len(est):
        assert est["population_source"].str.contains("county area").all()
    # a single missing county of a prefecture is derived from the prefecture total
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    original = int(df.loc[df["name_zh"] == "当雄县", "population_2020"].item())
    df.loc[df["name_zh"] == "当雄县", ["population_2020", "source"]] = ["", "not found"]
    df.to_csv(path, index=False)
    pop = county_population(path=path)
    row = pop.set_index("name_zh").loc["当雄县"]
    assert row["population_2020"] == original
    assert row["population_quality"] == "derived"
    assert "拉萨市" in row["population_source"]


def test_population_2020_figure_in_weights_file_counts_as_census(tmp_path):
    path = _copy_population(tmp_path)
    w = tmp_path / "shigatse_2010.csv"
    pd.DataFrame({"adcode": [540222], "name_zh": ["江孜县"], "population_2010": [63503],
                  "source": ["x"], "population_2020": [70000], "source_2020": ["公报"]}
                 ).to_csv(w, index=False)
    pop = county_population(path=path).set_index("name_zh")
    assert pop.loc["江孜县", "population_2020"] == 70000
    assert pop.loc["江孜县", "population_quality"] == "census"
    assert pop["population_2020"].sum() == XIZANG_TOTAL_2020


def test_population_file_errors(tmp_path):
    with pytest.raises(MissingDataError, match="nope.csv"):
        county_population(path=tmp_path / "nope.csv")
    path = _copy_population(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("32318", "32318x")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"county_population_2020.csv:4: .*whole number"):
        county_population(path=path)
    lines[3] = lines[3].replace("32318x", "32319")  # one too many: 拉萨市 no longer adds up
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="拉萨市"):
        county_population(path=path)
    path.write_text("adcode,name_zh\n540102,城关区\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="missing column"):
        county_population(path=path)
