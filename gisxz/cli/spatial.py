"""Command-line wrappers ``gisxz buffer``, ``gisxz overlay`` and ``gisxz summarize``.

Each command reads its inputs, calls one library function
(:func:`gisxz.spatial.buffers.buffer_bands`, :func:`gisxz.spatial.overlay.overlay_layers`,
:func:`gisxz.spatial.overlay.summarize_by_unit`) and writes the result atomically.

Inputs are written ``FILE.gpkg:layer``, a plain file path (``.shp``, ``.geojson``,
``.gpkg`` with one layer …) or ``@layer`` for a layer of the built-in plan
(:func:`gisxz.plan.build.build_layers`, e.g. ``@border_line``, ``@admin_county``).
Outputs: ``.gpkg`` (layer named by ``--layer-name``), ``.geojson``, ``.csv`` or ``.xlsx``
(tables with bilingual headers); an existing output needs ``--overwrite``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
import geopandas as gpd

from gisxz.cli.options import (
    GisxzCommand,
    encoding_opt,
    input_encoding,
    multi_option,
    out_opt,
    overwrite_opt,
)
from gisxz.core import validate
from gisxz.core.vocab import DEFAULT_POINT_KINDS
from gisxz.exceptions import MissingDataError
from gisxz.io.files import OUTPUT_SUFFIXES, read_vector, write_vector

log = logging.getLogger(__name__)

__all__ = ["buffer", "overlay", "summarize", "read_input"]



_BUILTIN: dict = {}


def read_input(spec: str, *, what: str = "input") -> gpd.GeoDataFrame:
    """Read ``FILE.gpkg:layer``, a file path, or ``@layer`` (a layer the project builds)."""
    return read_vector(spec, what=what, builtin=_builtin, encoding=input_encoding())


def _builtin(name: str) -> gpd.GeoDataFrame:
    if not _BUILTIN:
        from gisxz.plan.build import build_layers

        _BUILTIN.update(build_layers())
    if name not in _BUILTIN:
        raise MissingDataError(f"@{name}: the built-in plan has no layer {name!r}; it has "
                               f"{', '.join(_BUILTIN)}")
    return _BUILTIN[name]


_out_opt = out_opt(required=True, suffixes=OUTPUT_SUFFIXES,
                   help="Output file: .gpkg, .geojson, .csv or .xlsx (tables have "
                        "bilingual headers).")
_reproject_opt = click.option("--reproject", is_flag=True, default=False,
                              help="Reproject the second input to the first one's CRS "
                                   "instead of refusing a CRS mismatch.")


def _layer_name_opt(default: str):
    return click.option("--layer-name", default=default, show_default=True,
                        help="Layer name inside an output GeoPackage.")


@click.command("buffer", cls=GisxzCommand)
@click.argument("src", metavar="INPUT")
@click.argument("more", nargs=-1, metavar="[DISTANCE]...")
@multi_option("-d", "--distance", "distance",
              help="Band distances, e.g. --distance 10 30 50 (or 10,30,50).")
@click.option("--unit", type=click.Choice(["km", "m"]), default="km", show_default=True,
              help="Unit of the distances (never degrees: buffers are computed in metres).")
@click.option("--cumulative", is_flag=True, default=False,
              help="Nested bands 0-10, 0-30, 0-50 instead of rings 0-10, 10-30, 30-50.")
@click.option("--dissolve", is_flag=True, default=False,
              help="Merge all features (or per --by value) before banding.")
@click.option("--by", default=None, help="Column to dissolve by (implies --dissolve).")
@click.option("--one-sided", "side", type=click.Choice(["inside", "outside"]), default=None,
              help="Keep only the side inside/outside --within (or each polygon itself).")
@click.option("--within", default=None, metavar="FILE:layer",
              help="Polygon layer for --one-sided (e.g. @admin_province).")
@_reproject_opt
@_out_opt
@_layer_name_opt("buffer")
@overwrite_opt
@encoding_opt
def buffer(src: str, more: tuple[str, ...], distance: tuple[str, ...], unit: str,
           cumulative: bool, dissolve: bool, by: str | None, side: str | None,
           within: str | None, reproject: bool, out: Path, layer_name: str,
           overwrite: bool) -> None:
    """Distance bands around INPUT (points, lines or polygons), in metres.

    \b
    Example (the border belt, inside Xizang only):
      gisxz buffer @border_line --distance 10 30 50 --dissolve \\
          --one-sided inside --within @admin_province -o border_belt.gpkg
    """
    from gisxz.spatial.buffers import buffer_bands, check_distances, parse_distances

    dists = check_distances(parse_distances([*distance, *more], name="--distance"),
                            unit=unit, name="--distance")
    gdf = read_input(src, what="INPUT")
    mask = read_input(within, what="--within") if within else None
    res = buffer_bands(gdf, dists, unit=unit, cumulative=cumulative, dissolve=dissolve, by=by,
                       within=mask, side=side, reproject=reproject, name=src)
    _warn_empty(res, "the band layer", "the distances, --one-sided and --within")
    write_vector(res, out, overwrite=overwrite, layer=layer_name)
    click.echo(f"wrote {len(res)} band feature(s) to {out}")


@click.command("overlay", cls=GisxzCommand)
@click.argument("left", metavar="LEFT")
@click.argument("right", metavar="RIGHT")
@click.option("--how", type=click.Choice(["intersection", "union", "difference",
                                          "symmetric_difference", "identity", "clip"]),
              default="intersection", show_default=True, help="The overlay operation.")
@_reproject_opt
@_out_opt
@_layer_name_opt("overlay")
@overwrite_opt
@encoding_opt
def overlay(left: str, right: str, how: str, reproject: bool, out: Path, layer_name: str,
            overwrite: bool) -> None:
    """Overlay LEFT with RIGHT: intersection, union, difference, clip …

    A CRS mismatch is refused (naming both CRSs) unless --reproject is given.

    \b
    Example: the counties cut to the railway belt
      gisxz overlay @admin_county belt.gpkg:buffer --how clip -o counties_in_belt.gpkg
    """
    from gisxz.spatial.overlay import overlay_layers

    a = read_input(left, what="LEFT")
    b = read_input(right, what="RIGHT")
    res = overlay_layers(a, b, how=how, reproject=reproject, names=(left, right))
    _warn_empty(res, f"the {how} of LEFT and RIGHT", "that the layers overlap (same area, CRS)")
    write_vector(res, out, overwrite=overwrite, layer=layer_name)
    click.echo(f"wrote {len(res)} feature(s) to {out}")


@click.command("summarize", cls=GisxzCommand)
@click.argument("units", metavar="UNITS")
@click.argument("layer", metavar="LAYER")
@click.option("--by", default=None, help="Column of LAYER to summarize separately (e.g. "
                                         "band_label).")
@click.option("--points", default=None, metavar="FILE:layer",
              help="Points to count and list (e.g. @places); grouped by their 'kind'.")
@multi_option("--kinds", default=DEFAULT_POINT_KINDS, show_default=True, metavar="KIND...",
              help="Point kinds to count ('all' for every kind).")
@click.option("--population/--no-population", default=False, show_default=True,
              help="Add the built-in 2020 population (counties, prefectures or Xizang, keyed "
                   "by adcode), placed on settlements.")
@click.option("--population-file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="CSV with adcode,population_2020 instead of the built-in "
                                 "figures.")
@click.option("--unit-id", default="adcode", show_default=True, help="Id column of UNITS.")
@click.option("--unit-name", default="name_zh", show_default=True,
              help="Name column of UNITS.")
@click.option("--all-units", is_flag=True, default=False,
              help="Keep units the layer does not reach (zeros).")
@_reproject_opt
@_out_opt
@_layer_name_opt("summary")
@overwrite_opt
@encoding_opt
def summarize(units: str, layer: str, by: str | None, points: str | None,
              kinds: tuple[str, ...],
              population: bool, population_file: Path | None, unit_id: str, unit_name: str,
              all_units: bool, reproject: bool, out: Path, layer_name: str,
              overwrite: bool) -> None:
    """Summarize LAYER (a belt, a zone) by admin UNITS.

    Per unit: area inside (km²), share of the unit, share of the layer, points inside
    (counts and names) and, with --population, the population inside (each county's people
    placed on its settlements; the method is in population_method).

    \b
    Example: which counties and seats are in the border belt, per band
      gisxz summarize @admin_county belt.gpkg:buffer --by band_label \\
          --points @places --population -o border_belt.xlsx
    """
    from gisxz.spatial.overlay import summarize_by_unit

    kind_list = _point_kinds(kinds)
    pop = _population(population, population_file)
    u = read_input(units, what="UNITS")
    lay = read_input(layer, what="LAYER")
    pts = read_input(points, what="--points") if points else None
    res = summarize_by_unit(u, lay, by=by, points=pts, point_kinds=kind_list, population=pop,
                            unit_id=unit_id, unit_name=unit_name, keep_all=all_units,
                            reproject=reproject)
    _warn_empty(res, "the summary", "that LAYER overlaps UNITS, or pass --all-units")
    write_vector(res, out, overwrite=overwrite, layer=layer_name)
    click.echo(f"wrote {len(res)} row(s) to {out}")


def _point_kinds(kinds: tuple[str, ...]) -> list[str] | None:
    """``--kinds``: checked place kinds, or None for ``all``."""
    from gisxz.core.vocab import PLACE_KINDS

    items = validate.split_list(kinds)
    if [k.lower() for k in items] == ["all"]:
        return None
    return validate.check_names(items, PLACE_KINDS, what="--kinds")


def _population(population: bool, population_file: Path | None):
    """``--population`` / ``--population-file``: True, a checked table, or None."""
    import pandas as pd

    from gisxz.io.documents import read_text

    if population_file is None:
        return True if population else None
    read_text(population_file, what="CSV file")  # exists, UTF-8 (GBK named)
    pop = pd.read_csv(population_file, encoding="utf-8-sig")
    for col in ("adcode", "population_2020"):
        if col not in pop.columns:
            raise MissingDataError(f"--population-file {population_file}: no column {col!r}; "
                                   "it needs adcode,population_2020")
    validate.check_population(pop["population_2020"], pop["adcode"].astype(str).tolist(),
                              what=f"--population-file {population_file}")
    return pop


def _warn_empty(res, what: str, check: str) -> None:
    """A one-line warning when a result is empty (it is still written, as asked)."""
    if len(res) == 0:
        log.warning("%s is empty; check %s", what, check)
