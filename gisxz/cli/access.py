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

from gisxz.cli.options import handle_errors
from gisxz.exceptions import NetworkError

log = logging.getLogger(__name__)

__all__ = ["access", "write_table", "write_geo"]

_MULTI = {"--from", "--to", "--hours", "--minutes", "--scenario", "--mode", "--at", "--to-at",
          "--facility", "--facility-kind"}


class _MultiValueCommand(click.Command):
    """Lets ``--hours 1 2 3`` mean ``--hours 1 --hours 2 --hours 3`` for the options in
    :data:`_MULTI` (click options take one value per flag)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        current: str | None = None
        count = 0
        for arg in args:
            if current is not None and arg != "--" and not _is_option(arg):
                out.extend([arg] if count == 0 else [current, arg])
                count += 1
                continue
            current = arg if arg in _MULTI else None
            count = 0
            out.append(arg)
        return super().parse_args(ctx, out)


def _is_option(arg: str) -> bool:
    if not arg.startswith("-") or arg == "-":
        return False
    try:  # a negative number (a longitude) is a value, not an option
        float(arg.split(",")[0])
        return False
    except ValueError:
        return True


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
def _graph_opts(func: Callable) -> Callable:
    func = click.option("--overwrite", is_flag=True, help="Replace an existing output file.")(func)
    func = click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Output file: .gpkg, .geojson, .csv or .xlsx "
                             "(prints a table when absent).")(func)
    func = click.option("--network", "network", type=click.Path(path_type=Path),
                        help="Route on this network file instead of the embedded trunk "
                             "network: .osm, .osm.bz2, .osm.pbf, .graphml, or a .gpkg of "
                             "edges.")(func)
    func = click.option("--mode", "modes", multiple=True,
                        type=click.Choice(["road", "multimodal"]),
                        help="road or multimodal (road + rail); several allowed. "
                             "[default: multimodal]")(func)
    func = click.option("--scenario", "scenarios", multiple=True,
                        help="Scenario of layers/network/scenarios.yaml (current, plan ...); "
                             "several allowed. [default: current]")(func)
    return func


def _graphs(scenarios: Sequence[str], modes: Sequence[str], network: Path | None):
    """Yield graphs for every scenario x mode, or the one graph of ``network``."""
    if network is not None:
        from gisxz.network.osm import graph_from_file

        if scenarios or modes:
            log.warning("--scenario and --mode apply to the trunk network; ignored with "
                        "--network")
        yield graph_from_file(network)
        return
    from gisxz.network.trunk import trunk_graph

    for scen in scenarios or ("current",):
        for mode in modes or ("multimodal",):
            yield trunk_graph(scenario=scen, mode=mode)


def _points(names: Sequence[str], coords: Sequence[str], *, what: str,
            default_kinds: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Points from gazetteer names and/or ``LON,LAT`` pairs (EPSG:4326)."""
    from shapely.geometry import Point

    from gisxz.network.snap import places_as_points

    frames = []
    if names:
        frames.append(places_as_points(list(names)))
    if coords:
        pts, labels = [], []
        for c in coords:
            try:
                lon, lat = (float(v) for v in c.split(","))
            except ValueError:
                raise NetworkError(f"{what} coordinates {c!r} must be LON,LAT in degrees, e.g. "
                                   "91.13,29.66") from None
            pts.append(Point(lon, lat))
            labels.append(c)
        frames.append(gpd.GeoDataFrame({"name_zh": labels}, geometry=pts, crs="EPSG:4326"
                                       ).to_crs("EPSG:4490"))
    if not frames:
        if default_kinds is None:
            raise NetworkError(f"give {what} with --from NAME ... or --at LON,LAT")
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
@click.group("access")
def access() -> None:
    """Network accessibility: isochrones, OD matrices, nearest facility, scores.

    Runs on the embedded trunk network of Xizang (scenarios ``current`` and ``plan``,
    modes ``road`` and ``multimodal``) or on an OpenStreetMap file (--network).
    Travel times are in minutes.
    """


@access.command("iso", cls=_MultiValueCommand)
@click.option("--from", "names", multiple=True, metavar="NAME...",
              help="Origin place names from the gazetteer (e.g. 拉萨 日喀则).")
@click.option("--at", "coords", multiple=True, metavar="LON,LAT...",
              help="Origin coordinates in degrees (for OSM networks outside Xizang).")
@click.option("--hours", multiple=True, type=float, metavar="H...",
              help="Thresholds in hours, e.g. --hours 1 2 3.")
@click.option("--minutes", multiple=True, type=float, metavar="M...",
              help="Thresholds in minutes.")
@click.option("--per-origin/--dissolve", default=False, show_default=True,
              help="One polygon per origin, or the area reachable from any origin.")
