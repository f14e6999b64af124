"""Tables: bilingual headers and CSV/XLSX writing.

Headers are ``<Chinese label> <field>`` (``面积(km²) area_km2``): the Chinese label from
:data:`gisxz.core.vocab.FIELD_ZH`, the last space-separated word the field name, so
``header.split()[-1]`` recovers the GeoPackage field (:func:`field_names`). Columns without a
known label keep their field name alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import shapely

from gisxz.core.vocab import FIELD_ZH
from gisxz.exceptions import GisxzError
from gisxz.io.files import atomic_output

log = logging.getLogger(__name__)

__all__ = ["bilingual_headers", "field_names", "write_table"]


def bilingual_headers(columns: Sequence[str], *, labels: Mapping[str, str] | None = None
                      ) -> list[str]:
    """Headers ``"<中文> <field>"`` for ``columns`` (field alone when no label is known).

    Examples
    --------
    >>> bilingual_headers(["adcode", "area_km2", "xyz"])
    ['行政区划代码 adcode', '面积(km²) area_km2', 'xyz']
    """
    lab = dict(FIELD_ZH)
    lab.update(labels or {})
    return [f"{lab[c]} {c}" if c in lab else str(c) for c in columns]


def field_names(headers: Sequence[str]) -> list[str]:
    """The ASCII field names of bilingual headers (the last word of each).

    Examples
    --------
    >>> field_names(["面积(km²) area_km2", "xyz"])
    ['area_km2', 'xyz']
    """
    return [str(h).split()[-1] if str(h).split() else str(h) for h in headers]


def write_table(df: pd.DataFrame, path: str | Path, *, overwrite: bool = False,
                headers: Literal["bilingual", "fields"] = "bilingual",
                labels: Mapping[str, str] | None = None, sheet_name: str = "summary"
                ) -> Path:
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
    sheet_name : str
        Worksheet name for XLSX.

    Examples
    --------
    >>> import os, tempfile
    >>> p = write_table(pd.DataFrame({"adcode": [540102]}),
    ...                 os.path.join(tempfile.mkdtemp(), "t.csv"))
    >>> open(p, encoding="utf-8-sig").read().splitlines()[0]
    '行政区划代码 adcode'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise GisxzError(f"table output {path} must end in .csv or .xlsx")
    table = pd.DataFrame(df).copy()
    if isinstance(df, gpd.GeoDataFrame):
        table = table.drop(columns=[df.geometry.name])
    table = table.drop(columns=[c for c in table.columns
                                if table[c].map(lambda v: isinstance(v, shapely.Geometry)).any()])
    for col in table.columns:
        if table[col].map(lambda v: isinstance(v, list | tuple | set)).any():
            table[col] = table[col].map(lambda v: ";".join(map(str, v))
                                        if isinstance(v, list | tuple | set) else v)
    if headers == "bilingual":
        table.columns = bilingual_headers([str(c) for c in table.columns], labels=labels)
    elif headers != "fields":
        raise GisxzError(f"headers={headers!r}: use 'bilingual' or 'fields'")
    with atomic_output(path, overwrite=overwrite) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                table.to_excel(xw, index=False, sheet_name=sheet_name)
                ws = xw.sheets[sheet_name]
                ws.freeze_panes = "A2"
                for j, col in enumerate(table.columns, start=1):
                    width = max([len(str(col))] + [len(str(v)) for v in table.iloc[:200, j - 1]])
                    ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = \
                        min(60, max(8, width + 2))
    log.info("wrote %s (%d rows)", path, len(table))
    return path
