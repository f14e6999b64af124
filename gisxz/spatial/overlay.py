"""Overlays between layers and summaries by administrative unit.

* :func:`overlay_layers` (and the shortcuts :func:`intersect`, :func:`union`,
  :func:`difference`, :func:`clip`): geometric set operations between two layers after a
  CRS check (:func:`gisxz.core.crs.align_crs`: a mismatch is refused naming both CRSs unless
  ``reproject=True``) and a repair of invalid geometries.
* :func:`summarize_by_unit`: for each admin unit (county) and a polygon layer (a belt, a
  zone): area inside in km², share of the unit, share of the layer, the points inside
  (county seats, ports, airports, stations: counts and name lists) and population
  (area-weighted population of the part inside; population of the units whose seat lies
  inside). Areas are computed in the equal-area metric CRS.

Tables are written by :func:`gisxz.io.tables.write_table` (bilingual headers).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisxz.core.crs import align_crs, require_crs, to_metric
from gisxz.core.validate import check_population, warn_unmatched
from gisxz.core.vocab import DEFAULT_POINT_KINDS, KIND_ZH, OVERLAY_HOWS
from gisxz.exceptions import GisxzError
from gisxz.spatial.buffers import polygonal, repair_geometries

log = logging.getLogger(__name__)

__all__ = [
    "HOWS",
    "DEFAULT_POINT_KINDS",
    "overlay_layers",
    "intersect",
    "union",
    "difference",
    "clip",
    "summarize_by_unit",
]

HOWS = OVERLAY_HOWS
_KIND_ZH = KIND_ZH

# ---- overlays ---------------------------------------------------------------------------
def _prepare_pair(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *, names: tuple[str, str],
                  reproject: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    for df, nm in zip((left, right), names, strict=True):
        if not isinstance(df, gpd.GeoDataFrame):
            raise GisxzError(f"{nm} must be a GeoDataFrame, not {type(df).__name__}")
    right = align_crs(left, right, names=names, reproject=reproject)
    return repair_geometries(left, name=names[0]), repair_geometries(right, name=names[1])


def overlay_layers(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *,
                   how: Literal["intersection", "union", "difference", "symmetric_difference",
                                "identity", "clip"] = "intersection",
                   reproject: bool = False, keep_geom_type: bool | None = None,
                   names: tuple[str, str] = ("left", "right")) -> gpd.GeoDataFrame:
    """Overlay two layers: intersection, union, difference, symmetric difference, identity,
    or clip (``left`` cut to the outline of ``right``, keeping only ``left``'s columns).

    Parameters
    ----------
    left, right : GeoDataFrame
        Inputs, in the same CRS (or ``reproject=True``: ``right`` goes to ``left``'s CRS).
        Neither is modified; invalid geometries are repaired with a warning.
    how : str
        One of :data:`HOWS`.
    reproject : bool
        Reproject ``right`` instead of refusing a CRS mismatch.
    keep_geom_type : bool, optional
        Passed to :func:`geopandas.overlay`. Default: keep ``left``'s geometry type, except
        for an intersection of inputs of different dimension (counties x places), whose
        result has the lower dimension (points).
    names : (str, str)
        How the two inputs are called in messages.

    Returns
    -------
    GeoDataFrame
        In ``left``'s CRS with both inputs' columns (``geopandas.overlay`` naming); an
        empty result is an empty layer with those columns.

    Raises
    ------
    CRSMismatchError
        The CRSs differ and ``reproject`` is false; the message names both.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 2, 2)], crs=3857)
    >>> b = gpd.GeoDataFrame({"b": [2]}, geometry=[box(1, 1, 3, 3)], crs=3857)
    >>> overlay_layers(a, b, how="intersection").area.item()
    1.0
    """
    if how not in HOWS:
        raise GisxzError(f"how={how!r} is not an overlay; use one of {', '.join(HOWS)}")
    left, right = _prepare_pair(left, right, names=names, reproject=reproject)
    if how == "clip":
        mask = right[right.geometry.notna() & ~right.geometry.is_empty]
        if len(left) == 0 or len(mask) == 0:
            return left.iloc[:0].copy()
        out = gpd.clip(left, mask.union_all(), keep_geom_type=bool(keep_geom_type))
        return out.reset_index(drop=True)
    kw = {} if keep_geom_type is None else {"keep_geom_type": keep_geom_type}
    if len(left) == 0:
        kw["keep_geom_type"] = False  # nothing to keep; avoids geopandas' warning
    elif keep_geom_type is None and how == "intersection" and len(right):
        dl = shapely.get_dimensions(np.asarray(left.geometry.values)).max()
        dr = shapely.get_dimensions(np.asarray(right.geometry.values)).max()
        if dl != dr:  # polygons x points: the result is points, keep them
            kw["keep_geom_type"] = False
    out = gpd.overlay(left, right, how=how, **kw)
    return out.reset_index(drop=True)


def intersect(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """``overlay_layers(left, right, how="intersection", ...)``."""
    return overlay_layers(left, right, how="intersection", **kwargs)


def union(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """``overlay_layers(left, right, how="union", ...)``."""
    return overlay_layers(left, right, how="union", **kwargs)


def difference(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """``overlay_layers(left, right, how="difference", ...)``: ``left`` minus ``right``."""
    return overlay_layers(left, right, how="difference", **kwargs)


def clip(layer: gpd.GeoDataFrame, mask: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """``overlay_layers(layer, mask, how="clip", ...)``: ``layer`` cut to ``mask``."""
    return overlay_layers(layer, mask, how="clip", **kwargs)


# ---- summaries --------------------------------------------------------------------------
def _point_sets(points, kinds: Sequence[str] | None, kind_col: str
                ) -> dict[str, gpd.GeoDataFrame]:
    if points is None:
        return {}
    if isinstance(points, Mapping):
        return {str(k): v for k, v in points.items()}
    if not isinstance(points, gpd.GeoDataFrame):
        raise GisxzError(f"points must be a GeoDataFrame or a mapping of name to "
                         f"GeoDataFrame, not {type(points).__name__}")
    if kind_col not in points.columns:
        return {"point": points}
    wanted = list(kinds) if kinds is not None else sorted(points[kind_col].dropna().unique())
    return {k: points[points[kind_col] == k] for k in wanted}


def _population_frame(population, unit_id: str) -> pd.DataFrame | None:
    if population is None or population is False:
        return None
    if population is True:
        from gisxz.base.population import county_population

        population = county_population()
    if not isinstance(population, pd.DataFrame) or "population_2020" not in population:
        raise GisxzError("population must be a DataFrame with columns "
                         f"{unit_id!r} and 'population_2020' (e.g. county_population()) "
                         "or True for the built-in county figures")
    if unit_id not in population.columns:
        raise GisxzError(f"population has no column {unit_id!r} to join on; it has "
                         f"{', '.join(map(str, population.columns))}")
    pop = population[[unit_id, "population_2020"]].drop_duplicates(unit_id)
    check_population(pop["population_2020"], pop[unit_id].astype(str).tolist())
    return pop


def summarize_by_unit(units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, *,
                      by: str | None = None, points=None,
                      point_kinds: Sequence[str] | None = DEFAULT_POINT_KINDS,
                      kind_column: str = "kind", point_name: str = "name_zh",
                      population=None, unit_id: str = "adcode", unit_name: str = "name_zh",
                      carry: Sequence[str] = ("prefecture_zh",), keep_all: bool = False,
                      reproject: bool = False) -> gpd.GeoDataFrame:
    """Summarize a polygon layer (a belt, a zone) by admin unit.

    Parameters
    ----------
    units : GeoDataFrame
        Admin units (e.g. ``admin_county``) with ``unit_id`` and ``unit_name`` columns.
    layer : GeoDataFrame
        Polygons; dissolved (per ``by`` value when given) before the overlay, so
        overlapping features are not counted twice.
    by : str, optional
        Column of ``layer`` to summarize separately (e.g. ``band``): one row per unit and
        value. The parts of a unit over disjoint groups (rings) add up to its total.
    points : GeoDataFrame or mapping of str to GeoDataFrame, optional
        Points to count inside each unit's part: a frame with a ``kind_column`` (e.g. the
        ``places`` layer; only ``point_kinds`` are counted, ``None`` counts every kind), or
        a mapping label → frame (e.g. ``{"port": ports, "airport": airports}``).
    point_kinds : sequence of str, optional
        Kinds to count (default: county seats, prefecture seats, land ports, airports,
        stations).
    kind_column, point_name : str
        Columns of the points giving their kind and their name.
    population : DataFrame or True, optional
        ``unit_id`` and ``population_2020`` per unit (``True``: :func:`county_population`).
        Adds ``population_2020``, ``population_in`` (population × share of the unit: the
        area-weighted population of the part inside), ``population_share`` (``population_in``
        over the population of all units) and, with county seats among the points,
        ``seat_inside`` and ``population_seat_inside``.
    unit_id, unit_name : str
        Identifier and name columns of ``units``.
    carry : sequence of str
        Further columns of ``units`` to copy when present.
    keep_all : bool
        Keep units that the layer does not reach (zeros), e.g. for a full county table.
    reproject : bool
        Reproject ``layer``/``points`` to ``units``' CRS instead of refusing a mismatch.

    Returns
    -------
    GeoDataFrame
        In ``units``' CRS, the geometry being the part of the unit inside the layer:
        ``unit_id, unit_name, carry…, [by], unit_area_km2, area_km2, share_of_unit,
        share_of_layer``, per point kind ``n_<kind>`` and ``<kind>_names`` (``;``-joined),
        and the population columns. Shares lie in [0, 1]; ``share_of_layer`` sums to 1 over
        units that cover the layer. No unit reached: an empty layer with these columns.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"adcode": [1, 2], "name_zh": ["甲", "乙"]},
    ...                          geometry=[box(0, 0, 1e5, 1e5), box(1e5, 0, 2e5, 1e5)],
    ...                          crs="EPSG:32645")
    >>> belt = gpd.GeoDataFrame(geometry=[box(5e4, 0, 1.5e5, 1e5)], crs="EPSG:32645")
    >>> s = summarize_by_unit(units, belt)
    >>> [round(v, 2) for v in s["share_of_unit"]], [round(v, 2) for v in s["share_of_layer"]]
    ([0.5, 0.5], [0.5, 0.5])
    """
    for df, nm in ((units, "units"), (layer, "layer")):
        if not isinstance(df, gpd.GeoDataFrame):
            raise GisxzError(f"{nm} must be a GeoDataFrame, not {type(df).__name__}")
    for col in (unit_id, unit_name):
        if col not in units.columns:
            raise GisxzError(f"units has no column {col!r}; pass unit_id=/unit_name= naming "
                             f"its id and name columns (it has "
                             f"{', '.join(map(str, units.columns))})")
    if by is not None and by not in layer.columns:
        raise GisxzError(f"by={by!r} is not a column of layer; it has "
                         f"{', '.join(map(str, layer.columns))}")
    ucrs = require_crs(units, name="units")
    layer = align_crs(units, layer, names=("units", "layer"), reproject=reproject)
    sets = _point_sets(points, point_kinds, kind_column)
    sets = {k: align_crs(units, v, names=("units", f"points {k!r}"), reproject=reproject)
            for k, v in sets.items()}
    pop = _population_frame(population, unit_id)

    units = repair_geometries(units, name="units")
    layer = repair_geometries(layer, name="layer")
    um = repair_geometries(to_metric(units, name="units"), name="units", quiet=True)
    um = um.reset_index(drop=True)
    lm = repair_geometries(to_metric(layer, name="layer"), name="layer", quiet=True)
    lm = lm[lm.geometry.notna() & ~lm.geometry.is_empty]
    if len(lm) and not lm.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        raise GisxzError(f"layer has {', '.join(sorted(set(lm.geom_type)))} features but "
                         "summaries need polygons (a belt, a zone); buffer it first "
                         "(gisxz.spatial.buffers.buffer_bands or `gisxz buffer`)")
    ugeom = polygonal(np.asarray(um.geometry.values, dtype=object))
    uarea = shapely.area(ugeom)
    shapely.prepare(ugeom)
    groups = ([(key, g) for key, g in lm.groupby(by, sort=True, dropna=False)] if by
              else [(None, lm)])
    pm = {k: to_metric(v, name=f"points {k!r}") for k, v in sets.items()}
    trees = {k: shapely.STRtree(np.asarray(v.geometry.values)) for k, v in pm.items()}
    carry = [c for c in carry if c in units.columns and c not in (unit_id, unit_name)]
    total_pop = None
    pop_map: dict = {}
    if pop is not None:
        pop_map = dict(zip(pop[unit_id], pop["population_2020"], strict=True))
        total_pop = float(sum(pop_map.get(u, 0) or 0 for u in um[unit_id]))
        warn_unmatched(um[unit_id], pop_map, what=f"population (joined on {unit_id!r})")

    records: list[dict] = []
    geoms: list = []
    for key, grp in groups:
        lgeom = shapely.union_all(polygonal(np.asarray(grp.geometry.values, dtype=object)))
        larea = lgeom.area
        shapely.prepare(lgeom)
        parts = polygonal(shapely.intersection(ugeom, lgeom))
        pareas = shapely.area(parts)
        hits: dict[str, dict[int, list[int]]] = {}
        for k, tree in trees.items():
            per: dict[int, list[int]] = {}
            if len(pm[k]):
                part_idx, point_idx = tree.query(parts, predicate="intersects")
                for a, b in zip(part_idx, point_idx, strict=True):
                    per.setdefault(int(a), []).append(int(b))
            hits[k] = per
        for i in range(len(um)):
            area_in = float(pareas[i])
            found = any(hits[k].get(i) for k in hits)
            if not keep_all and area_in <= 0 and not found:
                continue
            rec: dict = {unit_id: um.at[i, unit_id], unit_name: um.at[i, unit_name]}
            rec.update({c: um.at[i, c] for c in carry})
            if by:
                rec[by] = key
            rec["unit_area_km2"] = float(uarea[i]) / 1e6
            rec["area_km2"] = area_in / 1e6
            rec["share_of_unit"] = min(1.0, area_in / uarea[i]) if uarea[i] > 0 else 0.0
            rec["share_of_layer"] = min(1.0, area_in / larea) if larea > 0 else 0.0
            for k in hits:
                idx = sorted(hits[k].get(i, []))
                names = (pm[k][point_name].iloc[idx].astype(str).tolist()
                         if point_name in pm[k].columns else [str(j) for j in idx])
                rec[f"n_{k}"] = len(idx)
                rec[f"{k}_names"] = ";".join(names)
            if pop is not None:
                p = pop_map.get(um.at[i, unit_id])
                p = None if p is None or pd.isna(p) else float(p)
                rec["population_2020"] = p
                rec["population_in"] = None if p is None else p * rec["share_of_unit"]
                rec["population_share"] = (None if p is None or not total_pop
                                           else min(1.0, rec["population_in"] / total_pop))
                if "county_seat" in hits and "adcode" in pm["county_seat"].columns:
                    seats = pm["county_seat"]["adcode"].iloc[hits["county_seat"].get(i, [])]
                    inside = bool((seats.astype("Int64") == int(um.at[i, unit_id])).any()) \
                        if pd.notna(um.at[i, unit_id]) else False
                    rec["seat_inside"] = inside
                    rec["population_seat_inside"] = (p if inside else 0.0) if p is not None \
                        else None
            records.append(rec)
            geoms.append(parts[i])
    columns = [unit_id, unit_name, *carry, *([by] if by else []), "unit_area_km2", "area_km2",
               "share_of_unit", "share_of_layer"]
    for k in sets:
        columns += [f"n_{k}", f"{k}_names"]
    if pop is not None:
        columns += ["population_2020", "population_in", "population_share"]
        if "county_seat" in sets and "adcode" in sets["county_seat"].columns:
            columns += ["seat_inside", "population_seat_inside"]
    df = pd.DataFrame(records, columns=columns)
    if not records:  # keep dtypes sensible on an empty result
        df[unit_id] = units[unit_id].iloc[:0].to_numpy()
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=um.crs), crs=um.crs)
    out = out.to_crs(ucrs)
    for k in sets:
        out[f"n_{k}"] = out[f"n_{k}"].astype("int64")
    return out


# ---- tables -----------------------------------------------------------------------------
