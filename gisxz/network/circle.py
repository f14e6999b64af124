"""The three-hour economic circle around Lhasa (拉萨三小时经济圈), from travel times.

The circle is not drawn as a circle: it is the isochrone of ``hours`` from Lhasa on
the trunk network, under each scenario and mode, and a table saying which
prefecture and county seats lie inside it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.core.compat import progress
from gisxz.network.engine import travel_times
from gisxz.network.isochrones import isochrones
from gisxz.network.snap import places_as_points, snap_points
from gisxz.network.trunk import trunk_graph

log = logging.getLogger(__name__)

__all__ = ["three_hour_circle", "circle_table", "CIRCLE_CENTRE"]

#: Centre of the circle (a gazetteer name).
CIRCLE_CENTRE = "拉萨"
_KIND_ORDER = {"prefecture_seat": 0, "county_seat": 1}


def circle_table(*, scenarios: Sequence[str] = ("current", "plan"),
                 modes: Sequence[str] = ("road", "multimodal"), hours: float = 3,
                 centre: str = CIRCLE_CENTRE) -> pd.DataFrame:
    """Travel time from ``centre`` to every prefecture and county seat.

    Returns
    -------
    pandas.DataFrame
        One row per seat, scenario and mode: ``name_zh, name_en, adcode, kind, scenario,
        mode, travel_time_min, within_<hours>h, snap_km``.

    Examples
    --------
    >>> t = circle_table(scenarios=["current"], modes=["road"])
    >>> t.loc[t["name_zh"] == "山南", "within_3h"].item()
    True
    """
    seats = places_as_points(kinds=list(_KIND_ORDER))
    seats = seats.assign(_k=seats["kind"].map(_KIND_ORDER)).sort_values(
        ["_k", "adcode", "name_zh"]).drop(columns="_k").reset_index(drop=True)
    col = f"within_{hours:g}h"
    rows = []
    for scen in scenarios:
        for mode in modes:
            g = trunk_graph(scenario=scen, mode=mode)
            c = snap_points(g, places_as_points([centre]), name="centre")
            t = travel_times(g, c["node"].to_numpy(), dtype=np.float64)[0]
            s = snap_points(g, seats, name="seats", max_snap_m=np.inf)
            tt = t[s["node"].to_numpy()]
            part = pd.DataFrame({
                "name_zh": seats["name_zh"], "name_en": seats["name_en"],
                "adcode": seats["adcode"].astype("Int64"), "kind": seats["kind"],
                "scenario": scen, "mode": mode,
                "travel_time_min": np.where(np.isfinite(tt), np.round(tt, 1), np.nan),
            })
            part[col] = part["travel_time_min"] <= hours * 60.0
            part["snap_km"] = np.round(s["snap_m"].to_numpy() / 1000.0, 2)
            rows.append(part)
    return pd.concat(rows, ignore_index=True)


def three_hour_circle(*, scenarios: Sequence[str] = ("current", "plan"),
                      modes: Sequence[str] = ("road", "multimodal"), hours: float = 3,
                      thresholds_h: Iterable[float] | None = None, centre: str = CIRCLE_CENTRE,
                      buffer_m: float | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The circle as isochrone polygons from Lhasa and the table of seats inside.

    Parameters
    ----------
    scenarios, modes : sequence of str
        Scenarios of ``scenarios.yaml`` and modes (``road``, ``multimodal``).
    hours : float
        The circle's size (3).
    thresholds_h : iterable of float, optional
        Isochrone thresholds in hours (default every whole hour up to ``hours``).
    centre : str
        Gazetteer name of the centre (拉萨).
    buffer_m : float, optional
        Half-width of the isochrone band around reached roads (default 5 km).

    Returns
    -------
    (geopandas.GeoDataFrame, pandas.DataFrame)
        Isochrones (``origin, scenario, mode, minutes, hours, area_km2, geometry``,
        EPSG:4490) and the table of :func:`circle_table`.

    Examples
    --------
    >>> iso, table = three_hour_circle(scenarios=["current"], modes=["road"])
    >>> sorted(iso["hours"].tolist())
    [1.0, 2.0, 3.0]
    >>> "within_3h" in table.columns
    True
    """
    ths = (list(thresholds_h) if thresholds_h is not None
           else [float(h) for h in range(1, int(np.ceil(hours)) + 1)])
    if hours not in ths:
        ths.append(float(hours))
    parts = []
    combos = [(s, m) for s in scenarios for m in modes]
    for scen, mode in progress(combos, desc="three-hour circle"):
        g = trunk_graph(scenario=scen, mode=mode)
        parts.append(isochrones(centre, graph=g, hours=ths, buffer_m=buffer_m))
    iso = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                           crs=parts[0].crs)
    table = circle_table(scenarios=scenarios, modes=modes, hours=hours, centre=centre)
    return iso, table
