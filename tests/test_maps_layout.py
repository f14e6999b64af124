"""Print layout: furniture off the data, legend and title block, labels, editable text."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest
import shapely

from gisxz.maps.figure import draw_figure, render_figure
from gisxz.maps.recipes import find_recipe, load_recipes

_CONTEXT = ("data:neighbour_countries", "data:neighbour_provinces")


@pytest.fixture(scope="module")
def full_layers(layers):
    """The main job's layers: plan layers, the three-hour circle and the derived layers."""
    from gisxz import pipeline
    from gisxz.maps import with_accessibility

    if hasattr(pipeline, "_compute"):  # the main job's own computation step
        out, _, _ = pipeline._compute(data_source=None, yihe=None)
        return with_accessibility(out)
    from gisxz.network.circle import three_hour_circle
    from gisxz.plan.derived import derive_plan_layers

    out = dict(layers)
    iso, table = three_hour_circle()
    out["three_hour_circle"] = iso
    new, _ = derive_plan_layers(out, circle_table=table)
    out.update(new)
    return with_accessibility(out)


def _data_shapes(ax) -> list:
    """What the data layers of ``ax`` cover, measured from the drawn artists (display px)."""
    from matplotlib.collections import PatchCollection, PathCollection

    px_pt = ax.figure.dpi / 72.0
    shapes = []
    for coll in ax.collections:
        gid = coll.get_gid() or ""
        if not gid.startswith("data:") or gid in _CONTEXT:
            continue
        tr = coll.get_transform()
        lw = float(np.max(coll.get_linewidths())) if len(coll.get_linewidths()) else 0.5
        if isinstance(coll, PathCollection):  # scatter: offsets and marker sizes
            pts = coll.get_offset_transform().transform(coll.get_offsets())
            r = np.sqrt(np.max(coll.get_sizes())) / 2 * px_pt
            shapes += [shapely.Point(p).buffer(r) for p in pts]
            continue
        faces = coll.get_facecolors()
        filled = isinstance(coll, PatchCollection) and len(faces) and faces[0][3] > 0
        for path in coll.get_paths():
            for poly in path.to_polygons(transform=tr, closed_only=False):
                if len(poly) < 2:
                    continue
                line = shapely.LineString(poly)
                shapes.append(line.buffer(max(lw * px_pt / 2, 0.5)))
                if filled and len(poly) >= 4:
                    shapes.append(shapely.Polygon(poly).buffer(0))
    return shapes


def _furniture_boxes(fig, ax) -> dict[str, list]:
    renderer = fig.canvas.get_renderer()
    boxes: dict[str, list] = {}
    for art in [*ax.patches, *ax.texts]:
        gid = art.get_gid() or ""
        if gid.startswith("furniture:"):
            b = art.get_window_extent(renderer)
            boxes.setdefault(gid, []).append(shapely.box(b.x0, b.y0, b.x1, b.y1))
    return boxes


def _check_figure(fig, info, name: str) -> None:
    ax = fig.axes[0]
    tree_parts = _data_shapes(ax)
    tree = shapely.STRtree(tree_parts)
    furniture = _furniture_boxes(fig, ax)
    assert {"furniture:scale_bar", "furniture:north_arrow"} <= set(furniture), name
    for gid, boxes in furniture.items():
        for box in boxes:
            hits = tree.query(box, predicate="intersects")
            area = sum(tree_parts[i].intersection(box).area for i in hits)
            assert area < 1.0, f"{name}: {gid} covers {area:.1f} px² of data"
    gids = {a.get_gid() for a in fig.axes}
    assert {"furniture:legend", "furniture:title_block"} <= gids, name
    keys = [k for k, _ in info.title_block]
    assert keys[:4] == ["图号", "编制单位", "日期", "审图号"], name
    assert info.legend_groups, name
    assert not any(g.startswith(("周边", "县级行政区 ")) for g in info.legend_groups), name


@pytest.mark.slow
@pytest.mark.parametrize("name", [r.name for r in load_recipes()])
def test_default_recipes_furniture_legend_labels(full_layers, name, caplog):
    rec = replace(find_recipe(name), dpi=100)
    with caplog.at_level(logging.INFO, logger="gisxz.maps.figure"):
        fig, info = draw_figure(full_layers, rec)
    _check_figure(fig, info, name)
    assert any(re.search(r"\d+ labels placed, \d+ dropped", r.getMessage())
               for r in caplog.records), name
    total = len(info.labels_placed) + len(info.labels_dropped)
    assert len(info.labels_dropped) <= 0.2 * total, (name, info.dropped_by_layer)
    if info.scenario:
        assert info.title.endswith("情景）") or "现状" in info.title or "规划" in info.title


def test_overview_a3_county_seat_labels(layers, caplog):
    places = layers["places"]
    counties = set(places.loc[places["kind"] == "county_seat", "name_zh"])
    assert len(counties) == 74
    rec = replace(find_recipe("overview"), dpi=100)
    with caplog.at_level(logging.INFO, logger="gisxz.maps.figure"):
        fig, info = draw_figure(layers, rec, page="A3", orientation="landscape")
    placed = {t for t, _ in info.labels_placed}
    assert len(counties & placed) >= 60
    assert {"拉萨", "日喀则", "昌都", "林芝", "山南", "那曲", "阿里"} <= placed
    msg = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert msg and re.search(r"(\d+) dropped", msg[0])
    _check_figure(fig, info, "overview")
    from gisxz.maps.labels import boxes_overlap

    boxes = [b for _, b in info.labels_placed]
    for i, a in enumerate(boxes):
        assert not any(boxes_overlap(a, b) for b in boxes[i + 1:])


def test_editable_text_in_pdf_and_svg(layers, tmp_path):
    rec = replace(find_recipe("overview"), dpi=100)
    pdf, svg = render_figure(layers, rec, tmp_path, formats=["pdf", "svg"])
    text = svg.read_text(encoding="utf-8")
    assert text.count("<text") > 50
    assert re.search(r"<text[^>]*>[^<]*拉萨", text)
    assert "西藏自治区综合交通与国土空间规划总图" in text
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    assert "Type 3" not in out
    assert "CID TrueType" in out and "NotoSansSC" in out
