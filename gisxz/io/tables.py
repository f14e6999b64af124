"""Tables for Excel users: bilingual headers, translated codes, rounded numbers, CSV and XLSX.

Every table gisxz writes goes through :func:`write_table`:

* headers are ``<Chinese label, unit> <field>`` (``面积(km²) area_km2``): the label from
  :data:`gisxz.core.vocab.FIELD_ZH` (or built from the field's pattern, e.g.
  ``pop_within_180min`` → ``180分钟内人口``), the last space-separated word the field name,
  so ``header.split()[-1]`` recovers the GeoPackage field (:func:`field_names`);
* coded values are shown with their Chinese and English labels (``现状 current``,
  ``综合 multimodal``, ``是 yes``) from :func:`gisxz.core.vocab.value_label`;
* numbers are rounded by what they measure (km² and km to 0.1, minutes to 0.1, people to 1,
  shares to 0.0001 in CSV and shown as percentages in XLSX);
* XLSX files get a bold frozen header, an autofilter, number and percent formats and a
  second sheet ``说明 about`` saying what the table is, its scenario, sources and date.

:func:`read_table` reads such a file back with ASCII field names and raw codes, for scripts.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisxz.core.vocab import BOOL_LABELS, FIELD_ZH, VALUE_LABELS, value_label
from gisxz.exceptions import GisxzError, MissingDataError
from gisxz.io.files import atomic_output

log = logging.getLogger(__name__)

__all__ = ["bilingual_headers", "field_names", "field_label", "format_table", "write_table",
           "read_table", "ABOUT_SHEET", "TABLE_TITLES"]

#: Name of the XLSX sheet that describes the table.
ABOUT_SHEET = "说明 about"

#: Titles and descriptions of the tables gisxz writes, by file stem (the XLSX about sheet).
TABLE_TITLES: dict[str, tuple[str, str]] = {
    "county_membership": ("县域规划结构归属 County membership of plan structures",
                          "每县一行：边境县、一核、三小时经济圈、边境带、铁路经济带、三区、通道. "
                          "One row per county: which plan structures it belongs to."),
    "three_hour_circle": ("拉萨三小时经济圈 Lhasa three-hour circle",
                          "各县城到拉萨的通行时间（按情景与方式）. Travel time from each county "
                          "seat to Lhasa by scenario and mode."),
    "calibration": ("通行时间校核 Travel-time calibration",
                    "模型时间与公开报道时间的对比. Modelled against published travel times."),
    "border_belt_summary": ("边境带县域统计 Border belt by county",
                            "各距离带内各县的面积、人口、县城与设施. Area, population, seats "
                            "and facilities of each county inside each border band."),
    "railway_belt_summary": ("铁路经济带县域统计 Railway belt by county",
                             "铁路经济带内各县的面积、人口与设施. Counties inside the railway "
                             "economic belt."),
    "channel_zone_summary": ("通道影响区县域统计 Channel zones by county",
                             "各通道影响区内各县. Counties inside each channel influence zone."),
    "zone_summary": ("三区统计 Three zones summary",
                     "三区的县数、面积与人口. Counties, area and population of the three zones."),
}

#: Field-name patterns → Chinese label (``{0}`` the captured part, ``{L}`` its label).
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"pop_within_(\d+(?:\.\d+)?)min", "{0}分钟内人口"),
    (r"within_(\d+(?:\.\d+)?)h", "{0}小时内"),
    (r"fca_(.+)_per_10k", "两步移动搜索可达性({0}/每万人)"),
    (r"(.+)_change_min", "{L}时间变化(分钟)"),
    (r"(.+)_saving_min", "{L}时间节省(分钟)"),
    (r"(.+)_via", "{L}新路径上的规划项目"),
    (r"(.+)_status", "{L}状态"),
    (r"n_(.+)", "{L}数"),
    (r"(.+)_names", "{L}名单"),
    (r"(.+)_zh", "{L}(中文)"),
    (r"(.+)_en", "{L}(英文)"),
    (r"(.+)_share", "{L}占比"),
    (r"share_of_(.+)", "占{L}比例"),
    (r"(.+)_min", "{L}(分钟)"),
    (r"(.+)_km2", "{L}(km²)"),
    (r"(.+)_km", "{L}(km)"),
    (r"(.+)_pct", "{L}(%)"),
)


def field_label(field: str, labels: Mapping[str, str] | None = None) -> str:
    """The Chinese label (with unit) of ``field``, or ``""`` when none can be given.

    Examples
    --------
    >>> field_label("area_km2"), field_label("pop_within_180min"), field_label("n_airport")
    ('面积(km²)', '180分钟内人口', '机场数')
    >>> field_label("xyz")
    ''
    """
    lab = {**FIELD_ZH, **(labels or {})}
    if field in lab:
        return lab[field]
    scen = re.fullmatch(r"(.+)_(" + "|".join(VALUE_LABELS["scenario"]) + ")", field)
    if scen:
        inner = field_label(scen[1], labels)
        return f"{inner}[{value_label('scenario', scen[2], lang='zh')}]" if inner else ""
    for pattern, template in _PATTERNS:
        m = re.fullmatch(pattern, field)
        if m:
            inner = m.group(1)
            inner_label = lab.get(inner) or field_label(inner, labels)
            if "{L}" in template and not inner_label:
                continue
            return template.format(inner, L=inner_label)
    return ""


def bilingual_headers(columns: Sequence[str], *, labels: Mapping[str, str] | None = None
                      ) -> list[str]:
    """Headers ``"<中文> <field>"`` for ``columns`` (field alone when no label is known).

    Examples
    --------
    >>> bilingual_headers(["adcode", "area_km2", "xyz"])
    ['行政区划代码 adcode', '面积(km²) area_km2', 'xyz']
    """
    out = []
    for c in columns:
        zh = field_label(str(c), labels)
        out.append(f"{zh} {c}" if zh else str(c))
    return out


def field_names(headers: Sequence[str]) -> list[str]:
    """The ASCII field names of bilingual headers (the last word of each).

    Examples
    --------
    >>> field_names(["面积(km²) area_km2", "xyz"])
    ['area_km2', 'xyz']
    """
    return [str(h).split()[-1] if str(h).split() else str(h) for h in headers]


# ---- values -----------------------------------------------------------------------------
def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s)


def _is_bool(s: pd.Series) -> bool:
    if s.dtype == bool or str(s.dtype) == "boolean":
        return True
    vals = s.dropna()
    return s.dtype == object and len(vals) > 0 and vals.map(
        lambda v: isinstance(v, bool | np.bool_)).all()


def _is_share(field: str) -> bool:
    return ("share" in field or field.startswith("ratio")) and not field.endswith("_pct")


def _decimals(field: str) -> int:
    """Decimal places kept for a float column, by what the field measures."""
    rules = ((_is_share, 4), (lambda f: f.startswith(("pop", "population")) or f.endswith(
        "population"), 0), (lambda f: f in ("lon", "lat") or f.endswith(("_lon", "_lat")), 5),
        (lambda f: f.endswith(("_km2", "_km", "_min", "_pct", "_m")), 1),
        (lambda f: f in ("opportunities",), 0),
        (lambda f: "per_10k" in f or "density" in f or "access" in f or f.endswith("_h"), 2))
    for test, n in rules:
        if test(field):
            return n
    return 3


def _coded_as(field: str) -> str | None:
    """The :data:`VALUE_LABELS` key of ``field`` (``airport_status_plan`` → ``status``)."""
    if field in VALUE_LABELS:
        return field
    parts = field.split("_")
    return next((p for p in parts[1:] if p in VALUE_LABELS and p != "kind"), None)


def _translate(s: pd.Series, field: str) -> pd.Series:
    if _is_bool(s):
        return s.map(lambda v: v if pd.isna(v) else BOOL_LABELS[bool(v)])
    key = _coded_as(field)
    if key and _is_text(s):
        return s.map(lambda v: v if pd.isna(v) else value_label(key, v))
    return s


def format_table(df: pd.DataFrame, *, translate: bool = True) -> pd.DataFrame:
    """A copy with floats rounded (see :func:`_decimals`) and codes translated.

    Examples
    --------
    >>> t = format_table(pd.DataFrame({"scenario": ["current"], "within_3h": [True],
    ...                                "area_km2": [12.345678]}))
    >>> t.to_dict("records")
    [{'scenario': '现状 current', 'within_3h': '是 yes', 'area_km2': 12.3}]
    """
    out = pd.DataFrame(df).copy()
    for col in out.columns:
        s, field = out[col], str(col)
        if s.dtype.kind == "f":
            n = _decimals(field)
            rounded = s.round(n)
            whole = n == 0 and rounded.dropna().map(float.is_integer).all()
            out[col] = rounded.astype("Int64") if whole else rounded
        elif translate:
            out[col] = _translate(s, field)
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Geometry dropped, lists joined with ``;``."""
    table = pd.DataFrame(df).copy()
    if isinstance(df, gpd.GeoDataFrame):
        table = table.drop(columns=[df.geometry.name])
    table = table.drop(columns=[c for c in table.columns
                                if table[c].map(lambda v: isinstance(v, shapely.Geometry)).any()])
    for col in table.columns:
        if table[col].map(lambda v: isinstance(v, list | tuple | set)).any():
            table[col] = table[col].map(lambda v: ";".join(map(str, v))
                                        if isinstance(v, list | tuple | set) else v)
    return table


