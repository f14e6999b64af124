"""The embedded multimodal trunk network of Xizang and its gateways.

Read from ``layers/network/``:

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

* **Length.** ``length_km`` when the file cites one; otherwise the length of the
  drawn geometry (``from`` → ``via`` … → ``to``, straight lines) measured in the
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from gisxz import settings
from gisxz.core.crs import metric_crs
from gisxz.core.vocab import MODES
from gisxz.exceptions import (
    DuplicateIdError,
    NetworkError,
    PlanFileError,
    UnknownScenarioError,
)
from gisxz.io.documents import Node, load_yaml, require
from gisxz.network.engine import Graph

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

#: Allowed segment statuses.
STATUSES = ("operating", "under_construction", "planned")
#: Circuity (road length / drawn length) of ordinary roads (second class, national, border)
#: by terrain, used when ``length_km`` is absent: the median ratio of the segments of
#: ``roads.yaml`` that cite a length (plain and hill pooled: 1.32; mountain: 1.60; see
#: :func:`gisxz.network.calibration.circuity_table`).
ROAD_CIRCUITY: dict[str, float] = {"plain": 1.32, "hill": 1.32, "mountain": 1.60}
#: Circuity of high-grade roads (expressway, first class) in any terrain: their alignment
#: cuts through with tunnels and bridges (cited segments: G5 Chengdu-Ya'an 1.15, G4218
#: Qushui-Shigatse airport 1.09).
HIGH_GRADE_CIRCUITY: float = 1.12
_HIGH_GRADE = ("expressway", "first_class")
#: Circuity of railways when no length is cited (track length / drawn length): the median
#: of the lines whose total length is published (拉日 251 km: 1.13, 拉林 435.48 km: 1.02,
#: 青藏 格尔木–拉萨 1142 km: 1.23).
RAIL_CIRCUITY: float = 1.13
#: Warn when a station's nearest road node is farther than this (km).
MAX_ACCESS_KM: float = 40.0

_ROAD_SCHEMA = "gisxz.network.roads/1"
_RAIL_SCHEMA = "gisxz.network.rail/1"
_SCEN_SCHEMA = "gisxz.network.scenarios/1"
_CLASSES = ("expressway", "first_class", "second_class", "national", "border")
_TERRAINS = ("plain", "hill", "mountain")
_ROAD_KEYS = {"id", "from", "to", "via", "highway", "class", "terrain", "length_km",
              "speed_kmh", "status", "opened", "period", "source", "note", "name_zh", "name_en"}
_RAIL_LINE_KEYS = {"id", "name_zh", "name_en", "status", "opened", "period", "source",
                   "segments", "note"}
_RAIL_SEG_KEYS = {"id", "from", "to", "via", "length_km", "speed_kmh", "status", "opened",
                  "period", "source", "note"}
_SCEN_KEYS = {"description_zh", "description_en", "statuses", "exclude", "include", "note"}


@dataclass(frozen=True)
class TrunkParams:
    """Physically meaningful parameters of the trunk model (the only calibration knobs).

    Attributes
    ----------
    road_circuity : dict
        Circuity by terrain for ordinary road segments without a cited length.
    high_grade_circuity : float
        Circuity of expressway and first-class segments without a cited length.
    rail_circuity : float
        Circuity for rail segments without a cited length.
    access_min, transfer_min : float or None
        Override ``access_min`` / ``transfer_min`` of ``rail.yaml``.
    speed_factor : dict
        Multiplier of the class speeds, by class (default 1.0 for all).
    """

    road_circuity: dict[str, float] = field(default_factory=lambda: dict(ROAD_CIRCUITY))
    high_grade_circuity: float = HIGH_GRADE_CIRCUITY
    rail_circuity: float = RAIL_CIRCUITY
    access_min: float | None = None
    transfer_min: float | None = None
    speed_factor: dict[str, float] = field(default_factory=dict)

    def key(self) -> tuple:
        return (tuple(sorted(self.road_circuity.items())), self.high_grade_circuity,
                self.rail_circuity, self.access_min,
                self.transfer_min, tuple(sorted(self.speed_factor.items())))


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


# -- reading ---------------------------------------------------------------------------------
def _doc(path: Path, schema: str) -> Node:
    doc = load_yaml(path)
    if not isinstance(doc, dict):
        raise PlanFileError(f"must be a mapping with 'schema: {schema}'", path=str(path), line=1)
    if doc.get("schema") != schema:
        raise doc.error(f"schema is {doc.get('schema')!r}; expected {schema!r}", key="schema")
    return doc


def _check_fields(node: Any, allowed: set[str], what: str, path: Path) -> None:
    if not isinstance(node, Node):
        raise PlanFileError(f"each {what} must be a mapping, got {node!r}", path=str(path))
    import difflib

    for key in node:
        k = str(key)
        if k in allowed or k.endswith("_source") or k == "year":
            continue
        close = difflib.get_close_matches(k, sorted(allowed), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise node.error(f"unknown field {k!r} in {what}.{hint} Allowed fields: "
                         f"{', '.join(sorted(allowed))} (and any '*_source')", key=k)


def _positive(node: Node, key: str, *, required: bool = False) -> float | None:
    value = node.get(key)
    if value is None:
        if required:
            raise node.error(f"missing required field {key!r} (a positive number)")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise node.error(f"{key} must be a positive number, got {value!r}", key=key)
    return float(value)


def _status(node: Node, default: str | None = None) -> str:
    value = node.get("status", default)
    if value not in STATUSES:
        raise node.error(f"status is {value!r}; use one of {', '.join(STATUSES)}", key="status")
    return value


def _opened(node: Node, default: Any = None) -> int | None:
    value = node.get("opened", default)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        raise node.error(f"opened must be a year such as 2021, got {value!r}", key="opened")
    return value


class _Places:
    """Resolves names to gazetteer rows and remembers them as nodes."""

    def __init__(self, gazetteer, metric):
        self.gz = gazetteer
        self.metric = metric
        self.rows: dict[str, pd.Series] = {}
        self._xy: dict[str, tuple[float, float]] = {}

    def get(self, name: Any, node: Node, key: str) -> pd.Series:
        if not isinstance(name, str) or not name.strip():
            raise node.error(f"{key} must be a place name, got {name!r}", key=key)
        row = self.gz.resolve(name, path=node.path, line=node.line_of(key))
        self.rows.setdefault(row["id"], row)
        return row

    def xy(self, rows: list[pd.Series]) -> np.ndarray:
        missing = [r for r in rows if r["id"] not in self._xy]
        if missing:
            pts = gpd.GeoSeries([r.geometry for r in missing], crs=self.gz.places.crs)
            pm = pts.to_crs(self.metric)
            for r, p in zip(missing, pm, strict=True):
                self._xy[r["id"]] = (p.x, p.y)
        return np.array([self._xy[r["id"]] for r in rows], dtype=float)


def _line_geometry(places: _Places, rows: list[pd.Series]) -> LineString:
    return LineString(places.xy(rows))


def _endpoints(places: _Places, seg: Node) -> tuple[pd.Series, list[pd.Series], pd.Series]:
    """The ``from`` place, the ``via`` places and the ``to`` place of a segment."""
    a = places.get(seg.get("from"), seg, "from")
    b = places.get(seg.get("to"), seg, "to")
    via = seg.get("via") or []
    if not isinstance(via, list):
        raise seg.error("via must be a list of place names", key="via")
    vias = [places.get(v, seg, "via") for v in via]
    if a["id"] == b["id"]:
        raise seg.error(f"from and to are the same place {a['name_zh']!r}", key="to")
    return a, vias, b


def _read_roads(path: Path, places: _Places, params: TrunkParams) -> list[dict]:
    doc = _doc(path, _ROAD_SCHEMA)
    speeds = require(doc, "speeds_kmh", dict)
    for cls in _CLASSES:
        if cls not in speeds:
            raise doc.error(f"speeds_kmh has no class {cls!r}; give plain/hill/mountain speeds "
                            "for each of " + ", ".join(_CLASSES), key="speeds_kmh")
        for ter in _TERRAINS:
            _positive(speeds[cls], ter, required=True)
    out = []
    seen: dict[str, int | None] = {}
    for seg in require(doc, "segments", list):
        _check_fields(seg, _ROAD_KEYS, "road segment", path)
        sid = require(seg, "id", str)
        if sid in seen:
            raise DuplicateIdError(f"duplicate segment id {sid!r} (first at line {seen[sid]}); "
                                   "give each segment its own id", path=str(path), line=seg.line)
        seen[sid] = seg.line
        a, vias, b = _endpoints(places, seg)
        cls = seg.get("class")
        if cls not in _CLASSES:
            raise seg.error(f"class is {cls!r}; use one of {', '.join(_CLASSES)}", key="class")
        ter = seg.get("terrain")
        if ter not in _TERRAINS:
            raise seg.error(f"terrain is {ter!r}; use one of {', '.join(_TERRAINS)}",
                            key="terrain")
        geom = _line_geometry(places, [a, *vias, b])
        drawn_km = geom.length / 1000.0
        length = _positive(seg, "length_km")
        circ = (float(params.high_grade_circuity) if cls in _HIGH_GRADE
                else float(params.road_circuity.get(ter, 1.0)))
        speed = _positive(seg, "speed_kmh")
        base_speed = float(speeds[cls][ter]) * float(params.speed_factor.get(cls, 1.0))
        out.append({
            "id": sid, "mode": "road", "line": "", "highway": str(seg.get("highway") or ""),
            "class": cls, "terrain": ter, "from_place": a["id"], "to_place": b["id"],
            "from_name": a["name_zh"], "to_name": b["name_zh"],
            "length_km": length if length is not None else drawn_km * circ,
            "length_from": "cited" if length is not None else "measured",
            "drawn_km": drawn_km,
            "speed_kmh": speed if speed is not None else base_speed,
            "status": _status(seg), "opened": _opened(seg), "period": str(seg.get("period") or ""),
            "source": str(seg.get("source") or ""), "geometry": geom,
            "_path": str(path), "_line": seg.line,
        })
    return out


def _read_rail(path: Path, places: _Places, params: TrunkParams) -> tuple[list[dict], float,
                                                                            float]:
    doc = _doc(path, _RAIL_SCHEMA)
    access = params.access_min if params.access_min is not None else _positive(
        doc, "access_min", required=True)
    transfer = params.transfer_min if params.transfer_min is not None else _positive(
        doc, "transfer_min", required=True)
    out = []
    seen: dict[str, int | None] = {}
    for line in require(doc, "lines", list):
        _check_fields(line, _RAIL_LINE_KEYS, "rail line", path)
        lid = require(line, "id", str)
        if lid in seen:
            raise DuplicateIdError(f"duplicate line id {lid!r} (first at line {seen[lid]})",
                                   path=str(path), line=line.line)
        seen[lid] = line.line
        line_status = _status(line)
        for k, seg in enumerate(require(line, "segments", list)):
            _check_fields(seg, _RAIL_SEG_KEYS, "rail segment", path)
            sid = seg.get("id") or f"{lid}_{k + 1}"
            if sid in seen:
                raise DuplicateIdError(f"duplicate rail id {sid!r} (first at line {seen[sid]})",
                                       path=str(path), line=seg.line)
            seen[sid] = seg.line
            a, vias, b = _endpoints(places, seg)
            geom = _line_geometry(places, [a, *vias, b])
            drawn_km = geom.length / 1000.0
            length = _positive(seg, "length_km")
            speed = _positive(seg, "speed_kmh", required=True)
            out.append({
                "id": sid, "mode": "rail", "line": lid, "highway": "",
                "class": "railway", "terrain": "",
                "from_place": a["id"], "to_place": b["id"],
                "from_name": a["name_zh"], "to_name": b["name_zh"],
                "length_km": length if length is not None else drawn_km * params.rail_circuity,
                "length_from": "cited" if length is not None else "measured",
                "drawn_km": drawn_km, "speed_kmh": speed,
                "status": _status(seg, line_status),
                "opened": _opened(seg, line.get("opened")),
                "period": str(seg.get("period", line.get("period")) or ""),
                "source": str(seg.get("source") or line.get("source") or ""),
                "geometry": geom, "_path": str(path), "_line": seg.line,
            })
    return out, float(access), float(transfer)


def _read_scenarios(path: Path, ids: set[str]) -> dict[str, dict]:
    doc = _doc(path, _SCEN_SCHEMA)
    scen = require(doc, "scenarios", dict)
    out = {}
    for name, spec in scen.items():
        if not isinstance(spec, Node):
            raise doc.error(f"scenario {name!r} must be a mapping with 'statuses'",
                            key="scenarios")
        _check_fields(spec, _SCEN_KEYS, f"scenario {name!r}", path)
        statuses = require(spec, "statuses", list)
        for s in statuses:
            if s not in STATUSES:
                raise spec.error(f"status {s!r} in scenario {name!r} is unknown; use "
                                 f"{', '.join(STATUSES)}", key="statuses")
        lists = {}
        for key in ("exclude", "include"):
            vals = spec.get(key) or []
            if not isinstance(vals, list):
                raise spec.error(f"{key} must be a list of segment or line ids", key=key)
            for v in vals:
                if v not in ids:
                    import difflib

                    close = difflib.get_close_matches(str(v), sorted(ids), n=3)
                    raise spec.error(f"{key} names {v!r}, which is no segment or line id."
                                     + (f" Closest ids: {', '.join(close)}" if close else ""),
                                     key=key)
            lists[key] = set(vals)
        out[str(name)] = {"statuses": list(statuses), **lists,
                          "description_zh": str(spec.get("description_zh") or ""),
                          "description_en": str(spec.get("description_en") or "")}
    return out


def _files(layers_dir: Path) -> dict[str, Path]:
    d = Path(layers_dir) / "network"
    return {k: d / f"{k}.yaml" for k in ("roads", "rail", "scenarios")}


def _build(layers_dir: Path, gazetteer, params: TrunkParams) -> TrunkNetwork:
    from gisxz.exceptions import MissingDataError

    files = _files(layers_dir)
    for key, p in files.items():
        if not p.exists():
            raise MissingDataError(f"{p}: the trunk network file {key}.yaml is missing; it ships "
                                   "with the repository under layers/network/")
    metric = metric_crs()
    places = _Places(gazetteer, metric)
    roads = _read_roads(files["roads"], places, params)
    rails, access, transfer = _read_rail(files["rail"], places, params)
    line_ids = {r["line"] for r in rails}
    scenarios = _read_scenarios(files["scenarios"],
                                {r["id"] for r in roads} | {r["id"] for r in rails} | line_ids)

    # road nodes: one per place, places at the same spot (< 50 m) merged
    road_place_ids = list(dict.fromkeys([r["from_place"] for r in roads]
                                        + [r["to_place"] for r in roads]))
    rows = [places.rows[i] for i in road_place_ids]
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
    road_nodes = pd.DataFrame(node_rows)
    for r in roads:
        r["from_node"] = node_of_place[r["from_place"]]
        r["to_node"] = node_of_place[r["to_place"]]

    # station nodes per line, access and transfer links
    links: list[dict] = []
    if rails:
        from scipy.spatial import cKDTree

        tree = cKDTree(road_nodes[["x", "y"]].to_numpy()) if len(road_nodes) else None
        st_nodes: dict[str, dict] = {}
        for r in rails:
            for end in ("from", "to"):
                pid = r[f"{end}_place"]
                label = f"rail:{r['line']}:{pid}"
                r[f"{end}_node"] = label
                if label not in st_nodes:
                    prow = places.rows[pid]
                    (x, y), = places.xy([prow])
                    st_nodes[label] = {**_node_row(label, "rail", prow, x, y), "line": r["line"],
                                       "_status": r["status"]}
        station_rows = list(st_nodes.values())
        for st in station_rows:
            if tree is None:
                raise NetworkError("the rail network has stations but roads.yaml has no road; "
                                   "stations connect to the nearest road node")
            dist, k = tree.query([st["x"], st["y"]])
            town = road_nodes.iloc[int(k)]
            if dist / 1000.0 > MAX_ACCESS_KM:
                warnings.warn(f"station {st['name_zh']} is {dist / 1000:.0f} km from its nearest "
                              f"road node {town['name_zh']}; add the town and a road to it in "
                              "roads.yaml", stacklevel=3)
            st["town_node"] = town["node"]
            st["access_km"] = dist / 1000.0
            links.append({
                "id": f"access:{st['node']}", "mode": "access", "line": st["line"],
                "highway": "", "class": "access", "terrain": "",
                "from_node": town["node"], "to_node": st["node"],
                "from_name": town["name_zh"], "to_name": st["name_zh"],
                "length_km": dist / 1000.0, "length_from": "measured", "drawn_km": dist / 1000.0,
                "speed_kmh": np.nan, "fixed_min": access,
                "status": "operating", "opened": None, "period": "",
                "source": "rail.yaml access_min", "geometry": LineString(
                    [(town["x"], town["y"]), (st["x"], st["y"])]),
            })
        by_place: dict[str, list[dict]] = {}
        for st in station_rows:
            by_place.setdefault(st["place_id"], []).append(st)
        for group in by_place.values():
            for i, s1 in enumerate(group):
                for s2 in group[i + 1:]:
                    links.append({
                        "id": f"transfer:{s1['node']}|{s2['node']}", "mode": "transfer",
                        "line": "", "highway": "", "class": "transfer", "terrain": "",
                        "from_node": s1["node"], "to_node": s2["node"],
                        "from_name": s1["name_zh"], "to_name": s2["name_zh"],
                        "length_km": 0.0, "length_from": "measured", "drawn_km": 0.0,
                        "speed_kmh": np.nan, "fixed_min": transfer, "status": "operating",
                        "opened": None, "period": "", "source": "rail.yaml transfer_min",
                        "geometry": None,
                    })
        nodes = pd.concat([road_nodes, pd.DataFrame(station_rows).drop(columns="_status")],
                          ignore_index=True)
    else:
        nodes = road_nodes
    edges = pd.DataFrame([*roads, *rails, *links])
    if "fixed_min" not in edges.columns:
        edges["fixed_min"] = np.nan
    moving = edges["fixed_min"].isna()
    edges["travel_time"] = np.where(moving, edges["length_km"] / edges["speed_kmh"] * 60.0,
                                    edges["fixed_min"])
    edges = edges.drop(columns=["fixed_min"])
    edges["opened"] = edges["opened"].astype("Int64")
    nodes_gdf = gpd.GeoDataFrame(nodes, geometry=gpd.points_from_xy(nodes["x"], nodes["y"]),
                                 crs=metric)
    edges_gdf = gpd.GeoDataFrame(edges, geometry="geometry", crs=metric)
    return TrunkNetwork(nodes=nodes_gdf, edges=edges_gdf, scenarios=scenarios,
                        access_min=float(access), transfer_min=float(transfer), params=params,
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
    doc = _doc(path, _SCEN_SCHEMA)
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
