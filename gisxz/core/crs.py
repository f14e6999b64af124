"""Coordinate reference systems: storage CRS, metric CRS, checks and GCJ-02 input.

Layers are stored in CGCS2000 (EPSG:4490). Distances, buffers and areas are
computed in an Albers equal-area projection centred on Xizang
(:data:`gisxz.settings.metric_crs`); nothing is ever buffered in degrees.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
from pyproj import CRS

from gisxz import settings
from gisxz.exceptions import CRSMismatchError, MissingCRSError

log = logging.getLogger(__name__)

__all__ = [
    "metric_crs",
    "store_crs",
    "require_crs",
    "align_crs",
    "to_metric",
    "to_store",
    "gcj02_to_wgs84",
    "from_gcj02",
]


def store_crs() -> CRS:
    """The CRS in which layers are stored (CGCS2000, EPSG:4490).

    Examples
    --------
    >>> store_crs().to_epsg()
    4490
    """
    return CRS.from_user_input(settings.store_crs)


def metric_crs() -> CRS:
    """The equal-area metric CRS used for buffers, areas and lengths.

    Examples
    --------
    >>> metric_crs().axis_info[0].unit_name
    'metre'
    """
    return CRS.from_user_input(settings.metric_crs)


def require_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, name: str = "input") -> CRS:
    """Return the CRS of ``gdf`` or raise :class:`MissingCRSError` naming ``name``."""
    if gdf.crs is None:
        raise MissingCRSError(
            f"{name} has no CRS. Set it before use, e.g. gdf.set_crs('EPSG:4490') for "
            "CGCS2000 or gdf.set_crs('EPSG:4326') for WGS84 longitude/latitude."
        )
    return CRS.from_user_input(gdf.crs)


def _same(a: CRS, b: CRS) -> bool:
    if a == b:
        return True
    # CGCS2000 and WGS84 agree to centimetres; still treat them as different CRSs.
    return a.equals(b, ignore_axis_order=True)


def align_crs(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *, names: tuple[str, str] = (
        "left", "right"), reproject: bool = False) -> gpd.GeoDataFrame:
    """Return ``right`` in the CRS of ``left``.

    Raises :class:`CRSMismatchError` naming both CRSs unless ``reproject`` is true.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoDataFrame(geometry=[Point(91, 29)], crs=4490)
    >>> b = gpd.GeoDataFrame(geometry=[Point(91, 29)], crs=4326)
    >>> align_crs(a, b, reproject=True).crs.to_epsg()
    4490
    """
    lc = require_crs(left, name=names[0])
    rc = require_crs(right, name=names[1])
    if _same(lc, rc):
        return right
    if not reproject:
        raise CRSMismatchError(
            f"{names[0]} is in {lc.name} ({lc.to_string()}) but {names[1]} is in "
            f"{rc.name} ({rc.to_string()}). Reproject one of them (to_crs) or pass "
            "reproject=True (--reproject on the command line)."
        )
    log.info("reprojecting %s from %s to %s", names[1], rc.name, lc.name)
    return right.to_crs(lc)


def to_metric(gdf: gpd.GeoDataFrame, *, name: str = "input") -> gpd.GeoDataFrame:
    """Project ``gdf`` to the metric equal-area CRS (a new frame)."""
    require_crs(gdf, name=name)
    return gdf.to_crs(metric_crs())


def to_store(gdf: gpd.GeoDataFrame, *, name: str = "input") -> gpd.GeoDataFrame:
    """Project ``gdf`` to the storage CRS EPSG:4490 (a new frame)."""
    require_crs(gdf, name=name)
    crs = CRS.from_user_input(gdf.crs)
    if crs.to_epsg() == 4490:
        return gdf
    return gdf.to_crs(store_crs())


# --- GCJ-02 ("Mars coordinates", AMap/Gaode, Tencent) -------------------------------------
_A = 6378245.0
_EE = 0.00669342162296594323


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * math.pi)
    return dlon, dlat


def gcj02_to_wgs84(lon, lat, *, iterations: int = 3):
    """Convert GCJ-02 longitude/latitude to WGS84 (iterative inverse, ~1 cm).

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(91.1188, 29.6548)
    >>> round(float(lon), 3), round(float(lat), 3)
    (91.117, 29.658)
    """
    glon = np.asarray(lon, dtype="float64")
    glat = np.asarray(lat, dtype="float64")
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        dlon, dlat = _delta(wlon, wlat)
        wlon = glon - dlon
        wlat = glat - dlat
    return wlon, wlat


def from_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a GCJ-02 layer (AMap, Tencent) with WGS84 coordinates (EPSG:4326)."""
    import shapely

    def conv(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out.geometry = shapely.transform(gdf.geometry.values, conv)
    return out.set_crs("EPSG:4326", allow_override=True)
