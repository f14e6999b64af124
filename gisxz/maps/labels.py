"""Label placement for the printed figures: priorities, no collisions, leader lines.

Labels are placed greedily, highest ``priority`` first (prefecture seats, then county
seats, rivers and lakes, neighbouring countries last). Each label tries candidate
positions in a fixed order and takes the first whose text box lies inside the map and
overlaps no placed label, no point symbol and no map furniture:

- points: the eight positions around the symbol, then two rings further out, which get a
  thin leader line back to the symbol;
- lines (rivers, railways): along the line, rotated to its local direction, at several
  positions, beside the line; curvy stretches are skipped;
- areas (lakes, countries): inside, at a point of the area within the map, then around it.

A label that finds no free position is dropped; :func:`place_labels` returns the dropped
labels so the figure can log how many were left out per layer. Text boxes are measured
once with the font metrics, so placement is fast; the drawn text stays real text (a white
halo is a separate path underneath), so SVG and PDF labels remain editable.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gisxz.maps.fonts import FALLBACK_FONT

log = logging.getLogger(__name__)

__all__ = ["Label", "Placement", "place_labels", "draw_placements", "boxes_overlap"]

#: Point positions in preference order: (dx sign, dy sign).
_POINT_DIRS = ((1, 1), (1, 0), (1, -1), (-1, 1), (-1, 0), (-1, -1), (0, 1), (0, -1))
#: Extra distances (pt) beyond the symbol: the first ring touches, the others get leaders.
_RINGS_PT = (1.4, 7.0, 13.0)
_HALO_PT = 2.0


@dataclass
class Label:
    """A label to place: text, anchor (data coordinates), kind and style."""

    text: str
    x: float
    y: float
    kind: str  # "point", "line" or "area"
    size: float
    priority: int
    color: str
    radius_pt: float = 0.0
    line: Any = None  # shapely LineString (data coordinates) for line labels
    area: Any = None  # shapely Polygon (data coordinates) for area labels
    style: str = "normal"  # "italic" for water names
    group: str = ""  # layer name, for counts


@dataclass
class Placement:
    """Where a label went: anchor (display px), alignment, rotation, box, leader."""

    label: Label
    x: float
    y: float
    ha: str
    va: str
    rotation: float
    box: tuple[float, float, float, float]
    leader: tuple[float, float, float, float] | None = None


def boxes_overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when two ``(x0, y0, x1, y1)`` boxes overlap (touching is not overlapping).

    Examples
    --------
    >>> boxes_overlap((0, 0, 2, 2), (1, 1, 3, 3)), boxes_overlap((0, 0, 1, 1), (1, 0, 2, 1))
    (True, False)
    """
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


class _Boxes:
    """Growing array of occupied boxes with a vectorised overlap test."""

    def __init__(self, boxes: Sequence[Sequence[float]]):
        self.a = np.asarray(list(boxes), dtype=float).reshape(-1, 4)

    def free(self, b: Sequence[float]) -> bool:
        a = self.a
        if not len(a):
            return True
        hit = ~((a[:, 2] <= b[0]) | (b[2] <= a[:, 0]) | (a[:, 3] <= b[1]) | (b[3] <= a[:, 1]))
        return not hit.any()

    def add(self, b: Sequence[float]) -> None:
        self.a = np.vstack([self.a, np.asarray(b, dtype=float)[None, :]])


def _aligned_box(x: float, y: float, w: float, h: float, ha: str, va: str,
                 pad: float) -> tuple[float, float, float, float]:
    x0 = {"left": x, "right": x - w, "center": x - w / 2}[ha]
    y0 = {"bottom": y, "top": y - h, "center": y - h / 2}[va]
    return (x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad)


def _rotated_box(x: float, y: float, w: float, h: float, angle: float,
                 pad: float) -> tuple[float, float, float, float]:
    c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    hw, hh = (w * c + h * s) / 2, (w * s + h * c) / 2
    return (x - hw - pad, y - hh - pad, x + hw + pad, y + hh + pad)


