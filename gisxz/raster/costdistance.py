"""Cost-distance: travel time from one or many origins to every cell, and isochrones.

The surface is a graph: each passable cell is a node linked to its 8 neighbours at a cost
``(f_a + f_b) / 2 × step`` (``f`` minutes per km, ``step`` the cell size or its diagonal),
the rule of scikit-image's ``MCP_Geometric``, plus the railway stations and their links
(:class:`gisxz.raster.friction.Friction`). Shortest times come from
:func:`scipy.sparse.csgraph.dijkstra` in C, from all origins at once (the time to the
nearest origin). Without rail links the result equals ``MCP_Geometric`` to rounding; the
benchmark ``scripts/bench_raster.py`` compares the two.

Outputs: a Cloud-Optimized GeoTIFF of minutes (float32, in the grid's metric CRS, the
project's Albers equal-area, stated in the file) and isochrone polygons (EPSG:4490).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from gisxz import settings
from gisxz.exceptions import GisxzError, OutsideRegionError
from gisxz.raster.friction import Friction
from gisxz.raster.grid import Grid

log = logging.getLogger(__name__)

__all__ = ["surface_graph", "origin_cells", "travel_time", "CostSurface", "write_cog", "isochrone_polygons",
           "Origins"]

Origins = str | Sequence[str] | gpd.GeoDataFrame | gpd.GeoSeries
_STEPS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _link_rows(links: pd.DataFrame, node: np.ndarray, n: int, n_virtual: int
               ) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Hubs of the cells that links leave from, and the CSR rows of the extra nodes.

    Extra nodes are the ``n_virtual`` stations, then one hub per cell that links leave
    from (the cell reaches its hub at no cost; the hub carries the cell's links), so that
    every cell row keeps at most 9 entries and the matrix is built without a sum.
    """
    n_cells = node.size
    u, v = links["u"].to_numpy(), links["v"].to_numpy()
    uu = np.where(u < n_cells, node[np.minimum(u, n_cells - 1)], n + (u - n_cells))
    vv = np.where(v < n_cells, node[np.minimum(v, n_cells - 1)], n + (v - n_cells))
    ok = (uu >= 0) & (vv >= 0)
    uu, vv, mins = uu[ok], vv[ok], np.maximum(links["minutes"].to_numpy()[ok], 1e-6)
    from_cell = uu < n
    hub_cells = np.unique(uu[from_cell])
    hub_of = {int(c): n + n_virtual + i for i, c in enumerate(hub_cells)}
    src = np.array([hub_of[int(x)] if fc else x for x, fc in zip(uu, from_cell, strict=True)],
                   dtype=np.int64)
    n_extra = n_virtual + len(hub_cells)
    rows = sparse.csr_matrix((mins, (src - n, vv)), shape=(n_extra, n + n_extra + 1))
    return hub_cells, rows


