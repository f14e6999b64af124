"""A dasymetric population surface: county populations (2020 census) spread over cells.

Rule (also written into the GeoTIFF metadata, :data:`METHOD`):

1. **Settlements.** In each county a share :data:`URBAN_SHARE` of the population (the
   urban share of Xizang in the 2020 census) lives in the settlements of the gazetteer that
   lie in the county (county and prefecture seats weigh 3, towns and townships 1), spread
   evenly over the cells within :data:`SETTLEMENT_RADIUS_M` of each.
2. **Countryside.** The rest is spread over the county's cells in proportion to a land-cover
   weight (:data:`LANDCOVER_WEIGHT`: cropland and built-up land dense, grassland thin,
   barren land nearly empty, water and ice empty) times a road factor
   ``1 + 2·exp(−d / 10 km)`` (``d`` the distance to the nearest trunk road of today),
   because people live in the valleys the roads follow.
3. The cells of each county add up to its census population exactly.

Limits: the gazetteer has the seats and a few towns, not the ~700 townships and 5,000
villages; land cover is 5 km MODIS; one urban share for every county (Lhasa's districts are
more urban, herding counties less). The surface is good for sums over areas of tens of
km² (what lies within three hours), not for single cells.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from gisxz.raster.grid import Grid, rasterize_values

log = logging.getLogger(__name__)

__all__ = ["URBAN_SHARE", "SETTLEMENT_RADIUS_M", "LANDCOVER_WEIGHT", "METHOD",
           "population_surface"]

#: Share of the population living in towns: 35.73 % in Xizang in the 2020 census (西藏自治区
#: 第七次全国人口普查主要数据情况新闻发布会, Lhasa, 2021-05-19: 居住在城镇的人口为130.34万人,
#: 占35.73%; reported by 中国新闻网 / tibet.cn, 2021-05-20).
URBAN_SHARE: float = 0.3573
#: Radius of a settlement (m).
SETTLEMENT_RADIUS_M: float = 2000.0
#: Settlement kinds of the gazetteer and their weights.
SETTLEMENT_WEIGHT: dict[str, float] = {"prefecture_seat": 3.0, "county_seat": 3.0,
                                       "town": 1.0, "township": 1.0}
#: Relative rural density by IGBP class (assumptions of the project).
LANDCOVER_WEIGHT: dict[int, float] = {
    0: 0.0, 1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5, 5: 0.5, 6: 0.8, 7: 0.6, 8: 1.0, 9: 1.0,
    10: 1.0, 11: 0.3, 12: 8.0, 13: 20.0, 14: 5.0, 15: 0.0, 16: 0.1,
}
#: The rule in one paragraph (metadata of the outputs).
METHOD = (
    "Dasymetric: county resident population 2020 (7th census); 35.73% (urban share of "
    "Xizang 2020) in gazetteer settlements in the county (seats weight 3, towns 1) within "
    "2 km; the rest by land-cover weight (MODIS MCD12C1 2019) x (1 + 2 exp(-d/10 km)), d = "
    "distance to the nearest trunk road today; county sums equal the census. Limits: few "
    "settlements, 5 km land cover, one urban share for all counties; use for sums over "
    "areas, not single cells.")


def _settlement_cells(grid: Grid, places: gpd.GeoDataFrame, county: np.ndarray
                      ) -> pd.DataFrame:
    """One row per (settlement, cell within the radius): ``county, cell, weight``."""
    pts = places.to_crs(grid.crs)
    r = int(np.ceil(SETTLEMENT_RADIUS_M / grid.resolution))
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = (dy * dy + dx * dx) * grid.resolution ** 2 <= SETTLEMENT_RADIUS_M ** 2
    dy, dx = dy[disc], dx[disc]
    rows = []
    row, col = grid.rowcol(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    weights = pts["kind"].map(SETTLEMENT_WEIGHT).fillna(1.0).to_numpy()
    for r0, c0, w in zip(row, col, weights, strict=True):
        if not grid.inside(np.array([r0]), np.array([c0]))[0]:
            continue
        code = county[r0, c0]
        rr, cc = r0 + dy, c0 + dx
        ok = grid.inside(rr, cc)
        rr, cc = rr[ok], cc[ok]
        ok = county[rr, cc] == code
        if code <= 0 or not ok.any():
            continue
        n = int(ok.sum())
        rows.append(pd.DataFrame({"county": code, "cell": rr[ok] * grid.width + cc[ok],
                                  "weight": w / n}))
    return (pd.concat(rows, ignore_index=True) if rows
            else pd.DataFrame({"county": [], "cell": [], "weight": []}))


def _spread(values: np.ndarray, groups: np.ndarray, weights: np.ndarray,
            totals: dict[int, float]) -> None:
    """Add ``totals[g]`` to ``values`` over the cells of group ``g`` in proportion to
    ``weights`` (evenly when a group's weights are all zero); in place on a flat array."""
    codes = np.array(sorted(totals))
    sums = ndimage.sum_labels(weights, groups, codes) if len(codes) else np.zeros(0)
    counts = ndimage.sum_labels(np.ones_like(weights), groups, codes) if len(codes) else sums
    for code, s, n in zip(codes, sums, counts, strict=True):
        if n == 0:
            continue
        sel = groups == code
        values[sel] += totals[int(code)] * (weights[sel] / s if s > 0 else 1.0 / n)


def population_surface(grid: Grid, landcover: np.ndarray, road_mask: np.ndarray, *,
                       counties: gpd.GeoDataFrame | None = None,
                       population: pd.DataFrame | None = None,
                       places: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """People per cell (float32) by the dasymetric rule of this module.

    Parameters
    ----------
    grid : Grid
        The grid.
    landcover : numpy.ndarray
        IGBP codes on the grid.
    road_mask : numpy.ndarray of bool
        Cells on a trunk road (today).
    counties : GeoDataFrame, optional
        County polygons with ``adcode`` (default :func:`gisxz.base.geography.admin_counties`).
    population : DataFrame, optional
        ``adcode, population_2020`` (default :func:`gisxz.base.population.county_population`).
    places : GeoDataFrame, optional
        Settlements with ``kind`` (default: seats, towns and townships of the gazetteer).
    """
    if counties is None:
        from gisxz.base.geography import admin_counties

        counties = admin_counties()
    if population is None:
        from gisxz.base.population import county_population

        population = county_population()
    if places is None:
        from gisxz.network.snap import places_as_points

        places = places_as_points(kinds=list(SETTLEMENT_WEIGHT))
    county = rasterize_values(grid, counties, "adcode").ravel()
    pop = dict(zip(population["adcode"].astype(int), population["population_2020"].astype(float),
                   strict=True))
    values = np.zeros(grid.height * grid.width, dtype=np.float64)
    towns = _settlement_cells(grid, places, county.reshape(grid.shape))
    urban_codes = set(towns["county"].astype(int))
    urban = {c: URBAN_SHARE * p for c, p in pop.items() if c in urban_codes}
    cell_w = np.zeros_like(values)
    np.add.at(cell_w, towns["cell"].to_numpy(dtype=np.int64), towns["weight"].to_numpy())
    _spread(values, np.where(cell_w > 0, county, 0), cell_w, urban)
    lut = np.zeros(256)
    for code, w in LANDCOVER_WEIGHT.items():
        lut[code] = w
    lut[255] = 0.1
    dist = ndimage.distance_transform_edt(~np.asarray(road_mask, bool)) * grid.resolution
    rural_w = lut[landcover.ravel()] * (1.0 + 2.0 * np.exp(-dist.ravel() / 10_000.0))
    rural = {c: p - urban.get(c, 0.0) for c, p in pop.items()}
    _spread(values, county, rural_w, rural)
    log.info("population surface: %.0f people on %d cells", values.sum(), int((values > 0).sum()))
    return values.reshape(grid.shape).astype(np.float32)
