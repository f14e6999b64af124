"""Options and helpers shared by the ``gisxz`` click commands (like rasterio's ``rio``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import click

from gisxz.exceptions import GisxzError

__all__ = ["overwrite_opt", "data_source_opt", "progress_opt", "encoding_opt", "input_encoding",
           "gpkg_version_opt",
           "handle_errors", "setup_logging"]

overwrite_opt = click.option("--overwrite", is_flag=True, default=False,
                             help="Replace existing output files (never done without it).")
data_source_opt = click.option(
    "--data-source", type=click.Choice(["tianditu", "amap"]), default=None,
    help="Edition of the administrative boundaries: tianditu (天地图, default) or amap (高德).")
progress_opt = click.option("--progress/--no-progress", default=True, show_default=True,
                            help="Show progress bars on long work.")

gpkg_version_opt = click.option(
    "--gpkg-version", type=click.Choice(["1.2", "1.3", "1.4"]), default="1.2",
    show_default=True, help="GeoPackage version written: 1.2 opens warning-free in GDAL 3.6 "
    "(QGIS 3.22/3.28 LTR, Debian 12) and ArcGIS; 1.4 for current GDAL only.")


def _keep_encoding(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta["gisxz.encoding"] = value


encoding_opt = click.option(
    "--encoding", default=None, metavar="ENC", expose_value=False, callback=_keep_encoding,
    help="Text encoding of input shapefiles without a .cpg file (e.g. gbk, utf-8); "
         "detected (with a warning) when not given.")


def input_encoding() -> str | None:
    """The ``--encoding`` of the running command, if any."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("gisxz.encoding") if ctx is not None else None


def setup_logging(verbosity: int) -> None:
    """Configure logging for the command line: -v INFO, -vv DEBUG, -q errors only."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.captureWarnings(True)


def handle_errors(func: Callable) -> Callable:
    """Turn :class:`GisxzError` into a clean ``click`` error (exit code 1, no traceback)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GisxzError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper
