"""What the plan changes: travel times, distances and population within reach, by scenario.

:func:`compare_scenarios` answers "what does the plan change?" in two tables.

``seats`` (one row per county, its seat counted once; see :func:`gisxz.network.circle.seat_points`)
    For each scenario: door-to-door time (minutes) and distance (km) to Lhasa, to the
    county's prefecture seat and to the nearest airport **of that scenario**
    (:mod:`gisxz.network.facilities`); the change from the first scenario to the last; and
    the **segments of the last scenario's fastest path that the first scenario lacks**
    (``*_via``: reference, from–to and status: the projects that cause the change; a new
    airport is named too).
``population`` (one row per prefecture and Xizang, target and threshold)
    Residents within 1, 2 and 3 hours of Lhasa and of the prefecture's own seat, before
    and after, with each county's people placed on its settlements
    (:func:`gisxz.base.population.settlement_population`).

Routes run on the trunk network in ``mode`` (``multimodal`` by default), which is two-way
(a time *from* a place equals the time *to* it).

Examples
--------
>>> c = compare_scenarios()
>>> len(c.seats), c.seats["adcode"].is_unique
(74, True)
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.core.vocab import VALUE_LABELS
from gisxz.network.engine import Graph
from gisxz.network.facilities import facility_statuses, scenario_facilities
from gisxz.network.od import _tree_lengths, edge_lengths_km
from gisxz.network.route import path_edges, path_nodes, segment_table, shortest_tree
from gisxz.network.snap import places_as_points, snap_points
from gisxz.network.trunk import trunk_graph

log = logging.getLogger(__name__)

__all__ = ["Comparison", "compare_scenarios", "comparison_labels", "TARGETS"]

#: Destinations compared, with their Chinese labels.
TARGETS = {"lhasa": "至拉萨", "pref": "至地市驻地", "airport": "至最近机场"}
#: Population thresholds (hours).
HOURS = (1.0, 2.0, 3.0)


@dataclass
class Comparison:
    """Result of :func:`compare_scenarios`."""

    seats: pd.DataFrame
    population: pd.DataFrame
    scenarios: tuple[str, ...]
    mode: str
    seat_points: gpd.GeoDataFrame = field(repr=False, default=None)


class _Net:
    """One scenario's graph with cached shortest-path trees (time, predecessor, km)."""

    def __init__(self, graph: Graph):
        self.g = graph
        self.km = edge_lengths_km(graph)[graph.slot_edge]
        self._trees: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.ids = set(graph.edges["id"].astype(str)) if "id" in graph.edges else set()

    def tree(self, node: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if node not in self._trees:
            d, pred = shortest_tree(self.g, node)
            self._trees[node] = (d, pred, _tree_lengths(self.g, d, pred, self.km))
        return self._trees[node]

    def new_segments(self, root: int, target: int, base_ids: set[str]) -> str:
        """Segments on the path root → target that are not in ``base_ids``."""
        d, pred, _ = self.tree(root)
        if not np.isfinite(d[target]) or root == target:
            return ""
        seg = segment_table(self.g, path_edges(self.g, path_nodes(pred, target)))
        new = seg[~seg["id"].astype(str).isin(base_ids) & (seg["kind"] == "network")]
        new = new[~new["mode"].isin(["access", "transfer"])]
        labels = [f"{r.ref} {r.from_name}–{r.to_name} ({r.status})"
                  for r in new.itertuples(index=False)]
        return "; ".join(dict.fromkeys(labels))


def _seats_with_prefecture() -> gpd.GeoDataFrame:
    from gisxz.network.circle import seat_points

    seats = seat_points()
    prefs = seats[seats["kind"] == "prefecture_seat"]
    by_code = dict(zip(prefs["adcode"].astype("int64") // 100, prefs["name_zh"], strict=True))
    seats["prefecture_seat"] = (seats["adcode"].astype("int64") // 100).map(by_code)
    from gisxz.base.population import county_population

    pop = county_population().set_index("adcode")
    seats["prefecture_zh"] = seats["adcode"].astype("int64").map(pop["prefecture_zh"])
    return seats


def _to_place(net: _Net, snap: pd.DataFrame, root_snap: pd.Series, rows: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Door-to-door minutes and km from the root place to the snapped ``rows``."""
    d, _, km = net.tree(int(root_snap["node"]))
    nodes = snap["node"].to_numpy()[rows]
    t = d[nodes] + snap["access_min"].to_numpy()[rows] + float(root_snap["access_min"])
    k = km[nodes] + (snap["snap_m"].to_numpy()[rows] + float(root_snap["snap_m"])) / 1000
    ok = np.isfinite(t) & snap["reachable"].to_numpy()[rows]
    return np.where(ok, t, np.nan), np.where(ok, k, np.nan)


def _seat_times(net: _Net, seats: gpd.GeoDataFrame, scen: str, base: _Net | None,
                centre: str) -> pd.DataFrame:
    """Step: one scenario's times, distances and (vs ``base``) new segments per seat."""
    g = net.g
    ss = snap_points(g, seats, name="seats", max_snap_m=np.inf)
    out = pd.DataFrame(index=seats.index)
    all_rows = np.arange(len(seats))
    centre_snap = snap_points(g, places_as_points([centre]), name="centre").iloc[0]
    out["lhasa_min"], out["lhasa_km"] = _to_place(net, ss, centre_snap, all_rows)
    pref_idx = {n: i for i, n in enumerate(seats["name_zh"])}
    out["pref_min"], out["pref_km"] = np.nan, np.nan
    roots = {"lhasa": np.full(len(seats), int(centre_snap["node"])),
             "pref": np.full(len(seats), -1), "airport": np.full(len(seats), -1)}
    for pname, grp in seats.groupby("prefecture_seat"):
        root = ss.iloc[pref_idx[pname]]
        rows = seats.index.get_indexer(grp.index)
        t, k = _to_place(net, ss, root, rows)
        out.iloc[rows, out.columns.get_loc("pref_min")] = t
        out.iloc[rows, out.columns.get_loc("pref_km")] = k
        roots["pref"][rows] = int(root["node"])
    _airports(net, seats, ss, scen, out, roots)
    if base is not None:
        for tgt in TARGETS:
            out[f"{tgt}_via"] = [net.new_segments(int(r), int(n), base.ids) if r >= 0 else ""
                                 for r, n in zip(roots[tgt], ss["node"], strict=True)]
    return out


def _airports(net: _Net, seats, ss: pd.DataFrame, scen: str, out: pd.DataFrame,
              roots: dict) -> None:
    """Step: nearest airport of the scenario per seat (in place into ``out`` and ``roots``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        air = scenario_facilities(["airport"], scenario=scen)
        sa = snap_points(net.g, air, name="airports")
    best_t = np.full(len(seats), np.inf)
    out["airport"], out["airport_min"], out["airport_km"] = "", np.nan, np.nan
    all_rows = np.arange(len(seats))
    for j in np.flatnonzero(sa["reachable"].to_numpy()):
        t, k = _to_place(net, ss, sa.iloc[j], all_rows)
        better = np.nan_to_num(t, nan=np.inf) < best_t
        best_t[better] = t[better]
        out.loc[out.index[better], "airport"] = air["name_zh"].iloc[j]
        out.loc[out.index[better], "airport_min"] = t[better]
        out.loc[out.index[better], "airport_km"] = k[better]
        roots["airport"][better] = int(sa["node"].iloc[j])
    out["airport_status"] = out["airport"].map(dict(zip(air["name_zh"], air["status"],
                                                        strict=True))).fillna("")


def _population_rows(nets: dict[str, _Net], seats: gpd.GeoDataFrame, centre: str,
                     hours: Sequence[float]) -> pd.DataFrame:
    """Step: residents within ``hours`` of Lhasa and of their prefecture seat, per scenario."""
    from gisxz.base.population import settlement_population

    settle = settlement_population()
    pref_seat = dict(zip(seats["adcode"].astype("int64") // 100, seats["prefecture_seat"],
                         strict=True))
    settle["prefecture_seat"] = (settle["adcode"] // 100).map(pref_seat)
    settle["prefecture_zh"] = settle["adcode"].map(
        dict(zip(seats["adcode"].astype("int64"), seats["prefecture_zh"], strict=True)))
    rows = []
    for scen, net in nets.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ss = snap_points(net.g, settle, name="settlements")
        allr = np.arange(len(settle))
        c = snap_points(net.g, places_as_points([centre]), name="centre").iloc[0]
        t_lhasa, _ = _to_place(net, ss, c, allr)
        t_pref = np.full(len(settle), np.nan)
        for pname, grp in settle.groupby("prefecture_seat"):
            root = snap_points(net.g, places_as_points([pname]), name="seat").iloc[0]
            r = settle.index.get_indexer(grp.index)
            t_pref[r] = _to_place(net, ss, root, r)[0]
        for tgt, t in (("lhasa", t_lhasa), ("pref", t_pref)):
            for h in hours:
                inside = np.nan_to_num(t, nan=np.inf) <= h * 60
                part = settle.assign(_in=np.where(inside, settle["population"], 0))
                per = part.groupby("prefecture_zh")[["_in", "population"]].sum()
                per.loc["西藏自治区"] = per.sum()
                for unit, r in per.iterrows():
                    rows.append({"unit_zh": unit, "target": tgt, "hours": h, "scenario": scen,
                                 "population_within": int(r["_in"]),
                                 "population": int(r["population"])})
    return pd.DataFrame(rows)


def _population_table(long: pd.DataFrame, scenarios: Sequence[str]) -> pd.DataFrame:
    wide = long.pivot_table(index=["unit_zh", "target", "hours", "population"],
                            columns="scenario", values="population_within",
                            sort=False).reset_index()
    wide.columns.name = None
    for s in scenarios:
        wide = wide.rename(columns={s: f"pop_within_{s}"})
        wide[f"pop_within_{s}"] = wide[f"pop_within_{s}"].round().astype("int64")
        wide[f"share_{s}"] = wide[f"pop_within_{s}"] / wide["population"]
    first, last = scenarios[0], scenarios[-1]
    wide["pop_change"] = wide[f"pop_within_{last}"] - wide[f"pop_within_{first}"]
    wide["target_zh"] = wide["target"].map({"lhasa": "拉萨", "pref": "本地市驻地"})
    order = ["unit_zh", "target", "target_zh", "hours", "population",
             *[c for s in scenarios for c in (f"pop_within_{s}", f"share_{s}")], "pop_change"]
    return wide[order]


def _seat_table(seats: gpd.GeoDataFrame, parts: dict[str, pd.DataFrame],
                scenarios: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame({"adcode": seats["adcode"].astype("int64"), "name_zh": seats["name_zh"],
                        "county_zh": seats["county_zh"], "name_en": seats["name_en"],
                        "kind": seats["kind"], "prefecture_zh": seats["prefecture_zh"],
                        "prefecture_seat": seats["prefecture_seat"]})
    for s in scenarios:
        p = parts[s]
        for col in ("lhasa_min", "lhasa_km", "pref_min", "pref_km", "airport", "airport_status",
                    "airport_min", "airport_km"):
            out[f"{col}_{s}"] = p[col].round(1) if p[col].dtype.kind == "f" else p[col]
    first, last = scenarios[0], scenarios[-1]
    for tgt in TARGETS:
        out[f"{tgt}_change_min"] = (out[f"{tgt}_min_{last}"]
                                    - out[f"{tgt}_min_{first}"]).round(1)
    for tgt in TARGETS:
        out[f"{tgt}_via"] = parts[last].get(f"{tgt}_via", "")
    open_before = facility_statuses(first)
    newer = (out[f"airport_{last}"] != out[f"airport_{first}"]) & ~out[
        f"airport_status_{last}"].isin(open_before)
    out.loc[newer, "airport_via"] = [
        "; ".join(x for x in (f"新机场 new airport {a} ({st})", v) if x)
        for a, st, v in zip(out.loc[newer, f"airport_{last}"],
                            out.loc[newer, f"airport_status_{last}"],
                            out.loc[newer, "airport_via"], strict=True)]
    return out.reset_index(drop=True)


def compare_scenarios(scenarios: Sequence[str] = ("current", "plan"), *,
                      mode: str = "multimodal", hours: Sequence[float] = HOURS,
                      centre: str = "拉萨") -> Comparison:
    """Compare scenarios seat by seat and prefecture by prefecture (module docstring).

    Parameters
    ----------
    scenarios : sequence of str
        Two or more scenarios; changes are last minus first (negative: faster).
    mode : {"multimodal", "road"}
    hours : sequence of float
        Thresholds of the population table.
    centre : str
        The regional centre (拉萨).

    Returns
    -------
    Comparison
        ``seats`` and ``population`` tables (columns in :func:`comparison_labels`).
    """
    scenarios = tuple(scenarios)
    if len(scenarios) < 2:
        from gisxz.exceptions import NetworkError

        raise NetworkError("compare needs two scenarios, e.g. --scenario current plan")
    seats = _seats_with_prefecture()
    nets = {s: _Net(trunk_graph(scenario=s, mode=mode)) for s in scenarios}
    base = nets[scenarios[0]]
    parts = {s: _seat_times(nets[s], seats, s, None if s == scenarios[0] else base, centre)
             for s in scenarios}
    table = _seat_table(seats, parts, scenarios)
    pop = _population_table(_population_rows(nets, seats, centre, hours), scenarios)
    return Comparison(seats=table, population=pop, scenarios=scenarios, mode=mode,
                      seat_points=seats)


def comparison_labels(scenarios: Sequence[str] = ("current", "plan")) -> dict[str, str]:
    """Chinese labels of the comparison columns (for bilingual table headers)."""
    scen = {s: VALUE_LABELS["scenario"].get(s, s).split()[0] for s in scenarios}
    lab = {"county_zh": "县区", "kind": "类型", "prefecture_seat": "地市驻地",
           "unit_zh": "单元", "target": "目的地", "target_zh": "目的地名称", "hours": "小时",
           "population": "常住人口2020", "pop_change": "人口变化"}
    for s, zh in scen.items():
        for tgt, tzh in TARGETS.items():
            lab[f"{tgt}_min_{s}"] = f"{tzh}时间(分钟)[{zh}]"
            lab[f"{tgt}_km_{s}"] = f"{tzh}距离(km)[{zh}]"
        lab[f"airport_{s}"] = f"最近机场[{zh}]"
        lab[f"airport_status_{s}"] = f"机场状态[{zh}]"
        lab[f"pop_within_{s}"] = f"范围内人口[{zh}]"
        lab[f"share_{s}"] = f"人口占比[{zh}]"
    for tgt, tzh in TARGETS.items():
        lab[f"{tgt}_change_min"] = f"{tzh}时间变化(分钟)"
        lab[f"{tgt}_via"] = f"{tzh}新路径上的规划项目"
    return lab
