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
    "population_rollup",
    "prefecture_code",
    "settlement_population",
    "SETTLEMENT_METHOD",
    "URBAN_SHARE_2020",
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
    out = _read_county_table(path, totals)
    wpath = (Path(weights_2010_path) if weights_2010_path is not None
             else path.parent / "shigatse_2010.csv")
    w2010 = _apply_2010_file(out, wpath) if wpath.exists() else {}
    for pref, total in totals.items():
        _fill_prefecture(out, pref, int(total), w2010, counties, path)
    out["population_2020"] = out["population_2020"].astype("int64")
    grand = int(out["population_2020"].sum())
    if prefecture_totals is None and set(totals) <= set(out["prefecture_zh"]) and \
            grand != XIZANG_TOTAL_2020:
        raise PlanFileError(f"county figures add up to {grand:,}, not the census total "
                            f"{XIZANG_TOTAL_2020:,}", path=str(path))
    return out[_COLUMNS].reset_index(drop=True)


def _read_county_table(path: Path, totals: Mapping[str, int]) -> pd.DataFrame:
    """Step 1: read and check the county file; ``population_quality`` of the cited rows."""
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
    return out


def _apply_2010_file(out: pd.DataFrame, wpath: Path) -> dict[int, tuple[int, str]]:
    """Step 2: 2020 figures the 2010 file gives (census), and the 2010 weights by adcode."""
    w2010: dict[int, tuple[int, str]] = {}
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
    return w2010


def _fill_prefecture(out: pd.DataFrame, pref: str, total: int,
                     w2010: dict[int, tuple[int, str]], counties, path: Path) -> None:
    """Step 3: fill the missing counties of one prefecture from its census total (in place)."""
    rows = out.index[out["prefecture_zh"] == pref]
    if len(rows) == 0:
        return
    known = out.loc[rows, "population_2020"].dropna()
    residual = int(total) - int(known.sum())
    missing = [i for i in rows if pd.isna(out.at[i, "population_2020"])]
    if residual < 0 or (not missing and residual != 0):
        raise PlanFileError(
            f"the counties of {pref} add up to {int(known.sum()):,} but its 2020 census "
            f"total is {int(total):,} ({PREFECTURE_TOTALS_SOURCE}); correct the county "
            "figures", path=str(path))
    if not missing:
        return
    if len(missing) == 1:
        i = missing[0]
        out.at[i, "population_2020"] = residual
        out.at[i, "population_quality"] = "derived"
        out.at[i, "population_source"] = (
            f"derived: {pref} census total {int(total):,} minus the other counties "
            f"({PREFECTURE_TOTALS_SOURCE})")
        return
    codes = [int(out.at[i, "adcode"]) for i in missing]
    weights, basis = _split_basis(codes, w2010, counties)
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


def _split_basis(codes: list[int], w2010: dict[int, tuple[int, str]], counties
                 ) -> tuple[np.ndarray, str]:
    if all(c in w2010 for c in codes):
        return np.array([w2010[c][0] for c in codes], dtype="float64"), \
            "2010 census population"
    weights = _area_weights(codes, counties)
    if np.isnan(weights).any():
        return np.ones(len(codes)), "equal shares (no 2010 figures or areas)"
    return weights, "county area"


# ---- roll-ups and settlements -------------------------------------------------------------
#: Share of the resident population of Xizang living in towns (城镇人口) in the 7th census:
#: 1,303,279 of 3,648,100 = 35.73 % (西藏自治区统计局《西藏自治区第七次全国人口普查主要数据
#: 公报》, 2021-05-20).
URBAN_SHARE_2020 = 0.3573
#: Gazetteer kinds that hold people in :func:`settlement_population` besides county seats.
SETTLEMENT_KINDS = ("town", "township")
#: How :func:`settlement_population` places people (written into outputs as the method).
SETTLEMENT_METHOD = (
    "settlements: each county's 2020 census population is placed on its settlements; the "
    "county seat takes the urban share of Xizang (35.73 %, 7th census) plus an equal part of "
    "the rest, each gazetteer town/township of the county an equal part of the rest")
#: Adcode of Xizang as a whole.
XIZANG_ADCODE = 540000


