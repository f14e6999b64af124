"""Shaded relief under the layers of a printed figure, from a DEM (GeoTIFF or NetCDF)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from gisxz.core.compat import import_optional
from gisxz.exceptions import MapError, MissingDataError

log = logging.getLogger(__name__)

__all__ = ["relief"]


def relief(ax, dem: str | Path, view: tuple[float, float, float, float], to_geo: Transformer,
            to_map: Transformer, *, max_cells: int = 900) -> None:
    """Shaded relief from a DEM (GeoTIFF via rasterio, NetCDF via xarray) under the layers."""
    dem = Path(dem)
    if not dem.exists():
        raise MissingDataError(f"dem {str(dem)!r} not found; pass the path of a GeoTIFF or "
                               "NetCDF elevation grid, or leave dem out")
    corners = np.array([(view[0], view[1]), (view[2], view[1]), (view[0], view[3]),
                        (view[2], view[3]), ((view[0] + view[2]) / 2, view[1]),
                        ((view[0] + view[2]) / 2, view[3])])
    lons, lats = to_geo.transform(corners[:, 0], corners[:, 1])
    w, e, s, n = min(lons) - 0.5, max(lons) + 0.5, min(lats) - 0.5, max(lats) + 0.5
    if dem.suffix.lower() in (".nc", ".nc4", ".cdf"):
        xr = import_optional("xarray", purpose="reading a NetCDF DEM")
        with xr.open_dataset(dem) as ds:
            var = next((v for v in ds.data_vars if ds[v].ndim == 2), None)
            if var is None:
                raise MapError(f"dem {str(dem)!r} has no 2-D variable to use as elevation")
            da = ds[var]
            ydim, xdim = da.dims
            da = da.sortby(ydim).sortby(xdim)
            da = da.sel({xdim: slice(w, e), ydim: slice(s, n)})
            z = np.asarray(da.values, dtype=float)
            x = np.asarray(da[xdim].values, dtype=float)
            y = np.asarray(da[ydim].values, dtype=float)
    else:
        rio = import_optional("rasterio", purpose="reading a GeoTIFF DEM")
        with rio.open(dem) as src:
            if src.crs is not None and not CRS.from_user_input(src.crs).is_geographic:
                raise MapError(f"dem {str(dem)!r} must be in longitude/latitude (EPSG:4326 or "
                               "4490); reproject it first (gdalwarp -t_srs EPSG:4326)")
            win = rio.windows.from_bounds(w, s, e, n, transform=src.transform)
            z = src.read(1, window=win, boundless=True, fill_value=np.nan).astype(float)
            t = src.window_transform(win)
            x = t.c + t.a * (np.arange(z.shape[1]) + 0.5)
            y = t.f + t.e * (np.arange(z.shape[0]) + 0.5)
            if y[0] > y[-1]:
                z, y = z[::-1], y[::-1]
    if z.size == 0:
        log.warning("dem %s does not cover the map extent; no relief drawn", dem)
        return
    step = max(1, int(math.ceil(max(z.shape) / max_cells)))
    z, x, y = z[::step, ::step], x[::step], y[::step]
    # slope and aspect in metres; light from the north-west, 45° above the horizon
    dy_m = np.gradient(y) * 111_320.0
    dx_m = np.gradient(x)[None, :] * 111_320.0 * np.cos(np.radians(y))[:, None]
    gz_y, gz_x = np.gradient(np.nan_to_num(z, nan=np.nanmean(z)))
    gx = gz_x / dx_m
    gy = gz_y / dy_m[:, None]
    slope = np.arctan(np.hypot(gx, gy) * 2.0)  # vertical exaggeration 2
    aspect = np.arctan2(-gx, gy)
    az, alt = np.radians(315.0), np.radians(45.0)
    shade = (np.sin(alt) * np.cos(slope)
             + np.cos(alt) * np.sin(slope) * np.cos(az - aspect))
    shade = np.clip(shade, 0, 1)
    shade[np.isnan(z)] = np.nan
    lon2, lat2 = np.meshgrid(x, y)
    mx, my = to_map.transform(lon2, lat2)
    ax.pcolormesh(mx, my, shade, cmap="Greys_r", vmin=0, vmax=1, alpha=0.35,
                  shading="nearest", zorder=5, rasterized=True, antialiased=False)


