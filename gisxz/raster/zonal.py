"""Zonal statistics of travel-time surfaces per county and prefecture.

For each scenario and unit: mean and maximum travel time over the unit's passable cells,
the population-weighted mean, and the share of area and of population reached within 1, 2
and 3 hours (percent). Area shares count all cells of the unit (impassable water and ice
included in the denominator); population comes from
:func:`gisxz.raster.population.population_surface`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.raster.grid import Grid, rasterize_values

log = logging.getLogger(__name__)

__all__ = ["zonal_table", "zonal_layer"]


def _hours_key(h: float) -> str:
    """``1h``, ``0_5h``: a threshold as an ASCII field-name part.

    Examples
    --------
    >>> _hours_key(3.0), _hours_key(0.5)
    ('3h', '0_5h')
    """
    return f"{h:g}h".replace(".", "_")


def _unit_stats(label: np.ndarray, minutes: np.ndarray, people: np.ndarray,
                hours: Sequence[float], cell_km2: float) -> pd.DataFrame:
    """Statistics per label value (label 0 = outside every unit)."""
    sel = label > 0
    t = minutes[sel].astype(np.float64)
    df = pd.DataFrame({"unit": label[sel], "t": np.where(np.isfinite(t), t / 60.0, np.nan),
                       "p": people[sel].astype(np.float64)})
    df["pt"] = df["p"] * df["t"]
    df["p_t"] = np.where(df["t"].notna(), df["p"], 0.0)
    g = df.groupby("unit")
    out = pd.DataFrame({"area_km2": g.size() * cell_km2, "population_cells": g["p"].sum(),
                        "mean_time_h": g["t"].mean(), "max_time_h": g["t"].max()})
    out["pop_mean_time_h"] = g["pt"].sum() / g["p_t"].sum().replace(0, np.nan)
    for h in hours:
        within = (df["t"] <= h).to_numpy()
        key = _hours_key(h)
        out[f"share_area_{key}"] = 100.0 * df[within].groupby("unit").size().reindex(
            out.index, fill_value=0) * cell_km2 / out["area_km2"]
        pop_in = df[within].groupby("unit")["p"].sum().reindex(out.index, fill_value=0.0)
        out[f"share_pop_{key}"] = 100.0 * pop_in / out["population_cells"].replace(0, np.nan)
        if h == max(hours):
            out[f"area_{key}_km2"] = out[f"share_area_{key}"] * out["area_km2"] / 100.0
            out[f"population_{key}"] = pop_in
    return out.reset_index()


def zonal_table(times: Mapping[str, np.ndarray], grid: Grid, people: np.ndarray, *,
                counties: gpd.GeoDataFrame | None = None,
                prefectures: gpd.GeoDataFrame | None = None,
                hours: Sequence[float] = (1, 2, 3)) -> pd.DataFrame:
    """One row per unit (county, prefecture, Xizang) and scenario.

    Parameters
    ----------
    times : mapping
        Scenario → travel-time minutes on ``grid`` (:func:`~gisxz.raster.costdistance.
        travel_time`).
    grid : Grid
        Their grid.
    people : numpy.ndarray
        Population per cell (:func:`~gisxz.raster.population.population_surface`).
    counties, prefectures : GeoDataFrame, optional
        Units with ``adcode, name_zh, name_en`` (defaults: the administrative layers).
    hours : sequence of float
        Thresholds; area and population within the largest are also given absolutely.

    Returns
    -------
    pandas.DataFrame
        ``level, adcode, name_zh, name_en, prefecture_zh, scenario, area_km2,
        population_cells, mean_time_h, max_time_h, pop_mean_time_h, share_area_<h>h,
        share_pop_<h>h, area_<H>h_km2, population_<H>h`` (``0_5h`` for half an hour).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from gisxz.raster.grid import grid_for_bounds
    >>> g = grid_for_bounds((0, 0, 4000, 1000), 1000, crs="EPSG:3857")
    >>> units = gpd.GeoDataFrame({"adcode": [540102], "name_zh": ["城关区"],
    ...                           "name_en": ["Chengguan"], "prefecture_zh": ["拉萨市"],
    ...                           "prefecture_adcode": [540100]},
    ...                          geometry=[box(0, 0, 4000, 1000)], crs=3857)
    >>> prefs = gpd.GeoDataFrame({"adcode": [540100], "name_zh": ["拉萨市"],
    ...                           "name_en": ["Lhasa"]}, geometry=[box(0, 0, 4000, 1000)],
    ...                          crs=3857)
    >>> minutes = np.array([[0.0, 50.0, 100.0, 400.0]], dtype=np.float32)
    >>> people = np.array([[10.0, 5.0, 3.0, 2.0]], dtype=np.float32)
    >>> t = zonal_table({"current": minutes}, g, people, counties=units, prefectures=prefs)
    >>> row = t[t["level"] == "county"].iloc[0]
    >>> float(row["share_area_1h"]), float(row["share_pop_2h"]), float(row["population_3h"])
    (50.0, 90.0, 18.0)
    """
    from gisxz.base.geography import admin_counties, admin_prefectures

    counties = admin_counties() if counties is None else counties
    prefectures = admin_prefectures() if prefectures is None else prefectures
    county_lab = rasterize_values(grid, counties, "adcode").ravel()
    to_pref = dict(zip(counties["adcode"], counties.get("prefecture_adcode", counties["adcode"]),
                       strict=True))
    pref_lab = pd.Series(county_lab).map(to_pref).fillna(0).to_numpy(dtype=np.int64)
    region_lab = (county_lab > 0).astype(np.int64) * 540000
    names = {
        "county": counties.set_index("adcode")[["name_zh", "name_en", "prefecture_zh"]],
        "prefecture": prefectures.set_index("adcode")[["name_zh", "name_en"]].assign(
            prefecture_zh=prefectures.set_index("adcode")["name_zh"]),
        "region": pd.DataFrame({"name_zh": ["西藏自治区"], "name_en": ["Xizang"],
                                "prefecture_zh": [""]}, index=[540000]),
    }
    rows = []
    flat_people = people.ravel()
    for scen, minutes in times.items():
        for level, lab in (("county", county_lab), ("prefecture", pref_lab),
                           ("region", region_lab)):
            st = _unit_stats(lab, minutes.ravel(), flat_people, hours, grid.cell_area_km2)
            st = st.rename(columns={"unit": "adcode"}).join(names[level], on="adcode")
            st.insert(0, "level", level)
            st.insert(1, "scenario", scen)
            rows.append(st)
    out = pd.concat(rows, ignore_index=True)
    front = ["level", "adcode", "name_zh", "name_en", "prefecture_zh", "scenario"]
    out = out[front + [c for c in out.columns if c not in front]]
    num = out.select_dtypes("number").columns.drop("adcode")
    out[num] = out[num].round(2)
    return out


def zonal_layer(table: pd.DataFrame, *, counties: gpd.GeoDataFrame | None = None,
                prefectures: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The county and prefecture rows of :func:`zonal_table` on their polygons (EPSG:4490)."""
    from gisxz.base.geography import admin_counties, admin_prefectures

    counties = admin_counties() if counties is None else counties
    prefectures = admin_prefectures() if prefectures is None else prefectures
    geo = pd.concat([counties[["adcode", "geometry"]], prefectures[["adcode", "geometry"]]],
                    ignore_index=True).drop_duplicates("adcode").set_index("adcode")
    t = table[table["level"].isin(["county", "prefecture"])].reset_index(drop=True)
    gdf = gpd.GeoDataFrame(t, geometry=t["adcode"].map(geo["geometry"]).values,
                           crs=counties.crs)
    return gdf.to_crs("EPSG:4490")
