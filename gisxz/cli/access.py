"""``gisxz access``: isochrones, OD matrices, nearest facility, accessibility scores,
calibration and the three-hour circle, on the embedded trunk network or an OSM file.

Thin wrappers over :mod:`gisxz.network`. Options that take several values accept
them after one flag (``--hours 1 2 3``) or repeated (``--hours 1 --hours 2``).
Outputs are written atomically and never replace an existing file without
``--overwrite``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from gisxz.cli.options import (
    GisxzCommand,
    GisxzGroup,
    mode_opt,
    multi_option,
    out_opt,
    overwrite_opt,
    scenario_opt,
)
from gisxz.core import validate
from gisxz.exceptions import InvalidArgumentError
from gisxz.io.files import OUTPUT_SUFFIXES, TABLE_SUFFIXES

log = logging.getLogger(__name__)

__all__ = ["access", "write_table", "write_geo"]

#: Kept for commands written against the old name: every command of the group is one.
_MultiValueCommand = GisxzCommand


# -- output ------------------------------------------------------------------------------
def write_table(df: pd.DataFrame, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write an accessibility table to ``.csv`` or ``.xlsx`` (bilingual headers)."""
    from gisxz.io.tables import write_table as _write

    return _write(df, path, overwrite=overwrite)


def write_geo(gdf: gpd.GeoDataFrame, path: str | Path, *, layer: str,
              overwrite: bool = False) -> Path:
    """Write a layer by the suffix of ``path`` (:func:`gisxz.io.files.write_vector`)."""
    from gisxz.io.files import write_vector

    return write_vector(gdf, path, layer=layer, overwrite=overwrite)


# -- shared options ------------------------------------------------------------------------
def _graph_opts(func: Callable, *, suffixes=OUTPUT_SUFFIXES) -> Callable:
    func = overwrite_opt(func)
    func = out_opt(suffixes=suffixes, help=f"Output file: {', '.join(suffixes)} (prints a "
                   "table when absent).")(func)
    func = click.option("--max-snap-km", type=float, default=None, metavar="KM",
                        help="Refuse points farther than this from the network [default: "
                             "500 on the trunk network, 12.5 on OSM].")(func)
    func = click.option("--network", "network", type=click.Path(path_type=Path),
                        help="Route on this network file instead of the embedded trunk "
                             "network: .osm, .osm.bz2, .osm.pbf, .graphml, or a .gpkg of "
                             "edges.")(func)
    func = mode_opt()(func)
    return scenario_opt()(func)


def _table_opts(func: Callable) -> Callable:
    return _graph_opts(func, suffixes=TABLE_SUFFIXES)


def _graphs(scenarios: Sequence[str], modes: Sequence[str], network: Path | None,
            max_snap_km: float | None = None):
    """Yield graphs for every scenario x mode, or the one graph of ``network``."""
    limit = (None if max_snap_km is None else validate.check_positive(
        max_snap_km, what="--max-snap-km", unit="km",
        maximum=validate.EARTH_HALF_CIRCUMFERENCE_KM) * 1000.0)
    if network is not None:
        from gisxz.network.osm import graph_from_file

        if scenarios or modes:
            raise InvalidArgumentError("--scenario and --mode choose a trunk network; they "
                                       "do not apply with --network: leave them out")
        yield _with_limit(graph_from_file(network), limit)
        return
    from gisxz.network.trunk import trunk_graph

    for scen in scenarios or ("current",):
        for mode in modes or ("multimodal",):
            yield _with_limit(trunk_graph(scenario=scen, mode=mode), limit)


def _with_limit(graph, limit_m: float | None):
    if limit_m is not None:
        graph.meta["snap_limit_m"] = limit_m
    return graph


