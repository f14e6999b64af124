"""Calibration: modelled versus published travel times (``layers/network/travel_times.yaml``).

Road observations are compared with the road-only network, door to door between the
two places' nodes. Rail observations are station to station (timetable times): they
are compared with the rail-only network (running time plus transfers, without
access and egress) between the stations serving the two places — the station of
that name, or the stations linked to the place's road node.

Only documented, physically meaningful parameters are tuned (class and terrain
speeds in ``roads.yaml``, circuity factors and penalties in
:class:`~gisxz.network.trunk.TrunkParams`); never a factor per pair.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from gisxz import settings
from gisxz.exceptions import PlanFileError
from gisxz.io.documents import Node, load_yaml, require
from gisxz.network.engine import Graph, travel_times
from gisxz.network.snap import snap_points
from gisxz.network.trunk import TrunkParams, load_trunk, trunk_graph

log = logging.getLogger(__name__)

__all__ = ["read_observations", "calibrate", "circuity_table", "CALIBRATION_COLUMNS"]

CALIBRATION_COLUMNS = ["from", "to", "mode", "observed_min", "modelled_min", "diff_min",
                       "diff_pct", "source"]
_SCHEMA = "gisxz.network.travel_times/1"
_OBS_MODES = ("road", "rail", "multimodal")
#: Rail observations name a town; its station is looked for this far away at most (km).
STATION_SEARCH_KM = 30.0


def read_observations(path: str | Path | None = None) -> pd.DataFrame:
    """Published travel times: ``from, to, mode, observed_min, source, note, year, _line``.

    Raises
    ------
    PlanFileError
        Schema or value errors with file and line.
    """
    p = Path(path) if path else Path(settings.layers_dir) / "network" / "travel_times.yaml"
    doc = load_yaml(p)
    if not isinstance(doc, dict) or doc.get("schema") != _SCHEMA:
        raise PlanFileError(f"schema must be {_SCHEMA!r}", path=str(p), line=1)
    rows = []
    for obs in require(doc, "observations", list):
        if not isinstance(obs, Node):
            raise PlanFileError(f"each observation must be a mapping, got {obs!r}", path=str(p))
        for key in ("from", "to", "source"):
            require(obs, key, str)
        mode = obs.get("mode")
        if mode not in _OBS_MODES:
            raise obs.error(f"mode is {mode!r}; use one of {', '.join(_OBS_MODES)}", key="mode")
        minutes = obs.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise obs.error(f"minutes must be a positive number, got {minutes!r}", key="minutes")
        rows.append({"from": obs["from"], "to": obs["to"], "mode": mode,
                     "observed_min": float(minutes), "source": obs["source"],
                     "note": str(obs.get("note") or ""), "year": obs.get("year"),
                     "_path": str(p), "_line": obs.line})
    return pd.DataFrame(rows)


def _stations_for(g: Graph, place: pd.Series, road_node: int) -> np.ndarray:
    n = g.nodes
    is_rail = (n["layer"] == "rail").to_numpy()
    own = np.flatnonzero(is_rail & (n["place_id"] == place["id"]).to_numpy())
    if len(own):
        return own
    town = g.nodes["node"].iloc[road_node]
    linked = np.flatnonzero(is_rail & (n.get("town_node") == town).to_numpy())
    if len(linked):
        return linked
    import geopandas as gpd
    from shapely.geometry import Point  # nearest station within the search radius

    pt = gpd.GeoSeries([Point(place.geometry.x, place.geometry.y)], crs=settings.store_crs
                       ).to_crs(g.crs).iloc[0]
    d = np.hypot(n["x"].to_numpy() - pt.x, n["y"].to_numpy() - pt.y)
    d[~is_rail] = np.inf
    near = np.flatnonzero(d <= min(d.min(), STATION_SEARCH_KM * 1000) + 1.0)
    return near if np.isfinite(d.min()) and d.min() <= STATION_SEARCH_KM * 1000 else near[:0]


def calibrate(*, scenario: str = "current", params: TrunkParams | None = None,
              observations: pd.DataFrame | None = None, gazetteer=None) -> pd.DataFrame:
    """Compare modelled with published travel times.

    Parameters
    ----------
    scenario : str
        Scenario to model (``current``: the observations describe today's network).
    params : TrunkParams, optional
        Model parameters to try.
    observations : DataFrame, optional
        Default :func:`read_observations`.

    Returns
    -------
    pandas.DataFrame
        ``from, to, mode, observed_min, modelled_min, diff_min, diff_pct, source, note``;
        ``diff = modelled - observed``.

    Examples
    --------
    >>> c = calibrate()
    >>> list(c.columns[:8]) == CALIBRATION_COLUMNS
    True
    """
    if gazetteer is None:
        from gisxz.base.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
    obs = read_observations() if observations is None else observations
    net = load_trunk(params=params)
    graphs = {"road": trunk_graph(scenario=scenario, mode="road", network=net),
              "multimodal": trunk_graph(scenario=scenario, mode="multimodal", network=net)}
    mm = graphs["multimodal"]
    rail_only = mm.subgraph_edges(mm.edges["mode"].isin(["rail", "transfer"]).to_numpy())
    out = []
    for rec in obs.to_dict("records"):
        where = {"path": rec.get("_path"), "line": rec.get("_line")}
        a = gazetteer.resolve(rec["from"], **where)
        b = gazetteer.resolve(rec["to"], **where)
        mode = rec["mode"]
        g = graphs["road" if mode == "road" else "multimodal"]
        pts = gazetteer.resolve_many([a["id"], b["id"]])
        s = snap_points(g, pts, max_snap_m=np.inf)
        na, nb = s["node"].to_numpy()
        if mode == "rail":
            sa, sb = _stations_for(mm, a, na), _stations_for(mm, b, nb)
            if len(sa) and len(sb):
                t = travel_times(rail_only, sa, dtype=np.float64)[:, sb]
                modelled = float(t.min())
            else:
                modelled = np.inf
        else:
            modelled = float(travel_times(g, [na], dtype=np.float64)[0, nb])
        modelled = modelled if np.isfinite(modelled) else np.nan
        observed = float(rec["observed_min"])
        diff = modelled - observed
        out.append({"from": rec["from"], "to": rec["to"], "mode": mode,
                    "observed_min": observed, "modelled_min": round(modelled, 1),
                    "diff_min": round(diff, 1), "diff_pct": round(100 * diff / observed, 1),
                    "source": rec["source"], "note": rec.get("note", "")})
    return pd.DataFrame(out, columns=[*CALIBRATION_COLUMNS, "note"])


def circuity_table(*, network=None) -> pd.DataFrame:
    """Cited length over drawn length for road segments that cite a length, by terrain.

    This is the evidence behind :data:`~gisxz.network.trunk.ROAD_CIRCUITY`: the median
    ratio per terrain of the segments whose ``length_km`` is cited.
    """
    net = network if network is not None else load_trunk()
    e = net.edges
    e = e[(e["mode"] == "road") & (e["length_from"] == "cited") & (e["drawn_km"] > 0)]
    ratio = e["length_km"] / e["drawn_km"]
    return (pd.DataFrame({"terrain": e["terrain"], "ratio": ratio})
            .groupby("terrain")["ratio"].agg(["count", "median", "mean", "min", "max"])
            .round(3).reset_index())
