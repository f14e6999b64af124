"""The fastest route between two places, segment by segment.

:func:`route` explains a travel time: the path as a line, and a table with one row per
segment (the off-road access leg, every road or rail segment, station access and
transfers, the egress leg) giving its reference (G318, 拉林铁路 …), length, minutes, mode
and status. The minutes add up to the door-to-door travel time of
:func:`gisxz.network.od.od_matrix`.

Examples
--------
>>> r = route("拉萨", "日喀则", mode="road")
>>> round(r.travel_time_min) == round(r.segments["minutes"].sum())
True
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csgraph
from shapely.geometry import LineString
from shapely.ops import linemerge

from gisxz.exceptions import NetworkError
from gisxz.network._util import as_graph, as_points, scenario_mode
from gisxz.network.engine import Graph
from gisxz.network.od import edge_lengths_km
from gisxz.network.snap import point_labels, snap_points

log = logging.getLogger(__name__)

__all__ = ["Route", "route", "shortest_tree", "path_nodes", "path_edges", "edge_refs",
           "SEGMENT_COLUMNS", "segment_table", "line_names"]

#: Columns of :attr:`Route.segments` (besides ``geometry``).
SEGMENT_COLUMNS = ["seq", "kind", "ref", "from_name", "to_name", "km", "minutes", "kmh",
                   "mode", "status", "opened", "id"]


@dataclass
class Route:
    """A fastest route.

    Attributes
    ----------
    origin, destination, scenario, mode : str
    travel_time_min, distance_km : float
        Door to door (NaN when there is no route).
    segments : geopandas.GeoDataFrame
        :data:`SEGMENT_COLUMNS` and the geometry of each segment (EPSG of the graph's
        output CRS).
    """

    origin: str
    destination: str
    scenario: str
    mode: str
    travel_time_min: float
    distance_km: float
    segments: gpd.GeoDataFrame

    def line(self) -> gpd.GeoDataFrame:
        """The route as one line feature with its totals."""
        geoms = [g for g in self.segments.geometry if g is not None and not g.is_empty]
        merged = linemerge(geoms) if geoms else LineString()
        return gpd.GeoDataFrame(
            {"origin": [self.origin], "destination": [self.destination],
             "scenario": [self.scenario], "mode": [self.mode],
             "travel_time_min": [self.travel_time_min], "distance_km": [self.distance_km],
             "refs": [" → ".join(_dedupe(self.segments["ref"]))]},
            geometry=[merged], crs=self.segments.crs)

    def table(self) -> pd.DataFrame:
        """The segment table without geometry."""
        return pd.DataFrame(self.segments.drop(columns="geometry"))

    def summary(self) -> str:
        """One line: origin → destination, scenario, mode, minutes, km and the references."""
        return (f"{self.origin} → {self.destination} ({self.scenario or '-'}, "
                f"{self.mode or '-'}): {self.travel_time_min:.0f} min, "
                f"{self.distance_km:.0f} km via {' → '.join(_dedupe(self.segments['ref']))}")


def _dedupe(refs: Sequence[str]) -> list[str]:
    out: list[str] = []
    for r in refs:
        if r and (not out or out[-1] != r):
            out.append(str(r))
    return out


def shortest_tree(graph: Graph, node: int, *, reverse: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Times (minutes) from ``node`` to every node and the predecessor of each (-9999: none)."""
    m = graph.csr_reverse() if reverse else graph.csr()
    d, pred = csgraph.dijkstra(m, directed=True, indices=int(node), return_predecessors=True)
    return d, pred


def path_nodes(pred: np.ndarray, target: int) -> list[int]:
    """Nodes from the root of a predecessor tree to ``target`` ([] when unreached)."""
    path = [int(target)]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
        if len(path) > len(pred):
            raise NetworkError("the predecessor tree has a cycle")
    return path[::-1]


def path_edges(graph: Graph, nodes: Sequence[int]) -> np.ndarray:
    """Rows of ``graph.edges`` (the fastest parallel edge) along consecutive ``nodes``."""
    rows = []
    for u, v in zip(nodes[:-1], nodes[1:], strict=True):
        lo, hi = graph.indptr[u], graph.indptr[u + 1]
        k = lo + int(np.searchsorted(graph.indices[lo:hi], v))
        if k >= hi or graph.indices[k] != v:
            raise NetworkError(f"no edge between nodes {u} and {v}")
        rows.append(int(graph.slot_edge[k]))
    return np.asarray(rows, dtype=np.int64)


@functools.lru_cache(maxsize=4)
def _rail_line_names(path: str, mtime: float) -> dict[str, str]:
    from gisxz.io.documents import load_yaml

    doc = load_yaml(path)
    return {str(ln["id"]): str(ln.get("name_zh") or ln["id"])
            for ln in (doc.get("lines") or []) if isinstance(ln, dict) and "id" in ln}


def line_names() -> dict[str, str]:
    """Rail line id → Chinese name (``layers/network/rail.yaml``; empty when unreadable)."""
    from pathlib import Path

    from gisxz import settings

    path = Path(settings.layers_dir) / "network" / "rail.yaml"
    try:
        return _rail_line_names(str(path), path.stat().st_mtime)
    except Exception:  # noqa: BLE001 - names are a nicety; ids are shown instead
        return {}


