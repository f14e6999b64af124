"""Plan layers ``highways``, ``railways`` and ``transport_channels`` derived from the segments.

A highway or railway feature of the plan files does not draw its own line: it names the
network segments it consists of (``layers/network/roads.yaml`` / ``rail.yaml``), either

* ``route: {ref: G219, from: 阿里, to: 察隅}`` — the chain of segments carrying that route
  reference (or rail line id, ``route: {line: lalin}``) between two places, found as the
  shortest chain of such segments; or
* ``segments: [id, ...]`` — the segment ids in order.

A transport channel names the plan features it bundles (``routes: [g109, rail_qingzang]``)
and its geometry is their union. So the plan map and the routing network are the same
lines, and :func:`plan_network_mismatches` reports any plan status that contradicts the
statuses of its segments.
"""

from __future__ import annotations

import heapq
import logging
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import MultiLineString

from gisxz.exceptions import PlanFileError
from gisxz.io.documents import Node
from gisxz.network.segments import split_refs

log = logging.getLogger(__name__)

__all__ = ["PLAN_TO_NETWORK_STATUS", "route_segments", "segment_geometry",
           "plan_network_mismatches"]

#: Network statuses a plan status allows for every segment of the feature.
PLAN_TO_NETWORK_STATUS: dict[str, tuple[str, ...]] = {
    "operating": ("operating",),
    "upgrading": ("operating",),
    "under_construction": ("under_construction",),
    "preparatory": ("planned",),
    "planned": ("planned",),
    "designated": ("operating", "under_construction", "planned"),
}


def _candidates(edges: pd.DataFrame, spec: Node) -> pd.DataFrame:
    if "line" in spec:
        sel = edges[(edges["mode"] == "rail") & (edges["line"] == spec["line"])]
        what = f"rail line {spec['line']!r}"
    elif "ref" in spec:
        ref = str(spec["ref"])
        mask = [(m == "road" and ref in split_refs(h)) for h, m in
                zip(edges["highway"], edges["mode"], strict=True)]
        sel = edges[mask]
        what = f"route reference {ref!r}"
    else:
        raise spec.error("route needs ref (a road reference such as G219) or line (a rail "
                         "line id of rail.yaml)", key="route")
    if "status" in spec:
        sel = sel[sel["status"] == spec["status"]]
    if sel.empty:
        raise spec.error(f"no network segment carries {what}"
                         + (f" with status {spec['status']!r}" if "status" in spec else "")
                         + "; add it to layers/network/roads.yaml or rail.yaml", key="route")
    return sel


