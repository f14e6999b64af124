"""Isochrones that follow the network.

An isochrone here is the area within ``buffer_m`` of the parts of the network that
can be reached within a time threshold — not a convex hull of reached nodes. Every
edge that is fully reached contributes its whole geometry; an edge whose start is
reached but whose end is not contributes the part that can be covered in the
remaining time (cut at ``(T - t_start) / edge_time`` of its length, assuming
constant speed along the edge). Edges that carry no area (railways between stations,
station access links) are skipped; their reached stations and towns count through
the road network around them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from gisxz.core.validate import MAX_ISO_BUFFER_M, check_positive
from gisxz.exceptions import NetworkError
from gisxz.network._util import as_graph, as_points, scenario_mode
from gisxz.network.engine import Graph, travel_times
from gisxz.network.snap import point_labels, snap_points

log = logging.getLogger(__name__)

__all__ = ["isochrones", "reached_geometry", "thresholds_minutes"]


def thresholds_minutes(*, minutes: Iterable[float] | None = None,
                       hours: Iterable[float] | None = None) -> list[float]:
    """Sorted unique thresholds in minutes from ``minutes`` and/or ``hours``.

    Examples
    --------
    >>> thresholds_minutes(hours=[3, 1], minutes=[30])
    [30.0, 60.0, 180.0]
    """
    from gisxz.exceptions import NetworkError

    vals = [float(m) for m in (minutes or [])] + [float(h) * 60.0 for h in (hours or [])]
    if not vals:
        raise NetworkError("give at least one threshold: minutes=[...] or hours=[...]")
    bad = [v for v in vals if not np.isfinite(v) or v <= 0]
    if bad:
        raise NetworkError(f"thresholds must be positive, got {bad}; e.g. hours=[1, 2, 3]")
    return sorted(set(vals))


def reached_geometry(graph: Graph, times: np.ndarray, threshold: float, *,
                     buffer_m: float, quad_segs: int = 4):
    """The polygon (metric CRS) within ``buffer_m`` of what is reached by ``threshold``.

    Parameters
    ----------
    graph : Graph
        The network (edge geometries in its metric CRS).
    times : numpy.ndarray
        Travel time (minutes) to every node.
    threshold : float
        Minutes.
    buffer_m : float
        Half-width of the band around reached edges, metres.

    Returns
    -------
    shapely geometry
        A (multi)polygon, empty when nothing is reached.
    """
    e = graph.edges
    t_u = np.asarray(times, dtype=np.float64)[e["u"].to_numpy()]
    tt = e["travel_time"].to_numpy()
    geoms = e.geometry.values
    has_area = (np.array(e["iso_area"], dtype=bool) if "iso_area" in e.columns
                else np.ones(len(e), dtype=bool))
    has_area &= ~shapely.is_missing(np.asarray(geoms, dtype=object))
    full = has_area & (t_u + tt <= threshold)
    part = has_area & (t_u < threshold) & ~full
    u = e["u"].to_numpy()
    v = e["v"].to_numpy()
    # a two-way road fully reached in both directions is drawn once
    key = pd.DataFrame({"a": np.minimum(u, v)[full], "b": np.maximum(u, v)[full],
                        "t": np.round(tt[full], 6)})
    geoms = np.asarray(geoms, dtype=object)
    pieces = list(geoms[full][~key.duplicated().to_numpy()])
    for geom, tu, w in zip(geoms[part], t_u[part], tt[part], strict=True):
        frac = (threshold - tu) / w if w > 0 else 1.0
        if frac > 0:
            pieces.append(substring(geom, 0.0, float(min(frac, 1.0)), normalized=True))
    # reached nodes that start no piece (an origin off the area-carrying network)
    snappable = (graph.nodes["snappable"].to_numpy(dtype=bool) if "snappable"
                 in graph.nodes.columns else np.ones(graph.n_nodes, dtype=bool))
    starts = np.zeros(graph.n_nodes, dtype=bool)
    starts[u[full | part]] = True
    lonely = np.flatnonzero(snappable & (np.asarray(times) <= threshold) & ~starts)
    if len(lonely):
        pieces.extend(shapely.points(graph.nodes[["x", "y"]].to_numpy()[lonely]))
    if not pieces:
        return shapely.Polygon()
    # buffering pieces one by one and uniting is ~3x faster in GEOS than buffering a
    # collection of many lines
    return shapely.union_all(shapely.buffer(np.asarray(pieces, dtype=object), buffer_m,
                                            quad_segs=quad_segs))


def _earliest(g: Graph, nodes: np.ndarray, access_min: np.ndarray, cutoff: float,
              chunk: int = 16) -> np.ndarray:
    """Minutes to every node from the nearest origin, the origins' access time included."""
    best = np.full(g.n_nodes, np.inf)
    for start in range(0, len(nodes), chunk):
        t = travel_times(g, nodes[start:start + chunk], cutoff=cutoff, dtype=np.float64)
        t += access_min[start:start + chunk, None]
        np.minimum(best, t.min(axis=0), out=best)
    return best


