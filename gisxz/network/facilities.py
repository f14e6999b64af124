"""Facilities (airports, ports, hubs, railway stations) and the scenario they belong to.

Every facility has a ``status`` (:data:`gisxz.core.vocab.STATUSES`):

* airports, land ports, air ports of entry, transport and logistics hubs: the status in
  ``layers/plan/airports.yaml``, ``ports.yaml`` and ``hubs.yaml``;
* railway stations (gazetteer places of kind ``station``): the best status of the rail
  segments of the trunk network that serve them (``operating`` before ``under_construction``
  before ``planned``); a station no segment serves is ``planned``.

A scenario says which facility statuses count, in ``layers/network/scenarios.yaml``:
a ``facilities:`` list inside the scenario, or the top-level mapping ``facilities:
{scenario: [statuses]}``. In ``current`` only ``operating`` and ``upgrading`` facilities
count (an airport at the preparatory stage is not open); in ``plan`` every status counts.
:func:`scenario_facilities` is what the accessibility functions use.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisxz import settings
from gisxz.core.vocab import STATUSES
from gisxz.exceptions import NetworkError, PlanFileError, UnknownScenarioError
from gisxz.io.documents import load_yaml

log = logging.getLogger(__name__)

__all__ = ["FACILITY_FILES", "KIND_GROUPS", "facility_statuses", "facility_layer",
           "scenario_facilities", "filter_facilities"]

#: Plan files holding point facilities (``layers/plan/<file>``).
FACILITY_FILES = ("airports.yaml", "ports.yaml", "hubs.yaml")
#: Short names for groups of facility kinds.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "port": ("land_port", "air_port_of_entry"),
    "hub": ("transport_hub", "logistics_hub", "logistics_park", "logistics_centre"),
}
_RAIL_ORDER = {"operating": 0, "under_construction": 1, "planned": 2}


def facility_statuses(scenario: str, *, layers_dir: str | Path | None = None) -> tuple[str, ...]:
    """The facility statuses that count in ``scenario``.

    Raises
    ------
    UnknownScenarioError
        ``scenarios.yaml`` gives no facility statuses for ``scenario``.

    Examples
    --------
    >>> facility_statuses("current")
    ('operating', 'upgrading')
    """
    path = Path(layers_dir or settings.layers_dir) / "network" / "scenarios.yaml"
    doc = load_yaml(path)
    spec = (doc.get("scenarios") or {}).get(scenario) or {}
    statuses = spec.get("facilities") if isinstance(spec, dict) else None
    if statuses is None:
        statuses = (doc.get("facilities") or {}).get(scenario)
    if statuses is None:
        raise UnknownScenarioError(
            f"{path}: scenario {scenario!r} has no facility statuses; add "
            f"'facilities: {{{scenario}: [operating, ...]}}' to say which airports, ports, "
            "hubs and stations count in it")
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise PlanFileError(f"facility status {bad[0]!r} of scenario {scenario!r} is unknown; "
                            f"use {', '.join(STATUSES)}", path=str(path))
    return tuple(str(s) for s in statuses)


def _plan_facilities(plan_dir: Path, gazetteer) -> list[dict]:
    rows = []
    for fname in FACILITY_FILES:
        path = plan_dir / fname
        if not path.exists():
            continue
        for f in load_yaml(path).get("features") or []:
            at = f.get("at") or f.get("name_zh")
            place = gazetteer.resolve(at, path=str(path), line=f.line_of("at"))
            rows.append({"id": f["id"], "name_zh": f["name_zh"], "name_en": f.get("name_en", ""),
                         "kind": f["kind"], "status": f["status"], "place_id": place["id"],
                         "layer": fname.removesuffix(".yaml"), "geometry": place.geometry})
    return rows


def _stations(gazetteer) -> list[dict]:
    from gisxz.network.trunk import load_trunk

    places = gazetteer.places[gazetteer.places["kind"] == "station"]
    best: dict[str, str] = {}
    try:
        net = load_trunk()
    except Exception as exc:  # noqa: BLE001 - the stations then count as planned
        log.warning("cannot read the rail network for station statuses (%s)", exc)
        net = None
    if net is not None:
        e = net.edges[net.edges["mode"] == "rail"]
        pid = dict(zip(net.nodes["node"], net.nodes["place_id"], strict=False))
        for col in ("from_node", "to_node"):
            for node, status in zip(e[col], e["status"], strict=False):
                p = pid.get(node)
                if p is None:
                    continue
                if p not in best or _RAIL_ORDER.get(status, 9) < _RAIL_ORDER.get(best[p], 9):
                    best[p] = status
    return [{"id": r["id"], "name_zh": r["name_zh"], "name_en": r["name_en"], "kind": "station",
             "status": best.get(r["id"], "planned"), "place_id": r["id"], "layer": "rail",
             "geometry": r.geometry} for _, r in places.iterrows()]


def facility_layer(*, plan_dir: str | Path | None = None, gazetteer=None) -> gpd.GeoDataFrame:
    """Every facility with its status: ``id, name_zh, name_en, kind, status, place_id, layer``.

    Examples
    --------
    >>> f = facility_layer()
    >>> f.loc[f["name_zh"] == "墨脱机场", "status"].item()
    'preparatory'
    """
    if gazetteer is None:
        from gisxz.base.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
    pdir = Path(plan_dir) if plan_dir is not None else Path(settings.layers_dir) / "plan"
    rows = _plan_facilities(pdir, gazetteer) + _stations(gazetteer)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=gazetteer.places.crs)


def _expand_kinds(kinds: Iterable[str]) -> list[str]:
    out: list[str] = []
    for k in kinds:
        out.extend(KIND_GROUPS.get(k, (k,)))
    return out


def filter_facilities(facilities: gpd.GeoDataFrame, scenario: str | None, *,
                      quiet: bool = False) -> gpd.GeoDataFrame:
    """Keep the facilities whose ``status`` counts in ``scenario``.

    Rows without a status (a place that is no plan facility, such as a county seat used as a
    destination) are kept. A frame without a ``status`` column, or ``scenario`` None, is
    returned unchanged. Dropped facilities are named in a warning unless ``quiet``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"name_zh": ["A", "B"], "status": ["operating", "planned"]},
    ...                      geometry=[Point(0, 0), Point(1, 1)], crs=4490)
    >>> filter_facilities(f, "current", quiet=True)["name_zh"].tolist()
    ['A']
    """
    if scenario is None or not scenario or "status" not in facilities.columns:
        return facilities
    ok = facility_statuses(scenario)
    status = facilities["status"]
    keep = status.isna() | (status.astype(str) == "") | status.isin(ok)
    if (~keep).any() and not quiet:
        from gisxz.network.snap import point_labels

        names = pd.Series(point_labels(facilities)[(~keep).to_numpy()])
        warnings.warn(f"{int((~keep).sum())} facilities do not count in scenario {scenario!r} "
                      f"(statuses {', '.join(ok)}): "
                      + ", ".join(f"{n} ({s})" for n, s in zip(
                          names.astype(str), status[~keep].astype(str), strict=True)),
                      stacklevel=2)
    return facilities[keep.to_numpy()]


#: Gazetteer kinds whose places are facilities themselves (a hub standing in a city does not
#: give the city its status).
_FACILITY_PLACE_KINDS = ("airport", "land_port", "station")


def _with_status(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Gazetteer points with the status of the facility each is (empty if none)."""
    if "status" in points.columns or "id" not in points.columns:
        return points
    lay = facility_layer()
    st = lay.drop_duplicates("place_id").set_index("place_id")["status"]
    status = points["id"].map(st).fillna("")
    if "kind" in points.columns:
        status = status.where(points["kind"].isin(_FACILITY_PLACE_KINDS), "")
    return points.assign(status=status)


