"""The embedded multimodal trunk network of Xizang and its gateways.

Read from ``layers/network/`` by :mod:`gisxz.network.segments` (the one transport dataset
from which the plan layers are also derived):

``roads.yaml`` (``gisxz.network.roads/1``)
    Road segments between gazetteer places, with highway, class, terrain, status,
    opening year and (optionally) a cited ``length_km``.
``rail.yaml`` (``gisxz.network.rail/1``)
    Railway lines made of station-to-station segments with a running speed, plus
    ``access_min`` (station access or egress, per end) and ``transfer_min``
    (changing between lines at one station).
``scenarios.yaml`` (``gisxz.network.scenarios/1``)
    Which statuses (and which excluded / included ids) make up each scenario.

Modelling rules (documented in the README):

* **Length.** ``length_km`` when the file cites one; for a rail segment without one, its
  share of the line's published total (``length_km`` of the line, spread by drawn length);
  otherwise the length of the drawn geometry (``from`` → ``via`` … → ``to``, straight lines) measured in the
  metric CRS and multiplied by a circuity factor (:data:`ROAD_CIRCUITY` by terrain for
  ordinary roads, :data:`HIGH_GRADE_CIRCUITY` for expressways and first-class roads,
  :data:`RAIL_CIRCUITY` for railways), because straight lines between waypoints are
  shorter than the road or track that winds between them.
* **Speed.** ``speed_kmh`` of the segment when given, else ``speeds_kmh[class][terrain]``.
* **Rail.** Each line has its own station nodes; consecutive stations are linked by
  the line's segments. A station is linked to the **nearest road node** (the town it
  serves) by an access and an egress link costing ``access_min`` each, and to the same
  station of another line by a transfer link costing ``transfer_min``. Rail edges
  carry no isochrone area: a train passes through the land between stations.
* **Nodes.** Places at the same coordinates (a prefecture seat and the district seat
  it shares a building with) are one road node.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from gisxz import settings
from gisxz.core.crs import metric_crs
from gisxz.core.vocab import MODES
from gisxz.exceptions import MissingDataError, NetworkError, UnknownScenarioError
from gisxz.io.documents import require
from gisxz.network.engine import Graph
from gisxz.network.segments import (
    HIGH_GRADE_CIRCUITY,
    RAIL_CIRCUITY,
    ROAD_CIRCUITY,
    STATUSES,
    Places,
    TrunkParams,
    doc_of,
    read_rail,
    read_roads,
    read_scenarios,
)

log = logging.getLogger(__name__)

__all__ = [
    "MODES",
    "STATUSES",
    "ROAD_CIRCUITY",
    "HIGH_GRADE_CIRCUITY",
    "RAIL_CIRCUITY",
    "TrunkParams",
    "TrunkNetwork",
    "load_trunk",
    "scenario_names",
    "trunk_edges",
    "trunk_graph",
]

#: Warn when a station's nearest road node is farther than this (km).
MAX_ACCESS_KM: float = 40.0


@dataclass
class TrunkNetwork:
    """The parsed trunk network (all statuses), before a scenario is chosen.

    Attributes
    ----------
    nodes : geopandas.GeoDataFrame
        Road and station nodes (metric CRS) with ``node``, ``layer`` (``road``/``rail``),
        ``place_id``, ``name_zh``, ``name_en``, ``kind``, ``adcode``, ``x``, ``y``.
    edges : geopandas.GeoDataFrame
        One row per segment or link (one direction; the graph adds the reverse).
    scenarios : dict
        Scenario name → ``{"statuses", "exclude", "include", "description_zh", ...}``.
    access_min, transfer_min : float
        Station access/egress and transfer penalties (minutes).
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    scenarios: dict[str, dict]
    access_min: float
    transfer_min: float
    params: TrunkParams
    files: dict[str, str]


def _files(layers_dir: Path) -> dict[str, Path]:
    d = Path(layers_dir) / "network"
    return {k: d / f"{k}.yaml" for k in ("roads", "rail", "scenarios")}


