"""Distance bands around any layer, in metres, in the metric CRS.

:func:`buffer_bands` draws bands (rings ``0–10, 10–30, 30–50 km`` or cumulative
``0–10, 0–30, 0–50 km``) around points, lines or polygons, per feature or dissolved, and
optionally one-sided: only the part inside (or outside) a polygon such as the Xizang
province, which is how the border belt lies inside the country.

Every distance is applied in the Albers equal-area CRS of :func:`gisxz.core.crs.to_metric`:
the input is always projected first, so a layer in degrees (EPSG:4490, EPSG:4326) is
never buffered in degrees. Results come back in the CRS of the input.

:func:`repair_geometries` makes invalid geometries valid (``shapely.make_valid``) with a
warning that counts them; the overlay functions use it too.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisxz.core.crs import align_crs, require_crs, to_metric
from gisxz.core.validate import MAX_BUFFER_KM, check_positive
from gisxz.exceptions import GisxzError, InvalidArgumentError

log = logging.getLogger(__name__)

__all__ = [
    "UNITS",
    "BAND_COLUMNS",
    "buffer_bands",
    "band_label",
    "parse_distances",
    "check_distances",
    "repair_geometries",
    "polygonal",
]

#: Distance units accepted by :func:`buffer_bands` and their size in metres.
UNITS: dict[str, float] = {"km": 1000.0, "m": 1.0}

#: Columns every band layer carries (besides the input's own and ``geometry``).
BAND_COLUMNS = ("band", "band_from_km", "band_to_km", "band_label", "area_km2")

_POLY_TYPES = {"Polygon", "MultiPolygon"}


def band_label(lo: float, hi: float, unit: str = "km") -> str:
    """A band's label, ASCII: ``"0-10 km"``.

    Examples
    --------
    >>> band_label(10, 30)
    '10-30 km'
    >>> band_label(0, 0.5, "km")
    '0-0.5 km'
    """
    def fmt(v: float) -> str:
        return f"{v:g}"

    return f"{fmt(lo)}-{fmt(hi)} {unit}"


def parse_distances(distances: float | str | Iterable[float | str], *,
                    name: str = "distances") -> list[float]:
    """Distances as sorted positive floats; accepts ``"10,30,50"`` or ``[10, 30, 50]``.

    Raises :class:`GisxzError` naming ``name`` and the bad value.

    Examples
    --------
    >>> parse_distances("30,10 50")
    [10.0, 30.0, 50.0]
    """
    if isinstance(distances, str | int | float):
        distances = [distances]
    values: list[float] = []
    for item in distances:
        parts = (str(item).replace(",", " ").replace("，", " ").split() if isinstance(item, str)
                 else [item])
        for part in parts:
            try:
                v = float(part)
            except (TypeError, ValueError, OverflowError):
                raise InvalidArgumentError(f"{name}: {part!r} is not a number; give "
                                           "distances such as 10 30 50") from None
            if not math.isfinite(v) or v <= 0:
                raise InvalidArgumentError(f"{name}: {part!r} must be a positive distance; "
                                           "give distances such as 10 30 50")
            values.append(v)
    if not values:
        raise InvalidArgumentError(f"{name} is empty; give at least one distance, e.g. 10 30 50")
    out = sorted(set(values))
    if len(out) != len(values):
        log.warning("%s: repeated distances dropped (%s)", name, values)
    return out


def check_distances(dists: list[float], *, unit: str = "km",
                    name: str = "distance") -> list[float]:
    """Refuse distances beyond :data:`~gisxz.core.validate.MAX_BUFFER_KM` (e.g. ``1e7`` km).

    Examples
    --------
    >>> check_distances([10, 30], unit="km")
    [10, 30]
    """
    for d in dists:
        check_positive(d * UNITS.get(unit, 1000.0) / 1000.0, what=name, unit="km",
                       maximum=MAX_BUFFER_KM,
                       why="beyond it the metric CRS of China is meaningless")
    return dists


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal part of each geometry (empty polygon when none)."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[i] = shapely.Polygon()
        elif g.geom_type in _POLY_TYPES:
            out[i] = g
        elif g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in _POLY_TYPES]
            out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
        else:
            out[i] = shapely.Polygon()
    return out


def repair_geometries(gdf: gpd.GeoDataFrame, *, name: str = "input",
                      quiet: bool = False) -> gpd.GeoDataFrame:
    """Return ``gdf`` with invalid geometries made valid; warn with their count.

    Polygonal features stay polygonal (stray lines or points that ``make_valid`` produces
    from a collapsed ring are dropped). Valid input is returned unchanged (same object).
    ``quiet`` fixes without a warning: for artefacts of a reprojection done by gisxz
    itself (a ring valid in degrees can self-touch once projected), not for user input.

    Examples
    --------
    >>> import warnings
    >>> from shapely.geometry import Polygon
    >>> bow = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> g = gpd.GeoDataFrame(geometry=[bow], crs=3857)
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     fixed = repair_geometries(g, name="demo")
    >>> bool(fixed.is_valid.all()), "1 invalid geometry" in str(w[0].message)
    (True, True)
    """
    geoms = gdf.geometry.values
    present = ~(shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms)))
    invalid = present & ~shapely.is_valid(np.asarray(geoms))
    n = int(invalid.sum())
    if n == 0:
        return gdf
    reasons = shapely.is_valid_reason(np.asarray(geoms)[invalid])
    msg = (f"{name}: {n} invalid geometr{'y' if n == 1 else 'ies'} repaired with "
           f"shapely.make_valid (first: {reasons[0]})")
    if quiet:
        log.debug(msg)
    else:
        warnings.warn(msg, UserWarning, stacklevel=3)
    out = gdf.copy()
    arr = np.asarray(out.geometry.values, dtype=object).copy()
    fixed = shapely.make_valid(arr[invalid])
    was_poly = np.array([g.geom_type in _POLY_TYPES for g in arr[invalid]])
    fixed = np.where(was_poly, polygonal(fixed), fixed)
    arr[invalid] = fixed
    out[out.geometry.name] = gpd.GeoSeries(arr, index=out.index, crs=out.crs)
    return out


def _empty_result(gdf: gpd.GeoDataFrame, keep: Sequence[str]) -> gpd.GeoDataFrame:
    cols = {c: gdf[c].iloc[:0] for c in keep}
    cols.update({"band": pd.Series([], dtype="int64"),
                 "band_from_km": pd.Series([], dtype="float64"),
                 "band_to_km": pd.Series([], dtype="float64"),
                 "band_label": pd.Series([], dtype="object"),
                 "area_km2": pd.Series([], dtype="float64")})
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=gdf.crs), crs=gdf.crs)


def _mask_geometry(within, crs: CRS, *, reproject: bool) -> shapely.Geometry:
    if isinstance(within, shapely.Geometry):
        raise GisxzError("within must be a GeoDataFrame or GeoSeries with a CRS (a bare "
                         "shapely geometry has none); wrap it: gpd.GeoSeries([geom], "
                         "crs='EPSG:4490')")
    if isinstance(within, gpd.GeoSeries):
        within = gpd.GeoDataFrame(geometry=within)
    if not isinstance(within, gpd.GeoDataFrame):
        raise GisxzError(f"within must be a GeoDataFrame, not {type(within).__name__}")
    ref = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))
    within = align_crs(ref, within, names=("input", "within"), reproject=reproject)
    within = repair_geometries(within, name="within")
    within = repair_geometries(to_metric(within, name="within"), name="within", quiet=True)
    geom = shapely.union_all(polygonal(np.asarray(within.geometry.values)))
    if geom.is_empty:
        raise GisxzError("within has no polygon; one-sided bands need a polygon layer "
                         "(e.g. the province, admin_province)")
    return geom


def buffer_bands(gdf: gpd.GeoDataFrame, distances: float | str | Iterable[float], *,
                 unit: Literal["km", "m"] = "km", cumulative: bool = False,
                 dissolve: bool = False, by: str | None = None,
                 within: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                 side: Literal["inside", "outside"] | None = None,
                 reproject: bool = False, quad_segs: int = 8,
                 name: str = "input") -> gpd.GeoDataFrame:
    """Distance bands around the features of ``gdf``, computed in metres.

    Parameters
    ----------
    gdf : GeoDataFrame
        Points, lines or polygons, in any CRS (a CRS is required). It is projected to the
        metric CRS before buffering; it is never modified.
    distances : float, str or sequence of float
        Outer distances of the bands, e.g. ``[10, 30, 50]`` (sorted for you).
    unit : {"km", "m"}
        Unit of ``distances``. Degrees are not a unit here.
    cumulative : bool
        ``False`` (default): rings ``0–10, 10–30, 30–50``; ``True``: nested discs/corridors
        ``0–10, 0–30, 0–50``.
    dissolve : bool
        Merge the features (per ``by`` value when given) before banding: one row per band
        (per group); otherwise one row per feature and band with the feature's attributes.
    by : str, optional
        Column to dissolve by (implies ``dissolve``).
    within : GeoDataFrame or GeoSeries, optional
        Polygon layer for one-sided bands: keep only the part inside it (``side="inside"``,
        the default when ``within`` is given) or outside it (``side="outside"``). For the
        border belt pass the province: the band then lies inside the country.
    side : {"inside", "outside"}, optional
        Which side to keep. Without ``within`` it is relative to each polygon feature
        itself (``inside``: the inner band of a polygon; ``outside``: the ring around it).
    reproject : bool
        Reproject ``within`` when its CRS differs from ``gdf``'s (refused otherwise).
    quad_segs : int
        Segments per quarter circle of the buffers.
    name : str
        How ``gdf`` is called in messages.

    Returns
    -------
    GeoDataFrame
        In the CRS of ``gdf``: the input's columns (per feature) or ``by`` (dissolved), and
        ``band`` (1 = innermost), ``band_from_km``, ``band_to_km``, ``band_label``,
        ``area_km2`` (equal-area). Empty input or an empty result gives an empty layer with
        these columns. Bands that come out empty (e.g. clipped away) are dropped.

    Raises
    ------
    MissingCRSError
        ``gdf`` has no CRS.
    CRSMismatchError
        ``within`` is in another CRS and ``reproject`` is false.
    GisxzError
        A bad distance, unit or side.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> lhasa = gpd.GeoDataFrame({"name": ["拉萨"]}, geometry=[Point(91.13, 29.65)],
    ...                          crs="EPSG:4490")
    >>> rings = buffer_bands(lhasa, [10, 30])
    >>> rings["band_label"].tolist()
    ['0-10 km', '10-30 km']
    >>> round(float(rings["area_km2"].iloc[0]))  # ~pi * 10 km^2 (a 32-gon), not degrees
    312
    """
    crs = require_crs(gdf, name=name)
    dists, dissolve = _check_arguments(gdf, distances, unit=unit, side=side, by=by,
                                       dissolve=dissolve, name=name)
    metres = [d * UNITS[unit] for d in dists]
    keep = [by] if dissolve and by else ([] if dissolve else
                                          [c for c in gdf.columns if c != gdf.geometry.name])
    present = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    if (~present).any():
        log.warning("%s: %d feature(s) without geometry ignored", name, int((~present).sum()))
    src = gdf[present]
    if len(src) == 0:
        return _empty_result(gdf, keep)

    mask = _mask_geometry(within, crs, reproject=reproject) if within is not None else None
    if within is not None and side is None:
        side = "inside"
    if side is not None and mask is None and not src.geom_type.isin(_POLY_TYPES).all():
        raise GisxzError(f"side={side!r} without within needs polygon features, but {name} "
                         f"has {', '.join(sorted(set(src.geom_type)))}; pass within= (a "
                         "polygon layer, e.g. the province) to say which side is inside")
    src = repair_geometries(src, name=name)
    m = repair_geometries(to_metric(src, name=name), name=name, quiet=True)
    attrs, base = _base_geometries(m, dissolve=dissolve, by=by, keep=keep)
    discs = _discs(base, metres, side=side, mask=mask, quad_segs=quad_segs)
    rows, geoms = _band_rows(attrs, discs, dists, unit=unit, cumulative=cumulative)
    if not rows:
        return _empty_result(gdf, keep)
    out = _finish(rows, geoms, metric_crs=m.crs, crs=crs)
    log.info("%s: %d band feature(s) at %s %s", name, len(out), dists, unit)
    return out


def _check_arguments(gdf: gpd.GeoDataFrame, distances, *, unit: str, side: str | None,
                     by: str | None, dissolve: bool, name: str) -> tuple[list[float], bool]:
    """Checked distances (sorted, positive, at most :data:`MAX_BUFFER_KM`) and whether to
    dissolve (``by`` implies it)."""
    if unit not in UNITS:
        raise InvalidArgumentError(f"unit {unit!r} is not supported; use one of "
                                   f"{', '.join(UNITS)} (never degrees: distances are applied "
                                   "in metres)")
    dists = check_distances(parse_distances(distances, name="distances"), unit=unit)
    if side not in (None, "inside", "outside"):
        raise InvalidArgumentError(f"side {side!r} is not supported; use 'inside' or "
                                   "'outside'")
    if by is not None:
        if by not in gdf.columns:
            raise InvalidArgumentError(
                f"by={by!r} is not a column of {name}; it has "
                f"{', '.join(map(str, gdf.columns.drop(gdf.geometry.name)))}")
        dissolve = True
    return dists, dissolve


def _base_geometries(m: gpd.GeoDataFrame, *, dissolve: bool, by: str | None,
                     keep: list[str]) -> tuple[list[dict], np.ndarray]:
    """Attributes and metric geometries to band: per feature, per ``by`` group or all."""
    if not dissolve:
        return m[keep].to_dict("records"), np.asarray(m.geometry.values, dtype=object)
    if by:
        groups = list(m.groupby(by, sort=True, dropna=False))
        return [{by: key} for key, _ in groups], np.array(
            [shapely.union_all(np.asarray(g.geometry.values)) for _, g in groups], dtype=object)
    return [{}], np.array([shapely.union_all(np.asarray(m.geometry.values))], dtype=object)


def _discs(base: np.ndarray, metres: list[float], *, side: str | None,
           mask: shapely.Geometry | None, quad_segs: int) -> list[np.ndarray]:
    """Buffers at each distance, cut to one side of ``mask`` (or of each polygon itself)."""
    own_side = side is not None and mask is None  # measured from a polygon's own boundary
    around = shapely.boundary(base) if own_side else base
    discs = [shapely.buffer(around, d, quad_segs=quad_segs) for d in metres]
    if side is None:
        return discs
    if mask is not None:
        shapely.prepare(mask)
        cut = mask
    else:
        cut = polygonal(base)
    op = shapely.intersection if side == "inside" else shapely.difference
    return [op(d, cut) for d in discs]


def _band_rows(attrs: list[dict], discs: list[np.ndarray], dists: list[float], *, unit: str,
               cumulative: bool) -> tuple[list[dict], list]:
    """One row per feature and non-empty band (rings, or nested bands if ``cumulative``)."""
    rows: list[dict] = []
    geoms: list = []
    lows = [0.0] + dists[:-1]
    for k, (lo, hi) in enumerate(zip(lows, dists, strict=True)):
        band = discs[k] if (cumulative or k == 0) else shapely.difference(discs[k], discs[k - 1])
        band = polygonal(np.asarray(band, dtype=object))
        lo_shown = 0.0 if cumulative else lo
        for j, (a, g) in enumerate(zip(attrs, band, strict=True)):
            if g.is_empty:
                continue
            row = dict(a)
            row.update({"_feature": j, "band": k + 1,
                        "band_from_km": lo_shown * UNITS[unit] / 1000.0,
                        "band_to_km": hi * UNITS[unit] / 1000.0,
                        "band_label": band_label(lo_shown, hi, unit),
                        "area_km2": g.area / 1e6})
            rows.append(row)
            geoms.append(g)
    return rows, geoms


def _finish(rows: list[dict], geoms: list, *, metric_crs, crs) -> gpd.GeoDataFrame:
    """The band layer in the input CRS, valid, sorted by feature and band."""
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=gpd.GeoSeries(geoms),
                           crs=metric_crs).to_crs(crs)
    arr = np.asarray(out.geometry.values, dtype=object)
    bad = ~shapely.is_valid(arr)
    if bad.any():  # reprojection can leave tiny self-intersections: our own output, fix quietly
        arr = arr.copy()
        arr[bad] = polygonal(shapely.make_valid(arr[bad]))
        out[out.geometry.name] = gpd.GeoSeries(arr, index=out.index, crs=out.crs)
    out = out.sort_values(["_feature", "band"], kind="stable").drop(columns="_feature")
    out = out.reset_index(drop=True)
    out["band"] = out["band"].astype("int64")
    return out
