"""Origin-destination travel-time (and distance) matrices in long format.

Times are door to door: the access from each point to its network node at the off-road
speed (:data:`gisxz.network.snap.OFFROAD_SPEED_KMH`) plus the fastest network time.
Distances (``distance_km``) are measured along that fastest path (the ``length_km`` of its
edges; access, egress and transfer links count 0 km) plus both straight-line snap legs.
Points beyond the snap limit are refused: their times and distances are NaN.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csgraph

from gisxz.network._util import as_graph, as_points, scenario_mode
from gisxz.network.engine import Graph, travel_times
from gisxz.network.snap import point_labels, snap_points

log = logging.getLogger(__name__)

__all__ = ["od_matrix", "od_array", "od_distance_array", "snapped_od", "edge_lengths_km",
           "OD_COLUMNS"]

#: The columns of :func:`od_matrix`, in order (snap distances follow).
OD_COLUMNS = ["origin", "destination", "scenario", "mode", "travel_time_min", "distance_km"]


def edge_lengths_km(graph: Graph) -> np.ndarray:
    """Length (km) of every edge: ``length_km``, else ``length`` (metres, OSM), else the
    length of its geometry; links without any (station access, transfers) count 0.

    Examples
    --------
    >>> import pandas as pd
    >>> g = Graph.from_edges(pd.DataFrame({"x": [0.0, 3000], "y": 0.0}), [0], [1], [2.0],
    ...                      crs=3857, edges=pd.DataFrame({"length_km": [3.0]}))
    >>> edge_lengths_km(g).tolist()
    [3.0]
    """
    e = graph.edges
    if "length_km" in e.columns:
        km = pd.to_numeric(e["length_km"], errors="coerce").to_numpy(dtype=float)
    elif "length" in e.columns:
        km = pd.to_numeric(e["length"], errors="coerce").to_numpy(dtype=float) / 1000.0
    else:
        km = np.asarray(e.geometry.length, dtype=float) / 1000.0
    if "mode" in e.columns:
        km = np.where(e["mode"].isin(["access", "transfer"]).to_numpy(), 0.0, km)
    return np.nan_to_num(km, nan=0.0)


def od_distance_array(graph: Graph, origin_nodes: Sequence[int] | np.ndarray,
                      destination_nodes: Sequence[int] | np.ndarray, *,
                      cutoff: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Travel times (minutes) and distances (km) along the fastest paths.

    Returns
    -------
    (times, km) : numpy.ndarray, numpy.ndarray
        Shape ``(len(origins), len(destinations))``; NaN where unreachable.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"x": [0.0, 1, 2], "y": 0.0})
    >>> g = Graph.from_edges(nodes, [0, 1], [1, 2], [4.0, 1.0], crs=3857, bidirectional=True,
    ...                      edges=pd.DataFrame({"length_km": [5.0, 2.0]}))
    >>> t, d = od_distance_array(g, [0], [2])
    >>> t.tolist(), d.tolist()
    ([[5.0]], [[7.0]])
    """
    src = np.asarray(origin_nodes, dtype=np.int64)
    dst = np.asarray(destination_nodes, dtype=np.int64)
    slot_km = edge_lengths_km(graph)[graph.slot_edge]
    m = graph.csr()
    limit = np.inf if cutoff is None else float(cutoff)
    times = np.full((len(src), len(dst)), np.nan)
    km = np.full((len(src), len(dst)), np.nan)
    uniq, inverse = np.unique(src, return_inverse=True)
    for k, s in enumerate(uniq):
        d, pred = csgraph.dijkstra(m, directed=True, indices=int(s), limit=limit,
                                   return_predecessors=True)
        dist = _tree_lengths(graph, d, pred, slot_km)
        row_t = np.where(np.isfinite(d[dst]), d[dst], np.nan)
        times[inverse == k] = row_t
        km[inverse == k] = np.where(np.isfinite(row_t), dist[dst], np.nan)
    return times, km


def _tree_lengths(graph: Graph, d: np.ndarray, pred: np.ndarray, slot_km: np.ndarray
                  ) -> np.ndarray:
    """Length of the shortest-path tree from its root to every node (nodes in time order)."""
    out = np.zeros(graph.n_nodes)
    order = np.argsort(d, kind="stable")
    indptr, indices = graph.indptr, graph.indices
    for v in order:
        if not np.isfinite(d[v]):
            break
        u = pred[v]
        if u < 0:
            continue
        lo, hi = indptr[u], indptr[u + 1]
        slot = lo + int(np.searchsorted(indices[lo:hi], v))
        out[v] = out[u] + slot_km[slot]
    return out


def snapped_od(graph: Graph, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame, *,
               names: tuple[str, str] = ("origins", "destinations"),
               cutoff: float | None = None, max_snap_m: float | None = None,
               distance: bool = False) -> tuple[np.ndarray, np.ndarray | None, pd.DataFrame,
                                                pd.DataFrame]:
    """Door-to-door times (and distances) between two point sets.

    Snaps both sets (:func:`snap_points`), routes between the nodes and adds each point's
    ``access_min`` (and straight-line snap km); refused points get NaN rows or columns.

    Returns
    -------
    (times, km, snapped_origins, snapped_destinations)
        ``km`` is None unless ``distance``.
    """
    so = snap_points(graph, origins, max_snap_m=max_snap_m, name=names[0])
    sd = snap_points(graph, destinations, max_snap_m=max_snap_m, name=names[1])
    if distance:
        t, km = od_distance_array(graph, so["node"].to_numpy(), sd["node"].to_numpy(),
                                  cutoff=cutoff)
        km = km + so["snap_m"].to_numpy()[:, None] / 1000 + sd["snap_m"].to_numpy()[None] / 1000
    else:
        t = od_array(graph, so["node"].to_numpy(), sd["node"].to_numpy(),
                     cutoff=cutoff).astype(np.float64)
        km = None
    t = t + so["access_min"].to_numpy()[:, None] + sd["access_min"].to_numpy()[None, :]
    bad = ~so["reachable"].to_numpy()[:, None] | ~sd["reachable"].to_numpy()[None, :]
    same = _same_points(origins, destinations)  # a point to itself: no access legs
    t[same] = 0.0
    t[bad] = np.nan
    if km is not None:
        km[same] = 0.0
        km[bad | np.isnan(t)] = np.nan
    return t, km, so, sd