# ---- XLSX -------------------------------------------------------------------------------
def _number_format(field: str, s: pd.Series) -> str | None:
    if _is_share(field) and s.dtype.kind == "f" and not (s.abs() > 1.0).any():
        return "0.0%"  # fractions; shares already in percent keep a plain number format
    if s.dtype.kind in "iu" or str(s.dtype) == "Int64":
        return "0" if field in ("adcode", "id", "band") or "code" in field else "#,##0"
    if s.dtype.kind == "f":
        n = _decimals(field)
        return "#,##0" if n == 0 else "#,##0." + "0" * n
    return None


def _about_rows(table: pd.DataFrame, source_frame: pd.DataFrame, *, title: str,
                description: str, scenario: str | None, sources: Sequence[str]
                ) -> list[tuple[str, str]]:
    from gisxz import __version__

    if scenario is None and "scenario" in source_frame:
        scenario = ", ".join(value_label("scenario", v)
                             for v in dict.fromkeys(source_frame["scenario"].dropna()))
    if not sources:
        from gisxz.io.layer_metadata import THEME_SOURCES

        sources = [f"{theme}: {src}" for theme, (src, _) in THEME_SOURCES.items()]
        if "source" in source_frame:
            sources.insert(0, "每行见 来源 source 列 (per row: the source column)")
    return [("表名 table", title), ("说明 description", description),
            ("情景 scenario", scenario or "— 不分情景 (plan structures, no scenario)"),
            ("行数 rows", str(len(table))), ("列数 columns", str(table.shape[1])),
            ("来源 sources", "\n".join(sources)),
            ("坐标系 CRS", "CGCS2000 (EPSG:4490) for the layers these figures come from"),
            ("表头 headers", "中文标签(单位) + 字段名 field name; codes shown as 中文 English"),
            ("日期 date", _dt.date.today().isoformat()), ("工具 tool", f"gisxz {__version__}")]