def _road_nodes(roads: list[dict], places: Places) -> pd.DataFrame:
    """One road node per place; places at the same spot (< 50 m) are merged."""
    ids = list(dict.fromkeys([r["from_place"] for r in roads] + [r["to_place"] for r in roads]))
    rows = [places.rows[i] for i in ids]
    xy = places.xy(rows) if rows else np.empty((0, 2))
    node_of_place: dict[str, str] = {}
    node_rows: list[dict] = []
    by_spot: dict[tuple[int, int], str] = {}
    for row, (x, y) in zip(rows, xy, strict=True):
        spot = (int(round(x / 50.0)), int(round(y / 50.0)))
        if spot in by_spot:
            node_of_place[row["id"]] = by_spot[spot]
            continue
        label = f"road:{row['id']}"
        by_spot[spot] = label
        node_of_place[row["id"]] = label
        node_rows.append(_node_row(label, "road", row, x, y))
    for r in roads:
        r["from_node"] = node_of_place[r["from_place"]]
        r["to_node"] = node_of_place[r["to_place"]]
    return pd.DataFrame(node_rows)


def _station_nodes(rails: list[dict], places: Places) -> list[dict]:
    """One station node per line and place; sets ``from_node``/``to_node`` of rail edges."""
    st_nodes: dict[str, dict] = {}
    for r in rails:
        for end in ("from", "to"):
            pid = r[f"{end}_place"]
            label = f"rail:{r['line']}:{pid}"
            r[f"{end}_node"] = label
            if label not in st_nodes:
                prow = places.rows[pid]
                (x, y), = places.xy([prow])
                st_nodes[label] = {**_node_row(label, "rail", prow, x, y), "line": r["line"]}
    return list(st_nodes.values())


def _link(kind: str, a: dict | pd.Series, b: dict, km: float, minutes: float,
          source: str) -> dict:
    geom = LineString([(a["x"], a["y"]), (b["x"], b["y"])]) if kind == "access" else None
    return {"id": f"{kind}:{a['node']}" if kind == "access" else f"{kind}:{a['node']}|{b['node']}",
            "mode": kind, "line": b.get("line", ""), "highway": "", "class": kind,
            "terrain": "", "from_node": a["node"], "to_node": b["node"],
            "from_name": a["name_zh"], "to_name": b["name_zh"], "length_km": km,
            "length_from": "measured", "length_source": "measured", "drawn_km": km,
            "speed_kmh": np.nan, "fixed_min": minutes, "status": "operating", "opened": None,
            "opened_date": "", "period": "", "source": source, "geometry": geom}


def _station_links(stations: list[dict], road_nodes: pd.DataFrame, access: float,
                   transfer: float) -> list[dict]:
    """Access links (station ↔ nearest road node) and transfers between lines at a place."""
    from scipy.spatial import cKDTree

    if stations and not len(road_nodes):
        raise NetworkError("the rail network has stations but roads.yaml has no road; "
                           "stations connect to the nearest road node")
    links: list[dict] = []
    if not stations:
        return links
    tree = cKDTree(road_nodes[["x", "y"]].to_numpy())
    for st in stations:
        dist, k = tree.query([st["x"], st["y"]])
        town = road_nodes.iloc[int(k)]
        if dist / 1000.0 > MAX_ACCESS_KM:
            warnings.warn(f"station {st['name_zh']} is {dist / 1000:.0f} km from its nearest "
                          f"road node {town['name_zh']}; add the town and a road to it in "
                          "roads.yaml", stacklevel=4)
        st["town_node"], st["access_km"] = town["node"], dist / 1000.0
        links.append(_link("access", town, st, dist / 1000.0, access, "rail.yaml access_min"))
    by_place: dict[str, list[dict]] = {}
    for st in stations:
        by_place.setdefault(st["place_id"], []).append(st)
    for group in by_place.values():
        for i, s1 in enumerate(group):
            for s2 in group[i + 1:]:
                links.append(_link("transfer", s1, s2, 0.0, transfer, "rail.yaml transfer_min"))
    return links


def _edge_frame(records: list[dict], metric) -> gpd.GeoDataFrame:
    edges = pd.DataFrame(records)
    if "fixed_min" not in edges.columns:
        edges["fixed_min"] = np.nan
    moving = edges["fixed_min"].isna()
    edges["travel_time"] = np.where(moving, edges["length_km"] / edges["speed_kmh"] * 60.0,
                                    edges["fixed_min"])
    edges = edges.drop(columns=["fixed_min"])
    edges["opened"] = edges["opened"].astype("Int64")
    for col in ("via", "cross_border", "name_zh", "opened_date"):
        edges[col] = edges[col].fillna("") if col in edges else ""
    return gpd.GeoDataFrame(edges, geometry="geometry", crs=metric)


