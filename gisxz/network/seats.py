"""Distances and travel times every planner quotes: county seat to Lhasa and to its
prefecture seat, by road, for each scenario (``out/seat_access.csv``).

The time is the fastest road path of the trunk network (:func:`gisxz.network.trunk.trunk_graph`
with ``mode="road"``); the distance is the length of that same path (cited segment lengths
where they exist, else drawn length × circuity, see :mod:`gisxz.network.segments`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from gisxz.core.vocab import FIELD_ZH
from gisxz.network.trunk import load_trunk, scenario_names, trunk_graph

log = logging.getLogger(__name__)

__all__ = ["SEAT_ACCESS_LABELS", "fastest_paths", "seat_access", "write_seat_access",
           "network_step", "write_network_tables", "read_published", "compare_published"]

#: Columns of :func:`seat_access` and their Chinese labels (from :data:`FIELD_ZH`).
SEAT_ACCESS_LABELS = {c: FIELD_ZH.get(c, "情景") for c in (
    "adcode", "county_zh", "county_en", "prefecture_seat", "scenario", "lhasa_distance_km",
    "lhasa_travel_time_min", "prefecture_distance_km", "prefecture_travel_time_min")}


def _matrices(graph) -> tuple[sparse.csr_matrix, dict[tuple[int, int], float]]:
    seg = graph.meta["segments"]
    pos = {lab: i for i, lab in enumerate(graph.nodes["node"])}
    u = seg["from_node"].map(pos).to_numpy()
    v = seg["to_node"].map(pos).to_numpy()
    t = seg["travel_time"].to_numpy(dtype=float)
    km = seg["length_km"].to_numpy(dtype=float)
    best: dict[tuple[int, int], tuple[float, float]] = {}
    for a, b, tt, kk in zip(np.r_[u, v], np.r_[v, u], np.r_[t, t], np.r_[km, km], strict=True):
        if (a, b) not in best or tt < best[(a, b)][0]:
            best[(a, b)] = (tt, kk)
    keys = np.array(list(best), dtype=int).reshape(-1, 2)
    vals = np.array([best[k][0] for k in best], dtype=float)
    n = len(graph.nodes)
    m = sparse.csr_matrix((np.maximum(vals, 1e-9), (keys[:, 0], keys[:, 1])), shape=(n, n))
    return m, {k: best[k][1] for k in best}


def fastest_paths(graph, sources: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Time (min) and length (km) of the fastest path from each source to every node.

    Examples
    --------
    >>> g = trunk_graph(scenario="current", mode="road")
    >>> t, d = fastest_paths(g, [0])
    >>> t.shape == d.shape
    True
    """
    m, length = _matrices(graph)
    times, pred = dijkstra(m, directed=True, indices=sources, return_predecessors=True)
    dist = np.full(times.shape, np.inf)
    for i, s in enumerate(sources):
        dist[i, s] = 0.0
        for v in np.argsort(times[i]):
            p = pred[i, v]
            if p >= 0 and np.isfinite(times[i, v]):
                dist[i, v] = dist[i, p] + length[(p, v)]
    return times, dist


def _seat_nodes(graph, places: pd.DataFrame) -> np.ndarray:
    from scipy.spatial import cKDTree

    n = graph.nodes
    pts = places.to_crs(graph.crs)
    d, k = cKDTree(n[["x", "y"]].to_numpy()).query(np.column_stack([pts.geometry.x,
                                                                    pts.geometry.y]))
    return np.where(d <= 1000.0, k, -1)


def _one_scenario(scenario: str, seats: pd.DataFrame, prefs: pd.DataFrame, network) -> list:
    g = trunk_graph(scenario=scenario, mode="road", network=network)
    seat_k = _seat_nodes(g, seats)
    pref_k = _seat_nodes(g, prefs)
    lhasa = int(pref_k[list(prefs["id"]).index("pref_540100")])
    srcs = [lhasa, *[int(k) for k in pref_k]]
    times, dist = fastest_paths(g, srcs)
    pref_row = {pid: 1 + j for j, pid in enumerate(prefs["id"])}
    rows = []
    for (_, s), k in zip(seats.iterrows(), seat_k, strict=True):
        pid = f"pref_{str(int(s['adcode']))[:4]}00"
        j = pref_row[pid]
        ok = k >= 0
        rows.append({
            "adcode": int(s["adcode"]), "county_zh": s["name_zh"], "county_en": s["name_en"],
            "prefecture_seat": prefs.loc[prefs["id"] == pid, "name_zh"].iloc[0],
            "scenario": scenario,
            "lhasa_distance_km": round(float(dist[0, k]), 1) if ok else np.nan,
            "lhasa_travel_time_min": round(float(times[0, k]), 0) if ok else np.nan,
            "prefecture_distance_km": round(float(dist[j, k]), 1) if ok else np.nan,
            "prefecture_travel_time_min": round(float(times[j, k]), 0) if ok else np.nan,
        })
    return rows