@click.option("--buffer-m", type=float, default=None,
              help="Half-width of the band around reached roads, metres "
                   "[default: 5000 on the trunk network, 100 on OSM].")
@_graph_opts
@handle_errors
def iso_cmd(names, coords, hours, minutes, per_origin, buffer_m, scenarios, modes, network, out,
            overwrite) -> None:
    """Isochrones that follow the network (default 1, 2 and 3 hours).

    Example: gisxz access iso --from 拉萨 --hours 1 2 3 --scenario current plan --out iso.gpkg
    """
    from gisxz.network.isochrones import isochrones

    pts = _points(names, coords, what="origins")
    if not hours and not minutes:
        hours = (1.0, 2.0, 3.0)
    parts = [isochrones(pts, graph=g, hours=hours or None, minutes=minutes or None,
                        per_origin=per_origin, buffer_m=buffer_m)
             for g in _graphs(scenarios, modes, network)]
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


@access.command("od", cls=_MultiValueCommand)
@click.option("--from", "names", multiple=True, metavar="NAME...",
              help="Origin place names [default: the 7 prefecture seats].")
@click.option("--at", "coords", multiple=True, metavar="LON,LAT...", help="Origin coordinates.")
@click.option("--to", "to_names", multiple=True, metavar="NAME...",
              help="Destination names [default: the origins].")
@click.option("--to-at", "to_coords", multiple=True, metavar="LON,LAT...",
              help="Destination coordinates.")
@click.option("--wide", is_flag=True, help="Print/write a matrix (origins x destinations) "
              "instead of the long format.")
@_graph_opts
@handle_errors
def od_cmd(names, coords, to_names, to_coords, wide, scenarios, modes, network, out,
           overwrite) -> None:
    """Origin-destination travel times (minutes), long format.

    Columns: origin, destination, scenario, mode, travel_time_min (NaN when unreachable).

    Example: gisxz access od --from 拉萨 --to 日喀则 林芝 --scenario current plan
    """
    from gisxz.network.od import od_matrix

    o = _points(names, coords, what="origins", default_kinds=["prefecture_seat"])
    d = (_points(to_names, to_coords, what="destinations")
         if (to_names or to_coords) else None)
    od = pd.concat([od_matrix(o, d, graph=g) for g in _graphs(scenarios, modes, network)],
                   ignore_index=True)
    od[["travel_time_min", "distance_km"]] = od[["travel_time_min", "distance_km"]].round(1)
    if wide:
        od = od.pivot_table(index=["scenario", "mode", "origin"], columns="destination",
                            values="travel_time_min", sort=False).reset_index()
    written = write_table(od, out, overwrite=overwrite) if out else None
    _show(od, out, written)


@access.command("route", cls=_MultiValueCommand)
@click.option("--from", "origin", required=True, metavar="NAME", help="Origin place name.")
@click.option("--to", "destination", required=True, metavar="NAME",
              help="Destination place name.")
@_graph_opts
@handle_errors
def route_cmd(origin, destination, scenarios, modes, network, out, overwrite) -> None:
    """The fastest route, segment by segment (reference, km, minutes, mode, status).

    --out writes the route line (.gpkg/.geojson: layers route and route_segments) or the
    segment table (.csv/.xlsx).

    Example: gisxz access route --from 错那 --to 隆子 --scenario current plan --mode road
    """
    from gisxz.network.route import route

    origin = origin[-1] if isinstance(origin, tuple) else origin
    destination = destination[-1] if isinstance(destination, tuple) else destination
    routes = [route(origin, destination, graph=g) for g in _graphs(scenarios, modes, network)]
    table = pd.concat([r.table().assign(scenario=r.scenario, route_mode=r.mode)
                       for r in routes], ignore_index=True)
    if out is not None:
        if out.suffix.lower() in (".csv", ".xlsx"):
            click.echo(f"wrote {write_table(table.round(2), out, overwrite=overwrite)}")
        else:
            lines = pd.concat([r.line() for r in routes], ignore_index=True)
            segs = pd.concat([r.segments.assign(scenario=r.scenario, route_mode=r.mode)
                              for r in routes], ignore_index=True)
            crs = routes[0].segments.crs
            path = write_geo(gpd.GeoDataFrame(lines, crs=crs), out, layer="route",
                             overwrite=overwrite)
            click.echo(f"wrote {path}")
            if out.suffix.lower() == ".gpkg":
                write_geo(gpd.GeoDataFrame(segs, crs=crs), out, layer="route_segments",
                          overwrite=True)
    for r in routes:
        click.echo(r.summary())
        shown = r.table()[["seq", "ref", "from_name", "to_name", "km", "minutes", "kmh", "mode",
                           "status"]].round(1)
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            click.echo(shown.to_string(index=False))