def _build(layers_dir: Path, gazetteer, params: TrunkParams) -> TrunkNetwork:
    """Read the segment files and assemble nodes and edges (all statuses)."""
    files = _files(layers_dir)
    for key, p in files.items():
        if not p.exists():
            raise MissingDataError(f"{p}: the trunk network file {key}.yaml is missing; it ships "
                                   "with the repository under layers/network/")
    metric = metric_crs()
    places = Places(gazetteer, metric)
    roads = read_roads(files["roads"], places, params)
    rails, access, transfer = read_rail(files["rail"], places, params)
    ids = {r["id"] for r in roads} | {r["id"] for r in rails} | {r["line"] for r in rails}
    scenarios = read_scenarios(files["scenarios"], ids)
    road_nodes = _road_nodes(roads, places)
    stations = _station_nodes(rails, places)
    links = _station_links(stations, road_nodes, access, transfer)
    nodes = pd.concat([road_nodes, pd.DataFrame(stations)], ignore_index=True) if stations \
        else road_nodes
    nodes_gdf = gpd.GeoDataFrame(nodes, geometry=gpd.points_from_xy(nodes["x"], nodes["y"]),
                                 crs=metric)
    return TrunkNetwork(nodes=nodes_gdf, edges=_edge_frame([*roads, *rails, *links], metric),
                        scenarios=scenarios, access_min=float(access),
                        transfer_min=float(transfer), params=params,
                        files={k: str(v) for k, v in files.items()})

def _node_row(label: str, layer: str, row: pd.Series, x: float, y: float) -> dict:
    adcode = row.get("adcode")
    return {"node": label, "layer": layer, "place_id": row["id"], "name_zh": row["name_zh"],
            "name_en": row["name_en"], "kind": row["kind"],
            "adcode": None if pd.isna(adcode) else int(adcode), "x": float(x), "y": float(y)}


_CACHE: dict[tuple, TrunkNetwork] = {}


def _cached(layers_dir: str, stamps: tuple, params: TrunkParams) -> TrunkNetwork:
    from gisxz.base.gazetteer import default_gazetteer

    key = (layers_dir, stamps, params.key())
    if key not in _CACHE:
        if len(_CACHE) >= 8:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _build(Path(layers_dir), default_gazetteer(), params)
    return _CACHE[key]


def load_trunk(*, layers_dir: str | Path | None = None, gazetteer=None,
               params: TrunkParams | None = None) -> TrunkNetwork:
    """Read and validate the trunk network files (all statuses).

    Parameters
    ----------
    layers_dir : path, optional
        Folder holding ``network/roads.yaml`` etc. (default :data:`gisxz.settings.layers_dir`).
    gazetteer : Gazetteer, optional
        Where names are resolved (default :func:`gisxz.base.gazetteer.default_gazetteer`).
    params : TrunkParams, optional
        Circuity, penalties and speed factors.

    Raises
    ------
    PlanFileError
        Schema or value errors, with file and line.
    UnknownPlaceError
        A name not in the gazetteer, with the closest known names.

    Examples
    --------
    >>> net = load_trunk()
    >>> sorted(net.scenarios)[:2]
    ['current', 'plan']
    """
    params = params or TrunkParams()
    d = Path(layers_dir or settings.layers_dir)
    if gazetteer is not None:
        return _build(d, gazetteer, params)
    files = [*_files(d).values(), *sorted((d / "gazetteer").glob("*.yaml"))]
    stamps = tuple((str(f), f.stat().st_mtime if f.exists() else 0.0) for f in files)
    return _cached(str(d), stamps, params)


def scenario_names(*, layers_dir: str | Path | None = None) -> list[str]:
    """Names of the scenarios defined in ``scenarios.yaml``."""
    d = Path(layers_dir or settings.layers_dir)
    path = _files(d)["scenarios"]
    doc = doc_of(path, "gisxz.network.scenarios/1")
    return [str(k) for k in require(doc, "scenarios", dict)]


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise NetworkError(f"mode {mode!r} is unknown; use one of {', '.join(MODES)}")
    return mode


def _in_scenario(net: TrunkNetwork, scenario: str) -> np.ndarray:
    if scenario not in net.scenarios:
        import difflib

        close = difflib.get_close_matches(scenario, list(net.scenarios), n=2)
        raise UnknownScenarioError(
            f"scenario {scenario!r} is not defined in {net.files['scenarios']}. Known: "
            f"{', '.join(net.scenarios)}" + (f"; did you mean {close[0]!r}?" if close else "")
            + ". Add it to scenarios.yaml to define a new one.")
    spec = net.scenarios[scenario]
    e = net.edges
    keep = np.array(e["status"].isin(spec["statuses"]), dtype=bool)
    ids = e["id"].to_numpy()
    lines = e["line"].to_numpy()
    if spec.get("exclude"):
        ex = np.isin(ids, list(spec["exclude"])) | np.isin(lines, list(spec["exclude"]))
        keep &= ~ex
    if spec.get("include"):
        inc = np.isin(ids, list(spec["include"])) | np.isin(lines, list(spec["include"]))
        keep |= inc & np.array(e["mode"].isin(["road", "rail"]), dtype=bool)
    return keep