def _same_points(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> np.ndarray:
    """``(len(a), len(b))`` mask of pairs at the same position (same CRS assumed)."""
    xa = shapely.get_coordinates(a.geometry.values)
    xb = shapely.get_coordinates(b.geometry.values)
    if len(xa) != len(a) or len(xb) != len(b):  # empty or multi-part geometries
        return np.zeros((len(a), len(b)), dtype=bool)
    return np.all(np.abs(xa[:, None, :] - xb[None, :, :]) < 1e-9, axis=2)


def od_array(graph: Graph, origin_nodes: Sequence[int] | np.ndarray,
             destination_nodes: Sequence[int] | np.ndarray | None = None, *,
             cutoff: float | None = None, chunk: int = 16) -> np.ndarray:
    """A dense float32 matrix of travel times (minutes) between node positions.

    Only the destination columns are kept while routing source by source, so the
    memory is ``len(origins) * len(destinations) * 4`` bytes plus one chunk of
    ``chunk * n_nodes`` float64 working rows. Unreachable pairs are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"x": [0.0, 1, 2], "y": 0.0})
    >>> g = Graph.from_edges(nodes, [0], [1], [4.0], crs=3857)
    >>> od_array(g, [0, 1], [1, 2]).tolist()
    [[4.0, nan], [0.0, nan]]
    """
    src = np.asarray(origin_nodes, dtype=np.int64)
    dst = None if destination_nodes is None else np.asarray(destination_nodes, dtype=np.int64)
    ncol = graph.n_nodes if dst is None else len(dst)
    out = np.empty((len(src), ncol), dtype=np.float32)
    uniq, inverse = np.unique(src, return_inverse=True)
    for start in range(0, len(uniq), chunk):
        part = uniq[start:start + chunk]
        t = travel_times(graph, part, cutoff=cutoff, dtype=np.float64, chunk=chunk)
        if dst is not None:
            t = t[:, dst]
        t[~np.isfinite(t)] = np.nan
        for k in range(len(part)):
            out[inverse == start + k] = t[k]
    return out


def od_matrix(origins: gpd.GeoDataFrame | str | Sequence[str],
              destinations: gpd.GeoDataFrame | str | Sequence[str] | None = None, *,
              graph: Graph | None = None, scenario: str = "current", mode: str = "multimodal",
              cutoff: float | None = None, max_snap_m: float | None = None) -> pd.DataFrame:
    """Travel times between two point sets, one row per pair.

    Parameters
    ----------
    origins, destinations : GeoDataFrame, str or list of str
        Points, or gazetteer place names. ``destinations`` defaults to ``origins``.
        Labels come from ``name_zh``, ``name``, ``id`` or the index.
    graph : Graph, optional
        The network; by default the trunk network of ``scenario`` and ``mode``.
    cutoff : float, optional
        Do not search beyond this many minutes (pairs beyond it are NaN, without warning).
    max_snap_m : float, optional
        Refuse points farther than this from the network (NaN, with a warning).

    Returns
    -------
    pandas.DataFrame
        ``origin, destination, scenario, mode, travel_time_min, distance_km,
        origin_snap_m, destination_snap_m``. Times are door to door (access at the
        off-road speed included). Unreachable pairs, and points beyond the snap limit,
        have NaN and a warning names them.

    Examples
    --------
    >>> od = od_matrix(["拉萨"], ["日喀则", "那曲"], mode="road")
    >>> od[["origin", "destination"]].values.tolist()
    [['拉萨', '日喀则'], ['拉萨', '那曲']]
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    o = as_points(origins, name="origins")
    d = o if destinations is None else as_points(destinations, name="destinations")
    mat, km, so, sd = snapped_od(g, o, d, cutoff=cutoff, max_snap_m=max_snap_m, distance=True)
    ol, dl = point_labels(o), point_labels(d)
    scen, md = scenario_mode(g)
    n_o, n_d = len(ol), len(dl)
    out = pd.DataFrame({
        "origin": np.repeat(ol, n_d),
        "destination": np.tile(dl, n_o),
        "scenario": scen,
        "mode": md,
        "travel_time_min": mat.reshape(-1),
        "distance_km": km.reshape(-1),
        "origin_snap_m": np.repeat(so["snap_m"].to_numpy(), n_d),
        "destination_snap_m": np.tile(sd["snap_m"].to_numpy(), n_o),
    })
    missing = out["travel_time_min"].isna()
    if missing.any() and cutoff is None:
        pairs = out.loc[missing, ["origin", "destination"]].head(10)
        shown = ", ".join(f"{a} → {b}" for a, b in pairs.itertuples(index=False))
        more = f" and {int(missing.sum()) - 10} more" if missing.sum() > 10 else ""
        warnings.warn(f"{int(missing.sum())} of {len(out)} origin-destination pairs are "
                      f"unreachable (travel_time_min is NaN): {shown}{more}. The network "
                      "has no connection between them in this scenario and mode.", stacklevel=2)
    return out