def surface_graph(friction: Friction) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The cost-distance graph (CSR, minutes) and the node of every cell (−1 if impassable).

    Nodes ``0..n-1`` are the passable cells in row-major order, then the extra nodes, then
    one sink. Every cell row has 9 slots (8 neighbours and the hub of its links); a slot
    without a neighbour points to the sink, which has no way out, so no masking is needed.

    Examples
    --------
    >>> from gisxz.raster.grid import grid_for_bounds
    >>> g = grid_for_bounds((0, 0, 3000, 1000), 1000, crs="EPSG:3857")
    >>> graph, node = surface_graph(Friction(g, np.array([[2.0, np.inf, 4.0]], np.float32)))
    >>> node.tolist(), graph.shape
    ([0, -1, 1], (3, 3))
    """
    f = np.asarray(friction.minutes_per_km, dtype=np.float64)
    H, W = f.shape
    valid = np.isfinite(f) & (f > 0)
    Wp = W + 2
    flat = np.flatnonzero(np.pad(valid, 1))  # padded flat index of the passable cells
    n = flat.size
    node = np.full((H + 2) * Wp, -1, dtype=np.int32)
    node[flat] = np.arange(n, dtype=np.int32)
    node_out = node.reshape(H + 2, Wp)[1:-1, 1:-1].ravel().astype(np.int64)
    hub_cells, extra = (_link_rows(friction.links, node_out, n, friction.n_virtual)
                        if len(friction.links) else (np.zeros(0, np.int64), None))
    n_extra = 0 if extra is None else extra.shape[0]
    sink = n + n_extra
    node[node < 0] = sink
    fpad = np.pad(f, 1, constant_values=np.inf).ravel()
    fv = fpad[flat]
    res_km = friction.grid.resolution / 1000.0
    nb = np.empty((n, 9), dtype=np.int32)
    w = np.empty((n, 9), dtype=np.float64)
    for k, (dy, dx) in enumerate(_STEPS):
        j = flat + (dy * Wp + dx)
        nb[:, k] = node[j]
        np.multiply(fv + fpad[j], 0.5 * res_km * (np.sqrt(2.0) if dy and dx else 1.0),
                    out=w[:, k])
    nb[:, 8] = sink
    w[:, 8] = np.inf
    if len(hub_cells):
        nb[hub_cells, 8] = n + friction.n_virtual + np.arange(len(hub_cells), dtype=np.int32)
        w[hub_cells, 8] = 1e-9
    indptr = np.arange(0, 9 * n + 1, 9, dtype=np.int64)
    indices, data = nb.ravel(), w.ravel()
    if extra is not None:
        indptr = np.concatenate([indptr, indptr[-1] + extra.indptr[1:]])
        indices = np.concatenate([indices, extra.indices.astype(np.int32)])
        data = np.concatenate([data, extra.data])
    indptr = np.concatenate([indptr, indptr[-1:]])  # the sink: no edges
    n_all = len(indptr) - 1
    if len(indices) < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    g = sparse.csr_matrix((data, indices, indptr), shape=(n_all, n_all))
    return g, node_out


def _nearest_passable(node: np.ndarray, grid: Grid, row: int, col: int, radius: int
                      ) -> int | None:
    H, W = grid.shape
    r0, r1 = max(0, row - radius), min(H, row + radius + 1)
    c0, c1 = max(0, col - radius), min(W, col + radius + 1)
    if r0 >= r1 or c0 >= c1:
        return None
    win = node.reshape(H, W)[r0:r1, c0:c1]
    rr, cc = np.nonzero(win >= 0)
    if not len(rr):
        return None
    d = (rr + r0 - row) ** 2 + (cc + c0 - col) ** 2
    k = int(np.argmin(d))
    return int(win[rr[k], cc[k]])


def _origin_points(origins: Origins) -> gpd.GeoDataFrame:
    if isinstance(origins, gpd.GeoSeries):
        origins = gpd.GeoDataFrame(geometry=origins)
    if isinstance(origins, gpd.GeoDataFrame):
        if origins.crs is None:
            from gisxz.exceptions import MissingCRSError

            raise MissingCRSError("the origin layer has no CRS; set one (e.g. EPSG:4490)")
        return origins
    names = [origins] if isinstance(origins, str) else list(origins)
    if not names:
        raise GisxzError("no origin given: name a place, give points or a layer")
    from gisxz.network.snap import places_as_points

    return places_as_points(names)


def origin_cells(node: np.ndarray, grid: Grid, origins: Origins, *,
                 max_snap_km: float = 20.0) -> np.ndarray:
    """Graph nodes of the origins: names (gazetteer), points or any layer (the cells its
    geometries cover); a point on an impassable cell moves to the nearest passable cell
    within ``max_snap_km``.

    Examples
    --------
    >>> from gisxz.raster.grid import grid_for_bounds
    >>> from shapely.geometry import Point
    >>> g = grid_for_bounds((0, 0, 3000, 1000), 1000, crs="EPSG:3857")
    >>> _, node = surface_graph(Friction(g, np.array([[2.0, np.inf, 4.0]], np.float32)))
    >>> origin_cells(node, g, gpd.GeoSeries([Point(1500, 500)], crs=3857)).tolist()
    [0]
    """
    pts = _origin_points(origins).to_crs(grid.crs)
    radius = max(1, int(np.ceil(max_snap_km * 1000.0 / grid.resolution)))
    out: list[int] = []
    for geom in pts.geometry:
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "Point":
            cells = [grid.rowcol([geom.x], [geom.y])]
        else:
            from rasterio import features

            m = features.rasterize([(geom, 1)], out_shape=grid.shape,
                                   transform=grid.transform, all_touched=True, dtype="uint8")
            cells = [tuple(np.array([a]) for a in rc) for rc in zip(*np.nonzero(m), strict=True)]
        for row, col in cells:
            k = _nearest_passable(node, grid, int(row[0]), int(col[0]), radius)
            if k is None:
                raise OutsideRegionError(
                    f"origin {geom.wkt[:60]} is not within {max_snap_km:g} km of a passable "
                    "cell of the grid; give a point inside Xizang")
            out.append(k)
    if not out:
        raise GisxzError("the origins have no geometry")
    return np.unique(np.asarray(out, dtype=np.int64))


class CostSurface:
    """A friction surface ready for queries: the graph is built once, then each
    :meth:`travel_time` is one Dijkstra run (about a third of a second for all of Xizang
    at 1 km).

    Examples
    --------
    >>> from gisxz.raster.grid import grid_for_bounds
    >>> g = grid_for_bounds((0, 0, 2000, 1000), 1000, crs="EPSG:3857")
    >>> cs = CostSurface(Friction(g, np.array([[2.0, 2.0]], dtype=np.float32)))
    >>> from shapely.geometry import Point
    >>> cs.travel_time(gpd.GeoSeries([Point(1500, 500)], crs=3857)).tolist()
    [[2.0, 0.0]]
    """

    def __init__(self, friction: Friction):
        self.friction = friction
        self.grid = friction.grid
        self.graph, self.node = surface_graph(friction)

    def travel_time(self, origins: Origins, *, cutoff_min: float | None = None,
                    return_origin: bool = False, max_snap_km: float = 20.0
                    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Minutes from the nearest origin to every cell (see :func:`travel_time`)."""
        src = origin_cells(self.node, self.grid, origins, max_snap_km=max_snap_km)
        limit = np.inf if cutoff_min is None else float(cutoff_min)
        res = csgraph.dijkstra(self.graph, directed=True, indices=src, min_only=True,
                               limit=limit, return_predecessors=return_origin)
        dist = res[0] if return_origin else res
        node = self.node
        out = np.full(node.shape, np.nan, dtype=np.float32)
        cells = node >= 0
        out[cells] = dist[node[cells]]
        out = out.reshape(self.grid.shape)
        if not return_origin:
            return out
        which = np.full(node.shape, -1, dtype=np.int64)
        which[cells] = res[2][node[cells]]
        return out, which.reshape(self.grid.shape)


