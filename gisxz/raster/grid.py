"""The metric grid over Xizang on which every raster of :mod:`gisxz.raster` lives.

A :class:`Grid` is an affine transform, a shape and a CRS. The default grid covers the
bounding box of Xizang plus a margin in the project's metric CRS
(:data:`gisxz.settings.metric_crs`, Albers equal-area), so every cell has the same area;
at 1 km it has about 2.2 million cells of which about 1.2 million lie in Xizang.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from affine import Affine

from gisxz.core.crs import metric_crs
from gisxz.exceptions import GisxzError

log = logging.getLogger(__name__)

__all__ = ["Grid", "xizang_grid", "grid_for_bounds", "rasterize_mask", "rasterize_values"]


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid: ``transform`` (affine), ``height`` × ``width`` cells, ``crs``.

    Examples
    --------
    >>> g = grid_for_bounds((0, 0, 3000, 2000), 1000, crs="EPSG:3857")
    >>> g.shape, g.resolution, g.cell_area_km2
    ((2, 3), 1000.0, 1.0)
    >>> g.rowcol([500.0], [1500.0])
    (array([0]), array([0]))
    """

    transform: Affine
    height: int
    width: int
    crs: str

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def resolution(self) -> float:
        """Cell size in CRS units (metres for the metric grid)."""
        return float(self.transform.a)

    @property
    def cell_area_km2(self) -> float:
        return abs(self.transform.a * self.transform.e) / 1e6

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax)."""
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    def rowcol(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points ``x``, ``y`` (may fall outside)."""
        t = self.transform
        col = np.floor((np.asarray(x, float) - t.c) / t.a).astype(np.int64)
        row = np.floor((np.asarray(y, float) - t.f) / t.e).astype(np.int64)
        return row, col

    def inside(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Which (row, col) pairs lie on the grid."""
        return (row >= 0) & (row < self.height) & (col >= 0) & (col < self.width)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x of the column centres and y of the row centres."""
        t = self.transform
        return (t.c + t.a * (np.arange(self.width) + 0.5),
                t.f + t.e * (np.arange(self.height) + 0.5))


def grid_for_bounds(bounds: tuple[float, float, float, float], resolution: float, *,
                    crs=None) -> Grid:
    """A grid of ``resolution`` cells covering ``bounds`` (snapped outwards to the cell size)."""
    if not resolution or resolution <= 0:
        raise GisxzError(f"resolution must be a positive number of metres, got {resolution!r}")
    r = float(resolution)
    xmin, ymin = np.floor(bounds[0] / r) * r, np.floor(bounds[1] / r) * r
    xmax, ymax = np.ceil(bounds[2] / r) * r, np.ceil(bounds[3] / r) * r
    width, height = int(round((xmax - xmin) / r)), int(round((ymax - ymin) / r))
    if width * height > 60_000_000:
        raise GisxzError(f"resolution {r:g} m gives {width} x {height} cells; choose a "
                         "coarser resolution (at least 250 m for all of Xizang)")
    crs = metric_crs().to_string() if crs is None else str(crs)
    return Grid(Affine(r, 0.0, xmin, 0.0, -r, ymax), height, width, crs)


def xizang_grid(resolution: float = 1000.0, *, margin_km: float = 10.0,
                data_source: str | None = None) -> Grid:
    """The metric grid over Xizang (default 1 km cells).

    Parameters
    ----------
    resolution : float
        Cell size in metres (any positive value; 1000 by default).
    margin_km : float
        Margin around the bounding box of Xizang.
    data_source : str, optional
        Edition of the administrative boundaries.

    Examples
    --------
    >>> g = xizang_grid(10_000)
    >>> g.resolution, 150 < g.width < 250
    (10000.0, True)
    """
    from gisxz.base.geography import admin_province

    prov = admin_province(data_source=data_source).to_crs(metric_crs())
    xmin, ymin, xmax, ymax = prov.total_bounds
    m = margin_km * 1000.0
    return grid_for_bounds((xmin - m, ymin - m, xmax + m, ymax + m), resolution)


def rasterize_mask(grid: Grid, shapes: gpd.GeoDataFrame | gpd.GeoSeries, *,
                   all_touched: bool = False) -> np.ndarray:
    """Boolean array: cells whose centre lies in ``shapes`` (reprojected to the grid CRS).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = grid_for_bounds((0, 0, 3000, 1000), 1000, crs="EPSG:3857")
    >>> rasterize_mask(g, gpd.GeoSeries([box(0, 0, 2000, 1000)], crs=3857)).tolist()
    [[True, True, False]]
    """
    from rasterio import features

    geoms = [g for g in shapes.to_crs(grid.crs).geometry if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(grid.shape, dtype=bool)
    return features.rasterize(((g, 1) for g in geoms), out_shape=grid.shape,
                              transform=grid.transform, fill=0, dtype="uint8",
                              all_touched=all_touched).astype(bool)


def rasterize_values(grid: Grid, shapes: gpd.GeoDataFrame, column: str, *, fill=0,
                     dtype: str = "int32") -> np.ndarray:
    """Burn ``shapes[column]`` into the grid (later rows win where shapes overlap).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = grid_for_bounds((0, 0, 3000, 1000), 1000, crs="EPSG:3857")
    >>> units = gpd.GeoDataFrame({"adcode": [7, 9]}, crs=3857,
    ...                          geometry=[box(0, 0, 1000, 1000), box(1000, 0, 3000, 1000)])
    >>> rasterize_values(g, units, "adcode").tolist()
    [[7, 9, 9]]
    """
    from rasterio import features

    gdf = shapes.to_crs(grid.crs)
    pairs = [(g, v) for g, v in zip(gdf.geometry, gdf[column], strict=True)
             if g is not None and not g.is_empty]
    if not pairs:
        return np.full(grid.shape, fill, dtype=dtype)
    return features.rasterize(pairs, out_shape=grid.shape, transform=grid.transform,
                              fill=fill, dtype=dtype)
