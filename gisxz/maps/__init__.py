"""Maps of the plan: Folium web maps and print-quality static figures from recipes.

- :func:`gisxz.maps.web.web_map` / :func:`~gisxz.maps.web.write_web_map`: interactive maps
  (offline by default) with layer control, legends, bilingual popups.
- :func:`gisxz.maps.static.render_figure`: matplotlib figures for documents (PNG at
  300 dpi, PDF, SVG; A4/A3), Chinese labels in the bundled Noto Sans SC font.
- :mod:`gisxz.maps.recipes`: the ``maps/*.yaml`` recipes, one per figure.
- :func:`write_main_maps`: what the main job (``gisxz run``) writes into ``out/maps/``.

Submodules are imported on first use, so ``import gisxz.maps`` is cheap.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisxz.exceptions import GisxzError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

log = logging.getLogger(__name__)

__all__ = ["write_main_maps", "web_map", "write_web_map", "render_figure", "load_recipe",
           "load_recipes", "find_recipe"]

_LAZY = {"web_map": "web", "write_web_map": "web", "render_figure": "static",
         "load_recipe": "recipes", "load_recipes": "recipes", "find_recipe": "recipes"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_main_maps(layers: Mapping[str, gpd.GeoDataFrame], out_dir: str | Path, *,
                    overwrite: bool = False, recipes_dir: str | Path | None = None,
                    static: bool = True, dem: str | Path | None = None) -> list[Path]:
    """Write the overview web map, one web map and one static figure per recipe.

    Files (in ``out_dir``): ``overview.html`` (every layer), ``<recipe>.html`` for each
    theme recipe, and ``<recipe>.png``/``.pdf``/``.svg`` for every recipe (overview
    included). A theme whose required layer is missing (e.g. the border belt before the
    analysis has run) is skipped with a log message; so is a theme that fails to draw.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        The layers of the main job.
    out_dir : str or Path
        Output folder (created).
    overwrite : bool
        Replace existing files.
    recipes_dir : str or Path, optional
        Folder of the recipes (default ``maps/``).
    static : bool
        Also write the static figures.
    dem : str or Path, optional
        A DEM for shaded relief on the static figures.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> from gisxz.plan.build import build_layers  # doctest: +SKIP
    >>> write_main_maps(build_layers(), "out/maps", overwrite=True)  # doctest: +SKIP
    """
    from gisxz.exceptions import MissingLayerError
    from gisxz.maps.recipes import load_recipes
    from gisxz.maps.web import write_web_map

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    layers = with_accessibility(layers)
    recipes = load_recipes(recipes_dir)
    for rec in recipes:
        missing = [n for n in rec.required_layers() if n not in layers]
        if missing:
            log.warning("map %s skipped: layer(s) %s not available", rec.name,
                        ", ".join(missing))
            continue
        try:
            written.append(write_web_map(layers, out_dir / f"{rec.name}.html", recipe=rec,
                                         overwrite=overwrite))
        except (MissingLayerError, GisxzError) as exc:
            if isinstance(exc, FileExistsError):
                raise
            log.warning("web map %s skipped: %s", rec.name, exc)
        if static:
            from gisxz.maps.static import render_figure

            try:
                written.extend(render_figure(layers, rec, out_dir, overwrite=overwrite,
                                             dem=dem))
            except GisxzError as exc:
                if isinstance(exc, FileExistsError):
                    raise
                log.warning("figure %s skipped: %s", rec.name, exc)
    return written


def with_accessibility(layers: Mapping[str, gpd.GeoDataFrame]) -> dict:
    """``layers`` plus ``county_accessibility`` (counties joined with
    :func:`gisxz.network.accessibility.county_accessibility`) when it can be computed.

    The input mapping is not modified; when the network or population modules are not
    available the layers are returned unchanged (the accessibility map is then skipped).
    """
    out = dict(layers)
    if "county_accessibility" in out or "admin_county" not in out:
        return out
    try:
        from gisxz.network.accessibility import county_accessibility

        table = county_accessibility()
    except (ImportError, GisxzError) as exc:
        log.info("accessibility results not available (%s): map skipped", exc)
        return out
    counties = out["admin_county"][["adcode", "geometry"]].copy()
    counties["adcode"] = counties["adcode"].astype("int64")
    table = table.assign(adcode=table["adcode"].astype("int64"))
    out["county_accessibility"] = counties.merge(table, on="adcode", how="left")
    return out