def _point_candidates(cx: float, cy: float, r: float, w: float, h: float, px_pt: float,
                      pad: float) -> Iterator[Placement]:
    for ring, extra in enumerate(_RINGS_PT):
        d = r + extra * px_pt
        for sx, sy in _POINT_DIRS:
            k = 0.78 if sx and sy else 1.0
            x, y = cx + sx * d * k, cy + sy * d * k
            ha = {1: "left", -1: "right", 0: "center"}[sx]
            va = {1: "bottom", -1: "top", 0: "center"}[sy]
            leader = None
            if ring:
                norm = math.hypot(sx, sy)
                leader = (cx + sx / norm * r, cy + sy / norm * r, x, y)
            yield Placement(None, x, y, ha, va, 0.0, _aligned_box(x, y, w, h, ha, va, pad),
                            leader)


def _line_candidates(xy: np.ndarray, w: float, h: float, pad: float) -> Iterator[Placement]:
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = cum[-1]
    if total < w * 1.3:
        return
    for f in (0.5, 0.38, 0.62, 0.26, 0.74, 0.15, 0.85):
        s = f * total
        if s - w / 2 < 0 or s + w / 2 > total:
            continue
        p0, p1 = (np.array([np.interp(t, cum, xy[:, 0]), np.interp(t, cum, xy[:, 1])])
                  for t in (s - w / 2, s + w / 2))
        if np.hypot(*(p1 - p0)) < 0.85 * w:  # too curvy here
            continue
        mid = np.array([np.interp(s, cum, xy[:, 0]), np.interp(s, cum, xy[:, 1])])
        angle = math.degrees(math.atan2(p1[1] - p0[1], p1[0] - p0[0]))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        nx, ny = -math.sin(math.radians(angle)), math.cos(math.radians(angle))
        for side in (1, -1):
            off = side * (h * 0.5 + pad * 1.5)
            x, y = mid[0] + nx * off, mid[1] + ny * off
            yield Placement(None, x, y, "center", "center", angle,
                            _rotated_box(x, y, w, h, angle, pad))


def _area_candidates(cx: float, cy: float, r: float, w: float, h: float, px_pt: float,
                     pad: float) -> Iterator[Placement]:
    for dx, dy in ((0, 0), (0, 0.6), (0, -0.6), (0.5, 0), (-0.5, 0)):
        x, y = cx + dx * w, cy + dy * h * 2
        yield Placement(None, x, y, "center", "center", 0.0,
                        _aligned_box(x, y, w, h, "center", "center", pad))
    if r > 0:
        yield from _point_candidates(cx, cy, r, w, h, px_pt, pad)


def _text_size(renderer, text: str, size: float, family: str, style: str) -> tuple[float,
                                                                                   float]:
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=[family, FALLBACK_FONT], size=size, style=style)
    w, h, d = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return w, h


def _candidates(ax, lab: Label, w: float, h: float, px_pt: float,
                pad: float) -> Iterator[Placement]:
    tr = ax.transData
    if lab.kind == "line" and lab.line is not None:
        xy = tr.transform(np.asarray(lab.line.coords)[:, :2])
        yield from _line_candidates(xy, w, h, pad)
        return
    cx, cy = tr.transform((lab.x, lab.y))
    if lab.kind == "point":
        yield from _point_candidates(cx, cy, lab.radius_pt * px_pt, w, h, px_pt, pad)
        return
    r = 0.0
    if lab.area is not None:
        x0, y0, x1, y1 = lab.area.bounds
        (a, b), (c, d) = tr.transform([(x0, y0), (x1, y1)])
        r = max(abs(c - a), abs(d - b)) / 2
    if r <= max(w, 40 * px_pt):  # small area (a lake): inside, then around it
        yield from _area_candidates(cx, cy, r, w, h, px_pt, pad)
        return
    for x, y in [(cx, cy), *tr.transform(_interior_points(lab.area))]:
        for dy in (0.0, h, -h):
            yield Placement(None, x, y + dy, "center", "center", 0.0,
                            _aligned_box(x, y + dy, w, h, "center", "center", pad))


