"""The one transport dataset: road and rail segments between named places.

Every road and railway of the project is described once, in ``layers/network/roads.yaml``
(``gisxz.network.roads/1``) and ``layers/network/rail.yaml`` (``gisxz.network.rail/1``).
The routing graph (:mod:`gisxz.network.trunk`), the plan layers ``highways``,
``railways`` and ``transport_channels`` (:mod:`gisxz.plan.transport`) and the GeoPackage
layers ``network_roads`` / ``network_rail`` (:func:`network_layers`) are all built from
these segments, so a map and a travel time cannot disagree.

A segment runs ``from`` a gazetteer place ``to`` another, through control points
``via`` (gazetteer names, ``[lon, lat]`` or ``[lon, lat, "name"]``) that follow the real
route. Its length for routing is, in this order: its cited ``length_km``; its share of its
rail line's published total (``length_km`` of the line, spread over the segments without a
cited length in proportion to their drawn length); or its drawn length × a documented
circuity factor.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from gisxz import settings
from gisxz.core.crs import metric_crs
from gisxz.exceptions import DuplicateIdError, PlanFileError
from gisxz.io.documents import Node, load_yaml, require

log = logging.getLogger(__name__)

__all__ = ["STATUSES", "ROAD_CIRCUITY", "HIGH_GRADE_CIRCUITY", "RAIL_CIRCUITY", "TrunkParams",
           "Places", "read_roads", "read_rail", "read_scenarios", "network_layers",
           "split_refs", "NETWORK_LAYER_COLUMNS"]

#: Allowed segment statuses.
STATUSES = ("operating", "under_construction", "planned")
#: Circuity (road length / drawn length) of ordinary roads by terrain, used when no length
#: is cited: the median ratio cited / drawn of the ordinary road segments that cite a length,
#: drawn through their control points (plain and hill pooled, 16 segments: 1.25; mountain,
#: 18 segments: 1.55; see :func:`gisxz.network.calibration.circuity_table`).
ROAD_CIRCUITY: dict[str, float] = {"plain": 1.25, "hill": 1.25, "mountain": 1.55}
#: Circuity of high-grade roads (expressway, first class): tunnels and bridges cut through
#: (cited expressway segments: 0.96–1.15, median about 1.1).
HIGH_GRADE_CIRCUITY: float = 1.10
#: Circuity of railways without a cited or line-total length (planned lines: new lines are
#: built with long tunnels; 拉林 435.48 km over its drawn stations gives about 1.1).
RAIL_CIRCUITY: float = 1.10
_HIGH_GRADE = ("expressway", "first_class")
_CLASSES = ("expressway", "first_class", "second_class", "national", "border")
_TERRAINS = ("plain", "hill", "mountain")
_ROAD_SCHEMA = "gisxz.network.roads/1"
_RAIL_SCHEMA = "gisxz.network.rail/1"
_SCEN_SCHEMA = "gisxz.network.scenarios/1"
_ROAD_KEYS = {"id", "from", "to", "via", "highway", "class", "terrain", "length_km",
              "speed_kmh", "status", "opened", "period", "source", "note", "name_zh", "name_en",
              "cross_border"}
_RAIL_LINE_KEYS = {"id", "name_zh", "name_en", "status", "opened", "period", "source",
                   "segments", "note", "length_km"}
_RAIL_SEG_KEYS = {"id", "from", "to", "via", "length_km", "speed_kmh", "status", "opened",
                  "period", "source", "note", "cross_border"}
_SCEN_KEYS = {"description_zh", "description_en", "statuses", "exclude", "include", "note"}

#: Columns of the GeoPackage layers ``network_roads`` and ``network_rail``.
NETWORK_LAYER_COLUMNS = ["id", "ref", "line", "name_zh", "class", "terrain", "from_name",
                         "to_name", "via", "status", "opened", "opened_date", "period",
                         "length_km", "length_source", "drawn_km", "speed_kmh", "minutes",
                         "cross_border", "source", "geometry"]


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


def split_refs(value: Any) -> list[str]:
    """Route references of a ``highway`` field: ``"G318/G4218"`` → ``["G318", "G4218"]``.

    Examples
    --------
    >>> split_refs("G318/G4218 (拉林)")
    ['G318', 'G4218']
    >>> split_refs("provincial road (然察公路)")
    []
    """
    out = []
    for part in str(value or "").replace("+", "/").split("/"):
        part = part.strip()
        if not part or part[0].islower():  # a description ("county road"), not a reference
            continue
        ref = part.split(" ")[0].split("（")[0].split("(")[0]
        if ref:
            out.append(ref)
    return out


# -- small readers ------------------------------------------------------------------------
def doc_of(path: Path, schema: str) -> Node:
    """Load ``path`` and check its ``schema``."""
    doc = load_yaml(path)
    if not isinstance(doc, dict):
        raise PlanFileError(f"must be a mapping with 'schema: {schema}'", path=str(path), line=1)
    if doc.get("schema") != schema:
        raise doc.error(f"schema is {doc.get('schema')!r}; expected {schema!r}", key="schema")
    return doc


def _check_fields(node: Any, allowed: set[str], what: str, path: Path) -> None:
    if not isinstance(node, Node):
        raise PlanFileError(f"each {what} must be a mapping, got {node!r}", path=str(path))
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


def _opened(node: Node, default: Any = None) -> tuple[int | None, str]:
    """``opened`` as (year, date text): a year (2021) or a date ('2021-06-25')."""
    value = node.get("opened", default)
    if value in (None, ""):
        return None, ""
    text = str(value)
    year = text[:4]
    ok = (not isinstance(value, bool) and year.isdigit() and 1900 <= int(year) <= 2100
          and (len(text) == 4 or (len(text) == 10 and text[4] == "-" and text[7] == "-")))
    if not ok:
        raise node.error(f"opened must be a year (2021) or a date ('2021-06-25'), got "
                         f"{value!r}", key="opened")
    return int(year), text


class Places:
    """Resolves ``from``/``to``/``via`` items to metric points (gazetteer names or lon/lat)."""

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

    def via_point(self, item: Any, node: Node) -> tuple[tuple[float, float], str]:
        """One control point: a gazetteer name, ``[lon, lat]`` or ``[lon, lat, name]``."""
        if isinstance(item, str):
            row = self.get(item, node, "via")
            (x, y), = self.xy([row])
            return (x, y), row["name_zh"]
        ok = (isinstance(item, list) and len(item) in (2, 3)
              and all(isinstance(v, int | float) and not isinstance(v, bool) for v in item[:2]))
        if not ok or not (60 < item[0] < 140 and 10 < item[1] < 55):
            raise node.error(f"a via point is a place name, [lon, lat] or [lon, lat, name]; got "
                             f"{item!r} (longitude first, in degrees)", key="via")
        p = gpd.GeoSeries.from_xy([item[0]], [item[1]], crs=settings.store_crs)
        pm = p.to_crs(self.metric).iloc[0]
        label = str(item[2]) if len(item) == 3 else f"{item[0]:.3f},{item[1]:.3f}"
        return (pm.x, pm.y), label


def _alignment(places: Places, seg: Node) -> tuple[pd.Series, pd.Series, LineString, str]:
    """The ``from`` and ``to`` places and the drawn line through the ``via`` control points."""
    a = places.get(seg.get("from"), seg, "from")
    b = places.get(seg.get("to"), seg, "to")
    if a["id"] == b["id"]:
        raise seg.error(f"from and to are the same place {a['name_zh']!r}", key="to")
    via = seg.get("via") or []
    if not isinstance(via, list):
        raise seg.error("via must be a list of place names or [lon, lat] points", key="via")
    pts = [places.via_point(v, seg) for v in via]
    xy = [tuple(places.xy([a])[0]), *[p for p, _ in pts], tuple(places.xy([b])[0])]
    return a, b, LineString(xy), "—".join(label for _, label in pts)


def _unique(seen: dict[str, int | None], sid: str, node: Node, path: Path, what: str) -> None:
    if sid in seen:
        raise DuplicateIdError(f"duplicate {what} id {sid!r} (first at line {seen[sid]}); "
                               "give each its own id", path=str(path), line=node.line)
    seen[sid] = node.line


def _base_record(seg: Node, a, b, geom, via: str, path: Path) -> dict:
    year, date = _opened(seg)
    return {"from_place": a["id"], "to_place": b["id"], "from_name": a["name_zh"],
            "to_name": b["name_zh"], "via": via, "drawn_km": geom.length / 1000.0,
            "geometry": geom, "opened": year, "opened_date": date,
            "cross_border": str(seg.get("cross_border") or ""),
            "_path": str(path), "_line": seg.line}


# -- roads --------------------------------------------------------------------------------
def _road_speeds(doc: Node) -> dict:
    speeds = require(doc, "speeds_kmh", dict)
    for cls in _CLASSES:
        if cls not in speeds:
            raise doc.error(f"speeds_kmh has no class {cls!r}; give plain/hill/mountain speeds "
                            "for each of " + ", ".join(_CLASSES), key="speeds_kmh")
        for ter in _TERRAINS:
            _positive(speeds[cls], ter, required=True)
    return speeds


def _road_record(seg: Node, places: Places, speeds: dict, params: TrunkParams,
                 path: Path) -> dict:
    a, b, geom, via = _alignment(places, seg)
    cls = seg.get("class")
    if cls not in _CLASSES:
        raise seg.error(f"class is {cls!r}; use one of {', '.join(_CLASSES)}", key="class")
    ter = seg.get("terrain")
    if ter not in _TERRAINS:
        raise seg.error(f"terrain is {ter!r}; use one of {', '.join(_TERRAINS)}", key="terrain")
    rec = _base_record(seg, a, b, geom, via, path)
    length = _positive(seg, "length_km")
    circ = (float(params.high_grade_circuity) if cls in _HIGH_GRADE
            else float(params.road_circuity.get(ter, 1.0)))
    speed = _positive(seg, "speed_kmh")
    base_speed = float(speeds[cls][ter]) * float(params.speed_factor.get(cls, 1.0))
    rec.update({
        "id": seg["id"], "mode": "road", "line": "", "name_zh": str(seg.get("name_zh") or ""),
        "highway": str(seg.get("highway") or ""), "class": cls, "terrain": ter,
        "length_km": length if length is not None else rec["drawn_km"] * circ,
        "length_from": "cited" if length is not None else "measured",
        "length_source": (str(seg.get("length_source") or "cited") if length is not None
                          else f"measured: drawn length x circuity {circ:g}"),
        "speed_kmh": speed if speed is not None else base_speed,
        "status": _status(seg), "period": str(seg.get("period") or ""),
        "source": str(seg.get("source") or ""),
    })
    return rec


def read_roads(path: Path, places: Places, params: TrunkParams) -> list[dict]:
    """Road segments of ``roads.yaml`` as records (metric geometry)."""
    doc = doc_of(path, _ROAD_SCHEMA)
    speeds = _road_speeds(doc)
    out = []
    seen: dict[str, int | None] = {}
    for seg in require(doc, "segments", list):
        _check_fields(seg, _ROAD_KEYS, "road segment", path)
        _unique(seen, require(seg, "id", str), seg, path, "segment")
        out.append(_road_record(seg, places, speeds, params, path))
    return out


# -- rail ---------------------------------------------------------------------------------
def _rail_record(seg: Node, line: Node, sid: str, places: Places, path: Path) -> dict:
    a, b, geom, via = _alignment(places, seg)
    rec = _base_record(seg, a, b, geom, via, path)
    if rec["opened"] is None:
        rec["opened"], rec["opened_date"] = _opened(line)
    length = _positive(seg, "length_km")
    rec.update({
        "id": sid, "mode": "rail", "line": line["id"], "name_zh": str(line.get("name_zh") or ""),
        "highway": str(line.get("name_zh") or ""), "class": "railway", "terrain": "",
        "length_km": length, "length_from": "cited" if length is not None else "",
        "length_source": str(seg.get("length_source") or "cited") if length else "",
        "speed_kmh": _positive(seg, "speed_kmh", required=True),
        "status": _status(seg, _status(line)),
        "period": str(seg.get("period", line.get("period")) or ""),
        "source": str(seg.get("source") or line.get("source") or ""),
    })
    return rec


def _spread_line_total(recs: list[dict], line: Node, params: TrunkParams) -> None:
    """Lengths of a line's uncited segments: pro rata of the line total, else circuity."""
    total = _positive(line, "length_km")
    free = [r for r in recs if r["length_km"] is None]
    cited = sum(r["length_km"] for r in recs if r["length_km"] is not None)
    drawn = sum(r["drawn_km"] for r in free)
    if total is not None and free and total > cited and drawn > 0:
        factor = (total - cited) / drawn
        for r in free:
            r["length_km"] = r["drawn_km"] * factor
            r["length_from"] = "line_total"
            r["length_source"] = (f"line total {total:g} km ({line.get('length_source', '')})"
                                  f" spread by drawn length")
        return
    for r in free:
        r["length_km"] = r["drawn_km"] * params.rail_circuity
        r["length_from"] = "measured"
        r["length_source"] = f"measured: drawn length x circuity {params.rail_circuity:g}"


