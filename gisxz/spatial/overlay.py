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
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisxz.core.crs import align_crs, require_crs, to_metric
from gisxz.core.validate import check_population
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
        empty result is an empty layer with those columns. ``area_km2`` (polygons) and
        ``length_km`` (lines) are **recomputed for each output piece** in the metric CRS;
        the inputs' own ``area_km2``/``length_km`` are kept as ``<name>_area_km2`` (names
        from ``names``; ``parent_area_km2`` for a clip).

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
    left = _rename_measures(left, "parent" if how == "clip" else names[0])
    if how == "clip":
        mask = right[right.geometry.notna() & ~right.geometry.is_empty]
        if len(left) == 0 or len(mask) == 0:
            return _add_measures(left.iloc[:0].copy())
        out = gpd.clip(left, mask.union_all(), keep_geom_type=bool(keep_geom_type))
        return _add_measures(out.reset_index(drop=True))
    right = _rename_measures(right, names[1])
    kw = {} if keep_geom_type is None else {"keep_geom_type": keep_geom_type}
    if len(left) == 0:
        kw["keep_geom_type"] = False  # nothing to keep; avoids geopandas' warning
    elif keep_geom_type is None and how == "intersection" and len(right):
        dl = shapely.get_dimensions(np.asarray(left.geometry.values)).max()
        dr = shapely.get_dimensions(np.asarray(right.geometry.values)).max()
        if dl != dr:  # polygons x points: the result is points, keep them
            kw["keep_geom_type"] = False
    out = gpd.overlay(left, right, how=how, **kw)
    return _add_measures(out.reset_index(drop=True))


#: Measure columns recomputed on every overlay output piece (in the metric CRS).
MEASURES = {"area_km2": ("Polygon", "MultiPolygon"),
            "length_km": ("LineString", "MultiLineString")}


def _rename_measures(gdf: gpd.GeoDataFrame, prefix: str) -> gpd.GeoDataFrame:
    """``area_km2`` → ``<prefix>_area_km2`` (and ``length_km``): the parent's measures."""
    ren = {c: f"{prefix}_{c}" for c in MEASURES if c in gdf.columns}
    return gdf.rename(columns=ren) if ren else gdf