def edge_refs(edges: pd.DataFrame) -> np.ndarray:
    """A readable reference per edge: ``ref``, else ``highway``, else the rail line's name
    (or id), else the link kind (station access, transfer), else ``id``."""
    ref = pd.Series([""] * len(edges), index=edges.index, dtype=object)
    for col in ("ref", "highway", "line", "name", "id"):
        if col in edges.columns:
            val = edges[col].fillna("").astype(str)
            if col == "line":
                names = line_names()
                val = val.map(lambda v: names.get(v, v))  # noqa: B023 - used at once
            ref = ref.where(ref != "", val)
    if "mode" in edges.columns:
        link = edges["mode"].isin(["access", "transfer"])
        ref = ref.where(~link, edges["mode"].map({"access": "进出站 station access",
                                                  "transfer": "换乘 transfer"}))
    return ref.to_numpy()


def segment_table(graph: Graph, rows: np.ndarray) -> pd.DataFrame:
    e = graph.edges.iloc[rows].reset_index(drop=True)
    labels = graph.nodes["name_zh"] if "name_zh" in graph.nodes else graph.nodes["node"]
    labels = labels.fillna(graph.nodes["node"]).astype(str).to_numpy()

    def col(name: str, default=""):
        return e[name].to_numpy() if name in e.columns else np.full(len(e), default,
                                                                     dtype=object)

    return pd.DataFrame({
        "kind": "network", "ref": edge_refs(e), "from_name": labels[e["u"].to_numpy()],
        "to_name": labels[e["v"].to_numpy()], "km": edge_lengths_km(graph)[rows],
        "minutes": e["travel_time"].to_numpy(dtype=float), "mode": col("mode", "road"),
        "status": col("status"), "opened": col("opened", None), "id": col("id"),
        "geometry": e.geometry.to_numpy()})


def _leg(name_a: str, name_b: str, snap: pd.Series, kind: str, geom) -> dict:
    return {"kind": kind, "ref": "场站/路外连接 off-network", "from_name": name_a,
            "to_name": name_b, "km": float(snap["snap_m"]) / 1000.0,
            "minutes": float(snap["access_min"]), "mode": "off-road", "status": "",
            "opened": None, "id": "", "geometry": geom}


def _node_name(graph: Graph, node: int) -> str:
    name = graph.nodes["name_zh"].iloc[node] if "name_zh" in graph.nodes else None
    return str(name) if isinstance(name, str) and name else str(graph.nodes["node"].iloc[node])


def _legs_geometry(graph: Graph, pt, node: int):
    xy = graph.nodes.loc[node, ["x", "y"]].to_numpy(dtype=float)
    return LineString([(pt.x, pt.y), tuple(xy)])


def route(origin, destination, *, graph: Graph | None = None, scenario: str = "current",
          mode: str = "multimodal", max_snap_m: float | None = None) -> Route:
    """The fastest route from ``origin`` to ``destination`` with its segment table.

    Parameters
    ----------
    origin, destination : str or GeoDataFrame
        A gazetteer name or a one-point frame each.
    graph : Graph, optional
        Default: the trunk network of ``scenario`` and ``mode``.

    Raises
    ------
    NetworkError
        A point lies beyond the snap limit, or there is no route (the message says so).
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    a = as_points(origin, name="origin").iloc[:1]
    b = as_points(destination, name="destination").iloc[:1]
    sa = snap_points(g, a, max_snap_m=max_snap_m, name="origin").iloc[0]
    sb = snap_points(g, b, max_snap_m=max_snap_m, name="destination").iloc[0]
    la, lb = str(point_labels(a)[0]), str(point_labels(b)[0])
    scen, md = scenario_mode(g)
    for lab, s in ((la, sa), (lb, sb)):
        if not s["reachable"]:
            raise NetworkError(f"{lab} lies {s['snap_m'] / 1000:.1f} km from the network, "
                               "beyond the snap limit; no route")
    d, pred = shortest_tree(g, int(sa["node"]))
    if not np.isfinite(d[int(sb["node"])]):
        raise NetworkError(f"no route from {la} to {lb} in scenario {scen or scenario!r}, "
                           f"mode {md or mode!r}: the network does not connect them")
    rows = path_edges(g, path_nodes(pred, int(sb["node"])))
    mid = segment_table(g, rows)
    pa = gpd.GeoSeries(a.geometry.values, crs=a.crs).to_crs(g.crs).iloc[0]
    pb = gpd.GeoSeries(b.geometry.values, crs=b.crs).to_crs(g.crs).iloc[0]
    parts = [pd.DataFrame([_leg(la, _node_name(g, int(sa["node"])), sa, "access",
                                _legs_geometry(g, pa, int(sa["node"])))]), mid,
             pd.DataFrame([_leg(_node_name(g, int(sb["node"])), lb, sb, "egress",
                                _legs_geometry(g, pb, int(sb["node"])).reverse())])]
    seg = pd.concat([p for p in parts if len(p)], ignore_index=True)
    seg = seg[~((seg["kind"] != "network") & (seg["km"] <= 0))].reset_index(drop=True)
    seg.insert(0, "seq", np.arange(1, len(seg) + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        seg.insert(7, "kmh", np.where((seg["minutes"] > 0) & (seg["km"] > 0),
                                      seg["km"] / seg["minutes"] * 60, np.nan))
    seg = gpd.GeoDataFrame(seg, geometry="geometry", crs=g.crs).to_crs(g.out_crs)
    return Route(origin=la, destination=lb, scenario=scen, mode=md,
                 travel_time_min=float(seg["minutes"].sum()),
                 distance_km=float(seg["km"].sum()), segments=seg)
