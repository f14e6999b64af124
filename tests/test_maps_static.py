"""Static figures: files, dpi and page size, fonts and glyphs, labels, scale, recipes."""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from pyproj import Geod, Transformer
from shapely.geometry import Point

from gisxz.core.crs import metric_crs
from gisxz.exceptions import MissingGlyphError, MissingLayerError, PlanFileError
from gisxz.maps.recipes import PAGE_SIZES_MM, load_recipe, load_recipes
from gisxz.maps.static import check_glyphs, draw_figure, render_figure


def _px(mm: float, dpi: int = 300) -> int:
    return int(mm / 25.4 * dpi)


@pytest.fixture(scope="module")
def zones_files(layers, tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warning would fail the test
        paths = render_figure(layers, "zones", out)
    return paths


def test_files_written(zones_files):
    assert sorted(p.suffix for p in zones_files) == [".pdf", ".png", ".svg"]
    png, pdf, svg = (next(p for p in zones_files if p.suffix == s) for s in (".png", ".pdf",
                                                                              ".svg"))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert "<svg" in svg.read_text(encoding="utf-8")[:2000]
    for p in zones_files:
        assert p.stat().st_size > 50_000
    assert not list(png.parent.glob(".*"))  # no temporary files left


def test_png_dpi_and_a4_landscape_size(zones_files):
    png = next(p for p in zones_files if p.suffix == ".png")
    with Image.open(png) as im:
        w, h = im.size
        dpi = im.info["dpi"]
    assert round(dpi[0]) == 300 and round(dpi[1]) == 300
    long_mm, short_mm = PAGE_SIZES_MM["A4"][1], PAGE_SIZES_MM["A4"][0]
    assert abs(w - _px(long_mm)) <= 1 and abs(h - _px(short_mm)) <= 1


def test_pdf_embeds_cjk_font(zones_files):
    pdf = next(p for p in zones_files if p.suffix == ".pdf").read_bytes()
    assert b"NotoSansSC" in pdf


def test_a3_portrait_recipe_from_yaml(layers, tmp_path):
    rec = tmp_path / "my_fig.yaml"
    rec.write_text(
        "title: 拉萨周边交通\n"
        "page: A3\n"
        "orientation: portrait\n"
        "extent: [88, 28.5, 94, 31.5]\n"
        "formats: [png]\n"
        "layers:\n"
        "  - neighbour_countries\n"
        "  - admin_prefecture\n"
        "  - layer: railways\n"
        "    labels: true\n"
        "  - layer: places\n"
        "    filter: {kind: [prefecture_seat, county_seat]}\n"
        "    labels: true\n", encoding="utf-8")
    (png,) = render_figure(layers, rec, tmp_path)
    assert png.name == "my_fig.png"
    with Image.open(png) as im:
        w, h = im.size
    assert abs(w - _px(297)) <= 1 and abs(h - _px(420)) <= 1


def test_labels_do_not_overlap_and_scale_is_true(layers):
    fig, info = draw_figure(layers, "three_hour_circle" if "three_hour_circle" in layers
                            else "transport_channels")
    assert len(info.labels_placed) >= 5
    for (_, a), (_, b) in itertools.combinations(info.labels_placed, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    # distance Lhasa–Xigazê measured on paper times the printed scale = true distance
    ax = fig.axes[0]
    tr = Transformer.from_crs(4326, metric_crs(), always_xy=True)
    (x1, y1), (x2, y2) = (tr.transform(91.11, 29.65), tr.transform(88.88, 29.27))
    p1, p2 = ax.transData.transform([(x1, y1), (x2, y2)])
    paper_m = math.dist(p1, p2) / fig.dpi * 0.0254
    ground_m = Geod(ellps="GRS80").inv(91.11, 29.65, 88.88, 29.27)[2]
    assert abs(paper_m * info.scale_denominator / ground_m - 1) < 0.02
    assert info.scale_km > 0


def test_missing_glyph_fails(layers, tmp_path):
    with pytest.raises(MissingGlyphError, match="U\\+0F56"):
        check_glyphs(["བོད Tibet"])
    bad = gpd.GeoDataFrame({"name_zh": ["བོད"], "kind": ["prefecture_seat"]},
                           geometry=[Point(91.1, 29.6)], crs=4490)
    rec = tmp_path / "bad.yaml"
    rec.write_text("title: 测试\nformats: [png]\nlayers:\n  - layer: places\n    labels: true\n",
                   encoding="utf-8")
    with pytest.raises(MissingGlyphError):
        render_figure({"admin_province": layers["admin_province"], "places": bad}, rec,
                      tmp_path)
    assert not (tmp_path / "bad.png").exists()


def test_required_layer_missing(layers, tmp_path):
    rec = tmp_path / "belt.yaml"
    rec.write_text("title: 边境带\nlayers:\n  - layer: no_such_layer\n    required: true\n",
                   encoding="utf-8")
    with pytest.raises(MissingLayerError, match="no_such_layer"):
        render_figure(layers, rec, tmp_path)


def test_relief_from_dem(layers, tmp_path):
    xr = pytest.importorskip("xarray")
    lon = np.arange(78, 100, 0.1)
    lat = np.arange(26, 37, 0.1)
    z = 4500 + 1500 * np.sin(lon[None, :] * 2) * np.cos(lat[:, None] * 3)
    dem = tmp_path / "dem.nc"
    xr.Dataset({"elevation": (("lat", "lon"), z)}, coords={"lat": lat, "lon": lon}).to_netcdf(
        dem, engine="scipy")
    fig, _ = draw_figure(layers, "water_network", dem=dem)
    from matplotlib.collections import QuadMesh

    assert any(isinstance(c, QuadMesh) for c in fig.axes[0].collections)


def test_all_recipes_valid():
    recipes = load_recipes()
    names = {r.name for r in recipes}
    assert {"overview", "transport_channels", "water_network", "border_belt",
            "three_hour_circle", "railway_belt", "zones"} <= names


@pytest.mark.parametrize("body, line, words", [
    ("title: x\nlayers:\n  - layer: rivers\n    colour: red\n", 4, "unknown field 'colour'"),
    ("title: x\npage: A5\nlayers: [rivers]\n", 2, "'page'"),
    ("title: x\nlayers:\n  - layer: rivers\n    style: {color: red}\n", 4, "hex colour"),
    ("title: x\nextent: [90, 30, 80, 35]\nlayers: [rivers]\n", 2, "extent"),
    ("layers: [rivers]\n", 1, "title"),
    ("title: x\nlayers:\n  - rivers\n  - rivers\n", 2, "twice"),
    ("title: x\nlayers: [rivers\n", None, "YAML syntax"),
])
def test_recipe_errors_name_file_and_line(tmp_path, body, line, words):
    p = tmp_path / "r.yaml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(PlanFileError) as err:
        load_recipe(p)
    msg = str(err.value)
    assert words in msg
    assert str(p) in msg
    if line is not None:
        assert f"{p}:{line}:" in msg


def test_cli_static(plan_gpkg, tmp_path):
    from gisxz.cli.main import cli

    r = CliRunner().invoke(cli, ["map", "static", "water_network", "--gpkg", str(plan_gpkg),
                                 "-o", str(tmp_path), "--format", "png"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "water_network.png").exists()
    r = CliRunner().invoke(cli, ["map", "static", "water_network", "--gpkg", str(plan_gpkg),
                                 "-o", str(tmp_path), "--format", "png"])
    assert r.exit_code != 0 and "overwrite" in r.output
    r = CliRunner().invoke(cli, ["map", "static", "nope", "--gpkg", str(plan_gpkg)])
    assert r.exit_code != 0 and "no map recipe named 'nope'" in r.output
    r = CliRunner().invoke(cli, ["map", "list"])
    assert r.exit_code == 0 and "zones" in r.output
