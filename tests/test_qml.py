"""QGIS styles (QML) without QGIS: the documents are well-formed and say what a GIS
technician needs (values present only, bilingual legends, ranked labels, aliases)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

from gisxz.maps.qml import FONT_FAMILIES, qml


def _doc(layer: str, frame) -> ET.Element:
    text = qml(layer, frame=frame)
    return ET.fromstring(text[text.index("<qgis"):])


def _places():
    kinds = ["prefecture_seat", "county_seat", "town", "pass", "gateway_city"]
    return gpd.GeoDataFrame({"name_zh": list("甲乙丙丁戊"), "kind": kinds},
                            geometry=[Point(91 + i, 29) for i in range(5)], crs=4490)


def test_categories_are_the_values_present_with_bilingual_labels():
    rail = gpd.GeoDataFrame({"name_zh": ["a", "b"], "status": ["operating", "planned"]},
                            geometry=[LineString([(90, 29), (91, 29)])] * 2, crs=4490)
    root = _doc("railways", rail)
    cats = root.findall("./renderer-v2/categories/category")
    assert [c.get("value") for c in cats] == ["operating", "planned"]
    assert [c.get("label") for c in cats] == ["运营 operating", "规划 planned"]


def test_places_rules_labels_and_scale():
    root = _doc("places", _places())
    rules = root.findall("./renderer-v2/rules/rule")
    assert len(rules) == 5 and all(" " in r.get("label") for r in rules)
    scale = {r.get("filter").split("'")[1]: r.get("scalemaxdenom") for r in rules}
    assert scale["town"] == "3000000" and scale["county_seat"] is None
    assert {r.get("label") for r in rules} >= {"城镇 town", "门户城市 gateway city"}
    prio = {}
    for rule in root.findall("./labeling/rules/rule"):
        kind = rule.get("filter").split("'")[1]
        settings = rule.find("settings")
        prio[kind] = int(settings.find("placement").get("priority"))
        assert settings.find("text-style").get("fontFamily") == FONT_FAMILIES[0]
        assert "@qgis_os_name" in ET.tostring(settings.find("dd_properties"), "unicode")
    assert prio["prefecture_seat"] > prio["county_seat"] > prio["town"]


def test_lines_along_the_line_polygons_not_obstacles():
    hw = gpd.GeoDataFrame({"name_zh": ["x"], "ref": ["G318"], "status": ["operating"]},
                          geometry=[LineString([(90, 29), (91, 29)])], crs=4490)
    settings = _doc("highways", hw).find("./labeling/settings")
    assert settings.find("placement").get("placement") == "3"  # curved, along the line
    assert settings.find("text-style").get("fieldName") == "ref"
    pref = gpd.GeoDataFrame({"name_zh": ["拉萨市"]}, geometry=[box(90, 29, 92, 31)], crs=4490)
    rendering = _doc("admin_prefecture", pref).find("./labeling/settings/rendering")
    assert rendering.get("obstacle") == "0"


def test_isochrones_only_current_multimodal_on():
    rows = [(s, m, h) for s in ("current", "plan") for m in ("road", "multimodal")
            for h in (1.0, 2.0, 3.0)]
    iso = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["scenario", "mode", "hours"]),
                           geometry=[box(90, 29, 91, 30)] * len(rows), crs=4490)
    groups = _doc("three_hour_circle", iso).findall("./renderer-v2/rules/rule")
    on = [g.get("label") for g in groups if g.get("checkstate") != "0"]
    assert on == ["现状 current · 综合 multimodal"] and len(groups) == 4
    assert all(len(g.findall("rule")) == 3 for g in groups)


def test_aliases_and_value_maps():
    root = _doc("places", _places())
    aliases = {a.get("field"): a.get("name") for a in root.findall("./aliases/alias")}
    assert aliases["name_zh"] == "名称" and aliases["kind"] == "类型"
    vmap = root.find("./fieldConfiguration/field[@name='kind']/editWidget")
    assert vmap.get("type") == "ValueMap"
