"""Shapely geometries to matplotlib paths and line arrays (for the printed figures)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["polygon_paths", "line_arrays"]


def polygon_paths(geoms: Sequence) -> list:
    """One matplotlib ``Path`` per (multi)polygon, holes included.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> len(polygon_paths([box(0, 0, 1, 1), box(2, 2, 3, 3)]))
    2
    """
    from matplotlib.path import Path as MPath

    paths = []
    for geom in geoms:
        if geom is None:
            continue
        verts, codes = [], []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                v = np.asarray(ring.coords)[:, :2]
                c = np.full(len(v), MPath.LINETO, dtype=np.uint8)
                c[0], c[-1] = MPath.MOVETO, MPath.CLOSEPOLY
                verts.append(v)
                codes.append(c)
        if verts:
            paths.append(MPath(np.concatenate(verts), np.concatenate(codes)))
    return paths


def line_arrays(geoms: Sequence) -> list[np.ndarray]:
    """Coordinate arrays of every line part (polygon outlines for polygons).

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> [a.shape for a in line_arrays([LineString([(0, 0), (1, 1), (2, 0)])])]
    [(3, 2)]
    """
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
