"""Accessibility measures: nearest facility, catchments, cumulative opportunities,
gravity access and the two-step floating catchment area (2SFCA).

Definitions (``t_ij`` is the network travel time in minutes from ``i`` to ``j``):

* **cumulative opportunities** ``A_i = sum_j O_j [t_ij <= T]``;
* **gravity** ``A_i = sum_j O_j exp(-beta t_ij)`` with ``beta = ln 2 / half_life``
  (an opportunity ``half_life`` minutes away counts half);
* **2SFCA** (Luo & Wang 2003): ``R_j = S_j / sum_i P_i [t_ij <= T]`` for each facility,
  then ``A_i = sum_j R_j [t_ij <= T]`` (supply per person within reach).

:func:`county_accessibility` applies them to the 74 counties, from each county seat,
with the 2020 census population as opportunities and demand.

**Facilities follow the scenario.** Facilities with a ``status`` column (the default
airports, ports, hubs and stations of :mod:`gisxz.network.facilities`) are filtered to the
statuses the scenario counts (``scenarios.yaml``): in ``current`` an airport at the
preparatory stage is not used. The scenario is the graph's (``graph.meta["scenario"]``),
else the ``scenario`` argument. Times are door to door: the snap distance of origins and
facilities costs time at the off-road speed, and points beyond the snap limit are refused
(NaN, named in a warning), never 0 minutes away.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz.exceptions import NetworkError
from gisxz.network._util import as_graph, as_points, scenario_mode
from gisxz.network.engine import Graph, travel_times
from gisxz.network.facilities import filter_facilities, scenario_facilities
from gisxz.network.od import snapped_od
from gisxz.network.snap import point_labels, snap_points

log = logging.getLogger(__name__)

__all__ = [
    "nearest_facility",
    "catchments",
    "cumulative_opportunities",
    "gravity_access",
    "two_step_fca",
    "county_accessibility",
]

Points = gpd.GeoDataFrame | str | Sequence[str]


def _weights(points: pd.DataFrame, weight: str | None, what: str) -> np.ndarray:
    if weight is None:
        return np.ones(len(points))
    if weight not in points.columns:
        raise NetworkError(f"{what} has no column {weight!r}; columns are "
                           f"{', '.join(map(str, points.columns))}")
    w = pd.to_numeric(points[weight], errors="coerce").to_numpy(dtype=float)
    if np.isnan(w).any() or (w < 0).any():
        bad = point_labels(points)[np.isnan(w) | (w < 0)][:5]
        raise NetworkError(f"{what} column {weight!r} must hold numbers >= 0; bad rows: "
                           f"{', '.join(bad)}")
    return w


def _times(g: Graph, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, names: tuple[str, str],
           cutoff: float | None = None) -> np.ndarray:
    return snapped_od(g, a, b, names=names, cutoff=cutoff)[0]


def _scenario_of(g: Graph, scenario: str | None) -> str | None:
    return str(g.meta.get("scenario") or scenario or "") or None


def _facilities(facilities: Points | None, g: Graph, scenario: str | None,
                kinds: Sequence[str] = ("airport",)) -> gpd.GeoDataFrame:
    """The facilities that count in the graph's scenario (see the module docstring)."""
    scen = _scenario_of(g, scenario)
    if isinstance(facilities, gpd.GeoDataFrame):
        return filter_facilities(facilities, scen)
    if scen is None:
        return as_points(facilities, name="facilities", kinds=list(kinds))
    return scenario_facilities(kinds, scenario=scen, facilities=facilities)