def seat_access(*, scenarios: list[str] | None = None, network=None) -> pd.DataFrame:
    """Road distance and travel time of each county seat to Lhasa and to its prefecture seat.

    One row per county seat (74) and scenario. Columns: :data:`SEAT_ACCESS_LABELS`.

    Examples
    --------
    >>> t = seat_access(scenarios=["current"])
    >>> len(t), int(t["lhasa_travel_time_min"].isna().sum())
    (74, 0)
    """
    from gisxz.base.gazetteer import default_gazetteer

    net = network if network is not None else load_trunk()
    p = default_gazetteer().places
    seats = p[p["kind"] == "county_seat"].sort_values("adcode").reset_index(drop=True)
    prefs = p[p["kind"] == "prefecture_seat"].reset_index(drop=True)
    rows = []
    for sc in scenarios or scenario_names():
        rows.extend(_one_scenario(sc, seats, prefs, net))
    return pd.DataFrame(rows, columns=list(SEAT_ACCESS_LABELS))


def write_seat_access(path: str | Path, *, overwrite: bool = False) -> Path:
    """Write :func:`seat_access` as a CSV with Chinese and English headers."""
    from gisxz.io.tables import write_table

    return write_table(seat_access(), Path(path), overwrite=overwrite, labels=SEAT_ACCESS_LABELS)


def network_step(layers: dict, tables: dict, *, network=None) -> None:
    """The main job's network step: add ``network_roads`` / ``network_rail`` to ``layers``
    and the seat table ``seat_access`` to ``tables`` (in place; nothing is written)."""
    from gisxz.network.segments import network_layers

    net = network if network is not None else load_trunk()
    layers.update(network_layers(net))
    tables["seat_access"] = seat_access(network=net)


def write_network_tables(tables: dict, out_dir: str | Path) -> list[Path]:
    """Write ``seat_access.csv`` and ``check_report.csv`` (bilingual headers) into
    ``out_dir`` when those tables are present."""
    from gisxz.check import CHECK_LABELS
    from gisxz.io.tables import write_table

    out = []
    for name, labels in (("seat_access", SEAT_ACCESS_LABELS), ("check_report", CHECK_LABELS)):
        if name in tables:
            out.append(write_table(tables[name], Path(out_dir) / f"{name}.csv", labels=labels))
    return out


def read_published(path: str | Path | None = None) -> pd.DataFrame:
    """Published seat distances of ``layers/network/seat_distances.yaml``.

    Columns ``seat, to, km, source, note, confidence`` (``confidence`` empty or ``low``).
    """
    from gisxz import settings
    from gisxz.io.documents import require
    from gisxz.network.segments import doc_of

    p = Path(path) if path else Path(settings.layers_dir) / "network" / "seat_distances.yaml"
    doc = doc_of(p, "gisxz.network.seat_distances/1")
    rows = []
    for d in require(doc, "distances", list):
        for key in ("seat", "to", "source"):
            require(d, key, str)
        km = d.get("km")
        if isinstance(km, bool) or not isinstance(km, int | float) or km <= 0:
            raise d.error(f"km must be a positive number, got {km!r}", key="km")
        rows.append({"seat": d["seat"], "to": d["to"], "km": float(km),
                     "source": d["source"], "note": str(d.get("note") or ""),
                     "confidence": str(d.get("confidence") or "")})
    return pd.DataFrame(rows)


def compare_published(*, scenario: str = "current", published: pd.DataFrame | None = None,
                      network=None) -> pd.DataFrame:
    """Modelled road distance (fastest path) versus the published seat distances.

    Returns ``seat, to, published_km, modelled_km, diff_km, diff_pct, source``.

    Examples
    --------
    >>> c = compare_published()
    >>> bool(c["modelled_km"].notna().all())
    True
    """
    from gisxz.base.gazetteer import default_gazetteer

    pub = read_published() if published is None else published
    gz = default_gazetteer()
    g = trunk_graph(scenario=scenario, mode="road",
                    network=network if network is not None else load_trunk())
    seats = gz.resolve_many(list(pub["seat"]))
    dests = gz.resolve_many(list(pub["to"]))
    sk, dk = _seat_nodes(g, seats), _seat_nodes(g, dests)
    uniq = sorted(set(int(k) for k in dk if k >= 0))
    _, dist = fastest_paths(g, uniq)
    row_of = {k: i for i, k in enumerate(uniq)}
    modelled = [float(dist[row_of[int(d)], int(s)]) if s >= 0 and d >= 0 else np.nan
                for s, d in zip(sk, dk, strict=True)]
    out = pd.DataFrame({"seat": pub["seat"], "to": pub["to"], "published_km": pub["km"],
                        "modelled_km": np.round(modelled, 0)})
    out["diff_km"] = out["modelled_km"] - out["published_km"]
    out["diff_pct"] = (100 * out["diff_km"] / out["published_km"]).round(1)
    out["source"] = pub["source"]
    out["note"] = pub["note"]
    return out
