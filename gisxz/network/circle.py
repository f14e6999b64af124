"""The three-hour economic circle around Lhasa (拉萨三小时经济圈), from travel times.

The circle is not drawn as a circle: it is the isochrone of ``hours`` from Lhasa on
the trunk network, under each scenario and mode, and a table saying which
prefecture and county seats lie inside it.

**Verdicts carry their uncertainty.** Modelled times rest on assumed speeds. Each time
in the table has a range from a speed sensitivity of ±:data:`SPEED_SENSITIVITY` (10 %):
``time_low_min = t / 1.1`` (everything 10 % faster) and ``time_high_min = t / 0.9``
(10 % slower). ``within_3h`` is ``yes`` when even the slow case is inside, ``no`` when even
the fast case is outside, and ``marginal`` otherwise (:func:`verdict`).

**Each seat once.** A prefecture seat and the seat of the district it stands in (拉萨 and
城关区, 山南 and 乃东区 …) are one place: the table keeps the prefecture row and names the
district in ``county_zh``; 74 rows per scenario and mode, one per county.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.core.compat import progress
from gisxz.network.isochrones import isochrone_population, isochrones
from gisxz.network.snap import places_as_points
from gisxz.network.trunk import trunk_graph

log = logging.getLogger(__name__)

__all__ = ["three_hour_circle", "circle_table", "circle_membership", "verdict",
           "seat_points", "CIRCLE_CENTRE", "SPEED_SENSITIVITY", "VERDICTS"]

#: Centre of the circle (a gazetteer name).
CIRCLE_CENTRE = "拉萨"
#: Relative speed uncertainty behind the low/high range of every time (±10 %).
SPEED_SENSITIVITY = 0.10
#: Values of ``within_<h>h``.
VERDICTS = ("yes", "marginal", "no")
_KIND_ORDER = {"prefecture_seat": 0, "county_seat": 1}


def time_range(minutes, sensitivity: float = SPEED_SENSITIVITY):
    """(low, high) minutes when every speed is ``sensitivity`` faster / slower.

    Examples
    --------
    >>> [round(float(v), 1) for v in time_range(181.0)]
    [164.5, 201.1]
    """
    t = np.asarray(minutes, dtype=float)
    return t / (1.0 + sensitivity), t / (1.0 - sensitivity)


def verdict(minutes, limit_min: float, sensitivity: float = SPEED_SENSITIVITY) -> np.ndarray:
    """``yes`` / ``marginal`` / ``no``: is a time within ``limit_min`` under speed uncertainty?

    ``yes`` when the slow case (speeds ``sensitivity`` lower) is within the limit, ``no``
    when the fast case is beyond it or there is no route, ``marginal`` otherwise.

    Examples
    --------
    >>> verdict([100, 181, 250, np.nan], 180).tolist()
    ['yes', 'marginal', 'no', 'no']
    """
    lo, hi = time_range(minutes, sensitivity)
    out = np.where(hi <= limit_min, "yes", np.where(lo <= limit_min, "marginal", "no"))
    return np.where(np.isnan(lo), "no", out).astype(object)


def seat_points() -> gpd.GeoDataFrame:
    """Prefecture and county seats, each place once (see the module docstring).

    Columns ``id, name_zh, name_en, kind, adcode, county_zh, geometry``; a prefecture seat
    carries the name of the district it stands in as ``county_zh``.

    Examples
    --------
    >>> s = seat_points()
    >>> len(s), s["adcode"].is_unique
    (74, True)
    """
    seats = places_as_points(kinds=list(_KIND_ORDER))
    county = seats[seats["kind"] == "county_seat"].set_index("adcode")["name_zh"]
    pref_codes = set(seats.loc[seats["kind"] == "prefecture_seat", "adcode"].dropna())
    dup = (seats["kind"] == "county_seat") & seats["adcode"].isin(pref_codes)
    seats = seats[~dup].copy()
    seats["county_zh"] = seats["adcode"].map(county).fillna(seats["name_zh"])
    seats = seats.assign(_k=seats["kind"].map(_KIND_ORDER)).sort_values(
        ["_k", "adcode", "name_zh"]).drop(columns="_k").reset_index(drop=True)
    return seats


def circle_membership(table: pd.DataFrame, hours: float = 3) -> pd.DataFrame:
    """The table with a boolean ``within_<h>h`` (central estimate), for the membership layers."""
    col = f"within_{hours:g}h"
    return table.assign(**{col: table["travel_time_min"] <= hours * 60.0})


def circle_table(*, scenarios: Sequence[str] = ("current", "plan"),
                 modes: Sequence[str] = ("road", "multimodal"), hours: float = 3,
                 centre: str = CIRCLE_CENTRE) -> pd.DataFrame:
    """Travel time from ``centre`` to every prefecture and county seat.

    Returns
    -------
    pandas.DataFrame
        One row per seat (each place once), scenario and mode: ``name_zh, name_en, adcode,
        kind, scenario, mode, travel_time_min, within_<hours>h`` (``yes``/``marginal``/``no``),
        ``time_low_min, time_high_min`` (±10 % speeds), ``county_zh, snap_km``.

    Examples
    --------
    >>> t = circle_table(scenarios=["current"], modes=["road"])
    >>> t.loc[t["name_zh"] == "山南", "within_3h"].item()
    'yes'
    >>> int((t["name_zh"] == "乃东区").sum())
    0
    """
    seats = seat_points()
    col = f"within_{hours:g}h"
    rows = []
    for scen in scenarios:
        for mode in modes:
            rows.append(_circle_rows(seats, scen, mode, hours, centre, col))
    return pd.concat(rows, ignore_index=True)


def _circle_rows(seats: gpd.GeoDataFrame, scen: str, mode: str, hours: float, centre: str,
                 col: str) -> pd.DataFrame:
    from gisxz.network.od import snapped_od

    g = trunk_graph(scenario=scen, mode=mode)
    t, _, _, s = snapped_od(g, places_as_points([centre]), seats, names=("centre", "seats"),
                            max_snap_m=np.inf)
    tt = np.round(t[0], 1)
    lo, hi = time_range(tt)
    part = pd.DataFrame({
        "name_zh": seats["name_zh"], "name_en": seats["name_en"],
        "adcode": seats["adcode"].astype("Int64"), "kind": seats["kind"],
        "scenario": scen, "mode": mode, "travel_time_min": tt,
    })
    part[col] = verdict(tt, hours * 60.0)
    part["time_low_min"] = np.round(lo, 1)
    part["time_high_min"] = np.round(hi, 1)
    part["county_zh"] = seats["county_zh"].to_numpy()
    part["snap_km"] = np.round(s["snap_m"].to_numpy() / 1000.0, 2)
    return part


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
        Isochrones (``origin, scenario, mode, minutes, hours, area_km2, population,
        population_share, population_method, geometry``, EPSG:4490; residents counted
        on their settlements) and the table of :func:`circle_table`.

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
    iso = isochrone_population(iso)
    table = circle_table(scenarios=scenarios, modes=modes, hours=hours, centre=centre)
    return iso, table
