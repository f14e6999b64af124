"""The ``gisxz`` command line: a thin layer over the library.

Every command calls a library function that can be used from Python as well.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from gisxz import __version__, settings
from gisxz.cli.options import (
    GisxzGroup,
    data_source_opt,
    gpkg_version_opt,
    out_dir_opt,
    out_opt,
    overwrite_opt,
    progress_opt,
    setup_logging,
    verbosity_opts,
)

log = logging.getLogger(__name__)


@click.group(cls=GisxzGroup, context_settings={"help_option_names": ["-h", "--help"]})
@verbosity_opts
@click.option("--layers-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, envvar="GISXZ_LAYERS_DIR",
              help="Plan data folder (default: the data shipped with gisxz; `gisxz init` "
                   "copies it out for editing).")
@click.option("--recipes-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, envvar="GISXZ_MAPS_DIR",
              help="Map recipes folder (default: the recipes shipped with gisxz).")
@click.version_option(__version__, prog_name="gisxz")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, layers_dir: Path | None,
        recipes_dir: Path | None) -> None:
    """gisxz: spatial planning toolkit for Xizang (西藏).

    Builds the plan's layers, runs accessibility and overlay analyses, draws maps and
    writes GeoPackages in CGCS2000 (EPSG:4490).
    """
    from gisxz.io.files import install_termination_handler

    setup_logging(-1 if quiet else verbose, ctx)
    install_termination_handler()
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    ctx.with_resource(settings.override(layers_dir=layers_dir, recipes_dir=recipes_dir))


@cli.command()
@out_opt(default=Path("out/xizang_plan.gpkg"), suffixes=(".gpkg",), help="Output GeoPackage.")
@click.option("--yihe", default=None,
              help="The river that is the 一河 of 四江一河 (default 拉萨河; see "
                   "layers/plan/water.yaml for the candidates).")
@overwrite_opt
@data_source_opt
@gpkg_version_opt
def build(out: Path, yihe: str | None, overwrite: bool, data_source: str | None,
          gpkg_version: str) -> None:
    """Build every plan layer and write them into one GeoPackage.

    Layers: admin_province, admin_prefecture, admin_county, border_line, rivers, lakes,
    water_network, zones, transport_channels, highways, railways, places, ports, airports,
    hubs, border_towns, plan_framework (and context layers), styled for QGIS.
    """
    from gisxz.io.geopackage import write_layers
    from gisxz.plan.build import build_layers

    layers = build_layers(data_source=data_source, yihe=yihe)
    write_layers(layers, out, overwrite=overwrite, version=gpkg_version)
    click.echo(f"wrote {len(layers)} layers to {out}")


@cli.command("layers")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def layers_cmd(path: Path) -> None:
    """List the layers of a GeoPackage: geometry type, feature count, CRS, fields."""
    from gisxz.io.geopackage import list_layers

    df = list_layers(path)
    for row in df.itertuples():
        style = " styled" if row.styled else ""
        click.echo(f"{row.name:<22} {row.geometry_type:<16} {row.features:>6}  {row.crs}{style}")
        click.echo(f"    fields: {row.fields}")


@cli.command("place")
@click.argument("names", nargs=-1, required=True)
def place_cmd(names: tuple[str, ...]) -> None:
    """Look up places in the gazetteer (Chinese, pinyin/English name or alias)."""
    from gisxz.base.gazetteer import default_gazetteer

    gz = default_gazetteer()
    for name in names:
        r = gz.resolve(name)
        adcode = "" if r["adcode"] is None or str(r["adcode"]) == "<NA>" else r["adcode"]
        click.echo(f"{r['name_zh']}\t{r['name_en']}\t{r['kind']}\t{adcode}\t"
                   f"{r['lon']:.4f},{r['lat']:.4f}\t{r['accuracy']}\t{r['source']}")


@cli.command()
@out_dir_opt(default=None, help="Output folder (default: settings.out_dir, i.e. "
                                "$GISXZ_OUT_DIR or ./out).")
@click.option("--yihe", default=None, help="The 一河 of 四江一河 (default 拉萨河).")
@click.option("--maps/--no-maps", default=True, show_default=True,
              help="Write the web maps and static figures.")
@overwrite_opt
@data_source_opt
@progress_opt
@gpkg_version_opt
def run(out_dir: Path | None, yihe: str | None, maps: bool, overwrite: bool,
        data_source: str | None, progress: bool, gpkg_version: str) -> None:
    """Run the main job on the embedded data: layers, analyses, maps, GeoPackage."""
    from gisxz.pipeline import run_main

    quiet = click.get_current_context().find_root().params.get("quiet", False)
    with settings.override(progress=progress and not quiet):
        written = run_main(out_dir=out_dir or settings.out_dir, yihe=yihe,
                           data_source=data_source, overwrite=overwrite, maps=maps,
                           gpkg_version=gpkg_version)
    for path in written:
        click.echo(f"wrote {path}")


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@overwrite_opt
def init_cmd(directory: Path, overwrite: bool) -> None:
    """Copy the shipped plan data (layers/) and map recipes (maps/) into DIRECTORY for editing.

    Then point gisxz at the copy: gisxz --layers-dir DIRECTORY/layers --recipes-dir
    DIRECTORY/maps run (or set GISXZ_LAYERS_DIR and GISXZ_MAPS_DIR).
    """
    from gisxz.io.files import copy_defaults

    for path in copy_defaults(directory, overwrite=overwrite):
        click.echo(f"wrote {path}")
    click.echo(f"edit them, then: gisxz --layers-dir {directory / 'layers'} "
               f"--recipes-dir {directory / 'maps'} run")


def _register_groups() -> None:
    """Attach the commands of the analysis, accessibility and map modules."""
    from gisxz.cli.access import access
    from gisxz.cli.check import check
    from gisxz.cli.maps import map as map_group
    from gisxz.cli.raster import raster
    from gisxz.cli.report import report
    from gisxz.cli.spatial import buffer, overlay, summarize

    for name, cmd in (("buffer", buffer), ("overlay", overlay), ("summarize", summarize),
                      ("access", access), ("map", map_group), ("report", report),
                      ("check", check), ("raster", raster)):
        cli.add_command(cmd, name)


_register_groups()


def main() -> None:
    """Entry point of the ``gisxz`` console script."""
    cli(obj={})
