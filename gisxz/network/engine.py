"""A compact routing graph in CSR form and fast shortest travel times.

The :class:`Graph` keeps what routing needs in flat numpy arrays (compressed
sparse rows of travel times in minutes) plus two tables for everything else:
``nodes`` (one row per node, coordinates in a metric CRS) and ``edges`` (one
row per directed edge, with geometry in the same metric CRS). Shortest paths
run in C through :func:`scipy.sparse.csgraph.dijkstra`, source by source in
chunks so that large origin-destination matrices stay in float32.

Travel times are in **minutes** everywhere in :mod:`gisxz.network`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from scipy import sparse
from scipy.sparse import csgraph

from gisxz.core.validate import check_cutoff
from gisxz.exceptions import NetworkError

log = logging.getLogger(__name__)

__all__ = ["Graph", "travel_times", "nearest_source", "MIN_EDGE_MINUTES"]

#: Smallest travel time of an edge (minutes). Zero-length edges are raised to it so that
#: the sparse representation never drops them.
MIN_EDGE_MINUTES = 1e-6


@dataclass(eq=False)
class Graph:
    """A directed routing graph with travel times in minutes.

    Build one with :meth:`Graph.from_edges`; do not fill the fields by hand.

    Attributes
    ----------
    nodes : pandas.DataFrame
        One row per node (position = node index) with at least ``node`` (label),
        ``x`` and ``y`` (metres in :attr:`crs`).
    edges : geopandas.GeoDataFrame
        One row per directed edge with ``u``, ``v`` (node indices), ``travel_time``
        (minutes) and a geometry in :attr:`crs` (may be empty for abstract links).
    crs : pyproj.CRS
        The metric CRS of the coordinates and geometries.
    out_crs : pyproj.CRS
        The CRS results are returned in (the CRS of the input data).
    meta : dict
        Free description: ``scenario``, ``mode``, ``iso_buffer_m``, ``source`` ...

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"node": ["a", "b", "c"], "x": [0.0, 1000, 2000], "y": 0.0})
    >>> g = Graph.from_edges(nodes, [0, 1], [1, 2], [2.0, 3.0], crs=3857, bidirectional=True)
    >>> travel_times(g, [0])[0].tolist()
    [0.0, 2.0, 5.0]
    """

    nodes: pd.DataFrame
    edges: gpd.GeoDataFrame
    crs: CRS
    out_crs: CRS
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    slot_edge: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    _csr: sparse.csr_matrix | None = field(default=None, repr=False)
    _csr_t: sparse.csr_matrix | None = field(default=None, repr=False)
    _label_index: dict | None = field(default=None, repr=False)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_edges(cls, nodes: pd.DataFrame, u: Sequence[int] | np.ndarray,
                   v: Sequence[int] | np.ndarray, travel_time: Sequence[float] | np.ndarray,
                   *, crs: Any, out_crs: Any = None, edges: pd.DataFrame | None = None,
                   geometry: Any = None, bidirectional: bool = False,
                   meta: dict[str, Any] | None = None) -> Graph:
        """Build a graph from node and edge arrays.

        Parameters
        ----------
        nodes : pandas.DataFrame
            Node table with ``x``, ``y`` in the metric ``crs`` (a ``node`` label column
            is added from the index when absent).
        u, v : array of int
            Node positions (0..len(nodes)-1) of each edge's ends.
        travel_time : array of float
            Minutes per edge; must be finite and non-negative.
        crs : CRS-like
            Metric CRS of ``x``, ``y`` and ``geometry``.
        out_crs : CRS-like, optional
            CRS of results (defaults to ``crs``).
        edges : pandas.DataFrame, optional
            Extra edge attributes, one row per edge.
        geometry : array of shapely geometries, optional
            Edge geometries in ``crs``.
        bidirectional : bool
            Add the reverse of every edge (same attributes, reversed geometry).
        meta : dict, optional
            Description stored in :attr:`meta`.

        Raises
        ------
        NetworkError
            Bad node indices, negative or non-finite travel times.
        """
        import shapely

        nodes = pd.DataFrame(nodes).reset_index(drop="node" in nodes.columns)
        if "node" not in nodes.columns:
            nodes = nodes.rename(columns={"index": "node"})
        for col in ("x", "y"):
            if col not in nodes.columns:
                raise NetworkError(f"nodes has no column {col!r}; give metric coordinates x, y")
        n = len(nodes)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        tt = np.asarray(travel_time, dtype=np.float64)
        if not (len(u) == len(v) == len(tt)):
            raise NetworkError(f"u, v and travel_time differ in length ({len(u)}, {len(v)}, "
                               f"{len(tt)}); give one value per edge")
        if len(u) and (u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n):
            raise NetworkError(f"edge ends must be node positions 0..{n - 1}; got values "
                               f"{min(u.min(), v.min())}..{max(u.max(), v.max())}")
        bad = ~np.isfinite(tt) | (tt < 0)
        if bad.any():
            raise NetworkError(f"{int(bad.sum())} edges have a negative or missing travel_time "
                               f"(first at edge {int(np.flatnonzero(bad)[0])}); travel times "
                               "must be finite minutes >= 0")
        attrs = (pd.DataFrame(edges).reset_index(drop=True) if edges is not None
                 else pd.DataFrame(index=range(len(u))))
        if len(attrs) != len(u):
            raise NetworkError(f"edges has {len(attrs)} rows but there are {len(u)} edges")
        geom = (np.asarray(geometry, dtype=object) if geometry is not None
                else np.full(len(u), None, dtype=object))
        if bidirectional:
            rgeom = np.asarray(shapely.reverse(geom), dtype=object)
            u, v = np.concatenate([u, v]), np.concatenate([v, u])
            tt = np.concatenate([tt, tt])
            attrs = pd.concat([attrs, attrs], ignore_index=True)
            geom = np.concatenate([geom, rgeom])
        attrs = attrs.drop(columns=[c for c in ("u", "v", "travel_time", "geometry")
                                    if c in attrs.columns])
        attrs.insert(0, "u", u)
        attrs.insert(1, "v", v)
        attrs.insert(2, "travel_time", tt)
        crs = CRS.from_user_input(crs)
        edges_gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geom, crs=crs).values,
                                     crs=crs)
        indptr, indices, weights, slot_edge = _compress(n, u, v, tt)
        return cls(nodes=nodes, edges=edges_gdf, crs=crs,
                   out_crs=CRS.from_user_input(out_crs) if out_crs is not None else crs,
                   indptr=indptr, indices=indices, weights=weights, slot_edge=slot_edge,
                   meta=dict(meta or {}))

    # -- properties ---------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of directed edges (parallel edges included)."""
        return len(self.edges)

    def __repr__(self) -> str:
        desc = ", ".join(f"{k}={v}" for k, v in self.meta.items()
                         if k in ("scenario", "mode", "source"))
        return f"<Graph {self.n_nodes} nodes, {self.n_edges} edges{', ' + desc if desc else ''}>"

    def csr(self) -> sparse.csr_matrix:
        """The travel-time matrix as a scipy CSR matrix (minimum over parallel edges)."""
        if self._csr is None:
            m = sparse.csr_matrix((self.weights, self.indices, self.indptr),
                                  shape=(self.n_nodes, self.n_nodes))
            m.has_sorted_indices = True
            self._csr = m
        return self._csr

    def csr_reverse(self) -> sparse.csr_matrix:
        """The transposed matrix (routes *to* nodes instead of *from* them)."""
        if self._csr_t is None:
            self._csr_t = self.csr().T.tocsr()
        return self._csr_t

    def node_index(self, labels: Iterable[Any]) -> np.ndarray:
        """Positions of nodes by label.

        Raises
        ------
        NetworkError
            A label is not a node of the graph.
        """
        if self._label_index is None:
            self._label_index = {lab: i for i, lab in enumerate(self.nodes["node"].tolist())}
        out = []
        for lab in labels:
            pos = self._label_index.get(lab)
            if pos is None:
                raise NetworkError(f"node {lab!r} is not in the graph; use a node label from "
                                   "graph.nodes['node'] or snap a point with snap_points()")
            out.append(pos)
        return np.asarray(out, dtype=np.int64)

    def subgraph_edges(self, mask: np.ndarray, *, meta: dict | None = None) -> Graph:
        """A graph on the same nodes keeping only the edges where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        e = self.edges[mask]
        return Graph.from_edges(self.nodes, e["u"].to_numpy(), e["v"].to_numpy(),
                                e["travel_time"].to_numpy(), crs=self.crs, out_crs=self.out_crs,
                                edges=e.drop(columns="geometry"), geometry=e.geometry.values,
                                meta={**self.meta, **(meta or {})})

    def edges_out(self) -> gpd.GeoDataFrame:
        """The edges in :attr:`out_crs` with node labels in ``from_node``/``to_node``."""
        e = self.edges.copy()
        labels = self.nodes["node"].to_numpy()
        e.insert(2, "from_node", labels[e["u"].to_numpy()])
        e.insert(3, "to_node", labels[e["v"].to_numpy()])
        return e.to_crs(self.out_crs)


def _compress(n: int, u: np.ndarray, v: np.ndarray, tt: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays keeping, for each (u, v) pair, the fastest edge; no self loops."""
    keep = u != v
    eid = np.flatnonzero(keep)
    uu, vv, ww = u[keep], v[keep], np.maximum(tt[keep], MIN_EDGE_MINUTES)
    order = np.lexsort((ww, vv, uu))
    uu, vv, ww, eid = uu[order], vv[order], ww[order], eid[order]
    if len(uu):
        first = np.ones(len(uu), dtype=bool)
        first[1:] = (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])
        uu, vv, ww, eid = uu[first], vv[first], ww[first], eid[first]
    counts = np.bincount(uu, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int32 if len(uu) < 2**31 else np.int64)
    np.cumsum(counts, out=indptr[1:])
    idx_dtype = indptr.dtype
    return indptr, vv.astype(idx_dtype), ww.astype(np.float64), eid.astype(np.int64)