def travel_time(friction: Friction, origins: Origins, *, cutoff_min: float | None = None,
                return_origin: bool = False, max_snap_km: float = 20.0
                ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Minutes from the nearest origin to every cell centre.

    Parameters
    ----------
    friction : Friction
        The surface (:func:`gisxz.raster.friction.build_friction`).
    origins : str, list of str, GeoDataFrame or GeoSeries
        Place names of the gazetteer, points, or a layer of any geometry.
    cutoff_min : float, optional
        Stop the search beyond this many minutes (farther cells get ``inf``).
    return_origin : bool
        Also return, for every cell, the graph node of its nearest origin (−1 if none).
    max_snap_km : float
        How far an origin on an impassable cell may move to a passable one.

    Returns
    -------
    numpy.ndarray
        float32 minutes, shape of the grid: ``inf`` where passable but not reached,
        ``nan`` where impassable.

    Examples
    --------
    >>> from gisxz.raster.grid import grid_for_bounds
    >>> g = grid_for_bounds((0, 0, 3000, 1000), 1000, crs="EPSG:3857")
    >>> f = Friction(g, np.array([[1.0, 3.0, 1.0]], dtype=np.float32))
    >>> from shapely.geometry import Point
    >>> o = gpd.GeoSeries([Point(500, 500)], crs="EPSG:3857")
    >>> travel_time(f, o).tolist()
    [[0.0, 2.0, 4.0]]
    """
    return CostSurface(friction).travel_time(origins, cutoff_min=cutoff_min,
                                             return_origin=return_origin,
                                             max_snap_km=max_snap_km)


def _named_crs(crs: str) -> str:
    """The CRS as WKT, named when it has no name (the project's Albers is a PROJ string)."""
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    if c.name not in ("", "unknown"):
        return c.to_wkt()
    spec = c.to_json_dict()
    spec["name"] = "gisxz Albers equal-area for Xizang (27N/35N, 88E, GRS80)"
    return CRS.from_json_dict(spec).to_wkt()


def write_cog(array: np.ndarray, grid: Grid, path: str | Path, *, overwrite: bool = False,
              tags: dict[str, Any] | None = None, nodata: float = np.nan,
              description: str = "travel_time_min") -> Path:
    """Write one band as a Cloud-Optimized GeoTIFF (deflate, 512-pixel tiles, overviews),
    atomically, in the grid's CRS; ``tags`` become GDAL metadata items."""
    import rasterio
    from rasterio.io import MemoryFile
    from rasterio.shutil import copy as rio_copy

    from gisxz.io.files import atomic_output

    data = np.asarray(array)
    if data.dtype.kind == "f":
        data = np.where(np.isfinite(data), data, nodata).astype(np.float32)
    profile = {"driver": "GTiff", "height": grid.height, "width": grid.width, "count": 1,
               "dtype": data.dtype.name, "crs": _named_crs(grid.crs), "transform": grid.transform,
               "nodata": nodata}
    with atomic_output(path, overwrite=overwrite, suffix=".tif") as tmp, \
            MemoryFile() as mem:
        with mem.open(**profile) as ds:
            ds.write(data, 1)
            ds.set_band_description(1, description)
            ds.update_tags(**{k: str(v) for k, v in (tags or {}).items()})
        with mem.open() as ds:
            rio_copy(ds, str(tmp), driver="COG", COMPRESS="DEFLATE", BLOCKSIZE=512,
                     PREDICTOR="YES", OVERVIEWS="AUTO", RESAMPLING="AVERAGE",
                     BIGTIFF="IF_SAFER")
    with rasterio.open(path) as check:
        log.info("wrote %s (%s, %d x %d)", path, check.driver, check.width, check.height)
    return Path(path)


def _smooth(geom, res: float):
    """Round off the cell staircase: simplify by one cell, then close and open by half."""
    g = geom.simplify(res, preserve_topology=True)
    return g.buffer(res / 2, join_style="round").buffer(-res / 2, join_style="round")


def isochrone_polygons(minutes: np.ndarray, grid: Grid, thresholds_h: Iterable[float], *,
                       region: np.ndarray | None = None, smooth: bool = True,
                       min_cells: int = 4, **attrs: Any) -> gpd.GeoDataFrame:
    """Polygons of the cells reached within each threshold (EPSG:4490).

    Cells are polygonised, fragments under ``min_cells`` cells dropped, holes under
    ``min_cells`` filled, and the outline smoothed (``smooth``). ``area_km2`` is the exact
    area of the reached cells (inside ``region`` when given); ``attrs`` become columns.

    Examples
    --------
    >>> from gisxz.raster.grid import grid_for_bounds
    >>> g = grid_for_bounds((0, 0, 10_000, 10_000), 1000, crs="EPSG:3857")
    >>> t = np.full((10, 10), 200.0, dtype=np.float32); t[2:8, 2:8] = 30
    >>> iso = isochrone_polygons(t, g, [1, 4])
    >>> iso["area_km2"].tolist()
    [36.0, 100.0]
    """
    import shapely
    from rasterio import features
    from shapely.geometry import Polygon, shape

    res = grid.resolution
    rows = []
    for h in sorted(float(x) for x in thresholds_h):
        reached = np.isfinite(minutes) & (minutes <= h * 60.0)
        polys = [shape(s) for s, v in features.shapes(reached.astype(np.uint8), mask=reached,
                                                      transform=grid.transform) if v == 1]
        keep = []
        for p in polys:
            if p.area < min_cells * res * res:
                continue
            holes = [r for r in p.interiors if Polygon(r).area >= min_cells * res * res]
            keep.append(Polygon(p.exterior, holes))
        geom = shapely.union_all(keep) if keep else Polygon()
        if smooth and not geom.is_empty:
            geom = _smooth(geom, res)
        inside = reached if region is None else reached & region
        rows.append({**attrs, "hours": h, "minutes": h * 60.0,
                     "area_km2": round(float(inside.sum()) * grid.cell_area_km2, 1),
                     "geometry": geom})
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=grid.crs)
    return gdf.to_crs(settings.store_crs)
