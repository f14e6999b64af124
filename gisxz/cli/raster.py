"""``gisxz raster``: friction surface, travel time everywhere, zonal statistics."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from gisxz import settings
from gisxz.cli.options import GisxzGroup, multi_option, out_opt, overwrite_opt, progress_opt
from gisxz.exceptions import GisxzError

log = logging.getLogger(__name__)

__all__ = ["raster"]

_res_opt = click.option("--resolution", type=float, default=1000.0, show_default=True,
                        help="Cell size in metres of the metric grid over Xizang.")
_scen_opt = click.option("--scenario", default="current", show_default=True,
                         help="Scenario of layers/network/scenarios.yaml (current, plan ...).")
_mode_opt = click.option("--mode", type=click.Choice(["multimodal", "road"]),
                         default="multimodal", show_default=True,
                         help="Roads and railways, or roads only.")
_dem_opt = click.option("--dem", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Elevation GeoTIFF (SRTM, Copernicus GLO-90 ...): slope and "
                             "altitude slow off-road travel.")
_from_opt = click.option("--from", "origins", multiple=True,
                         help="Origin place name (repeatable), e.g. --from 拉萨.")
_from_kind_opt = click.option("--from-kind", "from_kinds", multiple=True,
                              help="Origins: every gazetteer place of this kind (repeatable), "
                                   "e.g. --from-kind county_seat (time to the nearest seat).")
_from_layer_opt = click.option("--from-layer", default=None,
                               help="Origins from a layer: FILE.gpkg:layer, a file, or @layer "
                                    "(a plan layer, e.g. @places).")


def _surface_opts(func):
    """The options every surface command shares: mode, resolution, DEM, overwrite, progress."""
    for opt in (progress_opt, overwrite_opt, _dem_opt, _res_opt, _mode_opt):
        func = opt(func)
    return func


def _hours(text: str) -> list[float]:
    try:
        out = [float(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise GisxzError(f"--hours {text!r}: give numbers separated by commas, e.g. 1,2,3"
                         ) from exc
    if not out or any(h <= 0 for h in out):
        raise GisxzError(f"--hours {text!r}: give positive hours, e.g. 1,2,3")
    return out


def _origins(origins: tuple[str, ...], from_layer: str | None,
             from_kinds: tuple[str, ...] = ()):
    if from_kinds:
        from gisxz.network.snap import places_as_points

        pts = places_as_points(kinds=list(from_kinds))
        if not len(pts):
            raise GisxzError(f"--from-kind {', '.join(from_kinds)}: no gazetteer place of "
                             "that kind; kinds are e.g. county_seat, prefecture_seat, town")
        return pts
    if from_layer:
        from gisxz.io.files import read_vector

        def builtin(name: str):
            from gisxz.plan.build import build_layers

            layers = build_layers()
            if name not in layers:
                raise GisxzError(f"@{name} is not a plan layer; known: {', '.join(layers)}")
            return layers[name]

        return read_vector(from_layer, what="--from-layer", builtin=builtin)
    if not origins:
        raise GisxzError("give an origin: --from NAME (repeatable), --from-kind KIND or "
                         "--from-layer FILE")
    return list(origins)


@click.group("raster", cls=GisxzGroup)
def raster() -> None:
    """Friction surface and travel time to every cell (roads, rail, land cover, DEM)."""


@raster.command("friction")
@out_opt(required=True, suffixes=(".tif", ".tiff"),
         help="Output GeoTIFF (COG) of minutes per km.")
@_scen_opt
@_surface_opts
def friction_cmd(out: Path, scenario: str, mode: str, resolution: float, dem: Path | None,
                 overwrite: bool, progress: bool) -> None:
    """Write the friction surface (minutes per km) of a scenario as a COG."""
    from gisxz.io.files import check_overwrite
    from gisxz.raster.costdistance import write_cog
    from gisxz.raster.friction import build_friction
    from gisxz.raster.grid import xizang_grid

    click.get_current_context().with_resource(settings.override(progress=progress))
    check_overwrite(out, overwrite)
    grid = xizang_grid(resolution)
    f = build_friction(grid, scenario, mode=mode, dem=dem)
    write_cog(f.minutes_per_km, grid, out, overwrite=overwrite, tags=f.meta,
              description="minutes_per_km")
    click.echo(f"wrote {out} ({grid.width} x {grid.height} cells of {resolution:g} m, "
               "project metric CRS)")


@raster.command("traveltime")
@_from_opt
@_from_kind_opt
@_from_layer_opt
@out_opt(required=True, suffixes=(".tif", ".tiff"),
         help="Output GeoTIFF (COG) of minutes from the nearest origin.")
@out_opt(decls=("--isochrones",), name="iso_out", suffixes=(".gpkg", ".geojson"),
         help="Also write isochrone polygons (.gpkg, .geojson).")
@click.option("--hours", default="1,2,3", show_default=True, help="Isochrone thresholds.")
@_scen_opt
@_surface_opts
def traveltime_cmd(origins, from_kinds, from_layer, out: Path, iso_out: Path | None, hours: str,
                   scenario: str, mode: str, resolution: float, dem: Path | None,
                   overwrite: bool, progress: bool) -> None:
    """Travel time (minutes) from the origins to every cell, and isochrone polygons."""
    from gisxz.io.files import check_overwrite, write_vector
    from gisxz.raster.costdistance import isochrone_polygons, travel_time, write_cog
    from gisxz.raster.friction import build_friction
    from gisxz.raster.grid import xizang_grid

    click.get_current_context().with_resource(settings.override(progress=progress))
    ths = _hours(hours)
    for p in (out, iso_out):
        if p is not None:
            check_overwrite(p, overwrite)
    src = _origins(origins, from_layer, from_kinds)
    grid = xizang_grid(resolution)
    f = build_friction(grid, scenario, mode=mode, dem=dem)
    minutes = travel_time(f, src)
    write_cog(minutes, grid, out, overwrite=overwrite,
              tags={**f.meta, "origins": ", ".join(map(str, origins + from_kinds))
                    or str(from_layer),
                    "units": "minutes"})
    click.echo(f"wrote {out}")
    if iso_out is not None:
        iso = isochrone_polygons(minutes, grid, ths, scenario=scenario)
        write_vector(iso, iso_out, layer="isochrones", overwrite=overwrite)
        click.echo(f"wrote {iso_out}")


@raster.command("zonal")
@_from_opt
@_from_kind_opt
@_from_layer_opt
@out_opt(required=True, suffixes=(".csv", ".xlsx", ".gpkg", ".geojson"),
         help="Output table (.csv or .xlsx, bilingual headers) or layer (.gpkg).")
@multi_option("--scenario", "scenarios", default=("current", "plan"), show_default=True,
              help="Scenarios.")
@click.option("--hours", default="1,2,3", show_default=True, help="Thresholds in hours.")
@_surface_opts
def zonal_cmd(origins, from_kinds, from_layer, out: Path, scenarios, hours: str, mode: str,
              resolution: float, dem: Path | None, overwrite: bool, progress: bool) -> None:
    """Per county and prefecture: mean/max time, share of area and people within the hours."""
    from gisxz.core.compat import progress as bar
    from gisxz.core.vocab import ZONAL_FIELD_ZH
    from gisxz.io.files import check_overwrite, output_kind, write_vector
    from gisxz.io.tables import write_table
    from gisxz.raster.costdistance import travel_time
    from gisxz.raster.friction import build_friction
    from gisxz.raster.grid import xizang_grid
    from gisxz.raster.landcover import read_landcover
    from gisxz.raster.pipeline import population_for
    from gisxz.raster.zonal import zonal_layer, zonal_table

    click.get_current_context().with_resource(settings.override(progress=progress))
    ths = _hours(hours)
    kind = output_kind(out, allowed=(".csv", ".xlsx", ".gpkg", ".geojson"))
    check_overwrite(out, overwrite)
    src = _origins(origins or (() if from_kinds or from_layer else ("拉萨",)), from_layer,
                   from_kinds)
    grid = xizang_grid(resolution)
    lc = read_landcover(grid)
    times = {s: travel_time(build_friction(grid, s, mode=mode, landcover=lc, dem=dem), src)
             for s in bar(list(scenarios), desc="scenarios")}
    table = zonal_table(times, grid, population_for(grid, lc), hours=ths)
    if kind == "table":
        write_table(table, out, overwrite=overwrite, labels=ZONAL_FIELD_ZH)
    else:
        write_vector(zonal_layer(table), out, layer="travel_time_zonal", overwrite=overwrite)
    click.echo(f"wrote {out} ({len(table)} rows)")