def _as_indices(graph: Graph, sources: Iterable[int] | int) -> np.ndarray:
    src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    if len(src) and (src.min() < 0 or src.max() >= graph.n_nodes):
        raise NetworkError(f"source node positions must lie in 0..{graph.n_nodes - 1}; got "
                           f"{src.min()}..{src.max()}")
    return src


def travel_times(graph: Graph, sources: Iterable[int] | int, *, cutoff: float | None = None,
                 reverse: bool = False, dtype: Any = np.float32, chunk: int = 16) -> np.ndarray:
    """Shortest travel times (minutes) from each source to every node.

    Parameters
    ----------
    graph : Graph
        The network.
    sources : int or array of int
        Node positions of the origins.
    cutoff : float, optional
        Stop searching beyond this many minutes; farther nodes get ``inf``.
    reverse : bool
        Travel times *to* the sources instead of from them.
    dtype : numpy dtype
        Result type; float32 (default) halves the memory of large matrices.
    chunk : int
        Sources routed per call into scipy (bounds the float64 working memory).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(sources), n_nodes)``; ``inf`` where a node is not reachable.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"x": [0.0, 1, 2, 3], "y": 0.0})
    >>> g = Graph.from_edges(nodes, [0, 1], [1, 2], [5.0, 5.0], crs=3857)
    >>> travel_times(g, [0], cutoff=7).tolist()
    [[0.0, 5.0, inf, inf]]
    """
    src = _as_indices(graph, sources)
    out = np.empty((len(src), graph.n_nodes), dtype=dtype)
    if not len(src):
        return out
    m = graph.csr_reverse() if reverse else graph.csr()
    limit = np.inf if cutoff is None else check_cutoff(cutoff)
    for start in range(0, len(src), max(1, int(chunk))):
        part = src[start:start + chunk]
        d = csgraph.dijkstra(m, directed=True, indices=part, limit=limit)
        out[start:start + len(part)] = d
    return out