def scenario_facilities(kinds: Sequence[str] | None = ("airport",), *, scenario: str,
                        facilities: gpd.GeoDataFrame | Sequence[str] | str | None = None,
                        quiet: bool = False) -> gpd.GeoDataFrame:
    """The facilities that count in ``scenario``: of ``kinds``, or the ones given.

    Parameters
    ----------
    kinds : sequence of str
        Facility kinds (``airport``, ``land_port``, ``station``, ``transport_hub`` ...;
        ``port`` and ``hub`` name groups, see :data:`KIND_GROUPS`), when ``facilities``
        is None.
    scenario : str
        A scenario of ``scenarios.yaml``.
    facilities : GeoDataFrame, name or names, optional
        Given facilities: a frame with a ``status`` column is filtered by it; gazetteer
        names get the status of the plan facility standing there.

    Raises
    ------
    NetworkError
        No facility of ``kinds`` counts in the scenario.

    Examples
    --------
    >>> cur = scenario_facilities(["airport"], scenario="current")
    >>> "墨脱机场" in set(cur["name_zh"]), "墨脱机场" in set(
    ...     scenario_facilities(["airport"], scenario="plan")["name_zh"])
    (False, True)
    """
    if facilities is None:
        lay = facility_layer()
        wanted = _expand_kinds(kinds or ())
        pts = lay[lay["kind"].isin(wanted)]
        if pts.empty:
            known = sorted(set(lay["kind"]) | set(KIND_GROUPS))
            raise NetworkError(f"no facility of kind {', '.join(kinds or ())}; known kinds: "
                               f"{', '.join(known)}")
        out = filter_facilities(pts, scenario, quiet=True)
    else:
        from gisxz.network._util import as_points

        pts = as_points(facilities, name="facilities")
        out = filter_facilities(_with_status(pts), scenario, quiet=quiet)
    if out.empty:
        raise NetworkError(f"no facility counts in scenario {scenario!r} (statuses "
                           f"{', '.join(facility_statuses(scenario))}); choose other kinds or "
                           "facilities")
    return out.reset_index(drop=True)


def statuses_of(points: pd.DataFrame) -> np.ndarray:
    """The ``status`` column of ``points`` as strings ('' when absent)."""
    if "status" not in points.columns:
        return np.full(len(points), "", dtype=object)
    return points["status"].fillna("").astype(str).to_numpy()
