"""Resident population of the 74 counties of Xizang (7th national census, 2020).

The figures live in ``layers/population/county_population_2020.csv`` (one row per county,
each with its citation). :func:`county_population` reads the file, checks it against the
prefecture totals of the census communiqués (:data:`PREFECTURE_TOTALS_2020`) and fills
what is still missing, saying how in ``population_quality``:

``census``
    a cited county figure;
``derived``
    the prefecture total minus the other counties of the prefecture (cited), used when a
    single county of a prefecture lacks a figure, or when the file already says
    ``derived:``;
``estimated``
    the prefecture residual split over several missing counties in proportion to their
    2010 census population (``layers/population/shigatse_2010.csv``) when that file gives
    all of them, else in proportion to county area. ``population_source`` says which.

The 74 figures always add up to the census total of Xizang, 3,648,100.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from gisxz import settings
from gisxz.exceptions import MissingDataError, PlanFileError

log = logging.getLogger(__name__)

__all__ = [
    "PREFECTURE_TOTALS_2020",
    "PREFECTURE_TOTALS_SOURCE",
    "XIZANG_TOTAL_2020",
    "QUALITIES",
    "county_population",
    "population_path",
]

#: Resident population of the seven prefectures in the 7th census (2020).
PREFECTURE_TOTALS_2020: dict[str, int] = {
    "拉萨市": 867_891,
    "日喀则市": 798_153,
    "昌都市": 760_966,
    "林芝市": 238_936,
    "山南市": 354_035,
    "那曲市": 504_838,
    "阿里地区": 123_281,
}

#: Where the prefecture totals come from.
PREFECTURE_TOTALS_SOURCE = ("西藏自治区第七次全国人口普查主要数据公报 2021-05 and the seven "
                            "prefecture communiqués of the 7th census (2021)")

#: Resident population of Xizang in the 7th census (2020).
XIZANG_TOTAL_2020 = 3_648_100

#: Values of ``population_quality``.
QUALITIES = ("census", "derived", "estimated")

_REQUIRED = ("adcode", "name_zh", "prefecture_zh", "population_2020", "source")
_COLUMNS = ["adcode", "name_zh", "prefecture_zh", "population_2020", "population_source",
            "population_quality"]


def population_path() -> Path:
    """The county population file, ``layers/population/county_population_2020.csv``."""
    return Path(settings.layers_dir) / "population" / "county_population_2020.csv"


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    if not path.exists():
        raise MissingDataError(f"{what} file {path} does not exist; restore it from the "
                               "repository (layers/population/) or pass its path")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"cannot read {what} as UTF-8 CSV: {exc}", path=str(path)) from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise PlanFileError(f"missing column(s) {', '.join(missing)}; the header must be "
                            f"{','.join(required)}", path=str(path), line=1)
    return df


def _int_column(df: pd.DataFrame, col: str, path: Path, *, allow_empty: bool) -> pd.Series:
    out = pd.Series(pd.NA, index=df.index, dtype="Int64")
    for i, raw in df[col].items():
        text = str(raw).strip().replace(",", "").replace("_", "")
        if text == "":
            if allow_empty:
                continue
            raise PlanFileError(f"{col} is empty", path=str(path), line=int(i) + 2)
        try:
            value = int(text)
        except ValueError:
            raise PlanFileError(f"{col} {raw!r} is not a whole number (write digits only, "
                                "e.g. 47900, or leave it empty)", path=str(path),
                                line=int(i) + 2) from None
        if value < 0:
            raise PlanFileError(f"{col} {value} is negative", path=str(path), line=int(i) + 2)
        out[i] = value
    return out


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights``; parts add up exactly."""
    weights = np.asarray(weights, dtype="float64")
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    raw = total * weights / weights.sum()
    parts = np.floor(raw).astype("int64")
    short = int(total - parts.sum())
    order = np.argsort(-(raw - parts), kind="stable")
    parts[order[:short]] += 1
    return parts


