"""``gisxz map``: web maps and static figures from the command line.

``gisxz map web`` writes HTML web maps, ``gisxz map static`` writes PNG/PDF/SVG figures
from the recipes in ``maps/``, ``gisxz map list`` lists the recipes. Layers come from a
GeoPackage (``--gpkg``, default ``out/xizang_plan.gpkg`` when it exists) or are built on
the fly from the embedded plan data.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from gisxz.cli.options import GisxzGroup, data_source_opt, out_dir_opt, overwrite_opt

log = logging.getLogger(__name__)

__all__ = ["map", "load_map_layers"]

_DEFAULT_GPKG = Path("out/xizang_plan.gpkg")


def load_map_layers(gpkg: Path | None, *, data_source: str | None = None) -> dict:
    """Layers for maps: every layer of ``gpkg``, or of ``out/xizang_plan.gpkg`` when it
    exists, or else :func:`gisxz.plan.build.build_layers`."""
    from gisxz.exceptions import MissingDataError
    from gisxz.io.geopackage import layer_names, read_layer

    path = gpkg if gpkg is not None else (_DEFAULT_GPKG if _DEFAULT_GPKG.exists() else None)
    if gpkg is not None and not gpkg.exists():
        raise MissingDataError(f"--gpkg {str(gpkg)!r} not found; run 'gisxz build' or "
                               "'gisxz run' first, or leave --gpkg out to build the layers")
    if path is None:
        from gisxz.plan.build import build_layers

        log.info("no GeoPackage given: building the layers from the embedded plan data")
        return build_layers(data_source=data_source)
    log.info("reading layers from %s", path)
    names = layer_names(path)
    out = {}
    for name in names:
        if name.startswith(("gisxz_", "gpkg")):
            continue
        try:
            out[name] = read_layer(path, name, names=names)
        except Exception as exc:  # attribute-only tables are not map layers
            log.debug("layer %s not read as a map layer: %s", name, exc)
    return {k: v for k, v in out.items() if hasattr(v, "geometry")}


@click.group("map", cls=GisxzGroup, context_settings={"help_option_names": ["-h", "--help"]})
def map() -> None:  # noqa: A001 - the command is called "map"
    """Web maps (Folium) and print figures (PNG/PDF/SVG) of the plan.

    Figures are described by recipes in maps/*.yaml (see maps/README.md); a planner adds
    a figure by adding a recipe.
    """


_gpkg_opt = click.option("--gpkg", type=click.Path(dir_okay=False, path_type=Path),
                         default=None, help="GeoPackage with the layers (default "
                         "out/xizang_plan.gpkg if it exists, else build the layers).")
_recipes_dir_opt = click.option("--recipes-dir", type=click.Path(file_okay=False,
                                                                 path_type=Path),
                                default=None, help="Folder of the recipes (default maps/).")


def _drawable(recs: list, layers: dict):
    """The recipes whose required layers are present; with several recipes, the others are
    skipped with a message (a single recipe goes on and fails with a clear error)."""
    for rec in recs:
        missing = [n for n in rec.required_layers() if n not in layers]
        if missing and len(recs) > 1:
            click.echo(f"skipped {rec.name}: layer(s) {', '.join(missing)} not available",
                       err=True)
            continue
        yield rec


@map.command("list")
@_recipes_dir_opt
def list_cmd(recipes_dir: Path | None) -> None:
    """List the map recipes: name, page, required layers, title."""
    from gisxz.maps.recipes import load_recipes

    for r in load_recipes(recipes_dir):
        req = ",".join(r.required_layers()) or "-"
        click.echo(f"{r.name:<20} {r.page} {r.orientation:<9} needs {req:<22} {r.title}")


@map.command("web")
@click.argument("recipes", nargs=-1)
@click.option("--all", "all_recipes", is_flag=True,
              help="Write the overview and one web map per recipe.")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Output .html file (one map) or folder (several; default out/maps).")
@click.option("--basemap", "basemaps", multiple=True,
              type=click.Choice(["none", "osm", "tianditu", "tianditu_vec", "tianditu_img"]),
              help="Basemap(s), repeatable; the first is shown. Default: none (offline).")
@click.option("--tianditu-token", envvar="TIANDITU_TOKEN", default=None,
              help="天地图 key (default: the TIANDITU_TOKEN environment variable).")
@click.option("--online", is_flag=True,
              help="Load Leaflet from CDNs instead of inlining the bundled copy.")
@click.option("--simplify-m", type=click.FloatRange(min=0), default=None,
              help="Simplification tolerance in metres (default: the recipe's).")
@_gpkg_opt
@_recipes_dir_opt
@overwrite_opt
@data_source_opt
def web_cmd(recipes: tuple[str, ...], all_recipes: bool, out: Path | None,
            basemaps: tuple[str, ...], tianditu_token: str | None, online: bool,
            simplify_m: float | None, gpkg: Path | None, recipes_dir: Path | None,
            overwrite: bool, data_source: str | None) -> None:
    """Write web maps: the overview (default) or the named RECIPES (e.g. border_belt).

    \b
    Examples:
      gisxz map web                                  # out/maps/overview.html
      gisxz map web border_belt -o belt.html
      gisxz map web --all --basemap none --basemap osm
      TIANDITU_TOKEN=... gisxz map web --basemap tianditu
    """
    from gisxz.maps.recipes import find_recipe, load_recipes
    from gisxz.maps.web import write_web_map

    if all_recipes:
        recs = load_recipes(recipes_dir)
    else:
        recs = [find_recipe(r, directory=recipes_dir) for r in (recipes or ("overview",))]
    single = len(recs) == 1 and out is not None and out.suffix.lower() in (".html", ".htm")
    layers = load_map_layers(gpkg, data_source=data_source)
    out_dir = out if (out is not None and not single) else Path("out/maps")
    opts = {"basemaps": list(basemaps) or ["none"], "tianditu_token": tianditu_token,
            "offline": not online, "simplify_m": simplify_m}
    for rec in _drawable(recs, layers):
        target = out if single else out_dir / f"{rec.name}.html"
        path = write_web_map(layers, target, recipe=rec, overwrite=overwrite, **opts)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@map.command("static")
@click.argument("recipes", nargs=-1)
@click.option("--all", "all_recipes", is_flag=True, help="Draw every recipe.")
@out_dir_opt(default="out/maps")
@click.option("--format", "formats", multiple=True, type=click.Choice(["png", "pdf", "svg"]),
              help="Format(s), repeatable (default: the recipe's, normally all three).")
@click.option("--dem", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Elevation grid (GeoTIFF or NetCDF, lon/lat) for shaded relief.")
@_gpkg_opt
@_recipes_dir_opt
@overwrite_opt
@data_source_opt
def static_cmd(recipes: tuple[str, ...], all_recipes: bool, out_dir: Path,
               formats: tuple[str, ...], dem: Path | None, gpkg: Path | None,
               recipes_dir: Path | None, overwrite: bool, data_source: str | None) -> None:
    """Draw figures for documents from RECIPES (names in maps/ or paths to .yaml files).

    \b
    Examples:
      gisxz map static zones                   # out/maps/zones.png, .pdf, .svg
      gisxz map static maps/my_figure.yaml --format png -o figures/
      gisxz map static --all --dem dem.tif --overwrite
    """
    from gisxz.maps.recipes import find_recipe, load_recipes
    from gisxz.maps.static import render_figure

    if all_recipes:
        recs = load_recipes(recipes_dir)
    elif recipes:
        recs = [find_recipe(r, directory=recipes_dir) for r in recipes]
    else:
        raise click.UsageError("name at least one recipe (e.g. 'gisxz map static zones') or "
                               "pass --all; 'gisxz map list' lists them")
    layers = load_map_layers(gpkg, data_source=data_source)
    for rec in _drawable(recs, layers):
        for path in render_figure(layers, rec, out_dir, overwrite=overwrite,
                                  formats=list(formats) or None, dem=dem):
            click.echo(f"wrote {path}")