def _add_measures(out: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``area_km2`` of polygon pieces and ``length_km`` of line pieces, in the metric CRS.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from gisxz.core.crs import metric_crs
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 1000)], crs=metric_crs())
    >>> round(_add_measures(g)["area_km2"].item(), 6)
    2.0
    """
    if out.crs is None:
        return out
    types = set(out.geom_type.dropna()) if len(out) else set()
    want = [c for c, kinds in MEASURES.items() if types & set(kinds)]
    if not want and len(out):
        return out
    if not len(out):
        return out.assign(area_km2=pd.Series(dtype="float64"))
    m = to_metric(out, name="overlay result")
    geom_col = out.geometry.name
    cols = [c for c in out.columns if c != geom_col]
    if "area_km2" in want:
        out = out.assign(area_km2=np.asarray(m.area, dtype=float) / 1e6)
    if "length_km" in want:
        out = out.assign(length_km=np.asarray(m.length, dtype=float) / 1e3)
    return out[[*cols, *[c for c in want if c not in cols], geom_col]]


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
    """``overlay_layers(layer, mask, how="clip", ...)``: ``layer`` cut to ``mask``.

    Each piece gets its own ``area_km2``; the whole feature's area is ``parent_area_km2``.
    """
    return overlay_layers(layer, mask, how="clip", **kwargs)


# ---- summaries --------------------------------------------------------------------------
#: ``population_method`` when people are spread uniformly over each unit's area (used when
#: the population table is not keyed by the counties of the gazetteer's settlements).
AREA_METHOD = "area-weighted: population spread uniformly over each unit's area"


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
    """The population table: ``True`` is the built-in county, prefecture and Xizang table."""
    if population is None or population is False:
        return None
    if population is True:
        from gisxz.base.population import population_rollup

        population = population_rollup()
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


@dataclass
class _Population:
    """Step helper of :func:`summarize_by_unit`: unit figures and where people live."""

    unit_pop: dict
    total: float
    method: str
    settle_pop: np.ndarray | None = None
    tree: shapely.STRtree | None = None

    def inside(self, geom, unit_share: float, p: float | None) -> float | None:
        """Population inside ``geom`` (a unit's part)."""
        if self.tree is None:
            return None if p is None else p * unit_share
        idx = self.tree.query(geom, predicate="intersects")
        return float(self.settle_pop[idx].sum())


def _settlements_for(population, pop: pd.DataFrame, unit_id: str):
    """Settlement points carrying the county figures, or None (area weighting)."""
    from gisxz.base.population import county_population, settlement_population

    if population is True:
        counties = county_population()
    elif unit_id == "adcode":
        counties = pop
    else:
        return None
    codes = pd.to_numeric(counties["adcode"], errors="coerce")
    counties = counties[codes.notna()].assign(adcode=codes.dropna().astype("int64"))
    settle = settlement_population()
    settle = settle[settle["adcode"].isin(set(counties["adcode"]))]
    if settle.empty:
        return None
    return settlement_population(population=counties[["adcode", "population_2020"]])


def _population_model(population, um: gpd.GeoDataFrame, ugeom: np.ndarray, unit_id: str
                      ) -> _Population | None:
    """Step: unit populations, the total, and the settlements (or area weighting)."""
    pop = _population_frame(population, unit_id)
    if pop is None:
        return None
    unit_pop = dict(zip(pop[unit_id], pop["population_2020"], strict=True))
    if not set(um[unit_id]) & set(unit_pop):
        warnings.warn(f"no unit matches a population row on {unit_id!r} (units have e.g. "
                      f"{', '.join(map(str, um[unit_id].head(3)))}; the population table "
                      f"has e.g. {', '.join(map(str, pop[unit_id].head(3)))}): population "
                      "columns come from the settlements inside each unit, or stay empty",
                      stacklevel=3)
    settle = _settlements_for(population, pop, unit_id)
    if settle is None:
        model = _Population(unit_pop, 0.0, AREA_METHOD)
    else:
        sm = to_metric(settle, name="settlements")
        model = _Population(unit_pop, 0.0, str(settle["method"].iloc[0]),
                            settle["population"].to_numpy(dtype=float),
                            shapely.STRtree(np.asarray(sm.geometry.values)))
        for i, u in enumerate(um[unit_id]):  # units without a figure: their settlements
            if u not in unit_pop or pd.isna(unit_pop[u]):
                unit_pop[u] = model.inside(ugeom[i], 1.0, None)
    model.total = float(sum(unit_pop.get(u, 0) or 0 for u in um[unit_id]))
    return model


def _check_summary_args(units, layer, by: str | None, unit_id: str, unit_name: str) -> None:
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


def _metric_inputs(units, layer) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Step: repaired units and (non-empty, polygonal) layer in the metric CRS."""
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
    return um, lm


def _point_hits(trees: dict, pm: dict, parts: np.ndarray) -> dict[str, dict[int, list[int]]]:
    """Step: for each point set, the points inside each unit's part."""
    hits: dict[str, dict[int, list[int]]] = {}
    for k, tree in trees.items():
        per: dict[int, list[int]] = {}
        if len(pm[k]):
            part_idx, point_idx = tree.query(parts, predicate="intersects")
            for a, b in zip(part_idx, point_idx, strict=True):
                per.setdefault(int(a), []).append(int(b))
        hits[k] = per
    return hits


def _point_columns(rec: dict, i: int, hits: dict, pm: dict, point_name: str) -> None:
    for k in hits:
        idx = sorted(hits[k].get(i, []))
        names = (pm[k][point_name].iloc[idx].astype(str).tolist()
                 if point_name in pm[k].columns else [str(j) for j in idx])
        rec[f"n_{k}"] = len(idx)
        rec[f"{k}_names"] = ";".join(names)


def _population_columns(rec: dict, i: int, part, model: _Population, uid, hits: dict,
                        pm: dict) -> None:
    p = model.unit_pop.get(uid)
    p = None if p is None or pd.isna(p) else float(p)
    rec["population_2020"] = p
    rec["population_in"] = model.inside(part, rec["share_of_unit"], p)
    if p is not None and rec["population_in"] is not None:
        rec["population_in"] = min(rec["population_in"], p)
    rec["population_share"] = (None if rec["population_in"] is None or not model.total
                               else min(1.0, rec["population_in"] / model.total))
    rec["population_method"] = model.method
    if "county_seat" in hits and "adcode" in pm["county_seat"].columns:
        seats = pm["county_seat"]["adcode"].iloc[hits["county_seat"].get(i, [])]
        inside = bool((seats.astype("Int64") == int(uid)).any()) if pd.notna(uid) else False
        rec["seat_inside"] = inside
        rec["population_seat_inside"] = (p if inside else 0.0) if p is not None else None


def _summary_columns(unit_id, unit_name, carry, by, sets, model, pm) -> list[str]:
    columns = [unit_id, unit_name, *carry, *([by] if by else []), "unit_area_km2", "area_km2",
               "share_of_unit", "share_of_layer"]
    for k in sets:
        columns += [f"n_{k}", f"{k}_names"]
    if model is not None:
        columns += ["population_2020", "population_in", "population_share",
                    "population_method"]
        if "county_seat" in sets and "adcode" in sets["county_seat"].columns:
            columns += ["seat_inside", "population_seat_inside"]
    return columns


def _group_records(key, grp, ctx: dict) -> tuple[list[dict], list]:
    """Step: the records of one group (a ``by`` value) of the layer."""
    um, ugeom, uarea, by = ctx["um"], ctx["ugeom"], ctx["uarea"], ctx["by"]
    uid_col, uname = ctx["unit_id"], ctx["unit_name"]
    lgeom = shapely.union_all(polygonal(np.asarray(grp.geometry.values, dtype=object)))
    larea = lgeom.area
    parts = polygonal(shapely.intersection(ugeom, lgeom))
    pareas = shapely.area(parts)
    hits = _point_hits(ctx["trees"], ctx["pm"], parts)
    records, geoms = [], []
    for i in range(len(um)):
        area_in = float(pareas[i])
        found = any(hits[k].get(i) for k in hits)
        if not ctx["keep_all"] and area_in <= 0 and not found:
            continue
        rec: dict = {uid_col: um.at[i, uid_col], uname: um.at[i, uname]}
        rec.update({c: um.at[i, c] for c in ctx["carry"]})
        if by:
            rec[by] = key
        rec["unit_area_km2"] = float(uarea[i]) / 1e6
        rec["area_km2"] = area_in / 1e6
        rec["share_of_unit"] = min(1.0, area_in / uarea[i]) if uarea[i] > 0 else 0.0
        rec["share_of_layer"] = min(1.0, area_in / larea) if larea > 0 else 0.0
        _point_columns(rec, i, hits, ctx["pm"], ctx["point_name"])
        if ctx["model"] is not None:
            _population_columns(rec, i, parts[i], ctx["model"], um.at[i, uid_col], hits,
                                ctx["pm"])
        records.append(rec)
        geoms.append(parts[i])
    return records, geoms


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
        ``unit_id`` and ``population_2020`` per unit (``True``: the built-in county,
        prefecture and Xizang figures of :func:`gisxz.base.population.population_rollup`,
        so prefecture or region units work). Adds ``population_2020``, ``population_in``
        (the population of the part inside), ``population_share`` (``population_in`` over
        the population of all units), ``population_method`` and, with county seats among
        the points, ``seat_inside`` and ``population_seat_inside``. **Where people live:**
        with the built-in figures, or a table keyed by county ``adcode``, each county's
        population sits on its settlements
        (:func:`gisxz.base.population.settlement_population`) and ``population_in`` is
        the population of the settlements inside the part; otherwise it is spread
        uniformly over each unit's area (:data:`AREA_METHOD`). A population table whose
        ids match no unit gives a warning.
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
    _check_summary_args(units, layer, by, unit_id, unit_name)
    ucrs = require_crs(units, name="units")
    layer = align_crs(units, layer, names=("units", "layer"), reproject=reproject)
    sets = _point_sets(points, point_kinds, kind_column)
    sets = {k: align_crs(units, v, names=("units", f"points {k!r}"), reproject=reproject)
            for k, v in sets.items()}
    um, lm = _metric_inputs(units, layer)
    ugeom = polygonal(np.asarray(um.geometry.values, dtype=object))
    shapely.prepare(ugeom)
    pm = {k: to_metric(v, name=f"points {k!r}") for k, v in sets.items()}
    ctx = {"um": um, "ugeom": ugeom, "uarea": shapely.area(ugeom), "by": by, "pm": pm,
           "unit_id": unit_id, "unit_name": unit_name, "keep_all": keep_all,
           "point_name": point_name,
           "trees": {k: shapely.STRtree(np.asarray(v.geometry.values)) for k, v in pm.items()},
           "carry": [c for c in carry if c in units.columns and c not in (unit_id, unit_name)],
           "model": _population_model(population, um, ugeom, unit_id)}
    groups = ([(key, g) for key, g in lm.groupby(by, sort=True, dropna=False)] if by
              else [(None, lm)])
    records: list[dict] = []
    geoms: list = []
    for key, grp in groups:
        r, g = _group_records(key, grp, ctx)
        records += r
        geoms += g
    columns = _summary_columns(unit_id, unit_name, ctx["carry"], by, sets, ctx["model"], pm)
    df = pd.DataFrame(records, columns=columns)
    if not records:  # keep dtypes sensible on an empty result
        df[unit_id] = units[unit_id].iloc[:0].to_numpy()
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=um.crs), crs=um.crs)
    out = out.to_crs(ucrs)
    for k in sets:
        out[f"n_{k}"] = out[f"n_{k}"].astype("int64")
    return out


# ---- tables -----------------------------------------------------------------------------