def nearest_source(graph: Graph, sources: Iterable[int], *, cutoff: float | None = None,
                   reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """For every node, the travel time to the nearest source and which source it is.

    One multi-source search (not one per source). With ``reverse=True`` the times
    are from each node *to* its nearest source (e.g. a resident travelling to a facility).

    Returns
    -------
    (times, which) : numpy.ndarray, numpy.ndarray
        ``times`` in minutes (``inf`` when unreached) and ``which``, the position in
        ``sources`` of the nearest one (``-1`` when unreached).

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"x": [0.0, 1, 2], "y": 0.0})
    >>> g = Graph.from_edges(nodes, [0, 1], [1, 2], [1.0, 4.0], crs=3857, bidirectional=True)
    >>> t, w = nearest_source(g, [0, 2])
    >>> t.tolist(), w.tolist()
    ([0.0, 1.0, 0.0], [0, 0, 1])
    """
    src = _as_indices(graph, sources)
    m = graph.csr_reverse() if reverse else graph.csr()
    limit = np.inf if cutoff is None else check_cutoff(cutoff)
    if not len(src):
        return np.full(graph.n_nodes, np.inf), np.full(graph.n_nodes, -1)
    d, _, origin = csgraph.dijkstra(m, directed=True, indices=src, limit=limit, min_only=True,
                                    return_predecessors=True)
    lookup = np.full(graph.n_nodes, -1, dtype=np.int64)
    lookup[src[::-1]] = np.arange(len(src))[::-1]  # first occurrence wins for duplicates
    which = np.where(origin >= 0, lookup[np.maximum(origin, 0)], -1)
    which[~np.isfinite(d)] = -1
    return d, which