def trunk_edges(*, scenario: str = "current", mode: str = "multimodal",
                network: TrunkNetwork | None = None) -> gpd.GeoDataFrame:
    """The edges of a scenario and mode as a layer in EPSG:4490 (one row per direction-free edge).

    Columns: ``id, mode, line, highway, class, terrain, from_name, to_name, length_km,
    length_from, speed_kmh, travel_time`` (minutes), ``status, opened, period, scenario,
    source, geometry``. Rail access/transfer links are included in ``multimodal``.

    Examples
    --------
    >>> e = trunk_edges(scenario="current", mode="road")
    >>> set(e["mode"])
    {'road'}
    """
    g = trunk_graph(scenario=scenario, mode=mode, network=network)
    e = g.meta["segments"].copy()
    e["scenario"] = scenario
    cols = ["id", "mode", "line", "highway", "class", "terrain", "from_name", "to_name",
            "length_km", "length_from", "speed_kmh", "travel_time", "status", "opened", "period",
            "scenario", "source", "geometry"]
    e = gpd.GeoDataFrame(e[cols], geometry="geometry", crs=g.crs)
    return e.to_crs(settings.store_crs)


def trunk_graph(*, scenario: str = "current", mode: str = "multimodal",
                network: TrunkNetwork | None = None, params: TrunkParams | None = None) -> Graph:
    """The routing graph of a scenario (``current``, ``plan`` …) and mode.

    Parameters
    ----------
    scenario : str
        A scenario defined in ``layers/network/scenarios.yaml``.
    mode : {"road", "multimodal"}
        Roads only, or roads with railways, station access and transfers.
    network : TrunkNetwork, optional
        A network from :func:`load_trunk` (read from the layers by default).
    params : TrunkParams, optional
        Model parameters when ``network`` is not given.

    Raises
    ------
    UnknownScenarioError
        ``scenario`` is not defined.
    NetworkError
        ``mode`` is unknown.

    Examples
    --------
    >>> g = trunk_graph(scenario="current", mode="road")
    >>> g.meta["scenario"], g.meta["mode"]
    ('current', 'road')
    """
    _check_mode(mode)
    net = network if network is not None else load_trunk(params=params)
    keep = _in_scenario(net, scenario)
    e = net.edges
    if mode == "road":
        keep &= np.array(e["mode"] == "road", dtype=bool)
    else:
        # access/transfer links only to stations that some kept rail edge serves
        rail_nodes = set(e.loc[keep & (e["mode"] == "rail").to_numpy(), "from_node"]) | set(
            e.loc[keep & (e["mode"] == "rail").to_numpy(), "to_node"])
        link = e["mode"].isin(["access", "transfer"]).to_numpy()
        ok_link = e["to_node"].isin(rail_nodes).to_numpy() & (
            e["from_node"].isin(rail_nodes) | (e["mode"] == "access")).to_numpy()
        keep = (keep & ~link) | (link & ok_link)
    seg = e[keep].reset_index(drop=True)
    nodes = net.nodes
    if mode == "road":
        nodes = nodes[nodes["layer"] == "road"]
    nodes = pd.DataFrame(nodes.drop(columns="geometry")).reset_index(drop=True)
    pos = {lab: i for i, lab in enumerate(nodes["node"])}
    u = seg["from_node"].map(pos).to_numpy()
    v = seg["to_node"].map(pos).to_numpy()
    nodes["snappable"] = nodes["layer"] == "road"
    attrs = pd.DataFrame(seg.drop(columns=["geometry"]))
    attrs["iso_area"] = attrs["mode"] == "road"
    return Graph.from_edges(
        nodes, u, v, seg["travel_time"].to_numpy(), crs=net.nodes.crs,
        out_crs=settings.store_crs, edges=attrs, geometry=seg.geometry.values,
        bidirectional=True,
        meta={"scenario": scenario, "mode": mode, "source": "trunk", "iso_buffer_m": 5000.0,
              "max_snap_m": 20000.0, "segments": seg})