@access.command("compare", cls=_MultiValueCommand)
@click.option("--scenario", "scenarios", multiple=True, metavar="S...",
              help="Two or more scenarios; changes are last minus first [default: current "
                   "plan].")
@click.option("--mode", type=click.Choice(["road", "multimodal"]), default="multimodal",
              show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Seat table (.csv or .xlsx).")
@click.option("--population-out", "pop_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Population table by prefecture (.csv or .xlsx).")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@handle_errors
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


@access.command("nearest", cls=_MultiValueCommand)
@click.option("--from", "names", multiple=True, metavar="NAME...",
              help="Origins [default: the 74 county seats].")
@click.option("--at", "coords", multiple=True, metavar="LON,LAT...", help="Origin coordinates.")
@click.option("--facility", "facilities", multiple=True, metavar="NAME...",
              help="Facility place names.")
@click.option("--facility-kind", "kinds", multiple=True, metavar="KIND...",
              help="Facilities: every gazetteer place of these kinds [default: airport].")
@_graph_opts
@handle_errors
def nearest_cmd(names, coords, facilities, kinds, scenarios, modes, network, out,
                overwrite) -> None:
    """Nearest facility of each origin and its door-to-door travel time.

    Only the facilities that count in the scenario are used (``facilities:`` in
    scenarios.yaml): in ``current`` an airport at the preparatory stage is not open.

    Example: gisxz access nearest --facility-kind airport --mode road
    """
    from gisxz.network.accessibility import nearest_facility

    o = _points(names, coords, what="origins", default_kinds=["county_seat"])
    f = list(facilities) if facilities else None
    res = pd.concat([nearest_facility(o, f, graph=g, kinds=tuple(kinds or ("airport",)))
                     for g in _graphs(scenarios, modes, network)], ignore_index=True)
    res["travel_time_min"] = res["travel_time_min"].round(1)
    written = write_table(res, out, overwrite=overwrite) if out else None
    _show(res, out, written)


@access.command("score", cls=_MultiValueCommand)
@click.option("--minutes", "minutes", multiple=True, type=float, default=(180.0,),
              show_default=True, help="Catchment for cumulative opportunities and 2SFCA.")
@click.option("--half-life", type=float, default=60.0, show_default=True,
              help="Gravity decay: an opportunity this many minutes away counts half.")
@click.option("--facility-kind", "kinds", multiple=True, metavar="KIND...",
              help="Facilities for 2SFCA and nearest facility [default: airport].")
@click.option("--scenario", "scenarios", multiple=True,
              help="Scenarios [default: current].")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["road", "multimodal"]),
              help="Modes [default: multimodal].")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Output .csv or .xlsx.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@handle_errors
def score_cmd(minutes, half_life, kinds, scenarios, modes, out, overwrite) -> None:
    """Accessibility per county: population within reach, gravity, 2SFCA.

    Example: gisxz access score --minutes 180 --facility-kind airport --scenario current plan
    """
    from gisxz.network.accessibility import county_accessibility

    parts = [county_accessibility(scenario=s, mode=m, minutes=mi, half_life_min=half_life,
                                  facility_kinds=tuple(kinds or ("airport",)))
             for s in scenarios or ("current",) for m in modes or ("multimodal",)
             for mi in minutes]
    res = pd.concat(parts, ignore_index=True).round(3)
    written = write_table(res, out, overwrite=overwrite) if out else None
    _show(res, out, written)


@access.command("calibrate")
@click.option("--scenario", default="current", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Output .csv or .xlsx.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@handle_errors
def calibrate_cmd(scenario, out, overwrite) -> None:
    """Modelled versus published travel times (layers/network/travel_times.yaml)."""
    from gisxz.network.calibration import calibrate

    res = calibrate(scenario=scenario)
    written = write_table(res, out, overwrite=overwrite) if out else None
    _show(res.drop(columns=["source", "note"]) if out is None else res, out, written)


@access.command("circle", cls=_MultiValueCommand)
@click.option("--hours", multiple=True, type=float, default=(3.0,), show_default=True,
              help="Size of the circle in hours.")
@click.option("--scenario", "scenarios", multiple=True, help="[default: current plan]")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["road", "multimodal"]),
              help="[default: road multimodal]")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Isochrone layer (.gpkg or .geojson).")
@click.option("--table", "table", type=click.Path(dir_okay=False, path_type=Path),
              help="Table of seats (.csv or .xlsx).")
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
@handle_errors
def circle_cmd(hours, scenarios, modes, out, table, overwrite) -> None:
    """The three-hour economic circle from Lhasa: isochrones and the seats inside."""
    from gisxz.network.circle import three_hour_circle

    h = float(hours[-1])
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
