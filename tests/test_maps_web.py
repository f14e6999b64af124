"""Web maps: size, escaping, layer control, legends, basemaps, offline assets, CLI."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from gisxz.exceptions import MissingLayerError, TiandituTokenError
from gisxz.maps.recipes import Recipe, load_recipes
from gisxz.maps.web import layer_titles, render_html, web_map, write_web_map

EVIL = '<script>alert("x")</script>&'


def control_overlays(html: str) -> list[str]:
    """Names of the overlays in the rendered layer control (JSON keys, unescaped)."""
    import html as _html
    import json

    block = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.S).group(1)
    keys = re.findall(r'("(?:[^"\\]|\\.)*")\s*:', block)
    return [_html.unescape(json.loads(k)) for k in keys]


@pytest.fixture(scope="module")
def tiny_layers():
    """Small synthetic layers (EPSG:4490) with hostile attribute text."""
    prov = gpd.GeoDataFrame({"name_zh": ["西藏"], "name_en": ["Xizang"]},
                            geometry=[Polygon([(80, 28), (98, 28), (98, 35), (80, 35)])],
                            crs=4490)
    rail = gpd.GeoDataFrame({"name_zh": ["拉日铁路", EVIL], "name_en": ["Lhasa–Xigazê", "x"],
                             "status": ["operating", "planned"], "source": [EVIL, "seed"]},
                            geometry=[LineString([(91.1, 29.6), (88.9, 29.3)]),
                                      LineString([(91.1, 29.6), (94.4, 29.6)])], crs=4490)
    places = gpd.GeoDataFrame({"name_zh": ["拉萨", "日喀则"], "name_en": ["Lhasa", "Xigazê"],
                               "kind": ["prefecture_seat", "county_seat"]},
                              geometry=[Point(91.11, 29.65), Point(88.88, 29.27)], crs=4490)
    return {"admin_province": prov, "railways": rail, "places": places}


def test_escaping_of_attribute_text(tiny_layers, tmp_path):
    path = write_web_map(tiny_layers, tmp_path / "m.html")
    text = path.read_text(encoding="utf-8")
    assert "<script>alert" not in text
    # escaped once by gisxz (&lt;); folium's JSON then writes & as \u0026
    assert "&lt;script&gt;alert" in text or "\\u0026lt;script\\u0026gt;alert" in text
    # hostile text in a title is escaped too
    m = web_map(tiny_layers, title=EVIL)
    assert "<script>alert" not in render_html(m)


def test_every_layer_in_layer_control(tiny_layers):
    m = web_map(tiny_layers)
    html = render_html(m)
    titles = layer_titles(m)
    assert len(titles) == len(tiny_layers)
    assert control_overlays(html) == titles


def test_offline_html_has_no_cdn(tiny_layers):
    html = render_html(web_map(tiny_layers))
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    assert "Leaflet 1.9.4" in html and "leaflet-measure" in html.lower()
    assert "L.Control.Fullscreen" in html or "Control.FullScreen" in html
    online = render_html(web_map(tiny_layers, offline=False))
    assert "cdn.jsdelivr.net" in online


def test_legend_block_per_layer(tiny_layers):
    m = web_map(tiny_layers)
    html = render_html(m)
    for cat in ("运营 operating", "规划 planned"):
        assert cat in html
    assert html.count("gx-block") >= len(tiny_layers)
    assert "overlayadd" in html  # legends follow the layer control


def test_tianditu_needs_token(tiny_layers, monkeypatch):
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    with pytest.raises(TiandituTokenError, match="TIANDITU_TOKEN"):
        web_map(tiny_layers, basemaps=["none", "tianditu"])
    m = web_map(tiny_layers, basemaps=["none", "osm", "tianditu"], tianditu_token="abc123def")
    html = render_html(m)
    for layer in ("vec_w", "cva_w", "img_w", "cia_w"):
        assert layer in html
    assert "tk=abc123def" in html and "OpenStreetMap" in html


def test_required_layer_missing(tiny_layers):
    rec = Recipe(name="t", title="t", layers=({"layer": "border_belt", "required": True},))
    with pytest.raises(MissingLayerError, match="border_belt"):
        web_map(tiny_layers, recipe=rec)


def test_overwrite_refused(tiny_layers, tmp_path):
    from gisxz.exceptions import OutputExistsError

    p = write_web_map(tiny_layers, tmp_path / "m.html")
    with pytest.raises(OutputExistsError):
        write_web_map(tiny_layers, p)
    write_web_map(tiny_layers, p, overwrite=True)


def test_overview_real_layers_under_5mb(layers, tmp_path):
    path = write_web_map(layers, tmp_path / "overview.html")
    size = path.stat().st_size
    assert size < 5_000_000, f"overview is {size / 1e6:.1f} MB"
    m = web_map(layers)
    titles = layer_titles(m)
    assert len(titles) == len(layers)  # the overview lists every layer
    assert control_overlays(render_html(m)) == titles


def test_theme_web_maps(layers, tmp_path):
    for rec in load_recipes():
        if any(n not in layers for n in rec.required_layers()):
            continue
        p = write_web_map(layers, tmp_path / f"{rec.name}.html", recipe=rec)
        assert p.stat().st_size < 5_000_000


def test_cli_web(tmp_path, plan_gpkg):
    from gisxz.cli.main import cli

    out = tmp_path / "o.html"
    r = CliRunner().invoke(cli, ["map", "web", "zones", "--gpkg", str(plan_gpkg), "-o",
                                 str(out)])
    assert r.exit_code == 0, r.output
    assert out.exists()
    r = CliRunner().invoke(cli, ["map", "web", "--gpkg", str(plan_gpkg), "-o", str(out)])
    assert r.exit_code != 0 and "exists" in r.output
    r = CliRunner().invoke(cli, ["map", "web", "--basemap", "tianditu", "--gpkg",
                                 str(plan_gpkg), "-o", str(tmp_path / "t.html")],
                           env={"TIANDITU_TOKEN": ""})
    assert r.exit_code != 0 and "TIANDITU_TOKEN" in r.output


def test_popups_translate_codes_and_title_names_scenario(tiny_layers):
    import geopandas as gpd
    from shapely.geometry import Polygon

    from gisxz.maps.recipes import Recipe

    iso = gpd.GeoDataFrame({"scenario": ["current", "plan"], "mode": ["multimodal"] * 2,
                            "hours": [1.0, 1.0]},
                           geometry=[Polygon([(90, 29), (92, 29), (92, 30), (90, 30)])] * 2,
                           crs=4490)
    rec = Recipe("t", "拉萨三小时经济圈", layers=(
        {"layer": "three_hour_circle", "split_by": ["scenario"]}, {"layer": "places"}))
    html = render_html(web_map({**tiny_layers, "three_hour_circle": iso}, recipe=rec))
    import json

    def js(text):  # folium writes the GeoJSON with \\u escapes
        return json.dumps(text)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")

    assert js("<td>县城 county seat</td>") in html and js("<td>综合 multimodal</td>") in html
    assert js("<td>county_seat</td>") not in html and js("<td>multimodal</td>") not in html
    assert "（现状 current）" in html and "（规划 plan）" in html  # layer names
    assert "gx-scn" in html and "overlayadd" in html  # title follows the layers shown
    assert "innerWidth < 1400" in html  # collapsed on laptop screens
    assert "gxDeclutter" in html