def _area_weights(adcodes: list[int], counties) -> np.ndarray:
    if counties is None:
        from gisxz.base.geography import admin_counties

        counties = admin_counties()
    if "area_km2" in counties.columns:
        area = counties.set_index("adcode")["area_km2"]
    else:
        from gisxz.core.crs import to_metric

        area = pd.Series(to_metric(counties, name="counties").area.to_numpy() / 1e6,
                         index=counties["adcode"].to_numpy())
    area.index = area.index.astype("int64")
    return np.array([float(area.get(a, np.nan)) for a in adcodes])


def county_population(*, path: str | Path | None = None,
                      weights_2010_path: str | Path | None = None,
                      prefecture_totals: Mapping[str, int] | None = None,
                      counties=None) -> pd.DataFrame:
    """Resident population 2020 of every county, complete and consistent with the census.

    Parameters
    ----------
    path : path, optional
        County file (default :func:`population_path`). Columns
        ``adcode,name_zh,prefecture_zh,population_2020,source``; empty
        ``population_2020`` marks a county still without a figure.
    weights_2010_path : path, optional
        2010 census figures used to split a residual over several missing counties
        (default ``layers/population/shigatse_2010.csv``; ignored when absent). Columns
        ``adcode,name_zh,population_2010,source``; if it also gives
        ``population_2020,source_2020`` for a county, that figure counts as census.
    prefecture_totals : mapping, optional
        Prefecture name → 2020 total (default :data:`PREFECTURE_TOTALS_2020`).
    counties : GeoDataFrame, optional
        County polygons (``adcode``, ``area_km2`` or geometry) for the area fallback;
        loaded from the base data only when that fallback is needed.

    Returns
    -------
    pandas.DataFrame
        ``adcode, name_zh, prefecture_zh, population_2020, population_source,
        population_quality`` (``census`` / ``derived`` / ``estimated``), one row per
        county, ``population_2020`` an integer.

    Raises
    ------
    MissingDataError
        The file does not exist.
    PlanFileError
        The file is malformed (file and line named), names an unknown prefecture, repeats
        a county, or its figures contradict a prefecture total.

    Examples
    --------
    >>> pop = county_population()
    >>> len(pop), int(pop["population_2020"].sum())
    (74, 3648100)
    >>> pop.loc[pop["name_zh"] == "城关区", "population_quality"].item()
    'census'
    """
    path = Path(path) if path is not None else population_path()
    totals = dict(prefecture_totals or PREFECTURE_TOTALS_2020)
    df = _read_csv(path, _REQUIRED, "county population")
    values = _int_column(df, "population_2020", path, allow_empty=True)
    adcodes = _int_column(df, "adcode", path, allow_empty=False)
    out = pd.DataFrame({
        "adcode": adcodes.astype("int64"),
        "name_zh": df["name_zh"].str.strip(),
        "prefecture_zh": df["prefecture_zh"].str.strip(),
        "population_2020": values,
        "population_source": df["source"].str.strip(),
        "population_quality": pd.Series(pd.NA, index=df.index, dtype="object"),
    })
    dup = out["adcode"].duplicated(keep=False)
    if dup.any():
        first = out.index[dup][1]
        raise PlanFileError(f"adcode {out.at[first, 'adcode']} appears more than once",
                            path=str(path), line=int(first) + 2)
    unknown = ~out["prefecture_zh"].isin(list(totals))
    if unknown.any():
        i = out.index[unknown][0]
        raise PlanFileError(f"unknown prefecture {out.at[i, 'prefecture_zh']!r}; expected one "
                            f"of {', '.join(totals)}", path=str(path), line=int(i) + 2)
    filled = out["population_2020"].notna()
    out.loc[filled, "population_quality"] = np.where(
        out.loc[filled, "population_source"].str.lower().str.startswith("derived"),
        "derived", "census")
    out.loc[~filled, "population_source"] = ""

    # 2010 (and possibly 2020) figures for counties still missing
    wpath = (Path(weights_2010_path) if weights_2010_path is not None
             else path.parent / "shigatse_2010.csv")
    w2010: dict[int, tuple[int, str]] = {}
    if wpath.exists():
        wdf = _read_csv(wpath, ("adcode", "population_2010"), "2010 census weights")
        wcodes = _int_column(wdf, "adcode", wpath, allow_empty=False)
        w10 = _int_column(wdf, "population_2010", wpath, allow_empty=True)
        w20 = (_int_column(wdf, "population_2020", wpath, allow_empty=True)
               if "population_2020" in wdf.columns else pd.Series(pd.NA, index=wdf.index))
        for i in wdf.index:
            code = int(wcodes[i])
            hit = out.index[(out["adcode"] == code) & out["population_2020"].isna()]
            if len(hit) and pd.notna(w20[i]):
                src = str(wdf.at[i, "source_2020"]).strip() if "source_2020" in wdf else ""
                out.loc[hit, "population_2020"] = int(w20[i])
                out.loc[hit, "population_source"] = src or f"{wpath.name} population_2020"
                out.loc[hit, "population_quality"] = "census"
            if pd.notna(w10[i]):
                w2010[code] = (int(w10[i]), str(wdf.at[i, "source"]).strip())

    for pref, total in totals.items():
        rows = out.index[out["prefecture_zh"] == pref]
        if len(rows) == 0:
            continue
        known = out.loc[rows, "population_2020"].dropna()
        residual = int(total) - int(known.sum())
        missing = [i for i in rows if pd.isna(out.at[i, "population_2020"])]
        if residual < 0 or (not missing and residual != 0):
            raise PlanFileError(
                f"the counties of {pref} add up to {int(known.sum()):,} but its 2020 census "
                f"total is {int(total):,} ({PREFECTURE_TOTALS_SOURCE}); correct the county "
                "figures", path=str(path))
        if not missing:
            continue
        if len(missing) == 1:
            i = missing[0]
            out.at[i, "population_2020"] = residual
            out.at[i, "population_quality"] = "derived"
            out.at[i, "population_source"] = (
                f"derived: {pref} census total {int(total):,} minus the other counties "
                f"({PREFECTURE_TOTALS_SOURCE})")
            continue
        codes = [int(out.at[i, "adcode"]) for i in missing]
        if all(c in w2010 for c in codes):
            weights = np.array([w2010[c][0] for c in codes], dtype="float64")
            basis = "2010 census population"
        else:
            weights = _area_weights(codes, counties)
            if np.isnan(weights).any():
                weights = np.ones(len(codes))
                basis = "equal shares (no 2010 figures or areas)"
            else:
                basis = "county area"
        parts = _largest_remainder(residual, weights)
        for i, code, part in zip(missing, codes, parts, strict=True):
            extra = (f"; 2010: {w2010[code][0]:,} ({w2010[code][1]})"
                     if basis.startswith("2010") else "")
            out.at[i, "population_2020"] = int(part)
            out.at[i, "population_quality"] = "estimated"
            out.at[i, "population_source"] = (
                f"estimated: {pref} census total {int(total):,} minus the counties with "
                f"figures = {residual:,}, split over {len(codes)} counties in proportion to "
                f"{basis}{extra}")
        log.info("estimated the population of %d counties of %s (%s)", len(codes), pref, basis)

    out["population_2020"] = out["population_2020"].astype("int64")
    grand = int(out["population_2020"].sum())
    if prefecture_totals is None and set(totals) <= set(out["prefecture_zh"]) and \
            grand != XIZANG_TOTAL_2020:
        raise PlanFileError(f"county figures add up to {grand:,}, not the census total "
                            f"{XIZANG_TOTAL_2020:,}", path=str(path))
    return out[_COLUMNS].reset_index(drop=True)
