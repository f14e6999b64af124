"""Page layout of the printed figures: page, map frame fitted to the extent, free spots.

:func:`page_layout` splits an A4/A3 page (portrait or landscape) into the title band,
the map frame (one, or two side by side for a comparison pair) and the panel that holds
the legend, the China inset and the title block. :func:`view_box` fits the map frame to
the recipe's extent in the metric CRS. :class:`Footprint` collects what the data layers
cover (lines and symbols at their drawn width, thematic fills), and :func:`free_spot`
picks, from candidate positions along the frame, the first place where a piece of map
furniture (north arrow, scale bar) covers no data feature.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer

log = logging.getLogger(__name__)

__all__ = ["PageLayout", "page_layout", "view_box", "Footprint", "free_spot",
           "spot_candidates"]

Rect = tuple[float, float, float, float]  # x, y, width, height in mm from the lower left


@dataclass
class PageLayout:
    """Rectangles of a page in mm (x, y, width, height; origin lower left)."""

    size_mm: tuple[float, float]
    maps: list[Rect]
    panel: Rect
    title_y: float
    subtitle_y: float
    scale: float
    portrait: bool
    margin: float
    extra: dict = field(default_factory=dict)

    def frac(self, r: Rect) -> Rect:
        """``r`` as fractions of the page (for ``Figure.add_axes``)."""
        W, H = self.size_mm
        return (r[0] / W, r[1] / H, r[2] / W, r[3] / H)


def page_layout(page_mm: tuple[float, float], *, a3: bool, n_maps: int = 1) -> PageLayout:
    """Layout of a page of ``page_mm`` (width, height) with ``n_maps`` map frames.

    Landscape: map frame(s) on the left, panel on the right. Portrait: map frame(s) on top,
    panel as a band below. Sizes scale by 1.3 on A3.

    Examples
    --------
    >>> lay = page_layout((297, 210), a3=False)
    >>> [round(v) for v in lay.maps[0]], lay.portrait
    ([8, 8, 213, 178], False)
    """
    W, H = page_mm
    s = 1.3 if a3 else 1.0
    m, gap = 8.0 * s, 4.0 * s
    title_h = (16.0 + (6.0 if n_maps > 1 else 0.0)) * s
    portrait = H > W
    if portrait:
        band = 96.0 * s
        area = (m, m + band + gap, W - 2 * m, H - 2 * m - title_h - band - gap)
        panel = (m, m, W - 2 * m, band)
    else:
        panel_w = 64.0 * s
        area = (m, m, W - 2 * m - panel_w - gap, H - 2 * m - title_h)
        panel = (W - m - panel_w, m, panel_w, area[3])
    maps = _split_area(area, n_maps, gap, portrait)
    return PageLayout((W, H), maps, panel, title_y=H - m - 16.0 * s * 0.36,
                      subtitle_y=H - m - 16.0 * s * 0.8, scale=s, portrait=portrait, margin=m)


def _split_area(area: Rect, n: int, gap: float, portrait: bool) -> list[Rect]:
    x, y, w, h = area
    if n <= 1:
        return [area]
    if portrait:  # stacked, first on top; room for the frame titles between
        gap *= 2.5
        hh = (h - gap * (n - 1)) / n
        return [(x, y + (n - 1 - i) * (hh + gap), w, hh) for i in range(n)]
    ww = (w - gap * (n - 1)) / n
    return [(x + i * (ww + gap), y, ww, h) for i in range(n)]


def view_box(bounds_ll: Sequence[float], frame_mm: tuple[float, float],
             to_map: Transformer, *, pad: float = 0.03) -> tuple[float, float, float, float]:
    """Metric box covering ``bounds_ll`` (lon/lat) with the frame's aspect ratio.

    The extent's outline is projected, padded by ``pad`` of its size, then widened or
    heightened to the frame's shape, so the map fills the frame at one true scale.
    """
    w, s, e, n = bounds_ll
    lon = np.concatenate([np.linspace(w, e, 50), np.full(50, e), np.linspace(e, w, 50),
                          np.full(50, w)])
    lat = np.concatenate([np.full(50, s), np.linspace(s, n, 50), np.full(50, n),
                          np.linspace(n, s, 50)])
    x, y = to_map.transform(lon, lat)
    x0, x1, y0, y1 = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    p = pad * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - p, x1 + p, y0 - p, y1 + p
    want = frame_mm[0] / frame_mm[1]
    have = (x1 - x0) / (y1 - y0)
    if have < want:
        extra = (want * (y1 - y0) - (x1 - x0)) / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = ((x1 - x0) / want - (y1 - y0)) / 2
        y0, y1 = y0 - extra, y1 + extra
    return x0, y0, x1, y1


class Footprint:
    """What the data layers cover on the map, in data (metric) coordinates.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> fp = Footprint()
    >>> fp.add_lines([LineString([(0, 0), (10, 0)])], half_width=1.0)
    >>> fp.overlap((2, -3, 4, 3)) > 0, fp.overlap((2, 2, 4, 3)) > 0
    (True, False)
    """

    def __init__(self) -> None:
        self.parts: list = []
        self._tree = None

    def add_lines(self, geoms: Sequence, *, half_width: float) -> None:
        """Lines (or polygon outlines) drawn ``2 * half_width`` wide."""
        for g in geoms:
            if g is None or g.is_empty:
                continue
            if g.geom_type in ("Polygon", "MultiPolygon"):
                g = g.boundary
            self.parts.append(g.buffer(max(half_width, 1.0), 4))
        self._tree = None

    def add_areas(self, geoms: Sequence) -> None:
        """Filled areas."""
        self.parts += [g for g in geoms if g is not None and not g.is_empty]
        self._tree = None

    def add_points(self, xy: Sequence[tuple[float, float]], *, radius: float) -> None:
        """Point symbols of ``radius``."""
        self.parts += [shapely.Point(x, y).buffer(radius, 8) for x, y in xy]
        self._tree = None

    def overlap(self, box: Sequence[float]) -> float:
        """Area of ``box`` ``(x0, y0, x1, y1)`` covered by data features."""
        if not self.parts:
            return 0.0
        if self._tree is None:
            self._tree = shapely.STRtree(self.parts)
        b = shapely.box(*box)
        idx = self._tree.query(b, predicate="intersects")
        if not len(idx):
            return 0.0
        return float(shapely.union_all([self.parts[i] for i in idx]).intersection(b).area)


def spot_candidates(view: Sequence[float], size: tuple[float, float], *, inset: float,
                    corners: Sequence[str], steps: int = 6) -> list[tuple[float, float, float,
                                                                          float]]:
    """Boxes of ``size`` (data units) along the frame edges, preferred ``corners`` first.

    Corners are ``"ll"``, ``"lr"``, ``"ul"``, ``"ur"``; then positions slide along the
    edges from those corners in ``steps`` steps.
    """
    x0, y0, x1, y1 = view
    w, h = size
    left, right = x0 + inset, x1 - inset - w
    bottom, top = y0 + inset, y1 - inset - h
    spots = {"ll": (left, bottom), "lr": (right, bottom), "ul": (left, top),
             "ur": (right, top)}
    out = [spots[c] for c in corners]
    for c in corners:
        cx, cy = spots[c]
        for k in range(1, steps):
            t = k / steps
            out.append((cx + (right - left) * t * (1 if cx == left else -1), cy))
            out.append((cx, cy + (top - bottom) * t * (1 if cy == bottom else -1)))
    return [(x, y, x + w, y + h) for x, y in dict.fromkeys(out)]


def free_spot(footprint: Footprint, candidates: Sequence[Sequence[float]],
              taken: Sequence[Sequence[float]] = ()) -> tuple[tuple, float]:
    """The first candidate box covering no data feature (else the least covered one).

    Boxes in ``taken`` (furniture already placed) are avoided. Returns ``(box, overlap)``.
    """
    best, best_cov = None, float("inf")
    for box in candidates:
        if any(not (box[2] <= t[0] or t[2] <= box[0] or box[3] <= t[1] or t[3] <= box[1])
               for t in taken):
            continue
        cov = footprint.overlap(box)
        if cov == 0.0:
            return tuple(box), 0.0
        if cov < best_cov:
            best, best_cov = tuple(box), cov
    return best, best_cov
