"""Routing graphs from OpenStreetMap: local files (``.osm``, ``.osm.bz2``, ``.osm.pbf``),
saved networks (``.graphml``, ``.gpkg``) and, when online, osmnx downloads.

Speeds come from the ``maxspeed`` tag (``"60"``, ``"40 mph"``, ``"50;70"`` → mean);
where it is missing or unreadable, from :data:`DEFAULT_SPEEDS_KMH` by highway class.
Every edge gets ``length_m``, ``speed_kmh``, ``speed_from`` (``maxspeed`` or ``class``)
and ``travel_time`` in **minutes**. Coordinates are projected to the local UTM zone
for metric work; results come back in the network's own CRS.

The default speed table holds typical free-flow speeds for a car, set from the
design-speed ranges of Chinese urban road classes (CJJ 37-2012: expressway 60–100,
arterial 40–60, secondary arterial 30–50, branch road 20–40 km/h) and of highway
classes (JTG B01-2014), rounded to the middle of each range.
"""

from __future__ import annotations

import bz2
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import LineString

from gisxz.core.compat import import_optional
from gisxz.core.validate import check_network_file
from gisxz.exceptions import FileFormatError, MissingCRSError, NetworkError
from gisxz.network.engine import Graph

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "FALLBACK_SPEED_KMH",
    "DRIVE_EXCLUDE",
    "parse_maxspeed",
    "graph_from_file",
    "from_osmnx",
    "graph_from_place",
    "graph_from_bbox",
]

#: Free-flow car speed (km/h) by OSM ``highway`` class when ``maxspeed`` is absent.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0, "motorway_link": 60.0,
    "trunk": 80.0, "trunk_link": 50.0,
    "primary": 60.0, "primary_link": 40.0,
    "secondary": 50.0, "secondary_link": 35.0,
    "tertiary": 40.0, "tertiary_link": 30.0,
    "unclassified": 30.0, "residential": 25.0, "road": 30.0,
    "living_street": 10.0, "service": 15.0, "track": 15.0,
}
#: Speed (km/h) of a highway class missing from the table.
FALLBACK_SPEED_KMH: float = 25.0
#: Highway classes not open to cars (dropped when ``network_type="drive"``).
DRIVE_EXCLUDE = frozenset({
    "footway", "path", "steps", "pedestrian", "cycleway", "bridleway", "corridor",
    "elevator", "escalator", "platform", "proposed", "construction", "abandoned", "raceway",
    "bus_guideway", "busway", "via_ferrata", "rest_area", "services", "emergency_bay", "track",
})
_MPH = 1.609344
_ONEWAY_TRUE = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}


def parse_maxspeed(value: Any) -> float:
    """A ``maxspeed`` tag (or list of tags) in km/h, NaN when it gives no number.

    Examples
    --------
    >>> parse_maxspeed("60"), parse_maxspeed("25 mph"), parse_maxspeed(["40", "60"])
    (60.0, 40.2336, 50.0)
    >>> import math; math.isnan(parse_maxspeed("CN:urban"))
    True
    """
    if value is None:
        return float("nan")
    if isinstance(value, list | tuple):
        vals = [parse_maxspeed(v) for v in value]
        vals = [v for v in vals if not np.isnan(v)]
        return float(np.mean(vals)) if vals else float("nan")
    text = str(value).strip().lower()
    if ";" in text or "|" in text:
        return parse_maxspeed(re.split(r"[;|]", text))
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", text)
    if not m:
        return float("nan")
    speed = float(m.group(1)) * (_MPH if m.group(2) == "mph" else 1.0)
    return speed if 0 < speed < 200 else float("nan")


def _first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _class_speed(highway: Any, speeds: dict[str, float]) -> float:
    return float(speeds.get(str(_first(highway)), FALLBACK_SPEED_KMH))