def read_rail(path: Path, places: Places, params: TrunkParams
              ) -> tuple[list[dict], float, float]:
    """Rail segments of ``rail.yaml`` and the access / transfer penalties (minutes)."""
    doc = doc_of(path, _RAIL_SCHEMA)
    access = params.access_min if params.access_min is not None else _positive(
        doc, "access_min", required=True)
    transfer = params.transfer_min if params.transfer_min is not None else _positive(
        doc, "transfer_min", required=True)
    out: list[dict] = []
    seen: dict[str, int | None] = {}
    for line in require(doc, "lines", list):
        _check_fields(line, _RAIL_LINE_KEYS, "rail line", path)
        lid = require(line, "id", str)
        _unique(seen, lid, line, path, "line")
        _status(line)
        recs = []
        for k, seg in enumerate(require(line, "segments", list)):
            _check_fields(seg, _RAIL_SEG_KEYS, "rail segment", path)
            sid = seg.get("id") or f"{lid}_{k + 1}"
            _unique(seen, sid, seg, path, "rail segment")
            recs.append(_rail_record(seg, line, sid, places, path))
        _spread_line_total(recs, line, params)
        out.extend(recs)
    return out, float(access), float(transfer)


def read_scenarios(path: Path, ids: set[str]) -> dict[str, dict]:
    """Scenarios of ``scenarios.yaml``: statuses and excluded / included ids."""
    doc = doc_of(path, _SCEN_SCHEMA)
    out = {}
    for name, spec in require(doc, "scenarios", dict).items():
        if not isinstance(spec, Node):
            raise doc.error(f"scenario {name!r} must be a mapping with 'statuses'",
                            key="scenarios")
        _check_fields(spec, _SCEN_KEYS, f"scenario {name!r}", path)
        for s in require(spec, "statuses", list):
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
                    close = difflib.get_close_matches(str(v), sorted(ids), n=3)
                    raise spec.error(f"{key} names {v!r}, which is no segment or line id."
                                     + (f" Closest ids: {', '.join(close)}" if close else ""),
                                     key=key)
            lists[key] = set(vals)
        out[str(name)] = {"statuses": list(spec["statuses"]), **lists,
                          "description_zh": str(spec.get("description_zh") or ""),
                          "description_en": str(spec.get("description_en") or "")}
    return out


