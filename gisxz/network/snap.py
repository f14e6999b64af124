"""Snapping points to the nearest network node, and naming places as points.

An origin or destination rarely lies on a node. :func:`snap_points` finds the nearest
node (in the graph's metric CRS, with a k-d tree) and reports the snap distance in metres.

The way from a point to its node is not free: it costs ``access_min``, the straight-line
snap distance at :data:`OFFROAD_SPEED_KMH` (20 km/h: a fourth-class road, design speed
20-30 km/h in JTG B01-2014 公路工程技术标准, over a path about 1.5 times the straight
line). A point farther than the snap limit (``max_snap_m``; 20 km on the trunk network,
:data:`DEFAULT_MAX_SNAP_M` elsewhere) is **refused**: ``reachable`` is false, its travel
times are NaN and a warning names it; it never counts as 0 minutes away.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.core.crs import require_crs
from gisxz.core.validate import (
    check_finite_points,
    check_names,
    check_snap_distances,
    snap_limit_m,
)
from gisxz.core.vocab import PLACE_KINDS
from gisxz.exceptions import NetworkError
from gisxz.network.engine import Graph

log = logging.getLogger(__name__)

__all__ = ["snap_points", "places_as_points", "point_labels", "OFFROAD_SPEED_KMH",
           "DEFAULT_MAX_SNAP_M", "access_minutes"]

#: Speed (km/h, over the straight-line snap distance) from a point to its network node.
OFFROAD_SPEED_KMH = 20.0
#: Snap limit (metres) on graphs that do not set ``meta["max_snap_m"]``.
DEFAULT_MAX_SNAP_M = 5000.0


def access_minutes(snap_m: np.ndarray | float, speed_kmh: float = OFFROAD_SPEED_KMH
                   ) -> np.ndarray:
    """Minutes to cover ``snap_m`` metres at ``speed_kmh``.

    Examples
    --------
    >>> float(access_minutes(10_000))
    30.0
    """
    return np.asarray(snap_m, dtype=float) / 1000.0 / float(speed_kmh) * 60.0


def _snappable(graph: Graph) -> np.ndarray:
    if "snappable" in graph.nodes.columns:
        return np.flatnonzero(graph.nodes["snappable"].to_numpy(dtype=bool))
    return np.arange(graph.n_nodes)


def snap_points(graph: Graph, points: gpd.GeoDataFrame, *, max_snap_m: float | None = None,
                name: str = "points") -> pd.DataFrame:
    """Snap each point to its nearest (snappable) node.

    Parameters
    ----------
    graph : Graph
        The network.
    points : geopandas.GeoDataFrame
        Points (or any geometry: its representative point is used) with a CRS.
    max_snap_m : float, optional
        Refuse (``reachable`` false, with a warning) points farther than this from the
        network (default ``graph.meta["max_snap_m"]`` or :data:`DEFAULT_MAX_SNAP_M`).
    name : str
        What the points are, for messages (``"origins"``, ``"facilities"``).

    Returns
    -------
    pandas.DataFrame
        Same index as ``points`` with ``node`` (node position), ``node_label``,
        ``snap_m`` (distance to the node in metres), ``access_min`` (minutes from the
        point to the node, :func:`access_minutes`) and ``reachable``.

    Raises
    ------
    MissingCRSError
        ``points`` has no CRS.
    NetworkError
        The graph has no node to snap to.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> nodes = pd.DataFrame({"x": [0.0, 1000.0], "y": [0.0, 0.0]})
    >>> g = Graph.from_edges(nodes, [0], [1], [1.0], crs=3857)
    >>> pts = gpd.GeoDataFrame(geometry=[Point(900, 40)], crs=3857)
    >>> snap_points(g, pts)[["node", "snap_m", "access_min"]].round(1).values.tolist()
    [[1.0, 107.7, 0.3]]
    """
    from scipy.spatial import cKDTree

    require_crs(points, name=name)
    cand = _snappable(graph)
    if not len(cand):
        raise NetworkError("the graph has no node to snap to; build it from a non-empty network")
    if len(points) == 0:
        return pd.DataFrame({"node": pd.Series(dtype="int64"),
                             "node_label": pd.Series(dtype=object),
                             "snap_m": pd.Series(dtype="float64"),
                             "access_min": pd.Series(dtype="float64"),
                             "reachable": pd.Series(dtype=bool)}, index=points.index)
    geom = points.geometry
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    pts = gpd.GeoSeries(geom.values, crs=points.crs).to_crs(graph.crs)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    check_finite_points(xy, point_labels(points), what=name)
    tree = cKDTree(graph.nodes[["x", "y"]].to_numpy()[cand])
    dist, k = tree.query(xy)
    node = cand[k]
    out = pd.DataFrame({"node": node.astype(np.int64),
                        "node_label": graph.nodes["node"].to_numpy()[node],
                        "snap_m": dist, "access_min": access_minutes(dist)},
                       index=points.index)
    check_snap_distances(out["snap_m"], point_labels(points), limit_m=snap_limit_m(graph.meta),
                         what=name)
    limit = (max_snap_m if max_snap_m is not None
             else graph.meta.get("max_snap_m", DEFAULT_MAX_SNAP_M))
    far = out["snap_m"] > limit
    out["reachable"] = ~far
    if far.any():
        labels = point_labels(points)[far.to_numpy()]
        shown = ", ".join(f"{lab} ({d / 1000:.1f} km)" for lab, d in
                          zip(labels[:10], out.loc[far, "snap_m"][:10], strict=False))
        more = f" and {int(far.sum()) - 10} more" if far.sum() > 10 else ""
        warnings.warn(f"{int(far.sum())} of {len(points)} {name} lie more than "
                      f"{limit / 1000:.1f} km from the network and are left out (travel "
                      f"time NaN): {shown}{more}. Extend the network to them or raise "
                      "max_snap_m.",
                      stacklevel=2)
    return out


def point_labels(points: pd.DataFrame) -> np.ndarray:
    """A readable label per row: ``name_zh``, ``name``, ``id`` or the index."""
    for col in ("name_zh", "name", "id", "label"):
        if col in points.columns:
            return points[col].astype(str).to_numpy()
    return np.array([str(i) for i in points.index], dtype=object)


def places_as_points(names: Iterable[str] | None = None, *, kinds: Iterable[str] | None = None,
                     gazetteer=None) -> gpd.GeoDataFrame:
    """Gazetteer places as points (EPSG:4490), by name or by kind.

    Parameters
    ----------
    names : iterable of str, optional
        Place names (Chinese, English, alias or id), resolved in order.
    kinds : iterable of str, optional
        Instead of names: every place of these kinds (e.g. ``["county_seat"]``).
    gazetteer : Gazetteer, optional
        Default :func:`gisxz.base.gazetteer.default_gazetteer`.

    Raises
    ------
    UnknownPlaceError
        A name is unknown; the message lists the closest known names.

    Examples
    --------
    >>> places_as_points(["拉萨"])["name_en"].tolist()
    ['Lhasa']
    """
    if gazetteer is None:
        from gisxz.base.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
    cols = ["id", "name_zh", "name_en", "kind", "adcode", "geometry"]
    if names is not None:
        names = list(names)
        gdf = gazetteer.resolve_many(names)
    elif kinds is not None:
        kinds = check_names(kinds, PLACE_KINDS, what="kinds")
        gdf = gazetteer.places[gazetteer.places["kind"].isin(kinds)]
        if gdf.empty:
            raise NetworkError(f"no place of kind {', '.join(kinds)} in the gazetteer")
    else:
        raise NetworkError("give names=[...] or kinds=[...] to choose places")
    gdf = gpd.GeoDataFrame(gdf[cols].reset_index(drop=True), geometry="geometry",
                           crs=gazetteer.places.crs)
    return gdf