def _write_xlsx(tmp: Path, table: pd.DataFrame, fields: Sequence[str], sheet: str,
                about: Sequence[tuple[str, str]]) -> None:
    from openpyxl.styles import Alignment, Font

    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        table.to_excel(xw, index=False, sheet_name=sheet)
        ws = xw.sheets[sheet]
        ws.freeze_panes = "A2"
        if len(table.columns):
            ws.auto_filter.ref = ws.dimensions
        bold = Font(bold=True)
        for j, (col, field) in enumerate(zip(table.columns, fields, strict=True), start=1):
            head = ws.cell(row=1, column=j)
            head.font = bold
            head.alignment = Alignment(wrap_text=True, vertical="top")
            fmt = _number_format(field, table[col])
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
            width = max([len(str(col)) * 0.8] + [len(str(v)) for v in table.iloc[:200, j - 1]])
            ws.column_dimensions[head.column_letter].width = min(50, max(8, width + 2))
        pd.DataFrame(about, columns=["项目 item", "内容 value"]).to_excel(
            xw, index=False, sheet_name=ABOUT_SHEET)
        info = xw.sheets[ABOUT_SHEET]
        for cell in info[1]:
            cell.font = bold
        info.column_dimensions["A"].width = 18
        info.column_dimensions["B"].width = 100
        for (cell,) in info.iter_rows(min_row=2, min_col=2, max_col=2):
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_table(df: pd.DataFrame, path: str | Path, *, overwrite: bool = False,
                headers: Literal["bilingual", "fields"] = "bilingual",
                labels: Mapping[str, str] | None = None, sheet_name: str | None = None,
                translate: bool = True, title: str | None = None, description: str = "",
                scenario: str | None = None, sources: Sequence[str] = ()) -> Path:
    """Write a table (geometry dropped) as CSV or XLSX, atomically.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The table; a geometry column is left out.
    path : path
        ``.csv`` (UTF-8 with BOM, so Excel shows the Chinese) or ``.xlsx``.
    overwrite : bool
        Replace an existing file (refused otherwise with :class:`OutputExistsError`).
    headers : {"bilingual", "fields"}
        ``"bilingual"``: ``面积(km²) area_km2`` style (see the module docstring);
        ``"fields"``: the ASCII field names only.
    labels : mapping, optional
        Extra Chinese labels (field → label).
    sheet_name : str, optional
        Worksheet name for XLSX (default: the file name without suffix).
    translate : bool
        Show coded values and booleans with their bilingual labels.
    title, description, scenario, sources
        What the XLSX ``说明 about`` sheet says (title defaults to the file name, scenario
        to the values of a ``scenario`` column).

    Examples
    --------
    >>> import os, tempfile
    >>> p = write_table(pd.DataFrame({"adcode": [540102], "scenario": ["plan"]}),
    ...                 os.path.join(tempfile.mkdtemp(), "t.csv"))
    >>> open(p, encoding="utf-8-sig").read().splitlines()
    ['行政区划代码 adcode,情景 scenario', '540102,规划 plan']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise GisxzError(f"table output {path} must end in .csv or .xlsx")
    if headers not in ("bilingual", "fields"):
        raise GisxzError(f"headers={headers!r}: use 'bilingual' or 'fields'")
    plain = _plain(df)
    table = format_table(plain, translate=translate)
    fields = [str(c) for c in table.columns]
    if headers == "bilingual":
        own = dict(getattr(df, "attrs", {}).get("field_labels", {}))
        table.columns = bilingual_headers(fields, labels={**own, **(labels or {})})
    with atomic_output(path, overwrite=overwrite) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            known = TABLE_TITLES.get(path.stem, (path.stem, ""))
            about = _about_rows(table, plain, title=title or known[0],
                                description=description or known[1], scenario=scenario,
                                sources=sources)
            sheet = re.sub(r"[\[\]:*?/\\]", "_", sheet_name or path.stem)[:31] or "table"
            _write_xlsx(tmp, table, fields, sheet, about)
    log.info("wrote %s (%d rows)", path, len(table))
    return path


def read_table(path: str | Path, *, codes: bool = True) -> pd.DataFrame:
    """Read a table :func:`write_table` wrote: ASCII field names, and raw codes when ``codes``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = write_table(pd.DataFrame({"mode": ["road"], "within_3h": [False]}),
    ...                 os.path.join(tempfile.mkdtemp(), "t.xlsx"))
    >>> read_table(p).to_dict("records")
    [{'mode': 'road', 'within_3h': False}]
    """
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"{path}: no such file")
    df = (pd.read_excel(path, sheet_name=0) if path.suffix.lower() == ".xlsx"
          else pd.read_csv(path, encoding="utf-8-sig"))
    df.columns = field_names(df.columns)
    if not codes:
        return df
    back_bool = {v: k for k, v in BOOL_LABELS.items()}
    for col in df.columns:
        if not _is_text(df[col]):
            continue
        vals = set(df[col].dropna())
        if vals and vals <= set(back_bool):
            df[col] = df[col].map(lambda v: back_bool.get(v, v)).astype(object)
        elif _coded_as(col):
            back = {label: code for code, label in VALUE_LABELS[_coded_as(col)].items()}
            df[col] = df[col].map(lambda v, back=back: back.get(v, v))
    return df
