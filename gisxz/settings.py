"""Global settings of gisxz (one module, like ``osmnx.settings``).

Change a setting by assignment, e.g. ``gisxz.settings.progress = False``, or for a block of
code with :func:`override`. Every setting below is read where it matters:

==================  ===========================  ==============================================
setting             environment variable         default
==================  ===========================  ==============================================
``layers_dir``      ``GISXZ_LAYERS_DIR``         the plan data shipped with gisxz (``layers/``)
``recipes_dir``     ``GISXZ_MAPS_DIR``           the map recipes shipped with gisxz (``maps/``)
``data_source``     ``GISXZ_DATA_SOURCE``        ``"tianditu"`` (天地图); ``"amap"`` (高德)
``out_dir``         ``GISXZ_OUT_DIR``            ``out`` (the main job's output folder)
``store_crs``       –                            ``EPSG:4490`` (CGCS2000)
``metric_crs``      –                            Albers equal-area centred on Xizang
``progress``        ``GISXZ_PROGRESS`` (0/1)     ``True``
``yihe``            –                            ``None`` (the plan file's default, 拉萨河)
==================  ===========================  ==============================================

The environment is read by one function, :func:`from_environment`, when a setting that has
an environment variable is first used and has not been assigned; importing gisxz reads
nothing. ``gisxz init DIR`` copies the shipped plan data and recipes out for editing.

Examples
--------
>>> from gisxz import settings
>>> settings.layers_dir.name
'layers'
>>> with settings.override(progress=False):
...     settings.progress
False
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: CRS in which layers are stored and exported: CGCS2000 geographic.
store_crs: str = "EPSG:4490"

#: Equal-area CRS for metric work in Xizang (Albers, standard parallels 27°N and 35°N, centre 88°E).
metric_crs: str = (
    "+proj=aea +lat_0=0 +lon_0=88 +lat_1=27 +lat_2=35 +x_0=0 +y_0=0 "
    "+ellps=GRS80 +units=m +no_defs +type=crs"
)

#: Which river is the 一河 of 四江一河 (``None``: the plan file's default).
yihe: str | None = None

# Settings with an environment variable are resolved on first use by __getattr__ below
# (module attributes assigned by a user take precedence, as usual).
_ENV = {"layers_dir": "GISXZ_LAYERS_DIR", "recipes_dir": "GISXZ_MAPS_DIR",
        "data_source": "GISXZ_DATA_SOURCE", "out_dir": "GISXZ_OUT_DIR",
        "progress": "GISXZ_PROGRESS"}


def _package_data(name: str) -> Path:
    """The shipped folder ``name`` (``layers`` or ``maps``): inside an installed wheel it is
    ``gisxz/_data/<name>``; in a source checkout the top-level folder of the repository."""
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / name
    return packaged if packaged.is_dir() else here.parent / name


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings that have an environment variable, from ``environ`` (``os.environ``)
    or their defaults.

    Examples
    --------
    >>> from_environment({"GISXZ_DATA_SOURCE": "amap", "GISXZ_PROGRESS": "0"})["progress"]
    False
    """
    env = os.environ if environ is None else environ
    return {
        "layers_dir": Path(env.get("GISXZ_LAYERS_DIR") or _package_data("layers")),
        "recipes_dir": Path(env.get("GISXZ_MAPS_DIR") or _package_data("maps")),
        "data_source": env.get("GISXZ_DATA_SOURCE") or "tianditu",
        "out_dir": Path(env.get("GISXZ_OUT_DIR") or "out"),
        "progress": (env.get("GISXZ_PROGRESS") or "1").strip().lower()
        not in ("0", "false", "no", "off"),
    }


def __getattr__(name: str) -> Any:
    if name in _ENV:
        return from_environment()[name]
    raise AttributeError(f"module 'gisxz.settings' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ENV))


@contextlib.contextmanager
def override(**values: Any) -> Iterator[None]:
    """Set settings for the duration of a ``with`` block, then restore them.

    Examples
    --------
    >>> from gisxz import settings
    >>> with settings.override(data_source="amap"):
    ...     settings.data_source
    'amap'
    """
    module = globals()
    known = set(_ENV) | {"store_crs", "metric_crs", "yihe"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise AttributeError(f"unknown setting(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(known))}")
    missing = object()
    saved = {k: module.get(k, missing) for k in values}
    module.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is missing:
                module.pop(k, None)
            else:
                module[k] = v