def prefecture_code(adcode: int | pd.Series) -> int | pd.Series:
    """Prefecture adcode of a county adcode (540102 → 540100).

    Examples
    --------
    >>> prefecture_code(540102)
    540100
    """
    return adcode // 100 * 100


def population_rollup(population: pd.DataFrame | None = None) -> pd.DataFrame:
    """County, prefecture and Xizang population in one table (``adcode, name_zh, level,
    population_2020``): prefectures and Xizang are sums of their counties.

    Examples
    --------
    >>> r = population_rollup()
    >>> int(r.loc[r["adcode"] == 540000, "population_2020"].item())
    3648100
    >>> int(r.loc[r["adcode"] == 540100, "population_2020"].item())
    867891
    """
    pop = county_population() if population is None else population
    counties = pop[["adcode", "name_zh", "prefecture_zh", "population_2020"]].assign(
        level="county")
    pref = (pop.assign(adcode=prefecture_code(pop["adcode"].astype("int64")))
            .groupby(["adcode", "prefecture_zh"], as_index=False)["population_2020"].sum()
            .assign(name_zh=lambda d: d["prefecture_zh"], level="prefecture"))
    xz = pd.DataFrame({"adcode": [XIZANG_ADCODE], "name_zh": ["西藏自治区"],
                       "prefecture_zh": [""], "level": ["region"],
                       "population_2020": [int(pop["population_2020"].sum())]})
    out = pd.concat([counties, pref, xz], ignore_index=True)
    out["population_2020"] = out["population_2020"].astype("int64")
    return out[["adcode", "name_zh", "prefecture_zh", "level", "population_2020"]]


def _settlement_points(gazetteer) -> pd.DataFrame:
    places = gazetteer.places
    seats = places[places["kind"] == "county_seat"].assign(role="seat")
    others = places[places["kind"].isin(SETTLEMENT_KINDS) & places["adcode"].notna()]
    pts = pd.concat([seats, others.assign(role="other")], ignore_index=True)
    pts = pts[pts["adcode"].notna()].copy()
    pts["adcode"] = pts["adcode"].astype("int64")
    return pts


def settlement_population(*, population: pd.DataFrame | None = None, gazetteer=None,
                          urban_share: float = URBAN_SHARE_2020):
    """Each county's population placed on its settlements (see :data:`SETTLEMENT_METHOD`).

    With ``n`` gazetteer towns/townships besides the seat, the seat holds
    ``urban_share + (1 - urban_share) / (n + 1)`` of the county and each other settlement
    ``(1 - urban_share) / (n + 1)``; whole persons by largest remainder, so the settlements
    of a county add up to its population exactly.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id, name_zh, kind, adcode, prefecture_adcode, population, weight, method`` and
        point geometry (EPSG:4490).

    Examples
    --------
    >>> s = settlement_population()
    >>> int(s["population"].sum())
    3648100
    """
    import geopandas as gpd

    if gazetteer is None:
        from gisxz.base.gazetteer import default_gazetteer

        gazetteer = default_gazetteer()
    pop = county_population() if population is None else population
    pts = _settlement_points(gazetteer)
    figures = dict(zip(pop["adcode"].astype("int64"), pop["population_2020"], strict=True))
    rows = []
    for code, grp in pts.groupby("adcode", sort=True):
        if code not in figures:
            continue
        n_other = int((grp["role"] == "other").sum())
        part = (1.0 - urban_share) / (n_other + 1)
        w = np.where(grp["role"] == "seat", urban_share + part, part)
        if not (grp["role"] == "seat").any():
            w = np.full(len(grp), 1.0 / len(grp))
        counts = _largest_remainder(int(figures[code]), w)
        rows.append(grp.assign(population=counts, weight=w / w.sum()))
    missing = sorted(set(figures) - set(pts["adcode"]))
    if missing:
        log.warning("no settlement for counties %s; their population is left out", missing)
    out = pd.concat(rows, ignore_index=True)
    out["prefecture_adcode"] = prefecture_code(out["adcode"])
    out["method"] = SETTLEMENT_METHOD
    cols = ["id", "name_zh", "kind", "adcode", "prefecture_adcode", "population", "weight",
            "method", "geometry"]
    return gpd.GeoDataFrame(out[cols], geometry="geometry", crs=gazetteer.places.crs)