def _nearest_arrays(g: Graph, so: pd.DataFrame, sf: pd.DataFrame, cutoff: float | None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Door-to-door time from each origin to its nearest facility and which one (-1: none)."""
    ok = sf["reachable"].to_numpy()
    fnodes = sf["node"].to_numpy()[ok]
    fidx = np.flatnonzero(ok)
    on = so["node"].to_numpy()
    if not len(fnodes):
        return np.full(len(so), np.nan), np.full(len(so), -1)
    t = travel_times(g, fnodes, reverse=True, cutoff=cutoff, dtype=np.float64)[:, on]
    t = t + sf["access_min"].to_numpy()[ok][:, None] + so["access_min"].to_numpy()[None, :]
    best = np.argmin(t, axis=0)
    tt = t[best, np.arange(len(on))]
    found = np.isfinite(tt) & so["reachable"].to_numpy()
    if cutoff is not None:
        found &= tt <= cutoff
    return np.where(found, tt, np.nan), np.where(found, fidx[best], -1)


def nearest_facility(origins: Points, facilities: Points | None = None, *,
                     graph: Graph | None = None, scenario: str = "current",
                     mode: str = "multimodal", cutoff: float | None = None,
                     kinds: Sequence[str] = ("airport",)) -> pd.DataFrame:
    """The facility each origin reaches fastest, among those of the scenario.

    Parameters
    ----------
    origins : GeoDataFrame, name or names
        Origins.
    facilities : GeoDataFrame, name or names, optional
        Facilities (default: the facilities of ``kinds`` that count in the scenario). A
        frame with ``status`` is filtered to the scenario's facility statuses.
    kinds : sequence of str
        Facility kinds when ``facilities`` is None (``airport``, ``port``, ``station`` ...).

    Returns
    -------
    pandas.DataFrame
        ``origin, facility, facility_status, travel_time_min, scenario, mode, snap_m,
        facility_snap_m``; times are door to door. Origins that reach no facility (or lie
        beyond the snap limit) get an empty ``facility`` and NaN, with a warning naming them.

    Examples
    --------
    >>> nf = nearest_facility(["那曲", "林芝"], ["拉萨", "日喀则"], mode="road")
    >>> nf["facility"].tolist()
    ['拉萨', '拉萨']
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    o = as_points(origins, name="origins")
    f = _facilities(facilities, g, scenario, kinds).reset_index(drop=True)
    so = snap_points(g, o, name="origins")
    sf = snap_points(g, f, name="facilities")
    tt, w = _nearest_arrays(g, so, sf, cutoff)
    flabels = point_labels(f)
    fstat = (f["status"].fillna("").astype(str).to_numpy() if "status" in f.columns
             else np.full(len(f), "", dtype=object))
    scen, md = scenario_mode(g)
    out = pd.DataFrame({
        "origin": point_labels(o), "facility": np.where(w >= 0, flabels[np.maximum(w, 0)], ""),
        "facility_status": np.where(w >= 0, fstat[np.maximum(w, 0)], ""),
        "travel_time_min": tt, "scenario": scen or (scenario if graph is not None else ""),
        "mode": md, "snap_m": so["snap_m"].to_numpy(),
        "facility_snap_m": np.where(w >= 0, sf["snap_m"].to_numpy()[np.maximum(w, 0)], np.nan)},
        index=o.index)
    lost = out["travel_time_min"].isna()
    if lost.any() and cutoff is None:
        warnings.warn(f"{int(lost.sum())} origins reach no facility: "
                      f"{', '.join(out.loc[lost, 'origin'].head(10))}", stacklevel=2)
    return out


def catchments(origins: Points, facilities: Points, *, weight: str | None = None,
               graph: Graph | None = None, scenario: str = "current",
               mode: str = "multimodal", cutoff: float | None = None) -> pd.DataFrame:
    """Allocate each origin to its nearest facility and summarise per facility.

    Returns
    -------
    pandas.DataFrame
        ``facility, n_origins, weight_sum, mean_time_min, max_time_min, origins``.

    Examples
    --------
    >>> c = catchments(["那曲", "林芝", "日喀则"], ["拉萨", "日喀则"], mode="road")
    >>> c.set_index("facility")["n_origins"].to_dict()
    {'拉萨': 2, '日喀则': 1}
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    o = as_points(origins, name="origins")
    f = _facilities(facilities, g, scenario)
    near = nearest_facility(o, f, graph=g, scenario=scenario, cutoff=cutoff)
    near["w"] = _weights(o, weight, "origins")
    rows = []
    for fac in point_labels(f):
        sub = near[near["facility"] == fac]
        rows.append({"facility": fac, "n_origins": len(sub), "weight_sum": sub["w"].sum(),
                     "mean_time_min": sub["travel_time_min"].mean(),
                     "max_time_min": sub["travel_time_min"].max(),
                     "origins": ", ".join(sub["origin"])})
    return pd.DataFrame(rows)


def cumulative_opportunities(origins: Points, destinations: Points, *, minutes: float,
                             weight: str | None = None, graph: Graph | None = None,
                             scenario: str = "current", mode: str = "multimodal"
                             ) -> pd.DataFrame:
    """Opportunities (destination weights) reachable within ``minutes`` of each origin.

    Examples
    --------
    >>> c = cumulative_opportunities(["拉萨"], ["拉萨", "日喀则", "阿里"], minutes=240,
    ...                              mode="road")
    >>> int(c["opportunities"].iloc[0])
    2
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    o = as_points(origins, name="origins")
    d = as_points(destinations, name="destinations")
    w = _weights(d, weight, "destinations")
    t = _times(g, o, d, ("origins", "destinations"), cutoff=float(minutes))
    reach = np.nan_to_num(t, nan=np.inf) <= minutes
    scen, md = scenario_mode(g)
    return pd.DataFrame({"origin": point_labels(o), "scenario": scen, "mode": md,
                         "minutes": float(minutes), "opportunities": reach @ w,
                         "n_reached": reach.sum(axis=1)}, index=o.index)


def gravity_access(origins: Points, destinations: Points, *, half_life_min: float = 60.0,
                   weight: str | None = None, graph: Graph | None = None,
                   scenario: str = "current", mode: str = "multimodal") -> pd.DataFrame:
    """Gravity accessibility with an exponential decay of half-life ``half_life_min``.

    Examples
    --------
    >>> a = gravity_access(["拉萨"], ["拉萨"], mode="road")
    >>> float(a["access"].iloc[0])
    1.0
    """
    if not half_life_min > 0:
        raise NetworkError(f"half_life_min must be positive minutes, got {half_life_min!r}")
    g = as_graph(graph, scenario=scenario, mode=mode)
    o = as_points(origins, name="origins")
    d = as_points(destinations, name="destinations")
    w = _weights(d, weight, "destinations")
    t = _times(g, o, d, ("origins", "destinations")).astype(np.float64)
    beta = math.log(2.0) / float(half_life_min)
    f = np.where(np.isnan(t), 0.0, np.exp(-beta * np.nan_to_num(t, nan=0.0)))
    scen, md = scenario_mode(g)
    return pd.DataFrame({"origin": point_labels(o), "scenario": scen, "mode": md,
                         "half_life_min": float(half_life_min), "access": f @ w},
                        index=o.index)


def two_step_fca(demand: Points, facilities: Points, *, minutes: float, population: str,
                 supply: str | None = None, graph: Graph | None = None,
                 scenario: str = "current", mode: str = "multimodal") -> pd.DataFrame:
    """Two-step floating catchment area: supply per person within ``minutes``.

    Parameters
    ----------
    demand : GeoDataFrame
        Demand points with a ``population`` column.
    facilities : GeoDataFrame or names
        Facilities, with a ``supply`` column (default 1 each: beds, doctors, seats ...).
    minutes : float
        Catchment size.

    Returns
    -------
    pandas.DataFrame
        ``origin, scenario, mode, minutes, access`` (supply per person) and
        ``n_facilities`` within reach. Facilities with nobody in reach are named in a warning.
    """
    g = as_graph(graph, scenario=scenario, mode=mode)
    p = as_points(demand, name="demand")
    f = _facilities(facilities, g, scenario)
    pop = _weights(p, population, "demand")
    sup = _weights(f, supply, "facilities")
    t = _times(g, p, f, ("demand", "facilities"), cutoff=float(minutes))
    reach = np.nan_to_num(t, nan=np.inf) <= minutes  # demand x facilities
    served = pop @ reach
    ratio = np.divide(sup, served, out=np.zeros_like(sup, dtype=float), where=served > 0)
    idle = served <= 0
    if idle.any():
        warnings.warn(f"{int(idle.sum())} facilities have no population within {minutes:g} min "
                      f"and count for nobody: {', '.join(point_labels(f)[idle][:10])}",
                      stacklevel=2)
    scen, md = scenario_mode(g)
    return pd.DataFrame({"origin": point_labels(p), "scenario": scen, "mode": md,
                         "minutes": float(minutes), "access": reach @ ratio,
                         "n_facilities": reach.sum(axis=1)}, index=p.index)


def county_accessibility(*, scenario: str = "current", mode: str = "multimodal",
                         minutes: float = 180.0, half_life_min: float = 60.0,
                         facilities: Points | None = None, facility_kinds: Sequence[str] = (
                             "airport",), supply: str | None = None,
                         graph: Graph | None = None) -> pd.DataFrame:
    """Accessibility of each county from its seat, with census population.

    Opportunities are the 2020 resident population of every county (at its seat);
    the 2SFCA uses the same population as demand and the chosen facilities
    (gazetteer places of ``facility_kinds``, airports by default) as supply.

    Returns
    -------
    pandas.DataFrame
        One row per county: ``adcode, name_zh, name_en, scenario, mode, population,
        pop_within_<minutes>min, gravity_access, fca_<kinds>, nearest_facility,
        nearest_facility_min``.

    Raises
    ------
    MissingDataError
        The population table (``gisxz.base.population``) is not available.
    """
    from gisxz.exceptions import MissingDataError
    from gisxz.network.snap import places_as_points

    try:
        from gisxz.base.population import county_population
    except ImportError as exc:  # the population module lands with the overlay work
        raise MissingDataError("county population is not available: gisxz.base.population is "
                               "missing from this installation") from exc
    g = as_graph(graph, scenario=scenario, mode=mode)
    seats = places_as_points(kinds=["county_seat"])
    popdf = county_population()[["adcode", "population_2020"]]
    seats = seats.merge(popdf, on="adcode", how="left")
    if seats["population_2020"].isna().any():
        missing = seats.loc[seats["population_2020"].isna(), "name_zh"].tolist()
        warnings.warn(f"no population for {', '.join(missing)}; counted as 0", stacklevel=2)
        seats["population_2020"] = seats["population_2020"].fillna(0)
    seats = gpd.GeoDataFrame(seats, geometry="geometry", crs="EPSG:4490")
    cum = cumulative_opportunities(seats, seats, minutes=minutes, weight="population_2020",
                                   graph=g)
    grav = gravity_access(seats, seats, half_life_min=half_life_min, weight="population_2020",
                          graph=g)
    fac = _facilities(facilities, g, scenario, facility_kinds)
    kinds_label = "_".join(facility_kinds) if facilities is None else "facilities"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fca = two_step_fca(seats, fac, minutes=minutes, population="population_2020",
                           supply=supply, graph=g)
        near = nearest_facility(seats, fac, graph=g)
    scen, md = scenario_mode(g)
    mlabel = f"{minutes:g}"
    return pd.DataFrame({
        "adcode": seats["adcode"].astype("Int64").to_numpy(),
        "name_zh": seats["name_zh"].to_numpy(), "name_en": seats["name_en"].to_numpy(),
        "scenario": scen, "mode": md, "population": seats["population_2020"].to_numpy(),
        f"pop_within_{mlabel}min": cum["opportunities"].to_numpy(),
        "gravity_access": grav["access"].to_numpy(),
        f"fca_{kinds_label}_per_10k": fca["access"].to_numpy() * 1e4,
        "nearest_facility": near["facility"].to_numpy(),
        "nearest_facility_min": near["travel_time_min"].to_numpy(),
    })
