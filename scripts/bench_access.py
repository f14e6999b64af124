#!/usr/bin/env python
"""Benchmark: gisxz routing engine versus networkx on a road-like graph of >= 300,000 nodes.

Builds a seeded, perturbed grid road network (random removals, local roads with varied
speeds, arterials every 8th line, expressways every 40th), then measures side by side
in one run:

1. one-to-all travel times from one origin;
2. a 3-hour isochrone (a search with a 180-minute cutoff; the polygon time of gisxz is
   reported separately, networkx has no equivalent);
3. a 100 x all origin-destination matrix (gisxz keeps it in float32). networkx is run
   on fewer origins (``--nx-od-sources``) and its time scaled linearly to 100; the
   output says so.

networkx is timed on a ``MultiDiGraph`` with a ``travel_time`` edge attribute, the graph
type osmnx builds (``--nx-graph digraph`` times a plain ``DiGraph`` instead). Times are
wall-clock medians; peak memory is measured in a second pass with tracemalloc (Python
and numpy allocations). The last line is ``ratio_vs_networkx_min=<number>``: the
smallest of the three speed ratios.

Usage::

    .venv/bin/python scripts/bench_access.py            # 330,000 nodes
    .venv/bin/python scripts/bench_access.py --quick    # 40,000 nodes, a smoke test
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gisxz.network.engine import Graph, travel_times  # noqa: E402
from gisxz.network.od import od_array  # noqa: E402


def road_grid(width: int, height: int, *, seed: int = 42, spacing_m: float = 1200.0
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """A perturbed grid road network: nodes (x, y) and two-way edges with minutes."""
    rng = np.random.default_rng(seed)
    n = width * height
    idx = np.arange(n).reshape(height, width)
    col, row = idx % width, idx // width
    x = col.ravel() * spacing_m + rng.normal(0, spacing_m * 0.15, n)
    y = row.ravel() * spacing_m + rng.normal(0, spacing_m * 0.15, n)
    # horizontal and vertical links
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    line = np.concatenate([row[:, :-1].ravel(), col[:-1, :].ravel()])  # the row/col it runs on
    keep = rng.random(len(u)) > 0.12  # missing links
    arterial = line % 8 == 0
    keep |= arterial  # arterials are continuous
    u, v, line, arterial = u[keep], v[keep], line[keep], arterial[keep]
    speed = rng.uniform(25, 60, len(u))  # local roads
    speed[arterial] = rng.uniform(70, 90, int(arterial.sum()))
    speed[line % 40 == 0] = 110.0  # expressways
    length = np.hypot(x[u] - x[v], y[v] - y[u]) * rng.uniform(1.0, 1.3, len(u))  # circuity
    minutes = length / 1000.0 / speed * 60.0
    nodes = pd.DataFrame({"node": np.arange(n), "x": x, "y": y})
    return nodes, u, v, minutes


def _baseline_polygon(g: Graph, times: np.ndarray, minutes: float, buffer_m: float):
    """The common recipe: every edge whose both ends are reached, buffered, then united."""
    e = g.edges
    t = np.asarray(times)
    ok = (t[e["u"].to_numpy()] <= minutes) & (t[e["v"].to_numpy()] <= minutes)
    return shapely.union_all(shapely.buffer(np.asarray(e.geometry.values)[ok], buffer_m))


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--width", type=int, default=600)
    ap.add_argument("--height", type=int, default=550)
    ap.add_argument("--quick", action="store_true", help="200 x 200 grid, fewer repeats")
    ap.add_argument("--od-sources", type=int, default=100)
    ap.add_argument("--nx-od-sources", type=int, default=5,
                    help="origins networkx routes for the OD task (scaled to --od-sources)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nx-graph", choices=["multidigraph", "digraph"], default="multidigraph")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    args = ap.parse_args(argv)
    if args.quick:
        args.width, args.height, args.repeat = 200, 200, 1
    import networkx as nx

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, networkx {nx.__version__}")
    t0 = time.perf_counter()
    nodes, u, v, minutes = road_grid(args.width, args.height, seed=args.seed)
    t_build_g = time.perf_counter()
    xy = nodes[["x", "y"]].to_numpy()
    lines = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))  # every edge drawn
    g = Graph.from_edges(nodes, u, v, minutes, crs="EPSG:3857", geometry=lines,
                         bidirectional=True)
    g.csr()
    t_build_g = time.perf_counter() - t_build_g
    t_build_nx = time.perf_counter()
    G = nx.MultiDiGraph() if args.nx_graph == "multidigraph" else nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    eu, ev, et = (g.edges["u"].tolist(), g.edges["v"].tolist(),
                  g.edges["travel_time"].tolist())
    G.add_edges_from((a, b, {"travel_time": w}) for a, b, w in zip(eu, ev, et, strict=True))
    t_build_nx = time.perf_counter() - t_build_nx
    print(f"graph: {g.n_nodes:,} nodes, {g.n_edges:,} directed edges "
          f"(made in {time.perf_counter() - t0:.1f} s); networkx {type(G).__name__}")
    print(f"build: gisxz CSR {t_build_g:.2f} s, networkx {t_build_nx:.2f} s")

    rng = np.random.default_rng(args.seed)
    centre = int(np.argmin(np.hypot(nodes["x"] - nodes["x"].mean(),
                                    nodes["y"] - nodes["y"].mean())))
    od_src = rng.choice(g.n_nodes, size=args.od_sources, replace=False)
    k = max(1, min(args.nx_od_sources, args.od_sources))

    def nx_one(cutoff=None):
        return nx.single_source_dijkstra_path_length(G, centre, cutoff=cutoff,
                                                     weight="travel_time")

    tasks = {
        "one-to-all": (lambda: travel_times(g, [centre]), nx_one, 1.0),
        "isochrone 3 h": (lambda: travel_times(g, [centre], cutoff=180.0),
                          lambda: nx_one(180.0), 1.0),
        f"OD {args.od_sources} x all": (
            lambda: od_array(g, od_src),
            lambda: [nx.single_source_dijkstra_path_length(G, int(s), weight="travel_time")
                     for s in od_src[:k]],
            args.od_sources / k),
    }
    # correctness: the two engines agree
    ours = travel_times(g, [centre], dtype=np.float64)[0]
    ref = nx_one()
    ref_arr = np.full(g.n_nodes, np.inf)
    ref_arr[list(ref)] = list(ref.values())
    assert np.allclose(ours, ref_arr, rtol=1e-9, atol=1e-9), "engines disagree"
    iso_nodes = int((ours <= 180).sum())
    print(f"check: one-to-all times equal networkx's for all {g.n_nodes:,} nodes; "
          f"the 3 h isochrone reaches {iso_nodes:,} nodes ({100 * iso_nodes / g.n_nodes:.0f} %)")

    rows = []
    for name, (ours_fn, nx_fn, scale) in tasks.items():
        t_ours, res = timed(ours_fn, args.repeat)
        t_nx, _ = timed(nx_fn, 1 if scale > 1 else args.repeat)
        t_nx_full = t_nx * scale
        note = f"networkx measured on {k} origins, scaled x{scale:g}" if scale > 1 else ""
        dtype = getattr(res, "dtype", None)
        rows.append({"task": name, "gisxz_s": t_ours, "networkx_s": t_nx_full,
                     "ratio": t_nx_full / t_ours, "note": note, "dtype": str(dtype)})
    if not args.no_memory:
        for row, (_, (ours_fn, nx_fn, scale)) in zip(rows, tasks.items(), strict=True):
            row["gisxz_peak_MB"] = peak_mb(ours_fn)
            m = peak_mb(nx_fn)
            row["networkx_peak_MB"] = m * scale if scale > 1 else m
    # isochrone polygon on the drawn edges: gisxz vs the usual recipe (buffer every reached
    # edge, then one union), on the same graph, times and threshold
    from gisxz.network.isochrones import reached_geometry

    t_poly, poly = timed(lambda: reached_geometry(g, ours, 60.0, buffer_m=100.0), 1)
    t_base, base = timed(lambda: _baseline_polygon(g, ours, 60.0, 100.0), 1)
    print()
    hdr = f"{'task':<16}{'gisxz s':>10}{'networkx s':>12}{'ratio':>8}"
    if not args.no_memory:
        hdr += f"{'gisxz MB':>10}{'networkx MB':>13}"
    print(hdr)
    for r in rows:
        line = f"{r['task']:<16}{r['gisxz_s']:>10.3f}{r['networkx_s']:>12.2f}{r['ratio']:>7.1f}x"
        if not args.no_memory:
            line += f"{r['gisxz_peak_MB']:>10.1f}{r['networkx_peak_MB']:>13.0f}"
        print(line + (f"   ({r['note']})" if r["note"] else ""))
    print(f"\nOD result dtype: {rows[-1]['dtype']} "
          f"({args.od_sources} x {g.n_nodes:,} = {args.od_sources * g.n_nodes * 4 / 2**20:.0f} MB)")
    if not args.no_memory:
        print("networkx OD memory: measured on the same origins as its time, scaled linearly")
    print(f"1 h isochrone polygon, 100 m band around the reached edge geometries: gisxz "
          f"{t_poly:.2f} s, buffer-each-edge-then-union {t_base:.2f} s, ratio "
          f"{t_base / t_poly:.1f}x (areas {poly.area / 1e6:,.0f} and {base.area / 1e6:,.0f} km²;"
          " gisxz also cuts partly reached edges)")
    print(f"ratio_vs_networkx_min={min(r['ratio'] for r in rows):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