def _assemble(node_ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, src_crs: Any,
              rec: pd.DataFrame, geoms: list, *, speeds: dict[str, float] | None,
              source: str, network_type: str) -> Graph:
    """Build a :class:`Graph` from nodes (in ``src_crs``) and edge records."""
    if not len(node_ids):
        raise NetworkError(f"{source}: no {network_type} road found; is this an OSM extract "
                           "with highway ways?")
    crs = CRS.from_user_input(src_crs)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=crs)
    metric = pts.estimate_utm_crs() if crs.is_geographic else crs
    pm = pts.to_crs(metric)
    nodes = pd.DataFrame({"node": node_ids, "x": pm.x.to_numpy(), "y": pm.y.to_numpy(),
                          "lon": lon, "lat": lat})
    pos = pd.Series(np.arange(len(node_ids)), index=node_ids)
    u = pos.loc[rec["u"].to_numpy()].to_numpy()
    v = pos.loc[rec["v"].to_numpy()].to_numpy()
    geom = gpd.GeoSeries(geoms, crs=crs).to_crs(metric)
    length = rec["length_m"].to_numpy(dtype=float) if "length_m" in rec.columns else None
    if length is None or np.isnan(length).any():
        measured = geom.length.to_numpy()
        length = measured if length is None else np.where(np.isnan(length), measured, length)
    table = {**DEFAULT_SPEEDS_KMH, **(speeds or {})}
    tagged = np.array([parse_maxspeed(s) for s in rec.get("maxspeed", [None] * len(rec))])
    by_class = np.array([_class_speed(h, table) for h in rec["highway"]])
    speed = np.where(np.isnan(tagged), by_class, tagged)
    attrs = pd.DataFrame({
        "osmid": rec.get("osmid", pd.Series([None] * len(rec))).astype(str).to_numpy(),
        "highway": [str(_first(h)) for h in rec["highway"]],
        "name": rec.get("name", pd.Series([""] * len(rec))).fillna("").astype(str).to_numpy(),
        "maxspeed": rec.get("maxspeed", pd.Series([None] * len(rec))).astype(str).to_numpy(),
        "length_m": length, "speed_kmh": speed,
        "speed_from": np.where(np.isnan(tagged), "class", "maxspeed"),
    })
    attrs["iso_area"] = True
    tt = length / 1000.0 / speed * 60.0
    return Graph.from_edges(nodes, u, v, tt, crs=metric, out_crs=crs, edges=attrs,
                            geometry=geom.values,
                            meta={"scenario": "osm", "mode": network_type, "source": source,
                                  "iso_buffer_m": 100.0, "max_snap_m": 500.0})


def from_osmnx(G, *, speeds: dict[str, float] | None = None, network_type: str = "drive",
               source: str = "osmnx") -> Graph:
    """Convert an osmnx ``MultiDiGraph`` (unprojected or projected) to a :class:`Graph`.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        With ``G.graph["crs"]``, node ``x``/``y`` and edge ``length`` (metres).
    speeds : dict, optional
        Overrides of :data:`DEFAULT_SPEEDS_KMH` (km/h by highway class).

    Raises
    ------
    MissingCRSError
        The graph does not say its CRS.
    """
    crs = G.graph.get("crs")
    if crs is None:
        raise MissingCRSError(f"the network {source} has no CRS (graph attribute 'crs'); a "
                              "network without a CRS is refused. Set G.graph['crs'] = "
                              "'EPSG:4326' if its coordinates are longitude/latitude.")
    ids = np.array(list(G.nodes), dtype=object)
    data = [G.nodes[n] for n in ids]
    x = np.array([float(d["x"]) for d in data])
    y = np.array([float(d["y"]) for d in data])
    rows, geoms = [], []
    for a, b, d in G.edges(data=True):
        hw = _first(d.get("highway"))
        if hw is None or str(d.get("area", "no")) == "yes":
            continue  # osmnx reads every way of an XML file: railways, land use ...
        if network_type == "drive" and hw in DRIVE_EXCLUDE:
            continue
        rows.append({"u": a, "v": b, "osmid": _first(d.get("osmid")), "highway": hw,
                     "name": _first(d.get("name")) or "", "maxspeed": d.get("maxspeed"),
                     "length_m": float(d.get("length", np.nan))})
        g = d.get("geometry")
        if g is None:
            g = LineString([(G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])])
        geoms.append(g)
    rec = pd.DataFrame(rows, columns=["u", "v", "osmid", "highway", "name", "maxspeed",
                                      "length_m"])
    used = pd.unique(pd.concat([rec["u"], rec["v"]])) if len(rec) else []
    keep = pd.Index(ids).isin(used)
    return _assemble(ids[keep], x[keep], y[keep], crs, rec, geoms, speeds=speeds, source=source,
                     network_type=network_type)


def _ox():
    return import_optional("osmnx", pip_name="osmnx", purpose="OpenStreetMap networks")


def _read_xml(path: Path):
    ox = _ox()
    try:
        return ox.graph_from_xml(path, simplify=True, retain_all=True)
    except (OSError, EOFError, UnicodeDecodeError, ValueError, SyntaxError) as exc:
        # SyntaxError: xml.etree's ParseError; EOFError: a truncated .bz2
        if path.suffix != ".bz2" or isinstance(exc, EOFError | SyntaxError):
            raise FileFormatError(f"{path}: cannot read OpenStreetMap XML ({exc}); the file "
                                  "is damaged or cut short: fetch it again") from None
    # an osmnx that cannot read .bz2: decompress to a temporary file
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.with_suffix("").name
        try:
            with bz2.open(path, "rb") as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
            return ox.graph_from_xml(plain, simplify=True, retain_all=True)
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise FileFormatError(f"{path}: cannot read compressed OpenStreetMap XML ({exc}); "
                                  "the file is damaged or cut short: fetch it again") from None