def _chain(sel: pd.DataFrame, a: str, b: str) -> list[int] | None:
    """Row positions of the shortest chain of ``sel`` from place ``a`` to place ``b``."""
    adj: dict[str, list[tuple[str, float, int]]] = {}
    for i, (u, v, km) in enumerate(zip(sel["from_place"], sel["to_place"], sel["drawn_km"],
                                       strict=True)):
        adj.setdefault(u, []).append((v, km, i))
        adj.setdefault(v, []).append((u, km, i))
    best = {a: 0.0}
    prev: dict[str, tuple[str, int]] = {}
    heap = [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            break
        if d > best.get(u, float("inf")):
            continue
        for v, km, i in adj.get(u, []):
            if d + km < best.get(v, float("inf")):
                best[v] = d + km
                prev[v] = (u, i)
                heapq.heappush(heap, (d + km, v))
    if b not in prev:
        return None
    out, node = [], b
    while node != a:
        node, i = prev[node]
        out.append(i)
    return out[::-1]


def route_segments(node: Node, edges: pd.DataFrame, gazetteer) -> pd.DataFrame:
    """The network segments (rows of ``edges``) a plan feature consists of, in order."""
    if node.get("segments") is not None:
        ids = node["segments"]
        if not isinstance(ids, list) or not ids:
            raise node.error("segments must list network segment ids", key="segments")
        missing = [s for s in ids if s not in set(edges["id"])]
        if missing:
            raise node.error(f"segment {missing[0]!r} is not in layers/network/roads.yaml or "
                             "rail.yaml", key="segments")
        return edges.set_index("id").loc[ids].reset_index()
    spec = node["route"]
    if not isinstance(spec, Node):
        raise node.error("route must be a mapping {ref: G219, from: A, to: B} or {line: id}",
                         key="route")
    sel = _candidates(edges, spec).reset_index(drop=True)
    if "from" not in spec and "to" not in spec:
        return sel
    a = gazetteer.resolve(str(spec.get("from")), path=node.path, line=node.line_of("route"))
    b = gazetteer.resolve(str(spec.get("to")), path=node.path, line=node.line_of("route"))
    chain = _chain(sel, a["id"], b["id"])
    if chain is None:
        raise node.error(f"the segments of route {dict(spec)} do not connect {a['name_zh']} "
                         f"to {b['name_zh']}; check the segments' highway/line fields",
                         key="route")
    return sel.iloc[chain].reset_index(drop=True)


def segment_geometry(segs: pd.DataFrame) -> Any:
    """One line (or multi-line where the chain has gaps) from segment geometries."""
    merged = shapely.line_merge(shapely.union_all(list(segs.geometry)))
    if merged.geom_type == "GeometryCollection":
        merged = MultiLineString([g for g in shapely.get_parts(merged)])
    return merged


def _place_chain(segs: pd.DataFrame) -> str:
    """The places along a chain of segments, in travel order (``A—B—C``).

    Examples
    --------
    >>> df = pd.DataFrame({"from_name": ["B", "B"], "to_name": ["A", "C"]})
    >>> _place_chain(df)
    'A—B—C'
    """
    pairs = list(zip(segs["from_name"], segs["to_name"], strict=True))
    if not pairs:
        return ""
    a, b = pairs[0]
    if len(pairs) > 1 and a in pairs[1] and b not in pairs[1]:
        a, b = b, a
    names = [a, b]
    for a, b in pairs[1:]:
        if a == names[-1]:
            names.append(b)
        elif b == names[-1]:
            names.append(a)
        else:  # a gap in the chain
            names += ["…", a, b]
    return "—".join(names)


def route_extra(segs: pd.DataFrame) -> dict:
    """Attributes a derived feature carries about its segments."""
    return {"waypoints": _place_chain(segs), "segments": ";".join(segs["id"]),
            "network_status": ";".join(sorted(set(segs["status"]))),
            "route_km": float(segs["length_km"].sum())}


def plan_network_mismatches(layers: dict, *, names=("highways", "railways")) -> pd.DataFrame:
    """Plan features whose status contradicts the statuses of their network segments.

    Returns a frame ``layer, id, status, network_status, message`` (empty when all agree).
    """
    rows = []
    for name in names:
        gdf = layers.get(name)
        if gdf is None or "network_status" not in gdf:
            continue
        for r in gdf.itertuples():
            allowed = PLAN_TO_NETWORK_STATUS.get(r.status, ())
            found = [s for s in str(r.network_status).split(";") if s]
            bad = [s for s in found if s not in allowed]
            if bad:
                rows.append({"layer": name, "id": r.id, "status": r.status,
                             "network_status": r.network_status,
                             "message": f"plan status {r.status!r} but segments are "
                                        f"{', '.join(bad)} (allowed: {', '.join(allowed)})"})
    return pd.DataFrame(rows, columns=["layer", "id", "status", "network_status", "message"])


def check_route_node(node: Node) -> None:
    """Shape checks of ``route``, ``segments`` and ``routes`` of a plan feature."""
    if node.get("route") is not None and not isinstance(node["route"], dict):
        raise PlanFileError("route must be a mapping {ref: G219, from: A, to: B} or {line: id}",
                            path=node.path, line=node.line_of("route"))
    if node.get("routes") is not None:
        r = node["routes"]
        if not isinstance(r, list) or not r or not all(isinstance(x, str) for x in r):
            raise node.error("routes must list plan feature ids (highways, railways)",
                             key="routes")