# -- GeoPackage layers --------------------------------------------------------------------
def network_layers(network=None) -> dict[str, gpd.GeoDataFrame]:
    """The routable network as layers ``network_roads`` and ``network_rail`` (EPSG:4490).

    One feature per segment (all statuses) with ``ref`` (route references, ``;``-joined),
    ``status``, ``opened``, ``length_km`` (the length used for routing), ``length_source``,
    ``speed_kmh`` and ``minutes``.

    Examples
    --------
    >>> layers = network_layers()
    >>> sorted(layers), "minutes" in layers["network_roads"]
    (['network_rail', 'network_roads'], True)
    """
    from gisxz.network.trunk import load_trunk

    net = network if network is not None else load_trunk()
    e = net.edges
    out = {}
    for mode, name in (("road", "network_roads"), ("rail", "network_rail")):
        s = e[e["mode"] == mode].copy()
        s["ref"] = [";".join(split_refs(h)) if m == "road" else str(h)
                    for h, m in zip(s["highway"], s["mode"], strict=True)]
        s["minutes"] = s["travel_time"]
        gdf = gpd.GeoDataFrame(s[NETWORK_LAYER_COLUMNS], geometry="geometry",
                               crs=metric_crs()).to_crs(settings.store_crs)
        gdf.attrs["description"] = (f"{'Road' if mode == 'road' else 'Rail'} segments of the "
                                    "routing network (layers/network), all statuses")
        out[name] = gdf.reset_index(drop=True)
    return out