def _read_pbf(path: Path, *, network_type: str, speeds: dict[str, float] | None) -> Graph:
    osmium = import_optional("osmium", pip_name="osmium",
                             purpose="reading .osm.pbf files (or convert the file to .osm.bz2 "
                                     "with osmium-tool and read that)")
    ways: list[tuple] = []

    class _Ways(osmium.SimpleHandler):
        def way(self, w):  # noqa: D401 - osmium callback
            hw = w.tags.get("highway")
            if hw is None or (network_type == "drive" and hw in DRIVE_EXCLUDE):
                return
            try:
                coords = [(n.ref, n.location.lon, n.location.lat) for n in w.nodes]
            except osmium.InvalidLocationError:
                coords = [(n.ref, n.location.lon, n.location.lat) for n in w.nodes
                          if n.location.valid()]
            if len(coords) >= 2:
                ways.append((w.id, hw, w.tags.get("name", ""), w.tags.get("maxspeed"),
                             w.tags.get("oneway", "no"), coords))

    try:
        _Ways().apply_file(str(path), locations=True)
    except RuntimeError as exc:  # libosmium: "PBF error: ..."
        raise FileFormatError(f"{path}: cannot read OpenStreetMap PBF ({exc}); the file is "
                              "damaged or cut short: fetch it again") from None
    node_xy: dict[int, tuple[float, float]] = {}
    rows, geoms = [], []
    for wid, hw, name, maxspeed, oneway, coords in ways:
        ow = str(oneway).lower()
        seq = coords[::-1] if ow in _ONEWAY_REVERSE else coords
        two_way = ow not in _ONEWAY_TRUE and ow not in _ONEWAY_REVERSE and hw != "motorway"
        for (a, ax, ay), (b, bx, by) in zip(seq[:-1], seq[1:], strict=True):
            node_xy[a] = (ax, ay)
            node_xy[b] = (bx, by)
            seg = LineString([(ax, ay), (bx, by)])
            for s, t, gm in ((a, b, seg), (b, a, seg.reverse()))[: 2 if two_way else 1]:
                rows.append({"u": s, "v": t, "osmid": wid, "highway": hw, "name": name,
                             "maxspeed": maxspeed, "length_m": np.nan})
                geoms.append(gm)
    ids = np.array(list(node_xy), dtype=np.int64)
    lon = np.array([node_xy[i][0] for i in ids])
    lat = np.array([node_xy[i][1] for i in ids])
    rec = pd.DataFrame(rows, columns=["u", "v", "osmid", "highway", "name", "maxspeed",
                                      "length_m"])
    return _assemble(ids, lon, lat, "EPSG:4326", rec, geoms, speeds=speeds, source=str(path),
                     network_type=network_type)