def _interior_points(poly, n: int = 7, keep: int = 10) -> np.ndarray:
    """Points of a grid inside ``poly``, the most interior first (data coordinates)."""
    import shapely

    x0, y0, x1, y1 = poly.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n + 2)[1:-1], np.linspace(y0, y1, n + 2)[1:-1])
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside = pts[shapely.contains(poly, pts)]
    if not len(inside):
        return np.empty((0, 2))
    depth = shapely.distance(poly.boundary, inside)
    best = inside[np.argsort(-depth)][:keep]
    return shapely.get_coordinates(best)


def place_labels(ax, labels: Sequence[Label], *, obstacles: Sequence[Sequence[float]] = (),
                 renderer=None, family: str = FALLBACK_FONT
                 ) -> tuple[list[Placement], list[Label]]:
    """Place ``labels`` without collisions; return ``(placed, dropped)``.

    Nothing is drawn (see :func:`draw_placements`). ``obstacles`` are display boxes
    ``(x0, y0, x1, y1)`` labels must not cover (symbols, furniture). Boxes of placed
    labels are in display pixels of ``ax.figure`` and do not overlap one another.

    Examples
    --------
    >>> import matplotlib
    >>> from matplotlib.figure import Figure
    >>> from matplotlib.backends.backend_agg import FigureCanvasAgg
    >>> fig = Figure(figsize=(3, 3), dpi=100); _ = FigureCanvasAgg(fig)
    >>> ax = fig.add_axes((0, 0, 1, 1)); _ = ax.set_xlim(0, 10); _ = ax.set_ylim(0, 10)
    >>> labs = [Label("A", 5, 5, "point", 8, 1, "k"), Label("B", 5, 5, "point", 8, 0, "k")]
    >>> placed, dropped = place_labels(ax, labs)
    >>> [p.label.text for p in placed], len(dropped)
    (['A', 'B'], 0)
    """
    fig = ax.figure
    renderer = renderer or fig.canvas.get_renderer()
    px_pt = fig.dpi / 72.0
    pad = 0.6 * px_pt
    axb = ax.get_window_extent(renderer)
    inside = (axb.x0 + 1, axb.y0 + 1, axb.x1 - 1, axb.y1 - 1)
    boxes = _Boxes(obstacles)
    placed: list[Placement] = []
    dropped: list[Label] = []
    order = sorted(range(len(labels)), key=lambda i: (-labels[i].priority, -labels[i].size, i))
    for i in order:
        lab = labels[i]
        w, h = _text_size(renderer, lab.text, lab.size, family, lab.style)
        for cand in _candidates(ax, lab, w, h, px_pt, pad):
            b = cand.box
            if b[0] < inside[0] or b[1] < inside[1] or b[2] > inside[2] or b[3] > inside[3]:
                continue
            if not boxes.free(b):
                continue
            cand.label = lab
            boxes.add(b)
            placed.append(cand)
            break
        else:
            dropped.append(lab)
    return placed, dropped


def draw_placements(ax, placed: Sequence[Placement], *, family: str, zorder: float = 200
                    ) -> list:
    """Draw placed labels: a white halo path, the (editable) text, leader lines."""
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    inv = ax.transData.inverted()
    artists = []
    for p in placed:
        lab = p.label
        x, y = inv.transform((p.x, p.y))
        kw = dict(fontsize=lab.size, ha=p.ha, va=p.va, rotation=p.rotation,
                  rotation_mode="anchor", family=[family, FALLBACK_FONT], style=lab.style,
                  clip_on=False)
        halo = ax.text(x, y, lab.text, color="white", zorder=zorder, gid="label-halo",
                       path_effects=[patheffects.Stroke(linewidth=_HALO_PT,
                                                        foreground="white")], **kw)
        text = ax.text(x, y, lab.text, color=lab.color, zorder=zorder + 1, **kw)
        artists += [halo, text]
        if p.leader is not None:
            (x0, y0), (x1, y1) = inv.transform([p.leader[:2], p.leader[2:]])
            line = Line2D([x0, x1], [y0, y1], color="#555555", linewidth=0.35,
                          zorder=zorder - 1, solid_capstyle="butt")
            ax.add_line(line)
            artists.append(line)
    return artists
