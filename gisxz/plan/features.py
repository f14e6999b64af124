"""The plan as data: read ``layers/plan/*.yaml`` and build its layers.

Each plan file names one output layer and lists features. A feature's geometry is given
by exactly one of

* ``at``: a gazetteer place (point);
* ``waypoints``: gazetteer places or ``[lon, lat]`` pairs, in order (line, schematic);
* ``river_names``: names of rivers in the 1:4M data (line, surveyed);
* ``prefectures`` / ``counties`` / ``exclude_counties``: administrative membership
  (polygon dissolved from the counties).

Common fields: ``id, name_zh, name_en, kind, status, period, opened, source, accuracy,
note, attributes`` (a mapping of extra ASCII-named fields). See ``layers/plan/README.md``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from gisxz import settings
from gisxz.base.gazetteer import Gazetteer, default_gazetteer
from gisxz.core.crs import metric_crs
from gisxz.core.vocab import ACCURACY, PERIODS, SEED_PERIODS, STATUSES
from gisxz.exceptions import DuplicateIdError, OutsideRegionError, PlanFileError
from gisxz.io.documents import Node, check_choice, check_keys, load_yaml, require
from gisxz.plan.options import check_options
from gisxz.plan.transport import (
    check_route_node,
    route_extra,
    route_segments,
    segment_geometry,
)

log = logging.getLogger(__name__)

__all__ = ["STATUSES", "ACCURACY", "SEED_PERIODS", "PlanFile", "read_plan_files",
           "build_plan_layers", "plan_options", "format_sources"]

SCHEMA = "gisxz.plan/1"

_GEOM_KEYS = ("at", "waypoints", "river_names", "prefectures", "route", "segments", "routes")
_FEATURE_KEYS = ("id", "name_zh", "name_en", "kind", "status", "period", "opened", "source",
                 "accuracy", "note", "attributes", "at", "waypoints", "river_names",
                 "prefectures", "counties", "exclude_counties", "route", "segments", "routes")
_ASCII = re.compile(r"^[a-z][a-z0-9_]*$")
#: How far (m) outside Xizang a coordinate waypoint may lie before it is refused.
OUTSIDE_TOLERANCE_M = 5000.0


@dataclass
class PlanFile:
    """One plan file: its path, output layer name, options and feature nodes."""

    path: Path
    layer: str
    options: dict = field(default_factory=dict)
    features: list[Node] = field(default_factory=list)


def read_plan_files(directory: str | Path | None = None) -> dict[str, PlanFile]:
    """Read and check every plan file in ``directory`` (default ``layers/plan``).

    Returns a mapping from layer name to :class:`PlanFile`.

    Raises
    ------
    PlanFileError
        Syntax or schema errors, with file and line.
    DuplicateIdError
        Two features (in any files) share an id.
    """
    directory = Path(directory or Path(settings.layers_dir) / "plan")
    files: dict[str, PlanFile] = {}
    ids: dict[str, Node] = {}
    for path in sorted(directory.glob("*.yaml")):
        doc = load_yaml(path)
        if not isinstance(doc, Node):
            raise PlanFileError("a plan file must be a mapping with schema, layer and "
                                "features", path=str(path), line=1)
        check_keys(doc, ("schema", "layer", "options", "features"), what="plan file")
        if doc.get("schema") != SCHEMA:
            raise doc.error(f"schema is {doc.get('schema')!r}; expected {SCHEMA!r}",
                            key="schema")
        layer = require(doc, "layer", str)
        if not _ASCII.match(layer):
            raise doc.error(f"layer name {layer!r} must be lower-case ASCII (a-z, 0-9, _)",
                            key="layer")
        if layer in files:
            raise doc.error(f"layer {layer!r} is already defined in {files[layer].path}",
                            key="layer")
        feats = require(doc, "features", list)
        for node in feats:
            _check_feature(node)
            if node["id"] in ids:
                prev = ids[node["id"]]
                raise DuplicateIdError(
                    f"duplicate feature id {node['id']!r} (first at {prev.path}:{prev.line}); "
                    "give each feature its own id", path=node.path, line=node.line_of("id"))
            ids[node["id"]] = node
        files[layer] = PlanFile(path=path, layer=layer,
                                options=check_options(layer, doc.get("options"), doc),
                                features=feats)
    if not files:
        raise PlanFileError(f"no plan files (*.yaml) found in {directory}")
    return files


def _check_feature(node: Any) -> None:
    if not isinstance(node, Node):
        raise PlanFileError(f"each feature must be a mapping, got {node!r}")
    check_keys(node, _FEATURE_KEYS, what="plan feature")
    for key in ("id", "name_zh", "name_en", "kind"):
        require(node, key, str)
    if not _ASCII.match(node["id"]):
        raise node.error(f"id {node['id']!r} must be lower-case ASCII (a-z, 0-9, _)", key="id")
    check_choice(node, "status", STATUSES)
    check_choice(node, "accuracy", ACCURACY)
    check_choice(node, "period", PERIODS, default="")
    opened = node.get("opened")
    if opened is not None and not (isinstance(opened, int) and 1900 <= opened <= 2100):
        raise node.error(f"opened must be a year such as 2021, got {opened!r}", key="opened")
    given = [k for k in _GEOM_KEYS if node.get(k) is not None]
    if len(given) != 1:
        raise node.error("give exactly one of at (point), waypoints (line), river_names "
                         "(river from the 1:4M data), prefectures (zone), route / segments "
                         "(network segments) or routes (plan features bundled); got "
                         f"{given or 'none'}")
    check_route_node(node)
    if node.get("waypoints") is not None:
        wps = node["waypoints"]
        if not isinstance(wps, list) or len(wps) < 2:
            raise node.error("waypoints must list at least two places, e.g. [拉萨, 曲水]"
                             + (" (separate them with ASCII commas inside [ ])"
                                if isinstance(wps, str) else ""), key="waypoints")
    sources = require(node, "source", list)
    for s in sources:
        if not isinstance(s, dict) or not (("seed" in s and "quote" in s) or "ref" in s):
            raise node.error("each source is {seed: '001', quote: '...'} (an exact quote from "
                             "the seed file) or {ref: '...'} (an outside reference)",
                             key="source")
        if "seed" in s and str(s["seed"]) not in SEED_PERIODS:
            raise node.error(f"seed {s['seed']!r} is unknown; use one of "
                             f"{', '.join(SEED_PERIODS)}", key="source")
    attrs = node.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise node.error("attributes must be a mapping of field: value", key="attributes")
    for key in attrs:
        if not _ASCII.match(str(key)):
            raise node.error(f"attribute name {key!r} must be lower-case ASCII so that GIS "
                             "software can read it (e.g. rank_zh)", key="attributes")


def format_sources(sources: list[dict]) -> str:
    """Render a feature's sources as one string.

    Examples
    --------
    >>> format_sources([{"seed": "001", "quote": "一核"}, {"ref": "outside"}])
    'seed 001 (14th FYP): 「一核」; outside'
    """
    parts = []
    for s in sources:
        if "seed" in s:
            seed = str(s["seed"])
            parts.append(f"seed {seed} ({SEED_PERIODS[seed]}): 「{s['quote']}」")
        else:
            parts.append(str(s["ref"]))
    return "; ".join(parts)


def plan_options(directory: str | Path | None = None) -> dict[str, dict]:
    """Options of every plan layer (e.g. the three-hour circle and belt definitions)."""
    return {name: pf.options for name, pf in read_plan_files(directory).items()}


class _Context:
    def __init__(self, gazetteer: Gazetteer, data_source: str | None):
        self.gz = gazetteer
        self.data_source = data_source
        self._xizang_m = None
        self._counties = None
        self._rivers = None
        self._edges = None
        self.nodes: dict[str, Node] = {}

    @property
    def edges(self):
        """Road and rail segments of the network (all statuses), in EPSG:4490."""
        if self._edges is None:
            from gisxz.network.trunk import load_trunk

            e = load_trunk().edges
            self._edges = e[e["mode"].isin(["road", "rail"])].to_crs(settings.store_crs)
        return self._edges

    @property
    def xizang_m(self):
        if self._xizang_m is None:
            from gisxz.base.geography import admin_province

            self._xizang_m = admin_province(data_source=self.data_source).to_crs(
                metric_crs()).geometry.iloc[0]
        return self._xizang_m

    @property
    def counties(self) -> gpd.GeoDataFrame:
        if self._counties is None:
            from gisxz.base.geography import admin_counties

            self._counties = admin_counties(data_source=self.data_source)
        return self._counties

    @property
    def rivers(self) -> gpd.GeoDataFrame:
        if self._rivers is None:
            from gisxz.base.geography import rivers

            self._rivers = rivers(data_source=self.data_source)
        return self._rivers

    def place(self, name: Any, node: Node, key: str) -> tuple[Point, str]:
        line = node.line_of(key)
        if isinstance(name, list):
            if len(name) != 2 or not all(isinstance(v, int | float) for v in name):
                raise PlanFileError(f"a coordinate waypoint is [lon, lat], got {name!r}",
                                    path=node.path, line=line)
            pt = Point(float(name[0]), float(name[1]))
            pm = gpd.GeoSeries([pt], crs=settings.store_crs).to_crs(metric_crs()).iloc[0]
            dist = pm.distance(self.xizang_m)
            if dist > OUTSIDE_TOLERANCE_M:
                raise OutsideRegionError(
                    f"waypoint {name!r} of feature {node['id']!r} lies {dist / 1000:.0f} km "
                    "outside Xizang. Check the order (longitude first, then latitude) and the "
                    "sign; a place outside Xizang must be a named gazetteer place "
                    "(layers/gazetteer/places.yaml) with its province",
                    path=node.path, line=line)
            return pt, f"{name[0]:.4f},{name[1]:.4f}"
        row = self.gz.resolve(str(name), path=node.path, line=line)
        return row.geometry, row["name_zh"]


def _county_list(ctx: _Context, names: list, node: Node, key: str) -> set[int]:
    c = ctx.counties
    out = set()
    for name in names or []:
        hit = c[(c["name_zh"] == name) | (c["name_en"] == name)
                | (c["adcode"].astype(str) == str(name))]
        if hit.empty:
            import difflib

            close = difflib.get_close_matches(str(name), c["name_zh"].tolist(), n=3, cutoff=0.3)
            raise PlanFileError(f"unknown county {name!r} in {key}. Closest: "
                                f"{', '.join(close) or 'none'}. Use the full name, e.g. 波密县",
                                path=node.path, line=node.line_of(key))
        out.add(int(hit["adcode"].iloc[0]))
    return out


def _geometry(ctx: _Context, node: Node) -> tuple[Any, dict]:
    extra: dict[str, Any] = {}
    if node.get("at") is not None:
        pt, name = ctx.place(node["at"], node, "at")
        row = ctx.gz.resolve(name) if not isinstance(node["at"], list) else None
        extra["place_id"] = row["id"] if row is not None else ""
        extra["_place_accuracy"] = row["accuracy"] if row is not None else "surveyed"
        extra["adcode"] = (int(row["adcode"]) if row is not None and pd.notna(row["adcode"])
                           else None)
        return pt, extra
    if node.get("waypoints") is not None:
        pts, names = [], []
        for wp in node["waypoints"]:
            pt, name = ctx.place(wp, node, "waypoints")
            pts.append(pt)
            names.append(name)
        extra["waypoints"] = "—".join(names)
        return LineString([(p.x, p.y) for p in pts]), extra
    if node.get("route") is not None or node.get("segments") is not None:
        segs = route_segments(node, ctx.edges, ctx.gz)
        return segment_geometry(segs), route_extra(segs)
    if node.get("routes") is not None:
        return _bundle(ctx, node)
    if node.get("river_names") is not None:
        r = ctx.rivers
        names = node["river_names"]
        mask = r["name_zh"].apply(lambda n: any(str(n).startswith(x) for x in names))
        if not mask.any():
            raise node.error(f"no river named {names!r} in the 1:4M data; draw it with "
                             "waypoints instead", key="river_names")
        geom = shapely.line_merge(shapely.union_all(r[mask].geometry.values))
        extra["data_names"] = ";".join(sorted(set(r[mask]["name_zh"])))
        return geom, extra
    c = ctx.counties
    prefs = node.get("prefectures") or []
    unknown = [p for p in prefs if p not in set(c["prefecture_zh"])]
    if unknown:
        raise node.error(f"unknown prefecture {unknown[0]!r}; use one of "
                         f"{', '.join(sorted(set(c['prefecture_zh'])))}", key="prefectures")
    members = set(c.loc[c["prefecture_zh"].isin(prefs), "adcode"].astype(int))
    members |= _county_list(ctx, node.get("counties"), node, "counties")
    members -= _county_list(ctx, node.get("exclude_counties"), node, "exclude_counties")
    sel = c[c["adcode"].isin(members)]
    extra["member_adcodes"] = ";".join(str(a) for a in sorted(members))
    extra["member_count"] = len(members)
    return shapely.union_all(sel.geometry.values), extra


def _bundle(ctx: _Context, node: Node) -> tuple[Any, dict]:
    """A channel: the union of the plan features (highways, railways) it bundles."""
    parts, chains = [], []
    for fid in node["routes"]:
        member = ctx.nodes.get(fid)
        if member is None or (member.get("route") is None and member.get("segments") is None):
            raise node.error(f"routes names {fid!r}, which is no highway or railway feature "
                             "drawn from network segments", key="routes")
        parts.append(route_segments(member, ctx.edges, ctx.gz))
        chains.append(f"{fid}: {route_extra(parts[-1])['waypoints']}")
    segs = pd.concat(parts, ignore_index=True).drop_duplicates("id")
    extra = route_extra(segs)
    extra["routes"] = ";".join(node["routes"])
    extra["waypoints"] = " | ".join(chains)
    return segment_geometry(segs), extra


def _build_layer(ctx: _Context, pf: PlanFile) -> gpd.GeoDataFrame:
    rows = []
    for node in pf.features:
        geom, extra = _geometry(ctx, node)
        row = {
            "id": node["id"], "name_zh": node["name_zh"], "name_en": node["name_en"],
            "kind": node["kind"], "status": node["status"], "period": node.get("period") or "",
            "opened": node.get("opened"), "accuracy": node["accuracy"],
            "source": format_sources(node["source"]), "note": node.get("note") or "",
        }
        place_acc = extra.pop("_place_accuracy", None)
        if place_acc == "schematic":  # a point is no better than the place it stands on
            row["accuracy"] = "schematic"
        row.update(extra)
        for key, value in (node.get("attributes") or {}).items():
            row[str(key)] = value
        row["geometry"] = geom
        rows.append(row)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.store_crs)
    gdf["opened"] = pd.array(gdf["opened"], dtype="Int64")
    if "adcode" in gdf:
        gdf["adcode"] = pd.array(gdf["adcode"], dtype="Int64")
    geom_types = set(gdf.geom_type)
    if geom_types & {"LineString", "MultiLineString"}:
        gdf["length_km"] = gdf.to_crs(metric_crs()).length / 1000
    if geom_types & {"Polygon", "MultiPolygon"}:
        gdf["area_km2"] = gdf.to_crs(metric_crs()).area / 1e6
    gdf.attrs["options"] = pf.options
    gdf.attrs["plan_file"] = str(pf.path)
    # bools stored as 0/1 in GeoPackage anyway; keep them as bool here
    return gdf


def build_plan_layers(*, gazetteer: Gazetteer | None = None, plan_dir: str | Path | None = None,
                      yihe: str | None = None, data_source: str | None = None
                      ) -> dict[str, gpd.GeoDataFrame]:
    """Build every plan layer as a GeoDataFrame in EPSG:4490.

    Parameters
    ----------
    gazetteer : Gazetteer, optional
        Place lookup; by default the project's gazetteer.
    plan_dir : path, optional
        Folder of plan files; by default ``layers/plan``.
    yihe : str, optional
        The river that is the 一河 of 四江一河 (default from ``water.yaml``).
    data_source : str, optional
        Administrative boundary edition (``tianditu`` or ``amap``).

    Examples
    --------
    >>> layers = build_plan_layers()
    >>> sorted(layers)[:3]
    ['airports', 'border_towns', 'energy_water_projects']
    """
    ctx = _Context(gazetteer or default_gazetteer(), data_source)
    out = {}
    files = read_plan_files(plan_dir)
    ctx.nodes = {n["id"]: n for pf in files.values() for n in pf.features}
    for name, pf in files.items():
        gdf = _build_layer(ctx, pf)
        if name == "water_network":
            gdf = _select_yihe(gdf, pf, yihe if yihe is not None else settings.yihe)
        out[name] = gdf
    return out


def _select_yihe(gdf: gpd.GeoDataFrame, pf: PlanFile, yihe: str | None) -> gpd.GeoDataFrame:
    opts = pf.options
    candidates = list(opts.get("yihe_candidates") or [])
    choice = yihe or opts.get("yihe_default")
    if choice not in candidates:
        raise PlanFileError(f"yihe {choice!r} is not one of the 一河 candidates "
                            f"{', '.join(candidates)}; choose one of them (option --yihe) or "
                            "add the river to water.yaml", path=str(pf.path))
    group = gdf.get("group", pd.Series([""] * len(gdf), index=gdf.index))
    keep = (group == "四江") | (gdf["name_zh"] == choice)
    out = gdf[keep].copy()
    out["role"] = out["group"].where(out["group"] == "四江", "一河")
    out = out.drop(columns=["group"])
    out.attrs.update(gdf.attrs)
    out.attrs["yihe"] = choice
    out.attrs["description"] = (f"四江一河 backbone water network; 一河 = {choice} "
                                f"(candidates: {', '.join(candidates)})")
    return out