def _read_edges_file(path: Path, *, speeds: dict[str, float] | None, network_type: str
                     ) -> Graph:
    import pyogrio

    gdf = pyogrio.read_dataframe(path)
    if gdf.crs is None:
        raise MissingCRSError(f"{path}: the network file has no CRS; a network without a CRS is "
                              "refused because its distances cannot be measured. Write it with "
                              "a CRS (e.g. gdf.set_crs('EPSG:4326').to_file(...)).")
    for col in ("u", "v"):
        if col not in gdf.columns:
            raise NetworkError(f"{path}: an edges file needs columns 'u' and 'v' (node ids); "
                               f"found {', '.join(map(str, gdf.columns))}")
    if "highway" not in gdf.columns:
        gdf["highway"] = "road"
    starts = gdf.geometry.apply(lambda g: g.coords[0])
    ends = gdf.geometry.apply(lambda g: g.coords[-1])
    xy: dict[Any, tuple[float, float]] = {}
    for n, c in zip(gdf["u"], starts, strict=True):
        xy.setdefault(n, c)
    for n, c in zip(gdf["v"], ends, strict=True):
        xy.setdefault(n, c)
    ids = np.array(list(xy), dtype=object)
    rec = pd.DataFrame({"u": gdf["u"], "v": gdf["v"], "highway": gdf["highway"],
                        "maxspeed": gdf.get("maxspeed"), "name": gdf.get("name"),
                        "osmid": gdf.get("osmid"),
                        "length_m": gdf["length"] if "length" in gdf.columns else np.nan})
    g = _assemble(ids, np.array([xy[i][0] for i in ids]), np.array([xy[i][1] for i in ids]),
                  gdf.crs, rec, list(gdf.geometry), speeds=speeds, source=str(path),
                  network_type=network_type)
    if "travel_time" in gdf.columns:  # trust a given travel time (minutes)
        tt = pd.to_numeric(gdf["travel_time"], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(tt).all():
            e = g.edges
            return Graph.from_edges(g.nodes, e["u"], e["v"], tt, crs=g.crs, out_crs=g.out_crs,
                                    edges=e.drop(columns="geometry"), geometry=e.geometry.values,
                                    meta=g.meta)
    return g


def graph_from_file(path: str | os.PathLike, *, network_type: str = "drive",
                    speeds: dict[str, float] | None = None) -> Graph:
    """A routing graph from a local network file.

    Parameters
    ----------
    path : path
        ``.osm`` / ``.xml`` / ``.osm.bz2`` (OpenStreetMap XML, read with osmnx),
        ``.osm.pbf`` / ``.pbf`` (read with pyosmium, ``pip install osmium``),
        ``.graphml`` (saved by osmnx), or ``.gpkg`` / ``.geojson`` / ``.shp`` edges
        with ``u``, ``v`` columns (and optional ``highway``, ``maxspeed``, ``length``,
        ``travel_time`` in minutes).
    network_type : {"drive", "all"}
        ``drive`` drops ways closed to cars (:data:`DRIVE_EXCLUDE`).
    speeds : dict, optional
        Speeds (km/h) by highway class overriding :data:`DEFAULT_SPEEDS_KMH`.

    Raises
    ------
    MissingDataError
        The file does not exist.
    MissingCRSError
        A ``.graphml`` or edges file that does not state its CRS.
    MissingDependencyError
        ``.pbf`` without pyosmium, or OSM XML without osmnx.

    Examples
    --------
    >>> from pathlib import Path
    >>> import gisxz
    >>> shared = Path(gisxz.__file__).resolve().parents[2] / "shared"
    >>> g = graph_from_file(shared / "data" / "osm" / "West-Oakland.osm.bz2")
    >>> g.n_nodes > 10
    True
    """
    if network_type not in ("drive", "all"):
        raise NetworkError(f"network_type {network_type!r} is unknown; use 'drive' or 'all'")
    p = Path(path)
    check_network_file(p)  # exists, content matches the suffix, not cut short
    name = p.name.lower()
    if name.endswith((".osm", ".xml", ".osm.bz2", ".xml.bz2", ".osm.gz")):
        return from_osmnx(_read_xml(p), speeds=speeds, network_type=network_type, source=str(p))
    if name.endswith(".pbf"):
        return _read_pbf(p, network_type=network_type, speeds=speeds)
    if name.endswith(".graphml"):
        try:
            G = _ox().load_graphml(p)
        except (SyntaxError, ValueError, KeyError) as exc:  # ParseError, bad attributes
            raise FileFormatError(f"{p}: cannot read GraphML ({exc}); save the network again "
                                  "with osmnx.save_graphml") from None
        return from_osmnx(G, speeds=speeds, network_type=network_type, source=str(p))
    if name.endswith((".gpkg", ".geojson", ".json", ".shp", ".fgb")):
        return _read_edges_file(p, speeds=speeds, network_type=network_type)
    raise NetworkError(f"{p}: unknown network file type; use .osm, .osm.bz2, .osm.pbf, "
                       ".graphml or a .gpkg of edges with u and v columns")


def graph_from_place(query: str, *, network_type: str = "drive",
                     speeds: dict[str, float] | None = None) -> Graph:
    """Download the street network of a place with osmnx (needs internet access).

    Examples
    --------
    >>> g = graph_from_place("Chengguan, Lhasa, China")  # doctest: +SKIP
    """
    G = _ox().graph_from_place(query, network_type=network_type, simplify=True)
    return from_osmnx(G, speeds=speeds, network_type=network_type, source=f"osmnx:{query}")


def graph_from_bbox(bbox: tuple[float, float, float, float], *, network_type: str = "drive",
                    speeds: dict[str, float] | None = None) -> Graph:
    """Download the network inside ``bbox = (west, south, east, north)`` with osmnx.

    Examples
    --------
    >>> g = graph_from_bbox((91.05, 29.62, 91.2, 29.7))  # doctest: +SKIP
    """
    G = _ox().graph_from_bbox(bbox, network_type=network_type, simplify=True)
    return from_osmnx(G, speeds=speeds, network_type=network_type, source=f"osmnx:bbox{bbox}")