def isochrones(origins: gpd.GeoDataFrame | str | Sequence[str], *, graph: Graph | None = None,
               scenario: str = "current", mode: str = "multimodal",
               minutes: Iterable[float] | None = None, hours: Iterable[float] | None = None,
               per_origin: bool = False, buffer_m: float | None = None,
               max_snap_m: float | None = None) -> gpd.GeoDataFrame:
    """Isochrone polygons from one or many origins at several thresholds.

    Parameters
    ----------
    origins : GeoDataFrame, str or list of str
        Origin points, or gazetteer place names.
    graph : Graph, optional
        The network; by default the trunk network of ``scenario`` and ``mode``.
    scenario, mode : str
        Used when ``graph`` is None (``current``/``plan``; ``road``/``multimodal``).
    minutes, hours : iterable of float
        Thresholds (both may be given). Default: 1, 2 and 3 hours.
    per_origin : bool
        One polygon per origin and threshold; otherwise origins are dissolved (the
        area reachable from the nearest origin).
    buffer_m : float, optional
        Half-width of the band around reached edges in metres (default from the graph:
        5 km on the schematic trunk network, 100 m on OSM networks).
    max_snap_m : float, optional
        Origins farther than this from the network are left out (with a warning); the
        way of the others to their node costs time at the off-road speed
        (:data:`gisxz.network.snap.OFFROAD_SPEED_KMH`), which shrinks their isochrones.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``origin, scenario, mode, minutes, hours, area_km2, geometry`` in the
        graph's output CRS (EPSG:4490 for the trunk network). Polygons are cumulative
        (the 3-hour polygon contains the 1-hour one).

    Examples
    --------
    >>> iso = isochrones("拉萨", hours=[1, 3], mode="road")
    >>> iso["hours"].tolist()
    [1.0, 3.0]
    >>> bool(iso["area_km2"].is_monotonic_increasing)
    True
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    pts = as_points(origins, name="origins")
    if minutes is None and hours is None:
        hours = [1, 2, 3]
    ths = thresholds_minutes(minutes=minutes, hours=hours)
    buf = check_positive(buffer_m if buffer_m is not None else g.meta.get("iso_buffer_m", 100.0),
                         what="buffer_m", unit="m", maximum=MAX_ISO_BUFFER_M)
    snap = snap_points(g, pts, max_snap_m=max_snap_m, name="origins")
    ok = snap["reachable"].to_numpy()
    if not ok.any():
        raise NetworkError("every origin lies beyond the snap limit of the network; no "
                           "isochrone (see the warning for distances)")
    labels = point_labels(pts)[ok]
    nodes_all = snap["node"].to_numpy()[ok]
    access = snap["access_min"].to_numpy()[ok]
    scen, md = scenario_mode(g)
    rows = []
    if per_origin:
        groups = [(str(lab), [k]) for k, lab in enumerate(labels)]
    else:
        groups = [(" + ".join(dict.fromkeys(str(x) for x in labels)), list(range(len(labels))))]
    for label, ks in groups:
        t = _earliest(g, nodes_all[ks], access[ks], ths[-1])
        prev = None
        for th in ths:
            geom = reached_geometry(g, t, th, buffer_m=buf)
            if prev is not None and not prev.is_empty:
                geom = shapely.union(geom, prev)  # exactly nested despite rounding
            prev = geom
            rows.append({"origin": label, "scenario": scen, "mode": md, "minutes": th,
                         "hours": th / 60.0, "geometry": geom})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=g.crs)
    out["area_km2"] = out.area / 1e6
    out = out[["origin", "scenario", "mode", "minutes", "hours", "area_km2", "geometry"]]
    return out.to_crs(g.out_crs)


def isochrone_population(iso: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``iso`` with the residents inside each polygon: ``population``, ``population_share``
    (of Xizang) and ``population_method``.

    People are counted where they live: each county's 2020 population placed on its
    settlements (:func:`gisxz.base.population.settlement_population`), not spread over
    the county's area.

    Examples
    --------
    >>> iso = isochrone_population(isochrones("拉萨", hours=[1], mode="road"))
    >>> int(iso["population"].iloc[0]) > 500_000
    True
    """
    from gisxz.base.population import settlement_population
    from gisxz.core.crs import to_metric

    settle = settlement_population()
    pts = to_metric(settle, name="settlements")
    tree = shapely.STRtree(np.asarray(pts.geometry.values))
    polys = to_metric(iso, name="isochrones").geometry.values
    pop = settle["population"].to_numpy(dtype=float)
    inside = [float(pop[tree.query(p, predicate="intersects")].sum()) if p is not None
              else 0.0 for p in polys]
    total = float(pop.sum())
    out = iso.copy()
    geom = out.geometry.name
    out.insert(out.columns.get_loc(geom), "population", np.round(inside).astype("int64"))
    out.insert(out.columns.get_loc(geom), "population_share",
               np.asarray(inside) / total if total else np.nan)
    out.insert(out.columns.get_loc(geom), "population_method",
               str(settle["method"].iloc[0]))
    return out
