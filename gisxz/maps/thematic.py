"""Map layers derived from the main job's layers for reading a theme at a glance.

``three_hour_counties``: the counties whose seat lies inside the three-hour circle, with
the isochrone band of the seat (``hours_class`` 1, 2 or 3), per scenario and mode, and
their population — so a map shows which counties (and how many people) are inside, with
the isochrone bands drawn on top.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

__all__ = ["with_map_layers", "three_hour_counties", "circle_summary", "DERIVED"]


def three_hour_counties(layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Counties whose seat is inside an isochrone of ``three_hour_circle``.

    One row per county, scenario and mode: ``adcode, name_zh, scenario, mode,
    hours_class`` (the smallest band holding the seat), ``population_2020`` (when
    ``county_membership`` is given), geometry (EPSG:4490).

    Examples
    --------
    >>> from gisxz.plan.build import build_layers  # doctest: +SKIP
    """
    iso = layers["three_hour_circle"].to_crs(4490)
    counties = layers["admin_county"].to_crs(4490)
    places = layers["places"].to_crs(4490)
    seats = places[places["kind"].isin(["county_seat"])].dropna(subset=["adcode"])
    seats = seats.assign(adcode=seats["adcode"].astype("int64"))[["adcode", "geometry"]]
    seats = seats.drop_duplicates("adcode")
    rows = []
    group_cols = [c for c in ("scenario", "mode") if c in iso.columns]
    groups = iso.groupby(group_cols, sort=False) if group_cols else [((), iso)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values("hours")
        best = pd.Series(np.inf, index=seats.index)
        for hours, geom in zip(part["hours"], part.geometry, strict=True):
            inside = seats.geometry.within(geom).to_numpy()
            best[inside] = np.minimum(best[inside], float(hours))
        hit = seats.loc[np.isfinite(best.to_numpy())]
        for adcode, h in zip(hit["adcode"], best[np.isfinite(best.to_numpy())], strict=True):
            rows.append({**dict(zip(group_cols, key, strict=True)), "adcode": int(adcode),
                         "hours_class": int(np.ceil(h))})
    table = pd.DataFrame(rows, columns=[*group_cols, "adcode", "hours_class"])
    base = counties[["adcode", "name_zh", "geometry"]].assign(
        adcode=counties["adcode"].astype("int64"))
    if "county_membership" in layers:
        pop = pd.DataFrame(layers["county_membership"]).drop(columns="geometry")
        if "population_2020" in pop.columns:
            pop = pop[["adcode", "population_2020"]].assign(
                adcode=pop["adcode"].astype("int64"))
            base = base.merge(pop, on="adcode", how="left")
    out = base.merge(table, on="adcode", how="inner")
    return gpd.GeoDataFrame(_agree_with_membership(out, layers), geometry="geometry",
                            crs=4490)


def _agree_with_membership(out: pd.DataFrame, layers) -> pd.DataFrame:
    """Keep multimodal rows consistent with ``county_membership.three_hour_circle_<sc>``
    (the seat's travel time, which the membership table is built from)."""
    mem = layers.get("county_membership")
    if mem is None or "scenario" not in out.columns or "mode" not in out.columns:
        return out
    keep = np.ones(len(out), dtype=bool)
    for sc in out["scenario"].unique():
        col = f"three_hour_circle_{sc}"
        if col not in mem.columns:
            continue
        inside = set(mem.loc[mem[col].astype(bool), "adcode"].astype("int64"))
        rows = ((out["scenario"] == sc) & (out["mode"] == "multimodal")).to_numpy()
        keep &= ~rows | out["adcode"].isin(inside).to_numpy()
    return out.loc[keep]


#: Derived layers: name → (needed layers, builder).
DERIVED = {"three_hour_counties": (("three_hour_circle", "admin_county", "places"),
                                   three_hour_counties)}


def with_map_layers(layers: Mapping[str, gpd.GeoDataFrame],
                    wanted: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """``layers`` plus the derived layers of ``wanted`` that can be built (input unchanged)."""
    out = dict(layers)
    for name in wanted:
        if name in out or name not in DERIVED:
            continue
        needs, build = DERIVED[name]
        if all(n in out for n in needs):
            out[name] = build(out)
            log.debug("derived map layer %s: %d rows", name, len(out[name]))
    return out


def circle_summary(gdf: gpd.GeoDataFrame) -> str:
    """``"圈内 17 县（区），常住人口 123.4 万 (2020)"`` for filtered ``three_hour_counties``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> circle_summary(gpd.GeoDataFrame({"population_2020": [478275, 137451]}))
    '圈内 2 县（区），常住人口 61.6 万（2020） — 2 counties, 0.62 million people inside'
    """
    n = len(gdf)
    if "population_2020" not in gdf.columns:
        return f"圈内 {n} 县（区） — {n} counties inside"
    pop = float(pd.to_numeric(gdf["population_2020"], errors="coerce").sum())
    return (f"圈内 {n} 县（区），常住人口 {pop / 1e4:.1f} 万（2020） — {n} counties, "
            f"{pop / 1e6:.2f} million people inside")