def _facility_kinds(kinds: Sequence[str], default: Sequence[str]) -> list[str]:
    """Checked facility kinds (of the plan's facility layers, or a kind group)."""
    from gisxz.network.facilities import KIND_GROUPS, facility_layer

    known = sorted(set(facility_layer()["kind"]) | set(KIND_GROUPS))
    return validate.check_names(kinds, known, what="--facility-kind") or list(default)


def _points(names: Sequence[str], coords: Sequence[str], *, what: str,
            default_kinds: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Points from gazetteer names and/or ``LON,LAT`` pairs (EPSG:4326)."""
    from shapely.geometry import Point

    from gisxz.network.snap import places_as_points

    frames = []
    given = bool(names)
    names = validate.split_list(names)
    if given and not names:
        raise InvalidArgumentError(f"{what}: the place names are empty; give names such as "
                                   "拉萨 日喀则")
    if names:
        frames.append(places_as_points(names))
    if coords:
        pts, labels = [], []
        for c in coords:
            lon, lat = validate.parse_lonlat(c, what=f"{what} coordinates")
            pts.append(Point(lon, lat))
            labels.append(c)
        frames.append(gpd.GeoDataFrame({"name_zh": labels}, geometry=pts, crs="EPSG:4326"
                                       ).to_crs("EPSG:4490"))
    if not frames:
        if default_kinds is None:
            raise InvalidArgumentError(f"give {what} with --from NAME ... or --at LON,LAT")
        return places_as_points(kinds=list(default_kinds))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                            crs="EPSG:4490")


def _show(df: pd.DataFrame, out: Path | None, written: Path | None) -> None:
    if written is not None:
        click.echo(f"wrote {len(df)} rows to {written}")
        return
    with pd.option_context("display.max_rows", 500, "display.width", 200,
                           "display.max_columns", 30):
        click.echo(df.to_string(index=False))


# -- the group -----------------------------------------------------------------------------
@click.group("access", cls=GisxzGroup)
def access() -> None:
    """Network accessibility: isochrones, OD matrices, nearest facility, scores.

    Runs on the embedded trunk network of Xizang (scenarios ``current`` and ``plan``,
    modes ``road`` and ``multimodal``) or on an OpenStreetMap file (--network).
    Travel times are in minutes.
    """


@access.command("iso")
@multi_option("--from", "names", metavar="NAME...",
              help="Origin place names from the gazetteer (e.g. 拉萨 日喀则).")
@multi_option("--at", "coords", metavar="LON,LAT...",
              help="Origin coordinates in degrees (for OSM networks outside Xizang).")
@multi_option("--hours", metavar="H...", help="Thresholds in hours, e.g. --hours 1 2 3.")
@multi_option("--minutes", metavar="M...", help="Thresholds in minutes.")
@click.option("--per-origin/--dissolve", default=False, show_default=True,
              help="One polygon per origin, or the area reachable from any origin.")
@click.option("--buffer-m", type=float, default=None,
              help="Half-width of the band around reached roads, metres "
                   "[default: 5000 on the trunk network, 100 on OSM].")
@_graph_opts
def iso_cmd(names, coords, hours, minutes, per_origin, buffer_m, scenarios, modes, network,
            max_snap_km, out, overwrite) -> None:
    """Isochrones that follow the network (default 1, 2 and 3 hours).

    Example: gisxz access iso --from 拉萨 --hours 1 2 3 --scenario current plan --out iso.gpkg
    """
    from gisxz.network.isochrones import isochrones

    if not hours and not minutes:
        hours = (1.0, 2.0, 3.0)
    minutes = validate.check_durations(hours=hours, minutes=minutes, hours_what="--hours",
                                       minutes_what="--minutes")
    if buffer_m is not None:
        validate.check_positive(buffer_m, what="--buffer-m", unit="m",
                                maximum=validate.MAX_ISO_BUFFER_M, why="a band 100 km wide")
    pts = _points(names, coords, what="origins")
    parts = [isochrones(pts, graph=g, minutes=minutes, per_origin=per_origin,
                        buffer_m=buffer_m)
             for g in _graphs(scenarios, modes, network, max_snap_km)]
    iso = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                           crs=parts[0].crs)
    if network is None:  # the trunk network of Xizang: residents inside, on settlements
        from gisxz.network.isochrones import isochrone_population

        iso = isochrone_population(iso)
    written = write_geo(iso, out, layer="isochrones", overwrite=overwrite) if out else None
    summary = pd.DataFrame(iso.drop(columns="geometry"))
    summary["area_km2"] = summary["area_km2"].round(0)
    summary = summary.drop(columns=["population_method"], errors="ignore")
    _show(summary, out, written)


@access.command("od")
@multi_option("--from", "names", metavar="NAME...",
              help="Origin place names [default: the 7 prefecture seats].")
@multi_option("--at", "coords", metavar="LON,LAT...", help="Origin coordinates.")
@multi_option("--to", "to_names", metavar="NAME...",
              help="Destination names [default: the origins].")
@multi_option("--to-at", "to_coords", metavar="LON,LAT...", help="Destination coordinates.")
@click.option("--wide", is_flag=True, help="Print/write a matrix (origins x destinations) "
              "instead of the long format.")
@_table_opts
def od_cmd(names, coords, to_names, to_coords, wide, scenarios, modes, network, max_snap_km,
           out, overwrite) -> None:
    """Origin-destination travel times (minutes), long format.

    Columns: origin, destination, scenario, mode, travel_time_min (NaN when unreachable).

    Example: gisxz access od --from 拉萨 --to 日喀则 林芝 --scenario current plan
    """
    from gisxz.network.od import od_matrix

    o = _points(names, coords, what="origins", default_kinds=["prefecture_seat"])
    d = (_points(to_names, to_coords, what="destinations")
         if (to_names or to_coords) else None)
    od = pd.concat([od_matrix(o, d, graph=g)
                    for g in _graphs(scenarios, modes, network, max_snap_km)],
                   ignore_index=True)
    od[["travel_time_min", "distance_km"]] = od[["travel_time_min", "distance_km"]].round(1)
    if wide:
        od = od.pivot_table(index=["scenario", "mode", "origin"], columns="destination",
                            values="travel_time_min", sort=False).reset_index()
    written = write_table(od, out, overwrite=overwrite) if out else None
    _show(od, out, written)


@access.command("route")
@click.option("--from", "origin", required=True, metavar="NAME", help="Origin place name.")
@click.option("--to", "destination", required=True, metavar="NAME",
              help="Destination place name.")
@_graph_opts
def route_cmd(origin, destination, scenarios, modes, network, max_snap_km, out,
              overwrite) -> None:
    """The fastest route, segment by segment (reference, km, minutes, mode, status).

    --out writes the route line (.gpkg/.geojson: layers route and route_segments) or the
    segment table (.csv/.xlsx).

    Example: gisxz access route --from 错那 --to 隆子 --scenario current plan --mode road
    """
    from gisxz.network.route import route

    routes = [route(origin, destination, graph=g)
              for g in _graphs(scenarios, modes, network, max_snap_km)]
    table = pd.concat([r.table().assign(scenario=r.scenario, route_mode=r.mode)
                       for r in routes], ignore_index=True)
    if out is not None:
        _write_route(routes, table, out, overwrite)
    for r in routes:
        click.echo(r.summary())
        shown = r.table()[["seq", "ref", "from_name", "to_name", "km", "minutes", "kmh", "mode",
                           "status"]].round(1)
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            click.echo(shown.to_string(index=False))


def _write_route(routes, table: pd.DataFrame, out: Path, overwrite: bool) -> None:
    if out.suffix.lower() in TABLE_SUFFIXES:
        click.echo(f"wrote {write_table(table.round(2), out, overwrite=overwrite)}")
        return
    lines = pd.concat([r.line() for r in routes], ignore_index=True)
    segs = pd.concat([r.segments.assign(scenario=r.scenario, route_mode=r.mode)
                      for r in routes], ignore_index=True)
    crs = routes[0].segments.crs
    path = write_geo(gpd.GeoDataFrame(lines, crs=crs), out, layer="route", overwrite=overwrite)
    click.echo(f"wrote {path}")
    if out.suffix.lower() == ".gpkg":
        write_geo(gpd.GeoDataFrame(segs, crs=crs), out, layer="route_segments", overwrite=True)


@access.command("compare")
@multi_option("--scenario", "scenarios", metavar="S...",
              help="Two or more scenarios; changes are last minus first [default: current "
                   "plan].")
@click.option("--mode", type=click.Choice(["road", "multimodal"]), default="multimodal",
              show_default=True)
@out_opt(suffixes=TABLE_SUFFIXES, help="Seat table (.csv or .xlsx).")
@out_opt(decls=("--population-out",), name="pop_out", suffixes=TABLE_SUFFIXES,
         help="Population table by prefecture (.csv or .xlsx).")
@overwrite_opt
def compare_cmd(scenarios, mode, out, pop_out, overwrite) -> None:
    """What the plan changes, per county seat and per prefecture.

    Per seat: time and distance to Lhasa, to its prefecture seat and to the nearest airport
    of each scenario, the change, and the plan segments on the new fastest path. Per
    prefecture and Xizang: residents within 1/2/3 h of Lhasa and of the prefecture seat.

    Example: gisxz access compare --scenario current plan --out comparison.xlsx
    """
    from gisxz.io.tables import write_table as _write
    from gisxz.network.compare import compare_scenarios, comparison_labels

    comp = compare_scenarios(tuple(scenarios or ("current", "plan")), mode=mode)
    labels = comparison_labels(comp.scenarios)
    for path, df in ((out, comp.seats), (pop_out, comp.population)):
        if path is not None:
            click.echo(f"wrote {_write(df, path, overwrite=overwrite, labels=labels)}")
    s0, s1 = comp.scenarios[0], comp.scenarios[-1]
    cols = ["name_zh", "prefecture_zh", f"lhasa_min_{s0}", f"lhasa_min_{s1}",
            "lhasa_change_min", f"airport_{s0}", f"airport_min_{s0}", f"airport_{s1}",
            f"airport_min_{s1}", "airport_change_min"]
    changed = comp.seats[(comp.seats["lhasa_change_min"].abs() > 0.5)
                         | (comp.seats["airport_change_min"].abs() > 0.5)]
    click.echo(f"{len(changed)} of {len(comp.seats)} seats change ({s0} → {s1}, {mode}):")
    _show(changed[cols], None, None)
    xz = comp.population[comp.population["unit_zh"] == "西藏自治区"]
    _show(xz.round(3), None, None)


@access.command("nearest")
@multi_option("--from", "names", metavar="NAME...",
              help="Origins [default: the 74 county seats].")
@multi_option("--at", "coords", metavar="LON,LAT...", help="Origin coordinates.")
@multi_option("--facility", "facilities", metavar="NAME...", help="Facility place names.")
@multi_option("--facility-kind", "kinds", metavar="KIND...",
              help="Facilities: every gazetteer place of these kinds [default: airport].")
@_table_opts
def nearest_cmd(names, coords, facilities, kinds, scenarios, modes, network, max_snap_km, out,
                overwrite) -> None:
    """Nearest facility of each origin and its door-to-door travel time.

    Only the facilities that count in the scenario are used (``facilities:`` in
    scenarios.yaml): in ``current`` an airport at the preparatory stage is not open.

    Example: gisxz access nearest --facility-kind airport --mode road
    """
    from gisxz.network.accessibility import nearest_facility

    o = _points(names, coords, what="origins", default_kinds=["county_seat"])
    f = validate.split_list(facilities) or None
    res = pd.concat([nearest_facility(o, f, graph=g,
                                      kinds=tuple(_facility_kinds(kinds, ("airport",))))
                     for g in _graphs(scenarios, modes, network, max_snap_km)],
                    ignore_index=True)
    res["travel_time_min"] = res["travel_time_min"].round(1)
    written = write_table(res, out, overwrite=overwrite) if out else None
    _show(res, out, written)


@access.command("score")
@multi_option("--minutes", "minutes", default=("180",), show_default=True,
              help="Catchment for cumulative opportunities and 2SFCA.")
@click.option("--half-life", type=float, default=60.0, show_default=True,
              help="Gravity decay: an opportunity this many minutes away counts half.")
@multi_option("--facility-kind", "kinds", metavar="KIND...",
              help="Facilities for 2SFCA and nearest facility [default: airport].")
@scenario_opt()
@mode_opt()
@out_opt(suffixes=TABLE_SUFFIXES)
@overwrite_opt
def score_cmd(minutes, half_life, kinds, scenarios, modes, out, overwrite) -> None:
    """Accessibility per county: population within reach, gravity, 2SFCA.

    Example: gisxz access score --minutes 180 --facility-kind airport --scenario current plan
    """
    from gisxz.network.accessibility import county_accessibility

    minutes = validate.check_durations(minutes=minutes, minutes_what="--minutes")
    validate.check_positive(half_life, what="--half-life", unit="min",
                            maximum=validate.MAX_HOURS * 60, why="a week of travel")
    kinds = _facility_kinds(kinds, ("airport",))
    parts = [county_accessibility(scenario=s, mode=m, minutes=mi, half_life_min=half_life,
                                  facility_kinds=tuple(kinds))
             for s in scenarios or ("current",) for m in modes or ("multimodal",)
             for mi in minutes]
    res = pd.concat(parts, ignore_index=True).round(3)
    written = write_table(res, out, overwrite=overwrite) if out else None
    _show(res, out, written)


@access.command("calibrate")
@click.option("--scenario", default="current", show_default=True)
@out_opt(suffixes=TABLE_SUFFIXES)
@overwrite_opt
def calibrate_cmd(scenario, out, overwrite) -> None:
    """Modelled versus published travel times (layers/network/travel_times.yaml)."""
    from gisxz.network.calibration import calibrate

    res = calibrate(scenario=scenario)
    written = write_table(res, out, overwrite=overwrite) if out else None
    _show(res.drop(columns=["source", "note"]) if out is None else res, out, written)


@access.command("circle")
@click.option("--hours", default="3", show_default=True,
              help="Size of the circle in hours.")
@scenario_opt("current plan")
@mode_opt("road multimodal")
@out_opt(suffixes=(".gpkg", ".geojson"), help="Isochrone layer (.gpkg or .geojson).")
@out_opt(suffixes=TABLE_SUFFIXES, decls=("--table",), name="table",
         help="Table of seats (.csv or .xlsx).")
@overwrite_opt
def circle_cmd(hours, scenarios, modes, out, table, overwrite) -> None:
    """The three-hour economic circle from Lhasa: isochrones and the seats inside."""
    from gisxz.network.circle import three_hour_circle

    h = validate.check_durations(hours=[hours], hours_what="--hours")[0] / 60.0
    iso, tab = three_hour_circle(scenarios=tuple(scenarios or ("current", "plan")),
                                 modes=tuple(modes or ("road", "multimodal")), hours=h)
    if out:
        click.echo(f"wrote {write_geo(iso, out, layer='three_hour_circle', overwrite=overwrite)}")
    if table:
        click.echo(f"wrote {write_table(tab, table, overwrite=overwrite)}")
    col = f"within_{h:g}h"
    inside = (tab[tab[col] != "no"].groupby(["scenario", "mode", col])["name_zh"]
              .apply(lambda s: f"{len(s)}: " + " ".join(s)).reset_index(name="seats"))
    _show(inside, None, None)
